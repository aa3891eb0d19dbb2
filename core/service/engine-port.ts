/**
 * What the API needs of the engine: the subset of `Cluster` it calls. Written
 * as an interface so the API can be exercised against a small fake, and so a
 * change to the engine that would break the UI fails to type-check here.
 */
import type { BrokerThroughput } from '../api/api';
import type { EngineLogger } from '../logger';
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
import type { RecordScanOptions, ScanOutcome } from '../cluster/record-search';
import type { ConsumerConfig, EngineConsumer, GroupAdmin, LagSampler } from '../groups';

export interface EngineMetrics {
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface ClusterPort {
  readonly clusterId: string;
  /** The engine log for background failures; optional so lightweight stand-ins may leave it out. */
  readonly logger?: EngineLogger;
  // The engine is a typed EventEmitter; only subscribe/unsubscribe are used.
  on<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): unknown;
  off<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): unknown;

  describeCluster(): ClusterState;
  brokers(): BrokerState[];
  listTopics(opts?: { includeInternal?: boolean }): TopicSummary[];
  // Configs may come from afar (a remote cluster asks the brokers): these four may answer with a promise.
  describeTopic(name: string): TopicDescription | Promise<TopicDescription>;
  topicDetails(name: string): TopicDetails | Promise<TopicDetails>;
  partitions(topic: string): PartitionState[];
  partitionPage(topic: string, opts: { offset: number; limit: number; filter?: PartitionFilter }): PartitionPage;
  describeConfigs(topic: string): ConfigEntry[] | Promise<ConfigEntry[]>;
  createTopic(opts: CreateTopicOptions): Promise<TopicDetails>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(topic: string, totalCount: number, validateOnly?: boolean, assignments?: number[][]): Promise<void>;
  alterConfigs(
    topic: string,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly?: boolean,
  ): Promise<ConfigEntry[]>;
  /** A broker's configs, or with null the cluster-wide level (core/cluster/broker-configs.ts). */
  describeBrokerConfigs(brokerId: number | null): ConfigEntry[] | Promise<ConfigEntry[]>;
  alterBrokerConfigs(
    brokerId: number | null,
    changes: { set?: Record<string, string>; delete?: string[] },
    validateOnly?: boolean,
  ): Promise<ConfigEntry[]>;
  deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ lowWatermark: number }>;
  /** Preferred leader election; optional: a stand-in port may not offer it (the API then says so). */
  electPreferredLeaders?(topics?: string[]): Promise<PreferredElection>;
  produce(
    topic: string,
    records: ProduceRecord[],
    opts?: { acks?: Acks; timeoutMs?: number },
  ): Promise<Array<{ partition: number; offset: number; timestamp: number }>>;
  readRecords(opts: ReadRecordsOptions): Promise<DecodedRecord[]>;
  /**
   * Stored batches of a partition overlapping [from, to), oldest first, in chunks, as the wire carries them
   * (exports format these); null when no running broker holds the partition. Optional: a remote cluster reads records.
   */
  recordBatches?(topic: string, partition: number, from: number, to: number): AsyncIterator<Buffer[]> | null;
  /** The message search's engine-side scan; optional so lightweight stand-ins may leave search out. */
  scanRecords?(opts: RecordScanOptions): Promise<ScanOutcome>;
  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }>;
  stopBroker(id: number): Promise<void>;
  killBroker(id: number): Promise<void>;
  startBroker(id: number): Promise<void>;
  metrics(): EngineMetrics;
  /**
   * One broker's rates; optional. A remote cluster samples them while asked (a call marks the broker as looked at)
   * and answers null figures, with notes, for what it cannot observe.
   */
  brokerMetrics?(id: number): BrokerThroughput | null;
  /**
   * A topic's messages in per second and last append; optional. A remote cluster samples them while asked (a call
   * marks the topic as looked at); null while measuring.
   */
  topicActivity?(topic: string): { messagesInPerSec: number | null; lastAppendMs: number | null };
}

/**
 * What the API needs of consumer groups (core/groups' `Groups` provides it):
 * the admin operations, the lag history, and engine consumers for the
 * workload simulator.
 */
export interface GroupsPort {
  readonly admin: Pick<
    GroupAdmin,
    'listGroups' | 'describeGroup' | 'lag' | 'deleteGroup' | 'deleteOffsets' | 'resetOffsets'
  >;
  readonly lagSampler: Pick<LagSampler, 'history' | 'intervalMs'> | null;
  /** Engine consumers for the workload simulator; absent where it does not apply (a remote cluster). */
  consumer?(config: ConsumerConfig): EngineConsumer;
}

/** Groups as their owner holds them: closed after the API and before the cluster. */
export interface OwnedGroups extends GroupsPort {
  close(): Promise<void>;
}
