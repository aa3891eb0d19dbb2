/**
 * The engine's public, observable shapes: what the API layer, the wire
 * protocol and the GUI see of the cluster. Everything here is plain data
 * (JSON-serialisable except Buffers), so it can cross IPC and WebSocket.
 */
import type { ErrorName } from '../errors';

/**
 * 'failed': down against the user's will (its store cannot open, or its log
 * dir went offline because writes failed), with `failure` saying why; a
 * 'stopped' broker was stopped or killed on purpose. A failed broker can be
 * started again like a stopped one.
 */
export type BrokerStatus = 'running' | 'stopped' | 'starting' | 'stopping' | 'failed';
/** The engine's own lifecycle: 'failed' is a stopped broker with a failure (see BrokerState). */
export type BrokerLifecycle = Exclude<BrokerStatus, 'failed'>;

export interface BrokerState {
  id: number;
  status: BrokerStatus;
  isController: boolean;
  /** Fenced brokers are registered but not allowed to lead or be in an ISR. */
  fenced: boolean;
  partitionsLed: number;
  /** Replicas assigned to the broker; while it is stopped they are all offline (still counted). */
  replicas: number;
  bytesOnDisk: number;
  host: string;
  /** Kafka listener port once the wire protocol listens; null while it does not. */
  port: number | null;
  /** Why the broker is down against the user's will (its store cannot open, its log dir is offline); null otherwise. */
  failure: string | null;
  /** Its log dir went offline while running (writes failed); it restarts by itself once writes succeed. */
  logDirOffline: boolean;
  /**
   * Its one log dir, as DescribeLogDirs reports it: `error` is KAFKA_STORAGE_ERROR while the
   * broker has failed (its store cannot open or went offline), null otherwise.
   */
  logDir: { path: string; error: 'KAFKA_STORAGE_ERROR' | null };
}

/** What a preferred leader election did (Cluster.electPreferredLeaders), partitions in topic then partition order. */
export interface PreferredElection {
  /** Partitions whose leadership moved to their preferred (first) replica. */
  moved: Array<{ topic: string; partition: number; from: number; to: number }>;
  /** Partitions their preferred replica leads already (Kafka: ELECTION_NOT_NEEDED). */
  alreadyPreferred: number;
  /**
   * Partitions whose preferred replica cannot lead now, with Kafka's error and why: PREFERRED_LEADER_NOT_AVAILABLE
   * (a remote cluster may answer another, e.g. a partition deleted meanwhile).
   */
  failed: Array<{
    topic: string;
    partition: number;
    preferred: number;
    errorName: ErrorName;
    reason: string;
  }>;
}

export interface ReplicaState {
  brokerId: number;
  /** Log end offset of this replica; null when its broker is down. */
  logEndOffset: number | null;
  logStartOffset: number | null;
  bytesOnDisk: number | null;
  inSync: boolean;
  offline: boolean;
  isLeader: boolean;
}

export interface PartitionState {
  topic: string;
  partition: number;
  /** -1 when the partition has no leader (offline). */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  /**
   * Whether a running broker holds a replica to read. False: the partition is offline and its log start, high
   * watermark, log end and size are unknown (they read 0 here; a UI must say "unknown", not 0).
   */
  readable: boolean;
  logStartOffset: number;
  highWatermark: number;
  /** Leader's log end offset. */
  logEndOffset: number;
  bytesOnDisk: number;
  replicaStates: ReplicaState[];
}

export interface TopicSummary {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  /** Messages between log start and high watermark, summed over partitions. */
  messages: number;
  bytesOnDisk: number;
  underReplicatedPartitions: number;
  offlinePartitions: number;
  cleanupPolicy: string;
}

export interface TopicDetails extends TopicSummary {
  configs: ConfigEntry[];
}

export interface TopicDescription extends TopicDetails {
  partitionStates: PartitionState[];
}

/** Which partitions a page lists: all, or only under-replicated or offline ones. */
export type PartitionFilter = 'all' | 'problems';

/** One page of a topic's partitions (see Cluster.partitionPage). */
export interface PartitionPage {
  topic: string;
  filter: PartitionFilter;
  /** Index of the page's first partition among those the filter keeps. */
  offset: number;
  /** Partitions of the topic. */
  total: number;
  /** Partitions the filter keeps. */
  matching: number;
  /** Under-replicated or offline partitions of the topic. */
  problems: number;
  partitions: PartitionState[];
}

export type ConfigSource =
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG';

/** One level a config has a value at (Kafka's config synonyms), most specific first. */
export interface ConfigSynonym {
  name: string;
  value: string;
  source: ConfigSource;
}

export interface ConfigEntry {
  name: string;
  value: string;
  defaultValue: string;
  isDefault: boolean;
  source: ConfigSource;
  readOnly: boolean;
  /** Why a read-only config cannot change here, in words (broker configs). */
  readOnlyReason?: string;
  sensitive: boolean;
  type: 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';
  documentation: string;
  /**
   * Every level with a value, the effective one first (DescribeConfigs' synonyms); absent when only the default
   * applies.
   */
  synonyms?: ConfigSynonym[];
  /** A config Kafka still accepts but has deprecated (it has no effect here). */
  deprecated?: boolean;
}

export interface ClusterState {
  clusterId: string;
  controllerId: number;
  brokers: BrokerState[];
  topics: number;
  partitions: number;
  underReplicatedPartitions: number;
  offlinePartitions: number;
  /**
   * How much of the counts above is internal topics (__consumer_offsets and the like), which topic lists hide
   * unless asked: the Overview says "incl. N internal" so its totals and the Topics list can be reconciled.
   */
  internal: { topics: number; partitions: number; underReplicatedPartitions: number; offlinePartitions: number };
  metadataOffset: number;
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface ProduceRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: RecordHeader[] | Record<string, string | Buffer>;
  timestamp?: number;
  /** Explicit partition; otherwise the key (murmur2) or the sticky keyless rule decides. */
  partition?: number;
}

export type Acks = 0 | 1 | -1;

export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTime: number;
  logStartOffset: number;
}

export interface FetchResult {
  /** Whole record batches, concatenated as the wire carries them. */
  records: Buffer;
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
}

export interface DecodedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  sizeInBytes: number;
  /** Set on the one entry standing for a stored batch that does not decode: why (key and value are then null). */
  corrupt?: string;
}

export type OffsetSpec = 'earliest' | 'latest' | { timestamp: number };

export type ReadStart =
  | { type: 'earliest' }
  | { type: 'latest' }
  | { type: 'offset'; offset: number }
  | { type: 'timestamp'; timestamp: number };

export interface ReadRecordsOptions {
  topic: string;
  /** One partition, or all when omitted (merged by timestamp). */
  partition?: number;
  start: ReadStart;
  limit: number;
  /** 'forward' reads increasing offsets from start; 'backward' reads the `limit` records before start. */
  direction?: 'forward' | 'backward';
}

export interface CreateTopicOptions {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
  /** Explicit replica assignment per partition, as Kafka's CreateTopics allows. */
  assignments?: number[][];
  validateOnly?: boolean;
}

/** Events the cluster emits; the API layer forwards them to the UI. */
export interface ClusterEvents {
  /** Any metadata change (topics, partitions, leaders, ISR, configs, brokers). */
  metadata: [{ offset: number; type: string }];
  /** A broker changed status. */
  broker: [BrokerState];
  /** Leader, ISR or replicas of a partition changed. */
  partition: [PartitionState];
  /** New data became readable (high watermark advanced) on a partition. */
  highWatermark: [{ topic: string; partition: number; highWatermark: number }];
}
