/**
 * What the API needs of the engine: the subset of `Cluster` it calls. Written
 * as an interface so the API can be exercised against a small fake, and so a
 * change to the engine that would break the UI fails to type-check here.
 */
import type {
  Acks,
  BrokerState,
  ClusterEvents,
  ClusterState,
  ConfigEntry,
  CreateTopicOptions,
  DecodedRecord,
  OffsetSpec,
  PartitionState,
  ProduceRecord,
  ReadRecordsOptions,
  TopicDescription,
  TopicSummary,
} from '../cluster/types';

export interface EngineMetrics {
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface ClusterPort {
  readonly clusterId: string;
  // The engine is a typed EventEmitter; only subscribe/unsubscribe are used.
  on<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): unknown;
  off<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): unknown;

  describeCluster(): ClusterState;
  brokers(): BrokerState[];
  listTopics(opts?: { includeInternal?: boolean }): TopicSummary[];
  describeTopic(name: string): TopicDescription;
  partitions(topic: string): PartitionState[];
  describeConfigs(topic: string): ConfigEntry[];
  createTopic(opts: CreateTopicOptions): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  createPartitions(topic: string, totalCount: number): Promise<void>;
  alterConfigs(topic: string, changes: { set?: Record<string, string>; delete?: string[] }, validateOnly?: boolean): Promise<ConfigEntry[]>;
  deleteRecords(topic: string, partition: number, beforeOffset: number): Promise<{ lowWatermark: number }>;
  produce(topic: string, records: ProduceRecord[], opts?: { acks?: Acks; timeoutMs?: number }): Promise<Array<{ partition: number; offset: number; timestamp: number }>>;
  readRecords(opts: ReadRecordsOptions): Promise<DecodedRecord[]>;
  listOffsets(topic: string, partition: number, spec: OffsetSpec): Promise<{ offset: number; timestamp: number }>;
  stopBroker(id: number): Promise<void>;
  killBroker(id: number): Promise<void>;
  startBroker(id: number): Promise<void>;
  metrics(): EngineMetrics;
}
