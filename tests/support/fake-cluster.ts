/**
 * An in-memory stand-in for the engine's `Cluster`, implementing the port the
 * API binds to. It keeps just enough behaviour (topics, partitions, leaders
 * moving when a broker stops, records, events) for the API, transports and
 * shell to be tested without LevelDB; engine behaviour itself is tested in
 * core/cluster's own suite.
 */
import { EventEmitter } from 'node:events';
import { KafkaError } from '../../core/errors';
import { describeTopicConfigs, validateTopicConfigs, validateTopicName } from '../../core/cluster/topic-configs';
import { brokerResource, describeBrokerConfigs, validateBrokerConfigChange } from '../../core/cluster/broker-configs';
import type {
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
  ProduceRecord,
  ReadRecordsOptions,
  TopicDescription,
  TopicDetails,
  TopicSummary,
} from '../../core/cluster/types';
import type { OwnedCluster } from '../../core/host/serve';

interface FakePartition {
  replicas: number[];
  leader: number;
  records: DecodedRecord[];
  logStart: number;
}
interface FakeTopic {
  name: string;
  id: string;
  configs: Record<string, string>;
  partitions: FakePartition[];
}

export class FakeCluster extends EventEmitter<ClusterEvents> implements OwnedCluster {
  readonly clusterId = 'fake-cluster-0001';
  readonly topics = new Map<string, FakeTopic>();
  readonly status = new Map<number, BrokerState['status']>();
  closed = false;
  calls: string[] = [];
  private produced: number[] = [];
  private metadataOffset = 0;

  static async open(opts: { brokers?: number }): Promise<FakeCluster> {
    return new FakeCluster(opts.brokers ?? 3);
  }

  constructor(brokers = 3) {
    super();
    for (let id = 0; id < brokers; id++) this.status.set(id, 'running');
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.closed = true;
  }

  private live(): number[] {
    return [...this.status].filter(([, s]) => s === 'running').map(([id]) => id);
  }

  private controller(): number {
    return this.live()[0] ?? -1;
  }

  private topic(name: string): FakeTopic {
    const t = this.topics.get(name);
    if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${name} does not exist`);
    return t;
  }

  private part(topic: string, partition: number): FakePartition {
    const p = this.topic(topic).partitions[partition];
    if (!p) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`);
    return p;
  }

  private state(t: FakeTopic, i: number): PartitionState {
    const p = t.partitions[i]!;
    const isr = p.replicas.filter((r) => this.status.get(r) === 'running');
    const hw = p.logStart + p.records.filter((r) => r.offset >= p.logStart).length;
    const end = p.records.length;
    return {
      topic: t.name,
      partition: i,
      leader: p.leader,
      leaderEpoch: 0,
      replicas: p.replicas,
      isr,
      offlineReplicas: p.replicas.filter((r) => !isr.includes(r)),
      readable: isr.length > 0,
      logStartOffset: p.logStart,
      highWatermark: end,
      logEndOffset: end,
      bytesOnDisk: hw * 10,
      replicaStates: p.replicas.map((r) => ({
        brokerId: r,
        logEndOffset: end,
        logStartOffset: p.logStart,
        bytesOnDisk: 0,
        inSync: isr.includes(r),
        offline: !isr.includes(r),
        isLeader: r === p.leader,
      })),
    };
  }

  private summary(t: FakeTopic): TopicSummary {
    const states = t.partitions.map((_, i) => this.state(t, i));
    return {
      name: t.name,
      topicId: t.id,
      internal: t.name.startsWith('__'),
      partitions: states.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      messages: states.reduce((n, s) => n + s.highWatermark - s.logStartOffset, 0),
      bytesOnDisk: 0,
      underReplicatedPartitions: states.filter((s) => s.isr.length < s.replicas.length).length,
      offlinePartitions: states.filter((s) => s.leader === -1).length,
      cleanupPolicy: t.configs['cleanup.policy'] ?? 'delete',
    };
  }

  private changed(type: string): void {
    this.emit('metadata', { offset: ++this.metadataOffset, type });
  }

  describeCluster(): ClusterState {
    const topics = [...this.topics.values()].map((t) => this.summary(t));
    return {
      clusterId: this.clusterId,
      controllerId: this.controller(),
      brokers: this.brokers(),
      topics: topics.length,
      partitions: topics.reduce((n, t) => n + t.partitions, 0),
      underReplicatedPartitions: topics.reduce((n, t) => n + t.underReplicatedPartitions, 0),
      offlinePartitions: topics.reduce((n, t) => n + t.offlinePartitions, 0),
      internal: (() => {
        const int = topics.filter((t) => t.internal);
        return {
          topics: int.length,
          partitions: int.reduce((n, t) => n + t.partitions, 0),
          underReplicatedPartitions: int.reduce((n, t) => n + t.underReplicatedPartitions, 0),
          offlinePartitions: int.reduce((n, t) => n + t.offlinePartitions, 0),
        };
      })(),
      metadataOffset: this.metadataOffset,
    };
  }

  brokers(): BrokerState[] {
    const all = [...this.topics.values()].flatMap((t) => t.partitions);
    return [...this.status].map(([id, status]) => ({
      id,
      status,
      isController: id === this.controller(),
      fenced: status !== 'running',
      partitionsLed: all.filter((p) => p.leader === id).length,
      replicas: all.filter((p) => p.replicas.includes(id)).length,
      bytesOnDisk: 0,
      host: '127.0.0.1',
      port: null,
      failure: null,
      logDirOffline: false,
      logDir: { path: `/fake/broker-${id}`, error: null },
    }));
  }

  listTopics(opts?: { includeInternal?: boolean }): TopicSummary[] {
    return [...this.topics.values()]
      .filter((t) => opts?.includeInternal || !t.name.startsWith('__'))
      .map((t) => this.summary(t))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  describeTopic(name: string): TopicDescription {
    const t = this.topic(name);
    return {
      ...this.summary(t),
      configs: describeTopicConfigs(t.configs),
      partitionStates: t.partitions.map((_, i) => this.state(t, i)),
    };
  }

  topicDetails(name: string): TopicDetails {
    const t = this.topic(name);
    return { ...this.summary(t), configs: describeTopicConfigs(t.configs) };
  }

  partitions(topic: string): PartitionState[] {
    const t = this.topic(topic);
    return t.partitions.map((_, i) => this.state(t, i));
  }

  partitionPage(topic: string, opts: { offset: number; limit: number; filter?: PartitionFilter }): PartitionPage {
    const all = this.partitions(topic);
    const problem = (p: PartitionState) => p.leader < 0 || p.isr.length < p.replicas.length;
    const matching = opts.filter === 'problems' ? all.filter(problem) : all;
    return {
      topic,
      filter: opts.filter ?? 'all',
      offset: opts.offset,
      total: all.length,
      matching: matching.length,
      problems: all.filter(problem).length,
      partitions: matching.slice(opts.offset, opts.offset + opts.limit),
    };
  }

  describeConfigs(topic: string): ConfigEntry[] {
    return describeTopicConfigs(this.topic(topic).configs);
  }

  private newPartition(index: number, rf: number): FakePartition {
    const ids = [...this.status.keys()];
    const replicas = Array.from({ length: rf }, (_, k) => ids[(index + k) % ids.length]!);
    return { replicas, leader: replicas.find((r) => this.status.get(r) === 'running') ?? -1, records: [], logStart: 0 };
  }

  async createTopic(opts: CreateTopicOptions): Promise<TopicDetails> {
    this.calls.push(`createTopic:${opts.name}`);
    validateTopicName(opts.name);
    if (this.topics.has(opts.name))
      throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${opts.name}' already exists.`);
    const rf = opts.replicationFactor ?? Math.min(3, this.status.size);
    if (rf > this.status.size)
      throw new KafkaError(
        'INVALID_REPLICATION_FACTOR',
        `Replication factor: ${rf} larger than available brokers: ${this.status.size}.`,
      );
    const configs = validateTopicConfigs(opts.configs ?? {});
    const t: FakeTopic = { name: opts.name, id: `id-${opts.name}`, configs, partitions: [] };
    for (let i = 0; i < (opts.partitions ?? 1); i++) t.partitions.push(this.newPartition(i, rf));
    if (opts.validateOnly) return { ...this.summary(t), configs: describeTopicConfigs(configs) };
    this.topics.set(t.name, t);
    this.changed('topic');
    return this.topicDetails(t.name);
  }

  async deleteTopic(name: string): Promise<void> {
    this.calls.push(`deleteTopic:${name}`);
    this.topic(name);
    this.topics.delete(name);
    this.changed('removeTopic');
  }

  async createPartitions(topic: string, totalCount: number): Promise<void> {
    const t = this.topic(topic);
    if (totalCount <= t.partitions.length)
      throw new KafkaError(
        'INVALID_PARTITIONS',
        `Topic currently has ${t.partitions.length} partitions, which is higher than the requested ${totalCount}.`,
      );
    const rf = t.partitions[0]!.replicas.length;
    for (let i = t.partitions.length; i < totalCount; i++) t.partitions.push(this.newPartition(i, rf));
    this.changed('partition');
  }

  async alterConfigs(
    topic: string,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly?: boolean,
  ): Promise<ConfigEntry[]> {
    const t = this.topic(topic);
    const next = { ...t.configs, ...validateTopicConfigs(changes.set ?? {}) };
    for (const k of changes.delete ?? []) delete next[k];
    if (!validateOnly) {
      t.configs = next;
      this.changed('config');
    }
    return describeTopicConfigs(next);
  }

  /** Dynamic broker configs by resource ('' cluster-wide), validated as the engine does. */
  readonly brokerConfigs = new Map<string, Record<string, string>>();

  describeBrokerConfigs(brokerId: number | null): ConfigEntry[] {
    if (brokerId !== null && !this.status.has(brokerId))
      throw new KafkaError('BROKER_NOT_AVAILABLE', `There is no broker ${brokerId}`);
    return describeBrokerConfigs(
      this.brokerConfigs,
      brokerId === null ? {} : { 'broker.id': String(brokerId) },
      brokerId,
    );
  }

  async alterBrokerConfigs(
    brokerId: number | null,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly?: boolean,
  ): Promise<ConfigEntry[]> {
    const resource = brokerResource(brokerId === null ? '' : String(brokerId), this.status.size);
    const valid = validateBrokerConfigChange(resource, changes.set ?? {}, changes.delete ?? [], {
      brokerCount: this.status.size,
    });
    if (!validateOnly) {
      const next = { ...this.brokerConfigs.get(resource), ...valid };
      for (const k of changes.delete ?? []) delete next[k];
      this.brokerConfigs.set(resource, next);
      this.changed('brokerConfig');
    }
    return this.describeBrokerConfigs(brokerId);
  }

  async deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ lowWatermark: number }> {
    const p = this.part(topic, partition);
    const target = beforeOffset === -1 ? p.records.length : beforeOffset;
    if (target > p.records.length)
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${beforeOffset} is above the high watermark ${p.records.length}`,
      );
    p.logStart = Math.max(p.logStart, target);
    return { lowWatermark: p.logStart };
  }

  async produce(
    topic: string,
    records: ProduceRecord[],
  ): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    const t = this.topic(topic);
    const out: Array<{ partition: number; offset: number; timestamp: number }> = [];
    const touched = new Set<number>();
    for (const [i, r] of records.entries()) {
      const partition = r.partition ?? i % t.partitions.length;
      const p = this.part(topic, partition);
      if (p.leader === -1) throw new KafkaError('LEADER_NOT_AVAILABLE', `${topic}-${partition} has no leader`);
      const buf = (v: Buffer | string | null | undefined) => (v === null || v === undefined ? null : Buffer.from(v));
      const rec: DecodedRecord = {
        topic,
        partition,
        offset: p.records.length,
        timestamp: r.timestamp ?? Date.now(),
        timestampType: 'CreateTime',
        key: buf(r.key),
        value: buf(r.value),
        headers: Array.isArray(r.headers) ? r.headers : [],
        sizeInBytes: 20,
      };
      p.records.push(rec);
      touched.add(partition);
      this.produced.push(Date.now());
      out.push({ partition, offset: rec.offset, timestamp: rec.timestamp });
    }
    for (const partition of touched)
      this.emit('highWatermark', { topic, partition, highWatermark: t.partitions[partition]!.records.length });
    return out;
  }

  async readRecords(opts: ReadRecordsOptions): Promise<DecodedRecord[]> {
    const t = this.topic(opts.topic);
    const parts = opts.partition === undefined ? t.partitions.map((_, i) => i) : [opts.partition];
    const all = parts.flatMap((i) => {
      const p = this.part(opts.topic, i);
      const live = p.records.filter((r) => r.offset >= p.logStart);
      const s = opts.start;
      const from =
        s.type === 'earliest'
          ? p.logStart
          : s.type === 'latest'
            ? p.records.length
            : s.type === 'offset'
              ? s.offset
              : (live.find((r) => r.timestamp >= s.timestamp)?.offset ?? p.records.length);
      return opts.direction === 'backward'
        ? live.filter((r) => r.offset < from).slice(-opts.limit)
        : live.filter((r) => r.offset >= from).slice(0, opts.limit);
    });
    return all.sort((a, b) => a.timestamp - b.timestamp).slice(0, opts.limit);
  }

  async listOffsets(
    topic: string,
    partition: number,
    spec: OffsetSpec,
  ): Promise<{ offset: number; timestamp: number }> {
    const p = this.part(topic, partition);
    if (spec === 'earliest') return { offset: p.logStart, timestamp: -1 };
    if (spec === 'latest') return { offset: p.records.length, timestamp: -1 };
    const r = p.records.find((x) => x.offset >= p.logStart && x.timestamp >= spec.timestamp);
    return r ? { offset: r.offset, timestamp: r.timestamp } : { offset: -1, timestamp: -1 };
  }

  private setStatus(id: number, status: BrokerState['status']): void {
    if (!this.status.has(id)) throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${id} does not exist`);
    this.status.set(id, status);
    for (const t of this.topics.values()) {
      for (const [i, p] of t.partitions.entries()) {
        const ok = this.status.get(p.leader) === 'running';
        if (!ok) {
          p.leader = p.replicas.find((r) => this.status.get(r) === 'running') ?? -1;
          this.emit('partition', this.state(t, i));
        } else if (p.leader === -1) {
          p.leader = p.replicas.find((r) => this.status.get(r) === 'running') ?? -1;
        }
      }
    }
    this.emit(
      'broker',
      this.brokers().find((b) => b.id === id)!,
    );
    this.changed('broker');
  }

  async stopBroker(id: number): Promise<void> {
    this.calls.push(`stopBroker:${id}`);
    this.setStatus(id, 'stopped');
  }

  async killBroker(id: number): Promise<void> {
    this.calls.push(`killBroker:${id}`);
    this.setStatus(id, 'stopped');
  }

  async startBroker(id: number): Promise<void> {
    this.calls.push(`startBroker:${id}`);
    this.setStatus(id, 'running');
  }

  metrics() {
    const now = Date.now();
    this.produced = this.produced.filter((t) => now - t < 1000);
    return {
      messagesInPerSec: this.produced.length,
      messagesOutPerSec: 0,
      bytesInPerSec: this.produced.length * 20,
      bytesOutPerSec: 0,
    };
  }
}
