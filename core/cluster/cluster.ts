/**
 * Cluster: N brokers (ids 0..N-1) in one process, their controller and
 * metadata log, and the engine's public API. Everything the UI, the API layer
 * and tests do goes through here; the Kafka protocol server talks to brokers
 * directly (`broker(id)`) because a client's request is addressed to one.
 *
 * Opening a data dir: every `broker-<id>/` store is opened, the metadata log
 * is recovered from their copies (metadata-log.ts), every broker replays it
 * and loads its replicas (reading no record), then registers with the
 * controller, which gives leaderless partitions a leader. A new data dir
 * gets a cluster id and `brokers` brokers.
 *
 * A broker whose store cannot open, or fails while running (a full or failing
 * disk takes its log dir offline), is left stopped with its `failure` shown;
 * the other brokers start and serve. A log dir taken offline is probed with
 * backoff and the broker restarts by itself once writes succeed again.
 *
 * Single-threaded: the whole engine runs on one event loop; LevelDB does its
 * I/O on libuv's pool. Nothing here blocks the loop for longer than one batch.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KafkaError } from '../errors';
import { FileLogger, nullLogger, type EngineLogger } from '../logger';
import { Broker } from './broker';
import { ClusterViews } from './cluster-views';
import { Controller } from './controller';
import type { ElectionOutcome, ElectionSelection, ElectionType } from './leader-election';
import { DEFAULT_SNAPSHOT_INTERVAL_RECORDS, MetadataLog } from './metadata-log';
import type { MetadataRecord, TopicImage } from './metadata-image';
import type { Partition } from './partition';
import { BrokerStore, type DamagedReplica } from '../storage/broker-store';
import { partitionKey } from '../storage/keys';
import { Partitioner } from './partitioner';
import { RecordReader } from './record-reader';
import type { ReadableReplicas, RunningReplicas } from './replica-access';
import { clusterScanSource, scanClusterRecords, type RecordScanOptions, type ScanOutcome } from './record-search';
import { scanFiltered } from './filter-scan';
import type { CleanerQueue } from './cleaner-queue';
import { LogCleaner } from './log-cleaner';
import { ReplicationScheduler } from './replication-scheduler';
import { ThroughputMeter, type ThroughputRates, type TopicActivity } from './throughput';
import { describeBrokerConfigs, topicConfigSynonyms, type StaticBrokerConfigs } from './broker-configs';
import { describeTopicConfigs, isInternalTopic } from './topic-configs';
import { buildBatch } from '../record';
import type {
  Acks,
  BrokerState,
  ClusterEvents,
  ClusterState,
  ConfigEntry,
  CreateTopicOptions,
  DecodedRecord,
  OffsetSpec,
  PartitionFilter,
  PartitionPage,
  PartitionState,
  PreferredElection,
  ProduceRecord,
  ReadRecordsOptions,
  TopicDescription,
  TopicDetails,
  TopicSummary,
} from './types';

export interface ClusterOptions {
  dataDir: string;
  /** Brokers of a new cluster (1..9, default 3); an existing data dir keeps its own count. */
  brokers?: number;
  host?: string;
  /** Kafka's replica.lag.time.max.ms (default 30 s). */
  replicaLagTimeMaxMs?: number;
  /** How often leadership moves back to preferred replicas (Kafka: 300 s; shorter suits a sandbox). */
  leaderBalanceIntervalMs?: number;
  /** How often the log cleaner enforces retention and compaction (Kafka: 300 s). */
  logCleanerIntervalMs?: number;
  /** num.partitions and default.replication.factor for auto-created topics. */
  defaultPartitions?: number;
  defaultReplicationFactor?: number;
  /** The engine log (core/logger.ts): default `<dataDir>/logs/noticeboard.log`; null writes none. */
  logFile?: string | null;
  /** Fewest metadata records between two metadata snapshots (default 1,000; see metadata-log.ts). */
  metadataSnapshotIntervalRecords?: number;
  /** The time the ISR check measures replica.lag.time.max.ms against (default Date.now; tests inject one). */
  clock?: () => number;
}

const MAX_BROKERS = 9;
/** Probing an offline log dir: first retry, and the longest wait between two. */
const LOG_DIR_PROBE_FIRST_MS = 500;
const LOG_DIR_PROBE_MAX_MS = 30_000;
const LOG_DIR_PROBE_BYTES = 1024 * 1024;

/** Producer ids reserved per metadata record. */
const PRODUCER_ID_BLOCK = 1000;

export class Cluster extends EventEmitter<ClusterEvents> implements ReadableReplicas, RunningReplicas {
  /** Broker `id` at index id. Private: other layers reach brokers and replicas through the accessors below. */
  private readonly brokersList: Broker[] = [];
  readonly meter = new ThroughputMeter();
  /** Each broker's share of `meter` (its counts go to both), by broker id. */
  private readonly brokerMeters = new Map<number, ThroughputMeter>();
  readonly host: string;
  /** Where background failures go (see core/logger.ts). */
  readonly logger: EngineLogger;
  private log!: MetadataLog;
  private controller!: Controller;
  private controllerId = -1;
  private readonly partitioner = new Partitioner();
  private readonly reader: RecordReader;
  private readonly cleaner: LogCleaner;
  private balanceTimer: NodeJS.Timeout | null = null;
  /** Static broker configs hosts add (the Kafka listeners: listeners, advertised.listeners, ...). */
  private readonly staticConfigs = new Set<StaticBrokerConfigs>();
  private readonly replication: ReplicationScheduler;
  private readonly views: ClusterViews;
  private closed = false;
  private lifecycle: Promise<unknown> = Promise.resolve();

  private constructor(readonly options: Required<Omit<ClusterOptions, 'host'>> & { host: string }) {
    super();
    this.host = options.host;
    this.logger = options.logFile ? new FileLogger(options.logFile) : nullLogger;
    this.replication = new ReplicationScheduler(options.replicaLagTimeMaxMs, this.logger);
    this.reader = new RecordReader(this);
    this.cleaner = new LogCleaner(this, options.logCleanerIntervalMs);
    this.views = new ClusterViews({
      clusterId: () => this.clusterId,
      controllerId: () => this.controllerId,
      metadataOffset: () => this.metadataOffset,
      host: options.host,
      image: () => this.anyImage(),
      brokers: () => this.brokersList,
      topicImage: (name) => this.topicImage(name),
      replicaOn: (t, partition, brokerId) => this.replicaOn(t, partition, brokerId),
      readableReplica: (t, partition) => this.readableReplica(t, partition),
    });
  }

  static async open(opts: ClusterOptions): Promise<Cluster> {
    if (!opts || typeof opts.dataDir !== 'string' || opts.dataDir.length === 0)
      throw new KafkaError('INVALID_REQUEST', 'dataDir is required');
    mkdirSync(opts.dataDir, { recursive: true });
    const existing = existsSync(opts.dataDir)
      ? readdirSync(opts.dataDir)
          .map((n) => /^broker-(\d+)$/.exec(n))
          .filter((m) => m)
          .map((m) => Number(m![1]))
      : [];
    const count = existing.length > 0 ? Math.max(...existing) + 1 : (opts.brokers ?? 3);
    if (!Number.isInteger(count) || count < 1 || count > MAX_BROKERS)
      throw new KafkaError('INVALID_REQUEST', `A cluster has 1 to ${MAX_BROKERS} brokers; got ${count}`);
    const cluster = new Cluster({
      dataDir: opts.dataDir,
      brokers: count,
      host: opts.host ?? '127.0.0.1',
      replicaLagTimeMaxMs: opts.replicaLagTimeMaxMs ?? 30_000,
      leaderBalanceIntervalMs: opts.leaderBalanceIntervalMs ?? 10_000,
      logCleanerIntervalMs: opts.logCleanerIntervalMs ?? 15_000,
      defaultPartitions: opts.defaultPartitions ?? 1,
      defaultReplicationFactor: opts.defaultReplicationFactor ?? Math.min(3, count),
      logFile: opts.logFile === undefined ? join(opts.dataDir, 'logs', 'noticeboard.log') : opts.logFile,
      metadataSnapshotIntervalRecords: opts.metadataSnapshotIntervalRecords ?? DEFAULT_SNAPSHOT_INTERVAL_RECORDS,
      clock: opts.clock ?? Date.now,
    });
    await cluster.boot();
    return cluster;
  }

  private brokerMeter(id: number): ThroughputMeter {
    let m = this.brokerMeters.get(id);
    if (!m) this.brokerMeters.set(id, (m = new ThroughputMeter(this.meter)));
    return m;
  }

  private newBroker(id: number): Broker {
    return new Broker(id, this.options.dataDir, {
      // Brokers open in any order: a leader whose broker is not up yet is "not available yet", never an error.
      lookup: (leaderId, key) => this.replicaByKey(leaderId, key),
      // Proposed from background paths (fetches, the lag check): a failure is logged and proposed again later.
      isr: {
        requestIsrChange: (p, isr) =>
          this.controller
            .requestIsrChange(p, isr)
            .catch((e: unknown) => this.logger.warn('isr', `ISR change of ${p.topic.name}-${p.index} failed`, e)),
      },
      onHighWatermark: (p) =>
        this.emit('highWatermark', { topic: p.topic.name, partition: p.index, highWatermark: p.log.highWatermark }),
      onMetadataApplied: (b, r) => this.onMetadataApplied(b, r),
      onReplicaDamaged: (b, log, reason) => this.onReplicaDamaged(b, log, reason),
      onStoreFailure: (b, reason) => this.onStoreFailure(b, reason),
      replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs,
      clock: this.options.clock,
      meter: this.brokerMeter(id),
      logger: this.logger,
      scheduler: this.replication,
    });
  }

  private async boot(): Promise<void> {
    for (let id = 0; id < this.options.brokers; id++) this.brokersList.push(this.newBroker(id));
    const opened = await Promise.allSettled(this.brokersList.map((b) => b.openStore()));
    const failedOpen = opened.flatMap((r, id) => (r.status === 'rejected' ? [{ id, err: r.reason as Error }] : []));
    if (failedOpen.length === this.brokersList.length) throw failedOpen[0]!.err;
    for (const { id, err } of failedOpen) this.warn(`Broker ${id} cannot start: ${err.message}`);
    const autoCreateDefault = (name: 'num.partitions' | 'default.replication.factor') => this.autoCreateDefault(name);
    const stores = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    this.log = await MetadataLog.recover(stores, {
      snapshotIntervalRecords: this.options.metadataSnapshotIntervalRecords,
      warn: (message, err) => this.logger.warn('metadata-log', message, err),
    });
    this.controller = new Controller({
      log: this.log,
      image: () => this.brokersList[this.controllerId]!.image,
      replicas: () => this.brokersList.filter((b) => b.status !== 'stopped'),
      liveBrokerIds: () =>
        this.brokersList.filter((b) => b.status === 'running' || b.status === 'starting').map((b) => b.id),
      replicaHealth: (id, topicId, partition) => {
        const log = this.replicaByKey(id, partitionKey(topicId, partition))?.log;
        return log ? { unclean: log.unclean !== null, needsReset: log.needsReset } : undefined;
      },
      get defaultPartitions() {
        return autoCreateDefault('num.partitions');
      },
      get defaultReplicationFactor() {
        return autoCreateDefault('default.replication.factor');
      },
    });
    if (this.log.nextOffset === 0) {
      const clusterId = randomBytes(16).toString('base64url');
      // No broker has started yet: the first records only need to reach every store.
      const copies = this.brokersList
        .filter((b) => b.failure === null)
        .map((b) => ({ id: b.id, store: b.store, isUp: true, applyMetadata: async () => undefined }));
      await this.log.append(
        [
          { type: 'Cluster', clusterId, brokers: this.options.brokers },
          ...this.brokersList.map((b) => ({ type: 'RegisterBroker' as const, brokerId: b.id })),
        ],
        copies,
      );
    }
    // The folder of a higher-numbered broker may be gone: the metadata knows how many there are.
    const declared = this.log.cloneImage().brokerCount;
    if (declared > this.brokersList.length) {
      while (this.brokersList.length < Math.min(declared, MAX_BROKERS)) {
        const b = this.newBroker(this.brokersList.length);
        this.brokersList.push(b);
        await b.openStore().catch((err: Error) => this.warn(`Broker ${b.id} cannot start: ${err.message}`));
      }
    }
    const starting = this.brokersList.filter((b) => b.failure === null);
    for (const b of starting) {
      try {
        await b.start(this.log);
        this.reportUnclean(b);
      } catch (err) {
        this.warn(`Broker ${b.id} cannot start: ${(err as Error).message}`);
      }
    }
    const started = starting.filter((b) => b.status === 'starting');
    if (started.length === 0)
      throw new KafkaError(
        'KAFKA_STORAGE_ERROR',
        `No broker could start: ${this.brokersList.map((b) => `broker ${b.id}: ${b.failure}`).join('; ')}`,
      );
    for (const b of started) {
      this.electController();
      await this.controller.brokerStarted(b.id, b.incarnationId);
      b.status = 'running';
      this.emit('broker', this.views.brokerState(b));
    }
    // Brokers that could not start leave the ISRs now rather than after replica.lag.time.max.ms.
    for (const b of this.brokersList) if (b.status === 'stopped') await this.controller.brokerGone(b.id);
    this.balanceTimer = setInterval(() => {
      if (this.controllerId >= 0) {
        void this.controller
          .balanceLeaders()
          .catch((e: unknown) => this.logger.warn('leader-balancer', 'Preferred leader election failed', e));
      }
    }, this.options.leaderBalanceIntervalMs);
    this.balanceTimer.unref();
    this.cleaner.start();
  }

  /** The running broker with the lowest id is the controller; a change bumps the controller epoch. */
  private electController(): void {
    const next = this.brokersList.find((b) => b.status === 'running' || b.status === 'starting')?.id ?? -1;
    if (next !== this.controllerId) {
      this.controllerId = next;
      if (next >= 0) this.log.controllerEpoch++;
    }
  }

  /** Events go out once the last running broker has applied the record, so listeners see every broker's new state. */
  private onMetadataApplied(b: Broker, r: MetadataRecord): void {
    const last = this.brokersList.filter((x) => x.status !== 'stopped').at(-1);
    if (b !== last) return;
    this.emit('metadata', { offset: this.log.nextOffset - 1, type: r.type });
    if (r.type === 'Partition' || r.type === 'PartitionChange') {
      const t = b.image.topicsById.get(r.topicId);
      if (t) this.emit('partition', this.partitionState(t, r.partition));
    }
  }

  get clusterId(): string {
    return this.anyImage().clusterId;
  }

  get brokerCount(): number {
    return this.brokersList.length;
  }

  get metadataOffset(): number {
    return this.log.nextOffset - 1;
  }

  /** The image of a running broker (all running brokers hold the same one). */
  private anyImage() {
    const b = this.brokersList[this.controllerId] ?? this.brokersList.find((x) => x.status !== 'stopped');
    if (!b) throw new KafkaError('BROKER_NOT_AVAILABLE', 'Every broker is stopped; start one first');
    return b.image;
  }

  private requireController(): Controller {
    this.assertOpen();
    if (this.controllerId < 0)
      throw new KafkaError('NOT_CONTROLLER', 'No broker is running, so there is no controller; start a broker first');
    return this.controller;
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'The cluster is closed');
  }

  /** Every broker, by id: a copy, so no caller can add, drop or reorder the cluster's brokers. */
  allBrokers(): readonly Broker[] {
    return [...this.brokersList];
  }

  /** Whether broker `id` exists (ids are 0 to brokerCount - 1). */
  hasBroker(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.brokersList.length;
  }

  /** The Kafka listeners report the port broker `id` listens on (null: not listening); brokers() shows it. */
  setListenerPort(id: number, port: number | null): void {
    const b = this.brokersList[id];
    b?.setListenerPort(port);
  }

  /**
   * Broker `brokerId`'s replica of a partition while that broker is up (starting, running or stopping);
   * undefined when the broker is stopped, does not exist, or hosts no replica of it. Never throws.
   */
  replicaOn(topic: TopicImage, partition: number, brokerId: number): Partition | undefined {
    return this.replicaByKey(brokerId, partitionKey(topic.topicId, partition));
  }

  private replicaByKey(brokerId: number, key: string): Partition | undefined {
    return this.brokersList[brokerId]?.replicasIfReady?.partitions.get(key);
  }

  /**
   * The replica views and people's reads use: the leader's, else the first replica in assignment order whose
   * broker is up, so a partition's data stays inspectable while it has no leader; null when no broker holding
   * a replica is up. Throws UNKNOWN_TOPIC_OR_PARTITION for a topic or partition that does not exist.
   */
  readableReplica(topic: string | TopicImage, partition: number): Partition | null {
    const t = typeof topic === 'string' ? this.topicImage(topic) : topic;
    const img = Number.isInteger(partition) ? t.partitions[partition] : undefined;
    if (!img)
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${partition} of topic ${t.name} does not exist (it has ${t.partitions.length})`,
      );
    const leader = img.leader >= 0 ? this.replicaOn(t, partition, img.leader) : undefined;
    if (leader) return leader;
    for (const id of img.replicas) {
      const p = this.replicaOn(t, partition, id);
      if (p) return p;
    }
    return null;
  }

  broker(id: number): Broker {
    const b = Number.isInteger(id) ? this.brokersList[id] : undefined;
    if (!b)
      throw new KafkaError(
        'BROKER_NOT_AVAILABLE',
        `There is no broker ${id}; brokers are 0 to ${this.brokersList.length - 1}`,
      );
    return b;
  }

  topicImage(name: string): TopicImage {
    const t = this.anyImage().topic(name);
    if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${name} does not exist`);
    return t;
  }

  /** The partition's leader replica, wherever it runs. */
  leaderOf(topic: string, partition: number): Partition {
    const t = this.topicImage(topic);
    const p = Number.isInteger(partition) ? t.partitions[partition] : undefined;
    if (!p)
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${partition} of topic ${topic} does not exist (it has ${t.partitions.length})`,
      );
    if (p.leader < 0)
      throw new KafkaError(
        'LEADER_NOT_AVAILABLE',
        `Partition ${topic}-${partition} has no leader: its in-sync replicas (${p.isr.join(', ')}) are all down`,
      );
    return this.broker(p.leader).replicas.leaderPartition(topic, partition);
  }

  // ---- observation -------------------------------------------------------

  /** Counted from the image alone (no replica is looked at), so it stays cheap at tens of thousands of partitions. */
  describeCluster(): ClusterState {
    return this.views.describeCluster();
  }

  brokers(): BrokerState[] {
    return this.views.brokers();
  }

  partitionState(t: TopicImage, index: number): PartitionState {
    return this.views.partitionState(t, index);
  }

  partitions(topic: string): PartitionState[] {
    return this.views.partitions(topic);
  }

  /** One page of a topic's partitions (cluster-views.ts): only the page's states are built. */
  partitionPage(topic: string, opts: { offset: number; limit: number; filter?: PartitionFilter }): PartitionPage {
    return this.views.partitionPage(topic, opts);
  }

  listTopics(opts: { includeInternal?: boolean } = {}): TopicSummary[] {
    return this.views.listTopics(opts);
  }

  describeTopic(name: string): TopicDescription {
    const t = this.topicImage(name);
    return { ...this.views.summary(t), configs: this.describeConfigs(name), partitionStates: this.partitions(name) };
  }

  /** describeTopic without the partition states: what a view of a topic with thousands of partitions loads first. */
  topicDetails(name: string): TopicDetails {
    const t = this.topicImage(name);
    return { ...this.views.summary(t), configs: this.describeConfigs(name) };
  }

  /**
   * A topic's configs; with `brokerId`, broker-level values as that broker applies them (else the cluster-wide ones).
   */
  describeConfigs(topic: string, brokerId: number | null = null): ConfigEntry[] {
    return describeTopicConfigs(
      this.topicImage(topic).configs,
      topicConfigSynonyms(this.anyImage().brokerConfigs, brokerId),
    );
  }

  // ---- broker configs (broker-configs.ts) ---------------------------------

  /**
   * Adds static broker configs a host started with (the Kafka listeners do); returns the function that removes them.
   */
  addStaticBrokerConfigs(provider: StaticBrokerConfigs): () => void {
    this.staticConfigs.add(provider);
    return () => this.staticConfigs.delete(provider);
  }

  private staticBrokerConfigs(brokerId: number | null): Record<string, string> {
    const o = this.options;
    const out: Record<string, string> = {
      'num.partitions': String(o.defaultPartitions),
      'default.replication.factor': String(o.defaultReplicationFactor),
      'replica.lag.time.max.ms': String(o.replicaLagTimeMaxMs),
      'log.retention.check.interval.ms': String(o.logCleanerIntervalMs),
      'leader.imbalance.check.interval.seconds': String(Math.max(1, Math.round(o.leaderBalanceIntervalMs / 1000))),
      'process.roles': 'broker,controller',
    };
    if (brokerId !== null) {
      out['broker.id'] = out['node.id'] = String(brokerId);
      out['log.dirs'] = this.broker(brokerId).path;
    }
    for (const p of this.staticConfigs) Object.assign(out, p(brokerId));
    return out;
  }

  /** A broker's configs, or with null the cluster-wide level, each with its source and synonyms. */
  describeBrokerConfigs(brokerId: number | null = null): ConfigEntry[] {
    if (brokerId !== null) this.broker(brokerId);
    return describeBrokerConfigs(this.anyImage().brokerConfigs, this.staticBrokerConfigs(brokerId), brokerId);
  }

  /** The dynamic broker configs set for one broker, or with null cluster-wide. */
  brokerConfigOverrides(brokerId: number | null = null): Record<string, string> {
    return { ...this.anyImage().brokerConfigs.get(brokerId === null ? '' : String(brokerId)) };
  }

  /**
   * Sets or removes dynamic broker configs of one broker, or with null cluster-wide; returns that level's configs
   * after.
   */
  async alterBrokerConfigs(
    brokerId: number | null,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly = false,
  ): Promise<ConfigEntry[]> {
    const resource = brokerId === null ? '' : String(brokerId);
    await this.requireController().alterBrokerConfigs(
      resource,
      changes?.set ?? {},
      changes?.delete ?? [],
      validateOnly,
    );
    return this.describeBrokerConfigs(brokerId);
  }

  /** num.partitions / default.replication.factor as the controller applies them to topics created without them. */
  private autoCreateDefault(name: 'num.partitions' | 'default.replication.factor'): number {
    const dynamic = this.brokersList[this.controllerId]?.image.brokerConfigs.get('')?.[name];
    if (dynamic !== undefined) return Number(dynamic);
    return name === 'num.partitions' ? this.options.defaultPartitions : this.options.defaultReplicationFactor;
  }

  metrics(): ThroughputRates {
    return this.meter.rates();
  }

  /** One broker's rates: messages and bytes appended to the partitions it leads, and fetched from it. */
  brokerMetrics(id: number): ThroughputRates | null {
    return this.brokerMeters.get(id)?.rates() ?? null;
  }

  /** A topic's messages in per second and its last append since the app started (ThroughputMeter). */
  topicActivity(topic: string): TopicActivity {
    return this.meter.topicActivity(topic);
  }

  // ---- administration ----------------------------------------------------

  /** The new topic without its partition states (page them with partitionPage). */
  async createTopic(opts: CreateTopicOptions): Promise<TopicDetails> {
    if (!opts || typeof opts !== 'object')
      throw new KafkaError('INVALID_REQUEST', 'createTopic needs {name, partitions?, replicationFactor?, configs?}');
    await this.requireController().createTopic(opts);
    if (opts.validateOnly) {
      const partitions = opts.assignments?.length ?? opts.partitions ?? this.autoCreateDefault('num.partitions');
      return {
        name: opts.name,
        topicId: '',
        internal: isInternalTopic(opts.name),
        partitions,
        replicationFactor:
          opts.assignments?.[0]?.length ??
          opts.replicationFactor ??
          this.autoCreateDefault('default.replication.factor'),
        messages: 0,
        bytesOnDisk: 0,
        underReplicatedPartitions: 0,
        offlinePartitions: 0,
        cleanupPolicy: opts.configs?.['cleanup.policy'] ?? 'delete',
        configs: describeTopicConfigs(opts.configs ?? {}),
      };
    }
    return this.topicDetails(opts.name);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.requireController().deleteTopic(name);
    this.meter.forgetTopic(name);
  }

  /** Grows a topic; `assignments` optionally places the new partitions' replicas (one broker list each). */
  async createPartitions(
    topic: string,
    totalCount: number,
    validateOnly = false,
    assignments?: number[][],
  ): Promise<void> {
    await this.requireController().createPartitions(topic, totalCount, validateOnly, assignments);
  }

  async alterConfigs(
    topic: string,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly = false,
  ): Promise<ConfigEntry[]> {
    return this.requireController().alterConfigs(topic, changes?.set ?? {}, changes?.delete ?? [], validateOnly);
  }

  async deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ lowWatermark: number }> {
    this.assertOpen();
    const leader = this.leaderOf(topic, partition);
    const lowWatermark = await this.broker(leader.brokerId).replicas.deleteRecords(topic, partition, beforeOffset);
    return { lowWatermark };
  }

  // ---- data ------------------------------------------------------------

  /**
   * Produces records: keyed ones go where the Java client would put them
   * (murmur2), keyless ones to one partition per call (sticky, rotating).
   * Returns each record's partition and offset, in input order.
   */
  async produce(
    topic: string,
    records: ProduceRecord[],
    opts: { acks?: Acks; timeoutMs?: number } = {},
  ): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    this.assertOpen();
    if (!Array.isArray(records) || records.length === 0)
      throw new KafkaError('INVALID_RECORD', 'produce needs at least one record');
    const acks = opts.acks ?? -1;
    if (acks !== 0 && acks !== 1 && acks !== -1)
      throw new KafkaError('INVALID_REQUIRED_ACKS', `acks must be 0, 1 or -1 (all); got ${String(acks)}`);
    const t = this.topicImage(topic);
    const groups = new Map<number, number[]>();
    const now = Date.now();
    this.partitioner.nextCall();
    records.forEach((r, i) => {
      const partition = this.partitioner.partition(t, r);
      let g = groups.get(partition);
      if (!g) groups.set(partition, (g = []));
      g.push(i);
    });
    const out: Array<{ partition: number; offset: number; timestamp: number }> = new Array(records.length);
    await Promise.all(
      [...groups].map(async ([partition, idxs]) => {
        const batch = buildBatch({
          records: idxs.map((i) => ({ ...records[i]!, timestamp: records[i]!.timestamp ?? now })),
        });
        const res = await this.produceBatch(topic, partition, batch, { acks, timeoutMs: opts.timeoutMs });
        idxs.forEach((recordIndex, j) => {
          out[recordIndex] = {
            partition,
            offset: res.baseOffset + j,
            timestamp: res.logAppendTime >= 0 ? res.logAppendTime : (records[recordIndex]!.timestamp ?? now),
          };
        });
      }),
    );
    return out;
  }

  /** The wire path: ready-made record batches for one partition, validated and stored as they are. */
  async produceBatch(
    topic: string,
    partition: number,
    records: Buffer,
    opts: { acks?: Acks; timeoutMs?: number } = {},
  ): Promise<{ partition: number; baseOffset: number; logAppendTime: number; logStartOffset: number }> {
    this.assertOpen();
    const leader = this.leaderOf(topic, partition);
    const res = await this.broker(leader.brokerId).replicas.produce(
      topic,
      partition,
      records,
      opts.acks ?? -1,
      opts.timeoutMs ?? 30_000,
    );
    return { partition, ...res };
  }

  async fetch(
    topic: string,
    partition: number,
    offset: number,
    opts: { maxBytes?: number; maxWaitMs?: number; minBytes?: number } = {},
  ): Promise<{
    records: Buffer;
    batches: Buffer[];
    highWatermark: number;
    logStartOffset: number;
    lastStableOffset: number;
  }> {
    this.assertOpen();
    if (!Number.isInteger(offset) || offset < 0)
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `Fetch offset must be a non-negative integer; got ${offset}`);
    const leader = this.leaderOf(topic, partition);
    const maxBytes = opts.maxBytes ?? 1024 * 1024;
    const [r] = await this.broker(leader.brokerId).replicas.fetch([{ topic, partition, offset, maxBytes }], {
      maxWaitMs: opts.maxWaitMs ?? 0,
      minBytes: opts.minBytes ?? 1,
      maxBytes,
    });
    if (r!.error) throw r!.error;
    return {
      records: r!.batches.length === 1 ? r!.batches[0]! : Buffer.concat(r!.batches),
      batches: r!.batches,
      highWatermark: r!.highWatermark,
      logStartOffset: r!.logStartOffset,
      lastStableOffset: r!.lastStableOffset,
    };
  }

  readRecords(opts: ReadRecordsOptions): Promise<DecodedRecord[]> {
    this.assertOpen();
    return this.reader.read(opts);
  }

  /**
   * Stored batches from the one holding `from` of a partition's leader (or any running replica), oldest first,
   * at least up to the one holding `to - 1` (the last may reach past it: callers stop there); exports read these.
   */
  recordBatches(topic: string, partition: number, from: number, to: number): AsyncIterator<Buffer[]> | null {
    this.assertOpen();
    const p = clusterScanSource(this).open(topic, partition);
    // The log reads whole batches below its bound: the bound is the high watermark so a batch across `to` comes too.
    return p ? p.chunks(from, Math.max(to, p.highWatermark), 'forward') : null;
  }

  /**
   * The message browser's search: scans stored batches for text, a pattern (record-search.ts) or a filter expression
   * (filter-scan.ts).
   */
  scanRecords(opts: RecordScanOptions): Promise<ScanOutcome> {
    this.assertOpen();
    return opts.query.mode === 'filter' ? scanFiltered(clusterScanSource(this), opts) : scanClusterRecords(this, opts);
  }

  async listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<{ offset: number; timestamp: number }> {
    this.assertOpen();
    const leader = this.leaderOf(topic, partition);
    return this.broker(leader.brokerId).replicas.listOffset(topic, partition, spec);
  }

  // ---- broker lifecycle ----------------------------------------------------

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.lifecycle.then(fn, fn);
    this.lifecycle = p.catch(() => undefined);
    return p;
  }

  /** Graceful stop: leadership moves away first (controlled shutdown), then the broker closes cleanly. */
  stopBroker(id: number): Promise<void> {
    return this.serial(async () => {
      this.assertOpen();
      const b = this.broker(id);
      if (b.status !== 'running')
        throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${id} is ${b.status}, not running`);
      b.status = 'stopping';
      this.emit('broker', this.views.brokerState(b));
      await this.controller.brokerGone(id);
      await b.shutdown(false);
      this.electController();
      this.emit('broker', this.views.brokerState(b));
      this.emit('metadata', { offset: this.metadataOffset, type: 'BrokerStopped' });
    });
  }

  /** Abrupt stop: in-memory state dropped, queued writes lost; the controller reacts afterwards. */
  killBroker(id: number): Promise<void> {
    return this.serial(async () => {
      this.assertOpen();
      const b = this.broker(id);
      if (b.status !== 'running')
        throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${id} is ${b.status}, not running`);
      await b.shutdown(true);
      this.electController();
      if (this.controllerId >= 0) await this.controller.brokerGone(id);
      this.emit('broker', this.views.brokerState(b));
      this.emit('metadata', { offset: this.metadataOffset, type: 'BrokerKilled' });
    });
  }

  startBroker(id: number): Promise<void> {
    return this.serial(async () => {
      this.assertOpen();
      const b = this.broker(id);
      if (b.status !== 'stopped') throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${id} is already ${b.status}`);
      this.emit('broker', { ...this.views.brokerState(b), status: 'starting' });
      // Catch up and join inside the controller's queue, so no metadata commit is missed in between.
      try {
        await this.controller.run(() => b.start(this.log));
        this.reportUnclean(b);
      } catch (err) {
        this.warn(`Broker ${id} cannot start: ${(err as Error).message}`);
        this.emit('broker', this.views.brokerState(b));
        throw err;
      }
      this.electController();
      await this.controller.brokerStarted(id, b.incarnationId);
      b.status = 'running';
      this.emit('broker', this.views.brokerState(b));
      this.emit('metadata', { offset: this.metadataOffset, type: 'BrokerStarted' });
    });
  }

  private reportUnclean(b: Broker): void {
    const unclean = b.uncleanReplicas();
    if (unclean.length === 0) return;
    this.warn(
      `Broker ${b.id}: ${unclean.length} replica(s) lost data and are refilled from their leaders before they may ` +
        `lead or rejoin the ISR (${unclean[0]!.reason})`,
    );
  }

  /** Storage warnings (a damaged store, an offline log dir) go to the engine log and to stderr. */
  private warn(message: string): void {
    this.logger.warn('storage', message);
    process.stderr.write(`noticeboard: ${message}\n`);
  }

  /**
   * A read found one replica's stored data damaged: it stops leading at
   * once, leaves the ISR, and is refilled from the new leader.
   */
  private onReplicaDamaged(b: Broker, log: DamagedReplica, reason: string): void {
    this.warn(`Broker ${b.id}: ${reason}; the replica leaves the ISR and is refilled from the leader`);
    if (b.status === 'stopped' || this.closed) return;
    const p = b.replicas.partitions.get(log.key);
    if (!p) return;
    log.markUnclean(reason, p.leaderEpoch);
    const img = b.image.topicsById.get(p.topic.topicId)?.partitions[p.index];
    if (img) void b.replicas.reconcilePartition(p.topic, img).catch(() => undefined);
    if (this.controllerId >= 0)
      void this.controller.replicaDamaged(b.id, p.topic.topicId, p.index).catch(() => undefined);
  }

  /**
   * A write failed for an I/O reason (a full disk): the broker's log dir goes
   * offline, the broker stops as if killed (its replicas leave the ISRs,
   * leadership moves), and it comes back by itself once the dir takes writes again.
   */
  private onStoreFailure(b: Broker, reason: string): void {
    this.warn(
      `Broker ${b.id}: log dir ${b.path} is offline (${reason}); its replicas leave the ISRs until writes succeed ` +
        `again`,
    );
    b.logDirOffline = true;
    b.failure = `Log dir ${b.path} is offline: ${reason}`;
    void this.serial(async () => {
      if (this.closed || b.status !== 'running') return;
      await b.shutdown(true);
      b.logDirOffline = true;
      b.failure = `Log dir ${b.path} is offline: ${reason}`;
      this.electController();
      if (this.controllerId >= 0) await this.controller.brokerGone(b.id);
      this.emit('broker', this.views.brokerState(b));
      this.emit('metadata', { offset: this.metadataOffset, type: 'LogDirOffline' });
      if (/^Corruption:/.test(reason)) {
        // Not the device but the data (a damaged table file stops every compaction, so every write):
        // LevelDB's repair keeps what it can read, and every replica is refilled after it.
        this.warn(`Broker ${b.id}: repairing ${b.path} with LevelDB's repair; its replicas are refilled afterwards`);
        await BrokerStore.repair(b.path, reason);
      }
    })
      .catch((e: unknown) => this.logger.warn('storage', `Broker ${b.id}: taking log dir ${b.path} offline failed`, e))
      .finally(() => this.probeLogDir(b, LOG_DIR_PROBE_FIRST_MS));
  }

  /** Retries an offline log dir with backoff: a test write, then the broker's start. */
  private probeLogDir(b: Broker, delayMs: number): void {
    const timer = setTimeout(() => {
      if (this.closed || !b.logDirOffline || b.status !== 'stopped') return;
      const probe = join(b.path, 'write-probe.tmp');
      void writeFile(probe, Buffer.alloc(LOG_DIR_PROBE_BYTES))
        .then(() => unlink(probe))
        .then(() => this.startBroker(b.id))
        .then(() => this.warn(`Broker ${b.id}: log dir ${b.path} takes writes again; the broker is back`))
        .catch(() => {
          void unlink(probe).catch(() => undefined);
          if (b.status === 'stopped') {
            b.logDirOffline = true;
            this.probeLogDir(b, Math.min(delayMs * 2, LOG_DIR_PROBE_MAX_MS));
          }
        });
    }, delayMs);
    timer.unref();
  }

  /**
   * Sandbox fault: a running broker stops (or resumes) fetching as a follower,
   * as if cut off from the leaders; after replica.lag.time.max.ms it leaves the ISRs.
   */
  setReplicationPaused(id: number, paused: boolean): void {
    this.assertOpen();
    this.broker(id).replicas.replicationPaused = paused;
  }

  private producerIds = { next: 0, end: 0 };
  private producerIdBlock: Promise<void> | null = null;

  /**
   * A producer id never handed out before, even across restarts: ids come in
   * blocks reserved through the metadata log (as KRaft's AllocateProducerIds).
   */
  async allocateProducerId(): Promise<number> {
    for (;;) {
      this.assertOpen();
      if (this.producerIds.next < this.producerIds.end) return this.producerIds.next++;
      this.producerIdBlock ??= this.requireController()
        .allocateProducerIds(PRODUCER_ID_BLOCK)
        .then((first) => {
          this.producerIds = { next: first, end: first + PRODUCER_ID_BLOCK };
        })
        .finally(() => {
          this.producerIdBlock = null;
        });
      await this.producerIdBlock;
    }
  }

  /** Moves leaders back to preferred replicas now (also runs on a timer). */
  balanceLeaders(): Promise<number> {
    return this.requireController().balanceLeaders();
  }

  /** Preferred leader election for the partitions of `topics` (each must exist), or of every topic without. */
  electPreferredLeaders(topics?: string[]): Promise<PreferredElection> {
    const controller = this.requireController();
    const image = this.anyImage();
    for (const t of topics ?? [])
      if (!image.topicsByName.has(t))
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${t} does not exist`, { field: 'topics' });
    return controller.electPreferredLeaders(topics ? new Set(topics) : null);
  }

  /**
   * Kafka's ElectLeaders: PREFERRED or UNCLEAN election for the selected partitions (null: every partition), one
   * outcome each, unknown topics and partitions included (core/cluster/leader-election.ts has the rules).
   */
  electLeaders(type: ElectionType, selection: ElectionSelection): Promise<ElectionOutcome[]> {
    return this.requireController().electLeadersFor(type, selection);
  }

  /** Runs retention and compaction on every running broker now (also runs on a timer); returns the replicas due. */
  runLogCleaner(): Promise<number> {
    this.assertOpen();
    return this.cleaner.runOnce();
  }

  /**
   * Runs the ISR check and the high watermark checkpoint now, as their timers do; returns how many replicas each
   * looked at (both 0 on an idle cluster).
   */
  async runReplicationChecks(): Promise<{ isrChecked: number; checkpointed: number }> {
    this.assertOpen();
    return { isrChecked: this.replication.checkIsrNow(), checkpointed: await this.replication.checkpointNow() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.lifecycle;
    this.closed = true;
    if (this.balanceTimer) clearInterval(this.balanceTimer);
    await this.cleaner.stop();
    // Clean shutdown: every running broker's copy ends in a snapshot, so the next open replays only that.
    await this.log.snapshot(this.brokersList.filter((b) => b.status !== 'stopped'));
    for (const b of this.brokersList) await b.shutdown(false);
    this.replication.close();
    this.removeAllListeners();
  }

  /**
   * Requests waiting inside the engine: acks=all produces and long-polling
   * fetches, plus replica fetchers waiting for a retry. An idle cluster has none.
   */
  get waiterCount(): number {
    let n = this.replication.pendingRetries;
    for (const b of this.brokersList) n += b.replicasIfReady?.waiterCount ?? 0;
    return n;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Each running broker's queue of replicas for the log cleaner. */
  *cleanerQueues(): Iterable<CleanerQueue> {
    for (const b of this.brokersList) {
      if (b.status !== 'running' && b.status !== 'stopping') continue;
      yield b.replicas.cleanerQueue;
    }
  }

  /** Every running broker's replica of every partition (for consistency checks). */
  *runningReplicas(): Iterable<{ broker: Broker; partition: Partition }> {
    for (const b of this.brokersList) {
      if (b.status !== 'running' && b.status !== 'stopping') continue;
      for (const p of b.replicas.partitions.values()) yield { broker: b, partition: p };
    }
  }
}
