/**
 * `openRemoteCluster`: a remote Kafka cluster behind the engine ports
 * (ClusterPort and GroupsPort of core/service/engine-port.ts), so the API
 * and every view work over it unchanged. See README.md for the design.
 *
 * Rules a reader cannot see below:
 * - The synchronous queries (describeCluster, brokers, listTopics,
 *   partitions, partitionPage) read the metadata snapshot
 *   (metadata-cache.ts). It is loaded before `openRemoteCluster` resolves,
 *   every `metadataRefreshMs`, after each change made through the port, and
 *   on `refreshMetadata()`. Loads never overlap: a request for one while one
 *   runs is served by the next.
 * - Topics being looked at (read, searched, produced to, a described
 *   group's) have their latest offsets polled every second for a minute
 *   after the last look, so live tail and lag follow within a second; the
 *   rest follow the snapshot.
 * - Events, as the engine emits them: 'broker' when a broker appears,
 *   disappears or changes; 'partition' when a partition's leader, replicas
 *   or ISR change; 'metadata' when topics or partitions are added or
 *   removed (and with those changes); 'highWatermark' when a partition's
 *   high watermark grows.
 * - Configs (describeConfigs, topicDetails, describeBrokerConfigs) are
 *   asked of the cluster each time (the port allows a promise there).
 * - metrics(): messages in per second from high watermark growth between
 *   snapshots, bytes in from log-dir size growth; out rates are not
 *   observable from outside the cluster and read 0 (the Overview says so).
 *   topicActivity() and brokerMetrics() come from the rate sampler
 *   (rate-sampler.ts), which samples only what they were asked about in the
 *   last minute; brokerMetrics' out rates are null with words.
 */
import { EventEmitter } from 'node:events';
import { KafkaError } from '../errors';
import type { EngineLogger } from '../logger';
import { scanRecords, type RecordScanOptions, type ScanOutcome } from '../cluster/record-search';
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
} from '../cluster/types';
import { isInternalTopic } from '../cluster/topic-configs';
import type { EngineMetrics } from '../service/engine-port';
import { API_KEYS, ZERO_UUID } from '../protocol/index';
import { check, KafkaClient, type KnownBroker } from './client';
import { alterConfigs, describeBrokerConfigs, describeTopicConfigs, RESOURCE_BROKER, RESOURCE_TOPIC } from './configs';
import { electPreferredLeaders } from './elect';
import {
  brokerStates,
  clusterState,
  isOffline,
  isUnderReplicated,
  leadersOf,
  listOffsets,
  loadSnapshot,
  partitionState,
  topicOf,
  topicSummary,
  type CachedTopic,
  type Snapshot,
} from './metadata-cache';
import {
  fetchBatches,
  offsetForTimestamp,
  readRecords,
  remoteScanSource,
  RemoteProducer,
  type FetchedBatches,
  type RecordsContext,
} from './records';

/** Bytes per Fetch of an export: large enough that a wide partition streams in few round trips. */
const EXPORT_FETCH_BYTES = 8 * 1024 * 1024;
import { RemoteGroupAdmin, RemoteLagSampler } from './remote-groups';
import { OUT_NOT_OBSERVABLE, RemoteRateSampler, remoteRateIo } from './rate-sampler';
import type { BrokerThroughput } from '../api/api';
import type { RemoteCluster, RemoteClusterOptions, RemoteConnectionConfig } from './types';

const HOT_POLL_MS = 1000;
const HOT_FOR_MS = 60_000;
const SANDBOX_ONLY = 'acts on the Local sandbox only; a remote cluster is not stopped or started from here';

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A load's offsets were read when it started; a produce answered or a Fetch
 * made meanwhile may have seen later ones. Offsets only grow for a topic that
 * stayed the same (same id; with no ids, before Metadata v10, the same name),
 * so the larger of the two is kept.
 */
function keepNewerOffsets(prev: Snapshot, next: Snapshot): void {
  for (const t of next.topics.values()) {
    const old = prev.topics.get(t.name);
    if (!old || old.topicId !== t.topicId) continue;
    for (const p of t.partitions) {
      const o = old.partitions[p.partition];
      if (!o) continue;
      if (o.highWatermark > p.highWatermark) p.highWatermark = o.highWatermark;
      if (o.logStartOffset > p.logStartOffset && o.logStartOffset <= p.highWatermark)
        p.logStartOffset = o.logStartOffset;
    }
  }
}

class RemoteClusterImpl extends EventEmitter implements RemoteCluster {
  readonly remote = true as const;
  readonly logger?: EngineLogger;
  readonly admin: RemoteGroupAdmin;
  readonly lagSampler: RemoteLagSampler | null;
  readonly rateSampler: RemoteRateSampler;
  private snap!: Snapshot;
  private readonly seen = new Map<number, KnownBroker>();
  private metadataOffset = 0;
  private loading: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private hotTimer: NodeJS.Timeout | null = null;
  private readonly hot = new Map<string, number>();
  private polling = false;
  private closed = false;
  private readonly ctx: RecordsContext;
  private readonly producer: RemoteProducer;
  private rates: EngineMetrics = { messagesInPerSec: 0, messagesOutPerSec: 0, bytesInPerSec: 0, bytesOutPerSec: 0 };
  private lastTotals: { at: number; messages: number; bytes: number } | null = null;

  constructor(
    readonly client: KafkaClient,
    private readonly opts: RemoteClusterOptions,
  ) {
    super();
    this.setMaxListeners(0);
    this.logger = opts.logger;
    this.ctx = {
      client,
      snapshot: () => this.snapshot(),
      refresh: () => this.refreshMetadata(),
      onOffsets: (t, p, hw, ls) => this.updateOffsets(t, p, hw, ls),
      touch: (t) => this.touch(t),
    };
    this.producer = new RemoteProducer(this.ctx);
    const io = remoteRateIo(this.ctx);
    this.rateSampler = new RemoteRateSampler(
      () => this.snap,
      {
        ...io,
        // What a round reads moves the cached high watermarks too (live tail, lag).
        latestOffsets: async (leader, parts) => {
          const latest = await io.latestOffsets(leader, parts);
          for (const p of parts) {
            const o = latest.get(`${p.topic}\u0000${p.partition}`);
            if (o !== undefined) this.updateOffsets(p.topic, p.partition, o, -1);
          }
          return latest;
        },
      },
      { intervalMs: opts.rateSampleMs },
    );
    this.admin = new RemoteGroupAdmin({
      client,
      snapshot: () => this.snapshot(),
      touch: (t) => this.touch(t),
      records: this.ctx,
    });
    const lagMs = opts.lagSampleIntervalMs ?? 5000;
    this.lagSampler = lagMs > 0 ? new RemoteLagSampler(this.admin, lagMs, opts.maxSampledGroups ?? 20) : null;
    // A described group is one being looked at: sample its lag from then on.
    const describe = this.admin.describeGroup.bind(this.admin);
    this.admin.describeGroup = (groupId: string) => {
      this.lagSampler?.lookAt(groupId);
      return describe(groupId);
    };
  }

  async start(): Promise<void> {
    await this.load();
    const every = this.opts.metadataRefreshMs ?? 5000;
    this.timer = setInterval(() => {
      void this.refreshMetadata().catch((e: unknown) => this.logger?.warn('remote', 'Refreshing metadata failed', e));
    }, every);
    this.timer.unref();
    this.hotTimer = setInterval(() => void this.pollHot(), HOT_POLL_MS);
    this.hotTimer.unref();
    this.lagSampler?.start();
  }

  private snapshot(): Snapshot {
    if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'This remote cluster connection is closed');
    return this.snap;
  }

  get clusterId(): string {
    return this.snap?.clusterId ?? '';
  }

  // ---- the snapshot --------------------------------------------------------------------------

  refreshMetadata(): Promise<void> {
    if (this.closed)
      return Promise.reject(new KafkaError('BROKER_NOT_AVAILABLE', 'This remote cluster connection is closed'));
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        do {
          this.again = false;
          await this.load();
        } while (this.again && !this.closed);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  private async load(): Promise<void> {
    const next = await loadSnapshot(this.client, this.snap ?? null);
    if (this.closed) return;
    const prev = this.snap;
    if (prev) keepNewerOffsets(prev, next);
    for (const b of next.brokers.values()) this.seen.set(b.nodeId, b);
    this.snap = next;
    this.measure(next);
    if (prev) this.emitChanges(prev, next);
  }

  private measure(s: Snapshot): void {
    let messages = 0;
    let bytes = 0;
    for (const t of s.topics.values())
      for (const p of t.partitions) {
        messages += p.highWatermark;
        for (const n of p.sizes.values()) bytes += n;
      }
    const at = performance.now();
    const last = this.lastTotals;
    if (last && at > last.at) {
      const secs = (at - last.at) / 1000;
      this.rates = {
        messagesInPerSec: Math.max(0, (messages - last.messages) / secs),
        messagesOutPerSec: 0,
        bytesInPerSec: Math.max(0, (bytes - last.bytes) / secs),
        bytesOutPerSec: 0,
      };
    }
    this.lastTotals = { at, messages, bytes };
  }

  private emitChanges(prev: Snapshot, next: Snapshot): void {
    let structural = false;
    const prevBrokers = new Map(brokerStates(prev, this.seen).map((b) => [b.id, b]));
    for (const b of brokerStates(next, this.seen)) {
      const was = prevBrokers.get(b.id);
      if (!was || was.status !== b.status || was.isController !== b.isController || was.port !== b.port) {
        structural = true;
        this.emit('broker', b);
      }
    }
    const live = new Set(next.brokers.keys());
    for (const t of next.topics.values()) {
      const old = prev.topics.get(t.name);
      if (!old || old.topicId !== t.topicId || old.partitions.length !== t.partitions.length) structural = true;
      for (const p of t.partitions) {
        const o = old?.topicId === t.topicId ? old.partitions[p.partition] : undefined;
        if (
          !o ||
          o.leader !== p.leader ||
          o.replicas.join() !== p.replicas.join() ||
          o.isr.join() !== p.isr.join() ||
          o.offlineReplicas.join() !== p.offlineReplicas.join()
        )
          this.emit('partition', partitionState(t, p, live));
        if (o && p.highWatermark > o.highWatermark)
          this.emit('highWatermark', { topic: t.name, partition: p.partition, highWatermark: p.highWatermark });
      }
    }
    for (const name of prev.topics.keys()) if (!next.topics.has(name)) structural = true;
    if (structural) this.emit('metadata', { offset: ++this.metadataOffset, type: 'remote-refresh' });
  }

  private updateOffsets(topic: string, partition: number, highWatermark: number, logStartOffset: number): void {
    const p = this.snap?.topics.get(topic)?.partitions[partition];
    if (!p) return;
    if (logStartOffset >= 0) p.logStartOffset = logStartOffset;
    if (highWatermark > p.highWatermark) {
      p.highWatermark = highWatermark;
      this.emit('highWatermark', { topic, partition, highWatermark });
    }
  }

  private touch(topic: string): void {
    this.hot.set(topic, performance.now());
  }

  private async pollHot(): Promise<void> {
    if (this.polling || this.closed || this.hot.size === 0) return;
    this.polling = true;
    try {
      const now = performance.now();
      const topics: CachedTopic[] = [];
      for (const [name, at] of this.hot) {
        const t = this.snap.topics.get(name);
        if (!t || now - at > HOT_FOR_MS) this.hot.delete(name);
        else topics.push(t);
      }
      if (topics.length === 0) return;
      const latest = await listOffsets(this.client, leadersOf(topics), -1);
      for (const [k, o] of latest) {
        if (o.errorCode !== 0) continue;
        const [topic, p] = k.split('\u0000') as [string, string];
        this.updateOffsets(topic, Number(p), o.offset, -1);
      }
    } catch {
      // A leader moving: the snapshot's next load finds it.
    } finally {
      this.polling = false;
    }
  }

  // ---- ClusterPort: queries ------------------------------------------------------------------

  describeCluster(): ClusterState {
    const s = this.snapshot();
    return clusterState(s, brokerStates(s, this.seen), this.metadataOffset);
  }

  brokers(): BrokerState[] {
    return brokerStates(this.snapshot(), this.seen);
  }

  listTopics(opts: { includeInternal?: boolean } = {}): TopicSummary[] {
    return [...this.snapshot().topics.values()]
      .filter((t) => opts.includeInternal || !(t.internal || isInternalTopic(t.name)))
      .map(topicSummary)
      .sort(byName);
  }

  partitions(topic: string): PartitionState[] {
    const s = this.snapshot();
    const t = topicOf(s, topic);
    const live = new Set(s.brokers.keys());
    return t.partitions.map((p) => partitionState(t, p, live));
  }

  partitionPage(topic: string, opts: { offset: number; limit: number; filter?: PartitionFilter }): PartitionPage {
    const s = this.snapshot();
    const t = topicOf(s, topic);
    if (!Number.isInteger(opts.offset) || opts.offset < 0)
      throw new KafkaError('INVALID_REQUEST', `offset must be a non-negative integer; got ${opts.offset}`);
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new KafkaError('INVALID_REQUEST', `limit must be a positive integer; got ${opts.limit}`);
    const filter = opts.filter ?? 'all';
    const live = new Set(s.brokers.keys());
    let problems = 0;
    const matching: number[] = [];
    for (const p of t.partitions) {
      const problem = isOffline(p) || isUnderReplicated(p);
      if (problem) problems++;
      if (filter === 'all' || problem) matching.push(p.partition);
    }
    return {
      topic,
      filter,
      offset: opts.offset,
      total: t.partitions.length,
      matching: matching.length,
      problems,
      partitions: matching
        .slice(opts.offset, opts.offset + opts.limit)
        .map((i) => partitionState(t, t.partitions[i]!, live)),
    };
  }

  async topicDetails(name: string): Promise<TopicDetails> {
    const t = topicOf(this.snapshot(), name);
    const configs = await describeTopicConfigs(this.client, name);
    const policy = configs.find((c) => c.name === 'cleanup.policy')?.value;
    if (policy) t.cleanupPolicy = policy;
    return { ...topicSummary(t), configs };
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    const details = await this.topicDetails(name);
    return { ...details, partitionStates: this.partitions(name) };
  }

  describeConfigs(topic: string): Promise<ConfigEntry[]> {
    topicOf(this.snapshot(), topic);
    return describeTopicConfigs(this.client, topic);
  }

  describeBrokerConfigs(brokerId: number | null): Promise<ConfigEntry[]> {
    this.snapshot();
    if (brokerId !== null && !this.snap.brokers.has(brokerId))
      return Promise.reject(new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${brokerId} is not running`));
    return describeBrokerConfigs(this.client, brokerId, this.anyBroker());
  }

  /** A broker to ask about the cluster-wide level: the controller when known, else the lowest id. */
  private anyBroker(): number {
    const s = this.snapshot();
    if (s.brokers.has(s.controllerId)) return s.controllerId;
    const first = Math.min(...s.brokers.keys());
    if (!Number.isFinite(first)) throw new KafkaError('BROKER_NOT_AVAILABLE', 'No broker of the cluster is known');
    return first;
  }

  metrics(): EngineMetrics {
    return { ...this.rates };
  }

  topicActivity(topic: string): { messagesInPerSec: number | null; lastAppendMs: number | null } {
    this.rateSampler.lookAtTopic(topic);
    return this.rateSampler.topicRates(topic);
  }

  brokerMetrics(id: number): BrokerThroughput | null {
    this.rateSampler.lookAtBroker(id);
    const r = this.rateSampler.brokerRates(id);
    return {
      messagesInPerSec: r.messagesInPerSec,
      bytesInPerSec: r.bytesInPerSec,
      messagesOutPerSec: null,
      bytesOutPerSec: null,
      notes: { out: OUT_NOT_OBSERVABLE, ...(r.bytesInNote ? { bytesIn: r.bytesInNote } : {}) },
    };
  }

  // ---- ClusterPort: administration -----------------------------------------------------------

  async createTopic(opts: CreateTopicOptions): Promise<TopicDetails> {
    if (!opts || typeof opts !== 'object')
      throw new KafkaError('INVALID_REQUEST', 'createTopic needs {name, partitions?, replicationFactor?, configs?}');
    const conn = await this.client.controller();
    const { body } = await conn.call(API_KEYS.CreateTopics, () => ({
      topics: [
        {
          name: opts.name,
          numPartitions: opts.assignments ? -1 : (opts.partitions ?? -1),
          replicationFactor: opts.assignments ? -1 : (opts.replicationFactor ?? -1),
          assignments: (opts.assignments ?? []).map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
          configs: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
      timeoutMs: 30_000,
      validateOnly: opts.validateOnly ?? false,
    }));
    const r = body.topics[0];
    if (r) check(r.errorCode, `Creating topic ${opts.name}`, r.errorMessage);
    if (opts.validateOnly) {
      return {
        name: opts.name,
        topicId: '',
        internal: isInternalTopic(opts.name),
        partitions: opts.assignments?.length ?? (r && r.numPartitions > 0 ? r.numPartitions : (opts.partitions ?? 0)),
        replicationFactor:
          opts.assignments?.[0]?.length ??
          (r && r.replicationFactor > 0 ? r.replicationFactor : (opts.replicationFactor ?? 0)),
        messages: 0,
        bytesOnDisk: 0,
        underReplicatedPartitions: 0,
        offlinePartitions: 0,
        cleanupPolicy: opts.configs?.['cleanup.policy'] ?? 'delete',
        configs: [],
      };
    }
    await this.untilTopic(opts.name, true);
    return this.topicDetails(opts.name);
  }

  /** Reloads the snapshot until the topic is there (or gone): metadata spreads to brokers with a delay. */
  private async untilTopic(name: string, present: boolean, partitions?: number): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.refreshMetadata();
      const t = this.snap.topics.get(name);
      const ok = present ? t !== undefined && (partitions === undefined || t.partitions.length >= partitions) : !t;
      if (ok && (!t || t.partitions.every((p) => p.leader >= 0))) return;
      await new Promise((r) => setTimeout(r, 100).unref());
    }
  }

  async deleteTopic(name: string): Promise<void> {
    topicOf(this.snapshot(), name);
    const conn = await this.client.controller();
    // v0-5 name topics in topicNames, v6 in topics (by name; the id left zero).
    const { body } = await conn.call(API_KEYS.DeleteTopics, () => ({
      topics: [{ name, topicId: ZERO_UUID }],
      topicNames: [name],
      timeoutMs: 30_000,
    }));
    for (const r of body.responses) check(r.errorCode, `Deleting topic ${name}`, r.errorMessage);
    await this.untilTopic(name, false);
  }

  async createPartitions(
    topic: string,
    totalCount: number,
    validateOnly = false,
    assignments?: number[][],
  ): Promise<void> {
    topicOf(this.snapshot(), topic);
    const conn = await this.client.controller();
    const { body } = await conn.call(API_KEYS.CreatePartitions, () => ({
      topics: [
        {
          name: topic,
          count: totalCount,
          assignments: assignments ? assignments.map((brokerIds) => ({ brokerIds })) : null,
        },
      ],
      timeoutMs: 30_000,
      validateOnly,
    }));
    for (const r of body.results) check(r.errorCode, `Adding partitions to ${topic}`, r.errorMessage);
    if (!validateOnly) await this.untilTopic(topic, true, totalCount);
  }

  async alterConfigs(
    topic: string,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly = false,
  ): Promise<ConfigEntry[]> {
    topicOf(this.snapshot(), topic);
    await alterConfigs(this.client, RESOURCE_TOPIC, topic, changes ?? {}, validateOnly);
    const configs = await describeTopicConfigs(this.client, topic);
    if (!validateOnly) void this.refreshMetadata().catch(() => undefined);
    return configs;
  }

  async alterBrokerConfigs(
    brokerId: number | null,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly = false,
  ): Promise<ConfigEntry[]> {
    await alterConfigs(
      this.client,
      RESOURCE_BROKER,
      brokerId === null ? '' : String(brokerId),
      changes ?? {},
      validateOnly,
    );
    return this.describeBrokerConfigs(brokerId);
  }

  /** Through ElectLeaders, sent to the controller (elect.ts). */
  electPreferredLeaders(topics?: string[]): Promise<PreferredElection> {
    return electPreferredLeaders(
      { client: this.client, snapshot: () => this.snapshot(), refresh: () => this.refreshMetadata() },
      topics,
    );
  }

  async deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ lowWatermark: number }> {
    if (!Number.isInteger(beforeOffset) || beforeOffset < -1)
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `beforeOffset must be an offset or -1 (the high watermark); got ${beforeOffset}`,
      );
    const result = await this.client.retry(
      async () => {
        const t = topicOf(this.snapshot(), topic);
        const p = t.partitions[partition];
        if (!p)
          throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${partition} of topic ${topic} does not exist`);
        if (p.leader < 0)
          throw new KafkaError('LEADER_NOT_AVAILABLE', `Partition ${partition} of topic ${topic} has no leader`);
        const conn = await this.client.connection(p.leader);
        const { body } = await conn.call(API_KEYS.DeleteRecords, () => ({
          topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset: beforeOffset }] }],
          timeoutMs: 30_000,
        }));
        const r = body.topics[0]?.partitions[0];
        if (!r)
          throw new KafkaError('UNKNOWN_SERVER_ERROR', `DeleteRecords answered nothing for ${topic}-${partition}`);
        check(r.errorCode, `Deleting records of ${topic}-${partition}`);
        return { lowWatermark: r.lowWatermark };
      },
      () => this.refreshMetadata(),
    );
    const p = this.snap.topics.get(topic)?.partitions[partition];
    if (p) p.logStartOffset = result.lowWatermark;
    return result;
  }

  // ---- ClusterPort: data ---------------------------------------------------------------------

  produce(
    topic: string,
    records: ProduceRecord[],
    opts?: { acks?: Acks; timeoutMs?: number },
  ): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    return this.producer.produce(topic, records, opts);
  }

  readRecords(opts: ReadRecordsOptions): Promise<DecodedRecord[]> {
    return readRecords(this.ctx, opts);
  }

  scanRecords(opts: RecordScanOptions): Promise<ScanOutcome> {
    return scanRecords(remoteScanSource(this.ctx), opts);
  }

  async listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<{ offset: number; timestamp: number }> {
    const t = topicOf(this.snapshot(), topic);
    if (!t.partitions[partition])
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${partition} of topic ${topic} does not exist`);
    const ts = spec === 'earliest' ? -2 : spec === 'latest' ? -1 : spec.timestamp;
    return offsetForTimestamp(this.ctx, topic, partition, ts);
  }

  /**
   * The raw batches of [from, to), fetched from the leader a few MB at a time: the export
   * (core/service/record-export.ts) formats them without decoding records into objects. null when the partition
   * is unknown or has no leader.
   */
  recordBatches(topic: string, partition: number, from: number, to: number): AsyncIterator<Buffer[]> | null {
    const p = this.snapshot().topics.get(topic)?.partitions[partition];
    if (!p || p.leader < 0) return null;
    const ctx = this.ctx;
    return (async function* () {
      let offset = from;
      while (offset < to) {
        const f = (await fetchBatches(ctx, topic, partition, offset, EXPORT_FETCH_BYTES)) as FetchedBatches & {
          next: number;
        };
        if (f.batches.length > 0) yield f.batches;
        // Nothing further (the end, or a high watermark below `to` now): stop rather than ask again.
        if (f.next <= offset || f.next >= f.highWatermark) return;
        offset = f.next;
      }
    })();
  }

  /** Raw batches from an offset (the bench and tests look at what the wire carries). */
  fetchRaw(topic: string, partition: number, offset: number, maxBytes?: number) {
    return fetchBatches(this.ctx, topic, partition, offset, maxBytes);
  }

  stopBroker(id: number): Promise<void> {
    return Promise.reject(new KafkaError('INVALID_REQUEST', `Stopping broker ${id} ${SANDBOX_ONLY}`));
  }

  killBroker(id: number): Promise<void> {
    return Promise.reject(new KafkaError('INVALID_REQUEST', `Killing broker ${id} ${SANDBOX_ONLY}`));
  }

  startBroker(id: number): Promise<void> {
    return Promise.reject(new KafkaError('INVALID_REQUEST', `Starting broker ${id} ${SANDBOX_ONLY}`));
  }

  // ---- GroupsPort ----------------------------------------------------------------------------

  sampleLagOf(groupId: string): void {
    this.lagSampler?.lookAt(groupId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.hotTimer) clearInterval(this.hotTimer);
    this.lagSampler?.stop();
    this.rateSampler.stop();
    this.removeAllListeners();
    await this.client.close();
  }

  // Typed EventEmitter surface of the port.
  override on<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}

/**
 * Connects to a remote cluster and loads its metadata once; rejects with the
 * first connection step's error (a StageError: DNS, TCP, TLS, SASL, versions).
 */
export async function openRemoteCluster(
  config: RemoteConnectionConfig,
  opts: RemoteClusterOptions = {},
): Promise<RemoteCluster> {
  const client = new KafkaClient(config);
  const cluster = new RemoteClusterImpl(client, opts);
  try {
    await cluster.start();
  } catch (e) {
    await cluster.close();
    throw e;
  }
  return cluster;
}
