/**
 * The one API between the engine and any UI or script: every method the GUI
 * (or a WebSocket script) may call, with its input schema and result type, and
 * every event the engine pushes. Both transports (Electron IPC and WebSocket)
 * and the client proxy are derived from this table, so a method added here is
 * reachable everywhere and a method not listed here is reachable nowhere.
 *
 * Inputs are plain JSON (bytes travel as base64 or UTF-8 strings) because they
 * cross structured clone and JSON alike; results are the engine's shapes from
 * core/cluster/types.ts, except records, whose Buffers become base64 DTOs.
 *
 * Consumer groups and the workload simulator need the engine's `Groups`
 * (core/groups); a host that opens the engine without them answers their
 * methods with COORDINATOR_NOT_AVAILABLE. *
 * The shapes that cross the transports are declared in dtos.ts and the input
 * schemas in inputs.ts; this module re-exports the shapes and the input limits,
 * so a client imports the whole contract from here.
 */
import { z } from 'zod';
import { MAX_PARTITIONS } from '../cluster/limits';
/** The engine's partition limit, re-exported so forms agree with it (the renderer imports only this contract). */
export { MAX_PARTITIONS } from '../cluster/limits';
import type {
  BrokerState,
  ClusterState,
  ConfigEntry,
  PartitionPage,
  PartitionState,
  PreferredElection,
  TopicDescription,
  TopicDetails,
  TopicSummary,
} from '../cluster/types';
import type { GroupDescription, OffsetResetPlan } from '../groups';
import type { WorkloadStatus } from '../workload/workload-simulator';
import {
  MAX_BROKER_REPLICA_PAGE,
  SANDBOX_SECURITY_PROTOCOLS,
  type BrokerDetail,
  type BrokerThroughput,
  type ClusterChange,
  type ConnectionList,
  type ConnectionSummary,
  type ConnectionTest,
  type CopyReport,
  type FilterCheck,
  type GroupLagHistory,
  type GroupLagUpdate,
  type GroupOverview,
  type GroupsUpdate,
  type ListenerSecurityState,
  type LiveRecords,
  type MetricsSample,
  type PartitionsChange,
  type ProducedRecord,
  type RecordDto,
  type RecordPage,
  type SearchResults,
  type SearchStatus,
  type ServerInfo,
  type TopicActivityRow,
  type TopicReplicaSummary,
} from './dtos';
import {
  MAX_PARTITION_PAGE,
  MAX_SEARCH_MATCHES,
  kafkaCheck,
  topicName,
  partitionIndex,
  brokerId,
  offset,
  timestamp,
  configMap,
  none,
  readStart,
  produceRecord,
  refuseInvalidBase64,
  maxValueBytes,
  pageStart,
  searchScope,
  recordSource,
  groupId,
  subscriptionId,
  offsetResetSpec,
  workloadRate,
  workloadConsumers,
  workloadDelay,
  connectionId,
  saslUserName,
  saslPassword,
  connectionFields,
  newConnection,
} from './inputs';

// What crosses the transports, and the limits of the inputs: part of this contract, declared beside it.
export * from './dtos';
export { MAX_PARTITION_PAGE, MAX_SEARCH_MATCHES } from './inputs';

// ---------------------------------------------------------------------------
// The table

/** Phantom carrier of a method's result type; nothing exists at run time. */
export interface Returns<T> {
  readonly __returns?: T;
}
const returns = <T>(): Returns<T> => ({});

export type MethodKind = 'query' | 'command';

export interface MethodSpec<K extends MethodKind = MethodKind, I extends z.ZodType = z.ZodType, O = unknown> {
  /** query: reads only; command: changes the cluster (or, for watches, this connection). */
  kind: K;
  input: I;
  output: Returns<O>;
  doc: string;
}

function method<K extends MethodKind, I extends z.ZodType, O>(
  kind: K,
  input: I,
  output: Returns<O>,
  doc: string,
): MethodSpec<K, I, O> {
  return { kind, input, output, doc };
}

export const API = {
  // connections (answered by the host's connection router, never by a cluster)
  listConnections: method(
    'query',
    none,
    returns<ConnectionList>(),
    'Every connection, the Local sandbox first, and the one this session uses; secrets show only as hasPassword ' +
      '/ hasKey.',
  ),
  addConnection: method(
    'command',
    newConnection,
    returns<ConnectionSummary>(),
    'Save a connection to a Kafka cluster (SASL password and TLS key stored as secrets, never returned).',
  ),
  editConnection: method(
    'command',
    z.strictObject({ id: connectionId, ...z.strictObject(connectionFields).partial().shape }),
    returns<ConnectionSummary>(),
    'Change a saved connection; fields left out (and a password or key left out) keep what is saved. Its open ' +
      'cluster client is closed and reopened on next use.',
  ),
  removeConnection: method(
    'command',
    z.strictObject({ id: connectionId }),
    returns<null>(),
    'Forget a connection and its secrets, and close its cluster client; sessions using it go back to the Local ' +
      'sandbox.',
  ),
  testConnection: method(
    'command',
    z.strictObject({ id: connectionId.optional(), draft: newConnection.optional() }),
    returns<ConnectionTest>(),
    'Try a saved connection (id), or a draft before saving it (with id, the draft falls back to its saved ' +
      'secrets): DNS, TCP, TLS, SASL, versions, metadata, and what failed in words.',
  ),
  selectConnection: method(
    'command',
    z.strictObject({ id: connectionId }),
    returns<ConnectionSummary>(),
    "Send this session's calls (and its cluster events) to a connection; a call frame's own `connection` " +
      'overrides it for that call.',
  ),

  // queries
  getServerInfo: method(
    'query',
    none,
    returns<ServerInfo>(),
    'Product, version, transport, cluster id, data directory and Kafka bootstrap servers.',
  ),
  getSandboxCaCertificate: method(
    'query',
    none,
    returns<{ fileName: string; pem: string }>(),
    "The PEM of the CA the sandbox's TLS listeners are signed by (what a Kafka client trusts); INVALID_REQUEST " +
      'while TLS is off.',
  ),
  getSandboxClientCertificate: method(
    'query',
    none,
    returns<{ certFileName: string; cert: string; keyFileName: string; key: string }>(),
    "A client certificate and its private key (PEM), signed by the sandbox's CA, for a Kafka client of listeners " +
      'that require client certificates (mTLS); INVALID_REQUEST while TLS is off.',
  ),
  getListenerSecurity: method(
    'query',
    none,
    returns<ListenerSecurityState>(),
    "The Local sandbox's Kafka listener security: protocol, client certificates required or not, SASL user names " +
      '(never passwords), bootstrap servers, and whether serve-mode flags fix it.',
  ),
  getCluster: method(
    'query',
    none,
    returns<ClusterState>(),
    'Cluster summary: brokers, controller, topic and partition counts, under-replicated and offline partitions.',
  ),
  listBrokers: method(
    'query',
    none,
    returns<BrokerState[]>(),
    'Every broker with its status, controller flag, partitions led and disk use.',
  ),
  listTopics: method(
    'query',
    z.strictObject({ includeInternal: z.boolean().optional() }),
    returns<TopicSummary[]>(),
    'Topics with partition count, replication factor, message count and health.',
  ),
  describeTopic: method(
    'query',
    z.strictObject({ name: topicName }),
    returns<TopicDescription>(),
    'One topic with its configs and the state of every partition.',
  ),
  getTopic: method(
    'query',
    z.strictObject({ name: topicName }),
    returns<TopicDetails>(),
    'One topic with its configs, without partition states (page them with listPartitionPage): what a view of a ' +
      'large topic loads first.',
  ),
  listPartitions: method(
    'query',
    z.strictObject({ topic: topicName }),
    returns<PartitionState[]>(),
    "A topic's partitions: leader, replicas, ISR, log start, high watermark and per-replica offsets.",
  ),
  listPartitionPage: method(
    'query',
    z.strictObject({
      topic: topicName,
      offset: z.number().int().min(0).max(MAX_PARTITIONS),
      limit: z.number().int().min(1).max(MAX_PARTITION_PAGE),
      filter: z.enum(['all', 'problems']).optional(),
    }),
    returns<PartitionPage>(),
    `A page of a topic's partitions, shaped as listPartitions returns them: \`limit\` (at most ${MAX_PARTITION_PAGE}) from \`offset\` among those the filter keeps (all, or only under-replicated or offline ones), with the counts to page on.`,
  ),
  listAllPartitions: method(
    'query',
    z.strictObject({ includeInternal: z.boolean().optional() }),
    returns<PartitionState[]>(),
    'Every partition of every topic (internal topics only when asked), shaped as listPartitions returns them: a ' +
      'cluster-wide replica map in one call.',
  ),
  getReplicaSummary: method(
    'query',
    z.strictObject({ includeInternal: z.boolean().optional() }),
    returns<TopicReplicaSummary[]>(),
    "Every topic's replicas counted per broker (leaders, in sync, out of sync, offline) and its under-replicated and offline partitions, in topic order: a cluster-wide replica map whose size grows with topics, not partitions. The `partitions` event carries the new summary of each topic that changed.",
  ),
  describeConfigs: method(
    'query',
    z.strictObject({ topic: topicName }),
    returns<ConfigEntry[]>(),
    "A topic's configs, each with value, default, source and documentation.",
  ),
  describeDefaultConfigs: method(
    'query',
    none,
    returns<ConfigEntry[]>(),
    'The configs a new topic gets unless told otherwise: every topic config at its default, with type and ' +
      'documentation.',
  ),
  describeBrokerConfigs: method(
    'query',
    z.strictObject({ broker: brokerId.optional() }),
    returns<ConfigEntry[]>(),
    "A broker's configs, or without broker the cluster-wide level (num.partitions, default.replication.factor, " +
      '...): value, default, source, read-only flag and synonyms.',
  ),
  getBrokerDetail: method(
    'query',
    z.strictObject({
      broker: brokerId,
      role: z.enum(['leader', 'follower', 'all']).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(MAX_BROKER_REPLICA_PAGE),
    }),
    returns<BrokerDetail>(),
    'One broker: its state, its log dir (offline or not) with bytes per topic, how many partitions it leads and follows with a page of them (role: leader, follower or all), and its messages and bytes in and out per second (null where the connection does not measure per broker).',
  ),
  listBrokerRates: method(
    'query',
    none,
    returns<Array<{ broker: number; throughput: BrokerThroughput | null }>>(),
    "Every broker's messages and bytes in and out per second, as getBrokerDetail gives them (the Brokers page's " +
      'column; on a remote connection sampled while asked for).',
  ),
  listTopicActivity: method(
    'query',
    z.strictObject({ includeInternal: z.boolean().optional() }),
    returns<TopicActivityRow[]>(),
    "Every topic's messages in per second, last append time (both since the app started; null where the connection does not count them) and the consumer groups that read it.",
  ),
  readRecords: method(
    'query',
    z.strictObject({
      topic: topicName,
      partition: partitionIndex.optional(),
      start: readStart,
      limit: z.number().int().min(1).max(10_000),
      direction: z.enum(['forward', 'backward']).optional(),
    }),
    returns<RecordDto[]>(),
    'Records from an offset, a timestamp, the start or the end, forward or backward; one partition or all.',
  ),
  listOffsets: method(
    'query',
    z.strictObject({
      topic: topicName,
      partition: partitionIndex,
      spec: z.union([z.literal('earliest'), z.literal('latest'), z.strictObject({ timestamp })]),
    }),
    returns<{ offset: number; timestamp: number }>(),
    'The earliest or latest offset of a partition, or the first offset at or after a timestamp.',
  ),
  getMetrics: method(
    'query',
    none,
    returns<MetricsSample>(),
    'Messages and bytes in and out per second, over the last second.',
  ),
  getMetricsHistory: method(
    'query',
    z.strictObject({ seconds: z.number().int().min(1).max(600).optional() }),
    returns<MetricsSample[]>(),
    'The last samples (one a second, up to 10 minutes), oldest first.',
  ),

  // commands
  createTopic: method(
    'command',
    z.strictObject({
      name: topicName,
      partitions: kafkaCheck(
        z.number().int(),
        (n) => n >= 1 && n <= MAX_PARTITIONS,
        'INVALID_PARTITIONS',
        `partitions must be between 1 and ${MAX_PARTITIONS}`,
      ).optional(),
      replicationFactor: kafkaCheck(
        z.number().int(),
        (n) => n >= 1,
        'INVALID_REPLICATION_FACTOR',
        'replicationFactor must be at least 1',
      ).optional(),
      configs: configMap.optional(),
      assignments: z.array(z.array(brokerId).min(1)).min(1).max(MAX_PARTITIONS).optional(),
      validateOnly: z.boolean().optional(),
    }),
    returns<TopicDetails>(),
    'Create a topic (partitions and replication factor default to the broker defaults); returns it as getTopic does.',
  ),
  deleteTopic: method('command', z.strictObject({ name: topicName }), returns<null>(), 'Delete a topic and its data.'),
  createPartitions: method(
    'command',
    z.strictObject({
      topic: topicName,
      totalCount: kafkaCheck(
        z.number().int(),
        (n) => n >= 1 && n <= MAX_PARTITIONS,
        'INVALID_PARTITIONS',
        `totalCount must be between 1 and ${MAX_PARTITIONS}`,
      ),
      assignments: z.array(z.array(brokerId).min(1).max(9)).min(1).max(MAX_PARTITIONS).optional(),
    }),
    returns<null>(),
    'Grow a topic to totalCount partitions; assignments (one broker list per new partition) places their replicas.',
  ),
  alterConfigs: method(
    'command',
    z.strictObject({
      topic: topicName,
      set: configMap.optional(),
      delete: z.array(z.string().min(1)).optional(),
      validateOnly: z.boolean().optional(),
    }),
    returns<ConfigEntry[]>(),
    'Set or reset (delete) topic configs; returns the resulting configs.',
  ),
  regenerateAccessToken: method(
    'command',
    none,
    returns<{ token: string; file: string }>(),
    'Serve mode: replace the access token (stored in the data folder) with a new random one; every open ' +
      'connection is closed and must use the new token. The desktop app has none: INVALID_REQUEST.',
  ),
  alterBrokerConfigs: method(
    'command',
    z.strictObject({
      broker: brokerId.optional(),
      set: configMap.optional(),
      delete: z.array(z.string().min(1).max(255)).max(100).optional(),
      validateOnly: z.boolean().optional(),
    }),
    returns<ConfigEntry[]>(),
    'Set or reset (delete) dynamic broker configs of one broker, or without broker cluster-wide (kept across ' +
      "restarts); returns that level's configs.",
  ),
  setListenerSecurity: method(
    'command',
    z.strictObject({
      protocol: z.enum(SANDBOX_SECURITY_PROTOCOLS),
      clientAuth: z.boolean().optional(),
      users: z
        .array(z.strictObject({ name: saslUserName, password: saslPassword.optional() }))
        .max(100)
        .optional(),
    }),
    returns<ListenerSecurityState>(),
    "Change what the Local sandbox's Kafka ports speak, without restarting: each listener closes (with its client " +
      'connections) and opens again on its port. users is the whole list (a password left out keeps the saved ' +
      'one; users not listed are removed); a bad setting is refused naming its field and nothing changes.',
  ),
  electPreferredLeaders: method(
    'command',
    z.strictObject({ topics: z.array(topicName).min(1).max(10_000).optional() }),
    returns<PreferredElection>(),
    'Preferred leader election: each partition of the topics given (or of every topic) whose first replica is running and in sync gets it back as leader; returns which moved, how many were led by it already, and which could not and why.',
  ),
  deleteRecords: method(
    'command',
    z.strictObject({ topic: topicName, partition: partitionIndex, beforeOffset: offset }),
    returns<{ lowWatermark: number }>(),
    'Delete the records of a partition before an offset (-1: up to the high watermark).',
  ),
  produce: method(
    'command',
    z
      .strictObject({
        topic: topicName,
        records: z.array(produceRecord).min(1).max(10_000),
        /** How key, value and header strings are to be turned into bytes. */
        encoding: z.enum(['utf8', 'base64']).optional(),
        acks: z.union([z.literal(0), z.literal(1), z.literal(-1)]).optional(),
        timeoutMs: z.number().int().min(1).max(300_000).optional(),
      })
      .superRefine(refuseInvalidBase64),
    returns<ProducedRecord[]>(),
    'Append records; keys, values and header values are UTF-8 text unless encoding is base64.',
  ),
  stopBroker: method(
    'command',
    z.strictObject({ id: brokerId }),
    returns<null>(),
    'Stop a broker cleanly (controlled shutdown: leadership moves first).',
  ),
  killBroker: method(
    'command',
    z.strictObject({ id: brokerId }),
    returns<null>(),
    'Kill a broker abruptly, as a crash would.',
  ),
  startBroker: method(
    'command',
    z.strictObject({ id: brokerId }),
    returns<null>(),
    'Start a stopped or killed broker.',
  ),
  watchRecords: method(
    'command',
    z.strictObject({ topic: topicName, partition: partitionIndex.optional() }),
    returns<{ subscriptionId: string }>(),
    'Start receiving "records" events for new records of a topic (or one partition) on this connection.',
  ),
  unwatchRecords: method(
    'command',
    z.strictObject({ subscriptionId: z.string().min(1).max(64) }),
    returns<null>(),
    'Stop a watch started by watchRecords.',
  ),

  // message browser and search
  readRecordPage: method(
    'query',
    z.strictObject({
      topic: topicName,
      partition: partitionIndex.optional(),
      start: pageStart,
      direction: z.enum(['forward', 'backward']).optional(),
      limit: z.number().int().min(1).max(1000),
      maxValueBytes: maxValueBytes.optional(),
    }),
    returns<RecordPage>(),
    'A page of the message browser: one partition, or all merged by timestamp; with the offsets it covers per ' +
      'partition, so the pages before and after it can be read from them.',
  ),
  getRecord: method(
    'query',
    z.strictObject({
      topic: topicName,
      partition: partitionIndex,
      offset: offset.min(0),
      maxValueBytes: maxValueBytes.optional(),
    }),
    returns<RecordDto | null>(),
    'One record by partition and offset (null when there is none), its key and value cut to maxValueBytes when given.',
  ),
  startSearch: method(
    'command',
    z.strictObject({
      topic: topicName,
      partition: partitionIndex.optional(),
      pattern: z.string().min(1).max(1000),
      mode: z.enum(['text', 'regex', 'filter']),
      caseSensitive: z.boolean().optional(),
      scopes: z.array(searchScope).min(1).max(3).optional(),
      direction: z.enum(['forward', 'backward']).optional(),
      maxMatches: z.number().int().min(1).max(MAX_SEARCH_MATCHES).optional(),
      timeBudgetMs: z.number().int().min(100).max(600_000).optional(),
      maxValueBytes: maxValueBytes.optional(),
    }),
    returns<SearchStatus>(),
    'Scan a topic (or one partition) in the engine for text or a regular expression in keys, values and headers, ' +
      'or for the records a filter expression (mode "filter", see checkFilter) holds for; progress arrives as ' +
      'searchProgress events on this connection.',
  ),
  copyRecords: method(
    'command',
    z.strictObject({
      source: recordSource,
      target: topicName,
      keepPartitions: z.boolean().optional(),
      keepTimestamps: z.boolean().optional(),
      dryRun: z.boolean().optional(),
    }),
    returns<CopyReport>(),
    "Copy (replay) records of a topic (a range, a selection or a search's matches) to a topic, keys, values and headers kept, partitions and timestamps if asked; dryRun only counts.",
  ),
  stopSearch: method(
    'command',
    z.strictObject({ searchId: z.string().min(1).max(64) }),
    returns<SearchStatus>(),
    'Stop a search started by startSearch; its matches so far stay readable.',
  ),
  getSearchResults: method(
    'query',
    z.strictObject({
      searchId: z.string().min(1).max(64),
      from: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    returns<SearchResults>(),
    "A search's status and its matches from index `from` on (`limit`, default and at most 1000 per call): page " +
      'through every match of a search this way.',
  ),
  checkFilter: method(
    'query',
    z.strictObject({ expression: z.string().max(1000) }),
    returns<FilterCheck>(),
    'Check a filter expression without scanning: ok, or the fault with its column, for showing it inline. Names: ' +
      'key, value, headers.<name>, partition, offset, timestamp; value.a.b reads JSON; operators == != < <= > >= ' +
      '&& || ! contains startsWith endsWith matches.',
  ),

  // consumer groups
  listGroups: method(
    'query',
    none,
    returns<GroupOverview[]>(),
    'Every consumer group with its state, members, topics and total lag.',
  ),
  describeGroup: method(
    'query',
    z.strictObject({ groupId }),
    returns<GroupDescription>(),
    'One group: members (client id, host, assignment), and per partition the committed offset, end offset and lag.',
  ),
  getLagHistory: method(
    'query',
    z.strictObject({
      groupId,
      topic: topicName.optional(),
      partition: partitionIndex.optional(),
      seconds: z.number().int().min(1).max(3600).optional(),
    }),
    returns<GroupLagHistory>(),
    "A group's lag over the last `seconds` (default 300, at most 3600), total and per partition, as [time, lag] " +
      'points.',
  ),
  resetGroupOffsets: method(
    'command',
    z.strictObject({
      groupId,
      to: offsetResetSpec,
      topics: z
        .array(z.strictObject({ topic: topicName, partitions: z.array(partitionIndex).min(1).max(10_000).optional() }))
        .min(1)
        .max(1000)
        .optional(),
      dryRun: z.boolean().optional(),
    }),
    returns<OffsetResetPlan[]>(),
    'Move the committed offsets of a group without active members (earliest, latest, a timestamp, an offset, or ' +
      'a shift); dryRun previews the plan and commits nothing.',
  ),
  deleteGroup: method(
    'command',
    z.strictObject({ groupId }),
    returns<null>(),
    'Delete a group without active members, with its committed offsets.',
  ),
  deleteGroupOffsets: method(
    'command',
    z.strictObject({
      groupId,
      topic: topicName,
      partitions: z.array(partitionIndex).min(1).max(10_000).optional(),
    }),
    returns<null>(),
    "Delete a group's committed offsets for a topic (all its partitions, or those given).",
  ),
  watchGroup: method(
    'command',
    z.strictObject({ groupId }),
    returns<{ subscriptionId: string }>(),
    'Start receiving "groupLag" events once a second for a group (it need not exist yet) on this connection.',
  ),
  unwatchGroup: method(
    'command',
    z.strictObject({ subscriptionId }),
    returns<null>(),
    'Stop a watch started by watchGroup.',
  ),

  // workload simulator
  getWorkload: method(
    'query',
    none,
    returns<WorkloadStatus>(),
    "The workload simulator's state: settings, records produced and consumed, rates, and each consumer's partitions.",
  ),
  startWorkload: method(
    'command',
    z.strictObject({
      topic: topicName.optional(),
      partitions: kafkaCheck(
        z.number().int(),
        (n) => n >= 1 && n <= 1000,
        'INVALID_PARTITIONS',
        'partitions must be between 1 and 1000',
      ).optional(),
      groupId: groupId.optional(),
      ratePerSec: workloadRate,
      consumers: workloadConsumers,
      processingDelayMs: workloadDelay,
      sensors: z.number().int().min(1).max(100_000).optional(),
    }),
    returns<WorkloadStatus>(),
    'Start producing sensor readings at ratePerSec to a topic (created when missing) and consuming them with a ' +
      'group of engine consumers that spend processingDelayMs per record.',
  ),
  updateWorkload: method(
    'command',
    z.strictObject({
      ratePerSec: workloadRate.optional(),
      consumers: workloadConsumers.optional(),
      processingDelayMs: workloadDelay.optional(),
    }),
    returns<WorkloadStatus>(),
    'Change the running workload: the rate, the number of consumers (the group rebalances) or the per-record delay.',
  ),
  stopWorkload: method(
    'command',
    none,
    returns<WorkloadStatus>(),
    'Stop the producer and close the consumers; the topic and the committed offsets stay.',
  ),
} as const satisfies Record<string, MethodSpec>;

/** Events pushed to every connection (records only to connections that watch). */
export const API_EVENTS = {
  cluster: {
    payload: returns<ClusterChange>(),
    doc: 'The cluster changed (coalesced, at most a few a second); carries the new cluster summary.',
  },
  metrics: { payload: returns<MetricsSample>(), doc: 'Once a second: messages and bytes in and out per second.' },
  records: { payload: returns<LiveRecords>(), doc: 'New records for a watch started with watchRecords.' },
  searchProgress: {
    payload: returns<SearchStatus>(),
    doc: 'Progress of a search started on this connection (a few times a second), and its final state.',
  },
  partitions: {
    payload: returns<PartitionsChange>(),
    doc:
      'Partitions whose leader, ISR, replicas or replica availability changed (coalesced), with their new states ' +
      '(at most MAX_PARTITIONS_PER_CHANGE; topics past it are named to re-read), the new replica summary of ' +
      'their topics, and deleted topics.',
  },
  groups: {
    payload: returns<GroupsUpdate>(),
    doc: 'Once a second while anything changed: every consumer group as listGroups returns it.',
  },
  groupLag: {
    payload: returns<GroupLagUpdate>(),
    doc: 'Once a second, to a connection that called watchGroup: the group described, with per-partition lag.',
  },
  workload: {
    payload: returns<WorkloadStatus>(),
    doc: "The workload simulator's status, when it changes and once a second while it runs.",
  },
} as const;

// ---------------------------------------------------------------------------
// Types derived from the table

export type Api = typeof API;
export type MethodName = keyof Api;
export type EventName = keyof typeof API_EVENTS;
/** What a caller passes (optional fields may be left out). */
export type MethodInput<M extends MethodName> = z.input<Api[M]['input']>;
/** What a handler receives after validation. */
export type ParsedInput<M extends MethodName> = z.output<Api[M]['input']>;
export type MethodOutput<M extends MethodName> = Api[M]['output'] extends Returns<infer O> ? O : never;
export type EventPayload<E extends EventName> = (typeof API_EVENTS)[E]['payload'] extends Returns<infer P> ? P : never;

/** Methods whose input is an empty object may be called with no argument. */
type Args<M extends MethodName> =
  Record<string, never> extends MethodInput<M> ? [input?: MethodInput<M>] : [input: MethodInput<M>];

/** The typed client every transport provides. */
export type ApiClient = { [M in MethodName]: (...args: Args<M>) => Promise<MethodOutput<M>> };

export const METHOD_NAMES = Object.keys(API) as MethodName[];
export const EVENT_NAMES = Object.keys(API_EVENTS) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API, name);
}

/** Methods answered by the connection router (core/host), whatever connection a session uses. */
export const CONNECTION_METHODS = [
  'listConnections',
  'addConnection',
  'editConnection',
  'removeConnection',
  'testConnection',
  'selectConnection',
] as const satisfies readonly MethodName[];
export type ConnectionMethodName = (typeof CONNECTION_METHODS)[number];

export function isConnectionMethod(name: string): name is ConnectionMethodName {
  return (CONNECTION_METHODS as readonly string[]).includes(name);
}

/** Methods that change the cluster: refused on a read-only connection (their dry runs excepted). */
export const CLUSTER_CHANGING_METHODS: readonly MethodName[] = [
  'createTopic',
  'deleteTopic',
  'createPartitions',
  'alterConfigs',
  'alterBrokerConfigs',
  'electPreferredLeaders',
  'deleteRecords',
  'produce',
  'resetGroupOffsets',
  'deleteGroup',
  'deleteGroupOffsets',
];

/** Methods of the Local sandbox only: chaos on its brokers, the workload simulator. */
export const SANDBOX_ONLY_METHODS: readonly MethodName[] = [
  'stopBroker',
  'killBroker',
  'startBroker',
  'getWorkload',
  'startWorkload',
  'updateWorkload',
  'stopWorkload',
  'copyRecords',
  'getListenerSecurity',
  'setListenerSecurity',
];

/** Methods about this Noticeboard rather than a cluster: whatever the connection, the sandbox's API answers them. */
export const HOST_METHODS: readonly MethodName[] = [
  'getServerInfo',
  'regenerateAccessToken',
  'getSandboxCaCertificate',
  'getSandboxClientCertificate',
];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API_EVENTS, name);
}
