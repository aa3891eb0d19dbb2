/**
 * What crosses a transport where the engine's own shape would not: records with their bytes as base64, pages,
 * change events, reports, connection summaries, and the plain limits that go with them. Part of the API contract
 * (api.ts re-exports all of it), so it takes only types from the engine.
 */
import type { ErrorName } from '../errors';
import type { BrokerState, ClusterState, PartitionState } from '../cluster/types';
import type { GroupDescription, GroupState, MemberDescription, OffsetResetPlan, PartitionLag } from '../groups';
import type { WorkloadMember, WorkloadStatus } from '../workload/workload-simulator';

// ---------------------------------------------------------------------------
// UI-facing DTOs (what crosses a transport where the engine's shape would not)

/** A record as the UI sees it: bytes as base64 so it survives JSON. */
export interface RecordDto {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  /** base64, or null for a null key. */
  key: string | null;
  /** base64, or null for a tombstone. */
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
  sizeInBytes: number;
  /** Set when the key or value was cut to a read's maxValueBytes: the full size in bytes of each field that was cut. */
  truncated?: { key?: number; value?: number };
  /**
   * Set on the one entry standing for a stored batch that does not decode: its offsets and why (key and value null).
   */
  corrupt?: string;
}

export interface MetricsSample {
  /** Epoch milliseconds when the sample was taken. */
  time: number;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface ServerInfo {
  product: 'Noticeboard';
  version: string;
  /** 'ipc' in the desktop app, 'websocket' in serve mode. */
  transport: 'ipc' | 'websocket';
  clusterId: string;
  dataDir: string;
  /** The engine log (background failures, core/logger.ts), or null when it writes none. */
  logFile: string | null;
  /** host:port list for Kafka clients, or null while no broker listens. */
  bootstrapServers: string | null;
  /** Serve mode: the file holding the access token (the data folder's `access-token`); null in the desktop app. */
  accessTokenFile: string | null;
  /** What the embedded cluster's Kafka ports speak; null when the connection is not the sandbox. */
  kafkaSecurity: KafkaSecurityInfo | null;
}

/** The embedded cluster's listener security (serve mode's --kafka-security, --kafka-user, --kafka-client-auth). */
export interface KafkaSecurityInfo {
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** Whether clients must present a certificate signed by the sandbox CA (mTLS). */
  clientAuth: boolean;
  saslMechanisms: Array<'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'>;
  /** Files in the data folder, when TLS is on: the CA clients trust, and a client certificate and key it signed. */
  caCertPath: string | null;
  clientCertPath: string | null;
  clientKeyPath: string | null;
}

/**
 * The sandbox's Kafka listener security as Settings shows and changes it (getListenerSecurity,
 * setListenerSecurity; kept by the host, core/host/listener-security.ts).
 */
export interface ListenerSecurityState extends KafkaSecurityInfo {
  /** SASL users by name; their passwords never leave the host (it keeps only SCRAM credentials). */
  users: string[];
  /** host:port list for Kafka clients, or null while no broker listens. */
  bootstrapServers: string | null;
  /** 'settings': set in Settings (or never set: plaintext); 'flags': fixed by serve-mode flags, which win. */
  source: 'settings' | 'flags';
  /** The flags that fix it (e.g. "--kafka-security sasl_ssl --kafka-user"), or null. */
  fixedBy: string | null;
  /** Where the setting is kept (mode 0600). */
  file: string;
  /** False when the Kafka listeners are not running: a change is saved and applies when they next start. */
  listening: boolean;
}

export const SANDBOX_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

export interface ProducedRecord {
  partition: number;
  offset: number;
  timestamp: number;
}

export type ClusterChangeKind = 'metadata' | 'broker' | 'partition' | 'highWatermark';

/** Pushed (coalesced) whenever the cluster changes; carries the new summary so most views need no round trip. */
export interface ClusterChange {
  cluster: ClusterState;
  kinds: ClusterChangeKind[];
  /** Topics whose metadata or data changed in this window (may be empty for broker-only changes). */
  topics: string[];
}

/** Pushed (coalesced) when partitions change shape: leader, ISR, replicas, or a replica's broker going down or up. */
export interface PartitionsChange {
  /**
   * The new state of each partition that changed in this window, in topic then partition order; at most
   * MAX_PARTITIONS_PER_CHANGE of them. The changed partitions of topics past that bound are not sent: those
   * topics are named in `resync` instead.
   */
  partitions: PartitionState[];
  /** Topics many of whose partitions changed (a broker stopping, say): re-read the partitions shown of them. */
  resync: string[];
  /** The new replica summary of every topic any partition of which changed in this window. */
  topics: TopicReplicaSummary[];
  /** Topics deleted in this window: drop their partitions. */
  deletedTopics: string[];
}

/** Partitions states sent in one `partitions` event at most (a page's worth; the rest are named to re-read). */
export const MAX_PARTITIONS_PER_CHANGE = 200;

/** One broker's replicas of a topic, by what each is right now. */
export interface BrokerReplicaCounts {
  brokerId: number;
  /** Replicas that lead their partition. */
  leaders: number;
  /** Followers in the ISR. */
  inSync: number;
  /** Followers whose broker is up but which are not in the ISR (catching up). */
  outOfSync: number;
  /** Replicas whose broker is down. */
  offline: number;
}

/** A topic's replicas counted per broker: the replica map's row for it, without its partitions. */
export interface TopicReplicaSummary {
  topic: string;
  internal: boolean;
  partitions: number;
  /** Partitions with a leader but fewer live in-sync replicas than replicas. */
  underReplicated: number;
  /** Partitions without a leader. */
  offline: number;
  /** Every broker holding a replica of the topic, by broker id. */
  brokers: BrokerReplicaCounts[];
}

export interface LiveRecords {
  subscriptionId: string;
  records: RecordDto[];
  /** Records that arrived faster than the watcher is fed and were skipped. */
  skipped: number;
}

/** An offset in one partition, as the message browser's pages are bounded by. */
export interface RecordPosition {
  partition: number;
  offset: number;
}

/** A page of the message browser: its records, and per partition the offsets [lower, upper) it covers. */
export interface RecordPage {
  /** Oldest first for a forward read, newest first for a backward one; merged by timestamp across partitions. */
  records: RecordDto[];
  /** Read backward from these positions for the page before (older). */
  lower: RecordPosition[];
  /** Read forward from these positions for the page after (newer). */
  upper: RecordPosition[];
  /** Each partition read, with its log start and high watermark at the time of the read. */
  partitions: Array<{ partition: number; logStartOffset: number; highWatermark: number }>;
  /** Partitions asked for that could not be read (no running broker holds a replica), and why; not in `partitions`. */
  offline: Array<{ partition: number; reason: string }>;
}

/**
 * running, then one of: done (everything scanned), stopped, limit (maxMatches reached), timeout (time budget spent),
 * failed.
 */
export type SearchState = 'running' | 'done' | 'stopped' | 'limit' | 'timeout' | 'failed';

/** Which records an export, a copy or a replay takes (core/service/record-export.ts says how each narrows). */
export interface RecordSourceSpec {
  topic: string;
  partitions?: number[];
  from?: number;
  to?: number;
  fromTimestamp?: number;
  toTimestamp?: number;
  selection?: Array<{ partition: number; offset: number }>;
  search?: {
    pattern: string;
    mode: 'text' | 'regex' | 'filter';
    caseSensitive?: boolean;
    scopes?: Array<'key' | 'value' | 'headers'>;
  };
}

/**
 * What a copy found and did (core/service/record-copy.ts); per partition of the target, null: keyless, spread by the
 * producer.
 */
export interface CopyReport {
  source: string;
  target: string;
  dryRun: boolean;
  records: number;
  perPartition: Array<{ partition: number | null; records: number }>;
  written: number;
  skipped: number;
  cancelled: boolean;
  elapsedMs: number;
}

/** What an import of JSON Lines found and did (core/service/record-import.ts). */
export interface ImportReport {
  topic: string;
  dryRun: boolean;
  records: number;
  perPartition: Array<{ partition: number | null; records: number }>;
  badLines: number;
  bad: Array<{ line: number; reason: string }>;
  written: number;
  cancelled: boolean;
  elapsedMs: number;
}

export interface SearchStatus {
  searchId: string;
  topic: string;
  /** null when every partition is searched. */
  partition: number | null;
  state: SearchState;
  /**
   * Offsets covered so far, of `total` (log start to high watermark of the searched partitions when the search began).
   */
  scanned: number;
  total: number;
  matches: number;
  elapsedMs: number;
  /** Why the search failed, when it did. */
  error: string | null;
  /** Partitions that could not be read (no running replica), and why. */
  skipped: Array<{ partition: number; reason: string }>;
}

export interface SearchResults {
  status: SearchStatus;
  /** Matches from the requested index on (at most 1000 per call), in the order they were found. */
  matches: RecordDto[];
  /** Matches from `from` on that are no longer stored (deleted or compacted since the scan found them). */
  gone?: number;
}

/** A filter expression checked without scanning: fine, or what is wrong and where (1-based column, length). */
export type FilterCheck =
  { ok: true; usesRegex: boolean } | { ok: false; message: string; column: number; length: number };

// ---- the broker detail page (core/service/broker-detail.ts) and the topic list's live columns (topic-activity.ts)

export type BrokerPartitionRole = 'leader' | 'follower';

/** One replica on the broker. */
export interface BrokerReplica {
  topic: string;
  partition: number;
  /** The partition's leader (-1: offline). */
  leader: number;
  role: BrokerPartitionRole;
  inSync: boolean;
  /** The broker is down: the replica is assigned to it but not served. */
  offline: boolean;
  logEndOffset: number | null;
  highWatermark: number;
  bytesOnDisk: number | null;
}

export interface BrokerDetail {
  broker: BrokerState;
  /** Per second, this broker only; null where the connection does not measure per broker (a remote cluster). */
  throughput: BrokerThroughput | null;
  logDir: {
    /** '' where the connection does not know it (Metadata names no path). */
    path: string;
    error: 'KAFKA_STORAGE_ERROR' | null;
    offline: boolean;
    totalBytes: number;
    /** Bytes per topic on this broker, largest first (at most MAX_LOG_DIR_TOPICS; `otherTopics` counts the rest). */
    topics: Array<{ topic: string; replicas: number; bytes: number }>;
    otherTopics: number;
  };
  replicas: {
    led: number;
    followed: number;
    /** Replicas of this broker out of its partitions' ISR (and up): catching up. */
    outOfSync: number;
    role: BrokerPartitionRole | 'all';
    offset: number;
    /** Replicas the role keeps (led, followed or both): `items` is a page of them, in topic then partition order. */
    matching: number;
    items: BrokerReplica[];
  };
}

/**
 * A broker's messages and bytes in (appended as leader) and out (fetched from it) per second. A figure is null
 * while it is being measured, or for good where the connection cannot know it: then `notes` says why in words
 * (out rates of a remote cluster are not observable from outside it).
 */
export interface BrokerThroughput {
  messagesInPerSec: number | null;
  bytesInPerSec: number | null;
  messagesOutPerSec: number | null;
  bytesOutPerSec: number | null;
  notes?: { bytesIn?: string; out?: string };
}

export interface TopicActivityRow {
  topic: string;
  /**
   * Messages appended per second, over the last complete second (the sandbox) or between the last two samples of
   * its high watermarks (a remote cluster); null where the connection does not count it or is still measuring.
   */
  messagesInPerSec: number | null;
  /**
   * Epoch ms of the last append: seen since the app started (the sandbox), or the newest record's timestamp (a
   * remote cluster); null when none (or not counted).
   */
  lastAppendMs: number | null;
  /** Consumer groups with committed offsets for the topic or partitions of it assigned, sorted. */
  groups: string[];
}

/** A consumer group in the groups list: its state, members, topics and total lag. */
export interface GroupOverview {
  groupId: string;
  state: GroupState;
  /** 'consumer' for Kafka consumers; '' for a group that only has committed offsets. */
  protocolType: string;
  /** The assignor of the current generation ('range', 'roundrobin', ...); '' when none. */
  protocol: string;
  members: number;
  /** The broker coordinating the group; -1 when none can. */
  coordinator: number;
  /** Topics the group has committed offsets for or is assigned, sorted. */
  topics: string[];
  /** Partitions it has offsets for or is assigned. */
  partitions: number;
  totalLag: number;
}

/** A point of a lag chart: [epoch ms, lag in records]. */
export type LagPointTuple = [number, number];

/** A group's lag over time, total and per partition, oldest point first. */
export interface GroupLagHistory {
  groupId: string;
  /** The sampler's interval in ms: points are this far apart in the recent past, coarser (10 x) before it. */
  intervalMs: number;
  /** The sum over the partitions at each sample time. */
  total: LagPointTuple[];
  partitions: Array<{ topic: string; partition: number; points: LagPointTuple[] }>;
}

/** Pushed once a second (when anything changed): every group as listGroups returns it. */
export interface GroupsUpdate {
  time: number;
  groups: GroupOverview[];
}

/**
 * Pushed once a second to a connection watching a group: its description with per-partition lag, or null while it does
 * not exist.
 */
export interface GroupLagUpdate {
  subscriptionId: string;
  groupId: string;
  time: number;
  group: GroupDescription | null;
}

export type { GroupDescription, MemberDescription, OffsetResetPlan, PartitionLag, WorkloadMember, WorkloadStatus };
/** Replicas per getBrokerDetail page. */
export const MAX_BROKER_REPLICA_PAGE = 1000;

// ---------------------------------------------------------------------------
// Connections: the embedded sandbox and the user's own Kafka clusters

/** The id of the embedded cluster's connection: always the first entry, never removed. */
export const SANDBOX_CONNECTION_ID = 'sandbox';
/** The colour labels a connection may carry (the UI shows the name on a chip of this colour on every page). */
export const CONNECTION_COLORS = ['grey', 'blue', 'green', 'orange', 'red', 'purple'] as const;
export type ConnectionColor = (typeof CONNECTION_COLORS)[number];
export type ConnectionSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type ConnectionSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/**
 * A connection as the UI sees it. Secrets (the SASL password, the TLS private key) never leave the host once
 * saved: only whether one is stored.
 */
export interface ConnectionSummary {
  id: string;
  kind: 'sandbox' | 'remote';
  name: string;
  color: ConnectionColor;
  /** The sandbox's are its own listeners' (empty while none listens). */
  bootstrapServers: string[];
  securityProtocol: ConnectionSecurityProtocol;
  sasl: { mechanism: ConnectionSaslMechanism; username: string; hasPassword: boolean } | null;
  tls: {
    /** Without a CA the system's trusted CAs are used. */
    hasCa: boolean;
    hasCert: boolean;
    hasKey: boolean;
    /** Hostname verification and chain checks; on unless turned off. */
    rejectUnauthorized: boolean;
    servername: string | null;
  } | null;
  /** Calls that would change the cluster are refused (CLUSTER_AUTHORIZATION_FAILED). */
  readOnly: boolean;
}

export interface ConnectionList {
  connections: ConnectionSummary[];
  /** The connection this session's calls go to (selectConnection). */
  selected: string;
}

/** The stages of testConnection, in the order a connection goes through them. */
export type ConnectionTestStage = 'dns' | 'tcp' | 'tls' | 'sasl' | 'versions' | 'metadata';

export interface ConnectionTest {
  ok: boolean;
  /** On success 'metadata'; on failure the stage that failed. */
  stage: ConnectionTestStage;
  /** What happened, in words ("SASL: authentication failed (bad credentials)"). */
  message: string;
  brokers?: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  clusterId?: string | null;
  elapsedMs: number;
}

/** The error every transport delivers for a failed call: Kafka's code and name plus what was wrong. */
export interface ApiErrorShape {
  code: number;
  errorName: ErrorName;
  message: string;
  /** The input at fault when there is one: a config's name, or the path of the input in the call (core/errors.ts). */
  field?: string;
}

export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };
