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
 * methods with COORDINATOR_NOT_AVAILABLE.
 */
import { z } from 'zod';
import type { ErrorName } from '../errors';
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

// ---------------------------------------------------------------------------
// Schemas. A failed check names a Kafka error where Kafka has one for it;
// anything else about a malformed call is INVALID_REQUEST.

/** Marks a refinement's issue with the Kafka error a failed check should produce. */
function kafkaCheck<T extends z.ZodType>(
  schema: T,
  test: (v: z.output<T>) => boolean,
  errorName: ErrorName,
  message: string,
) {
  return schema.refine(test, { message, params: { errorName } });
}

const topicName = kafkaCheck(
  z.string(),
  (s) => s.length > 0 && s.length <= 249 && s !== '.' && s !== '..' && /^[a-zA-Z0-9._-]+$/.test(s),
  'INVALID_TOPIC_EXCEPTION',
  "Topic names are 1 to 249 characters of ASCII letters, digits, '.', '_' and '-', and not '.' or '..'",
);
const partitionIndex = kafkaCheck(
  z.number().int(),
  (n) => n >= 0,
  'UNKNOWN_TOPIC_OR_PARTITION',
  'Partition numbers start at 0',
);
const brokerId = z.number().int().min(0).max(1_000_000);
const offset = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
const timestamp = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
const configMap = z.record(z.string().min(1).max(255), z.string().max(65_536));
const none = z.strictObject({});
/** Partitions per listPartitionPage call. */
export const MAX_PARTITION_PAGE = 1000;

const readStart = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('earliest') }),
  z.strictObject({ type: z.literal('latest') }),
  z.strictObject({ type: z.literal('offset'), offset: offset.min(0) }),
  z.strictObject({ type: z.literal('timestamp'), timestamp }),
]);

const produceRecord = z.strictObject({
  key: z.string().nullable().optional(),
  value: z.string().nullable().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  partition: partitionIndex.optional(),
  timestamp: timestamp.optional(),
});

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Canonical base64 (standard or URL alphabet, padding optional); Buffer.from would silently skip anything else. */
function isBase64(s: string): boolean {
  const bare = s.replace(/={1,2}$/, '');
  if (/[^A-Za-z0-9+/_-]/.test(bare) || bare.length % 4 === 1 || (bare.length !== s.length && s.length % 4 !== 0))
    return false;
  if (bare.length % 4 === 0) return true;
  // The last character's leftover bits must be zero, or decoding drops them (no Buffer here: the renderer loads this
  // file).
  const last = BASE64_DIGITS.indexOf(bare[bare.length - 1]!.replace('-', '+').replace('_', '/'));
  return (last & (bare.length % 4 === 2 ? 0x0f : 0x03)) === 0;
}

/** With encoding "base64", every key, value and header value must be base64: junk is refused, never written. */
function refuseInvalidBase64(
  input: {
    encoding?: 'utf8' | 'base64';
    records: Array<{ key?: string | null; value?: string | null; headers?: Record<string, string> }>;
  },
  ctx: z.RefinementCtx,
): void {
  if (input.encoding !== 'base64') return;
  const bad = (path: Array<string | number>) =>
    ctx.addIssue({
      code: 'custom',
      path,
      message: 'is not valid base64 (the call says encoding "base64")',
      params: { errorName: 'INVALID_REQUEST' },
    });
  input.records.forEach((r, i) => {
    if (typeof r.key === 'string' && !isBase64(r.key)) bad(['records', i, 'key']);
    if (typeof r.value === 'string' && !isBase64(r.value)) bad(['records', i, 'value']);
    for (const [name, v] of Object.entries(r.headers ?? {})) if (!isBase64(v)) bad(['records', i, 'headers', name]);
  });
}

/** Keys and values longer than this are cut in the message browser's reads (the UI's size limit is 1 MiB). */
const maxValueBytes = z
  .number()
  .int()
  .min(0)
  .max(64 * 1024 * 1024);

const pageStart = z.discriminatedUnion('type', [
  ...readStart.options,
  z.strictObject({
    type: z.literal('positions'),
    positions: z
      .array(z.strictObject({ partition: partitionIndex, offset: offset.min(0) }))
      .min(1)
      .max(10_000),
  }),
]);

const searchScope = z.enum(['key', 'value', 'headers']);
/** Matches one search keeps (as positions; page them with getSearchResults). */
export const MAX_SEARCH_MATCHES = 1_000_000;

const recordSource = z.strictObject({
  topic: topicName,
  partitions: z.array(partitionIndex).min(1).max(MAX_PARTITIONS).optional(),
  from: offset.min(0).optional(),
  to: offset.min(0).optional(),
  fromTimestamp: timestamp.optional(),
  toTimestamp: timestamp.optional(),
  selection: z
    .array(z.strictObject({ partition: partitionIndex, offset: offset.min(0) }))
    .min(1)
    .max(10_000)
    .optional(),
  search: z
    .strictObject({
      pattern: z.string().min(1).max(1000),
      mode: z.enum(['text', 'regex', 'filter']),
      caseSensitive: z.boolean().optional(),
      scopes: z.array(searchScope).min(1).max(3).optional(),
    })
    .optional(),
});

const groupId = kafkaCheck(
  z.string(),
  (s) => s.length > 0 && s.length <= 4096,
  'INVALID_GROUP_ID',
  'Group ids are 1 to 4096 characters',
);
const subscriptionId = z.string().min(1).max(64);
const offsetResetSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('earliest') }),
  z.strictObject({ type: z.literal('latest') }),
  z.strictObject({ type: z.literal('timestamp'), timestamp: timestamp.min(0) }),
  z.strictObject({ type: z.literal('offset'), offset: offset.min(0) }),
  z.strictObject({
    type: z.literal('shift'),
    by: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  }),
]);
const workloadRate = z.number().min(0).max(100_000);
const workloadConsumers = z.number().int().min(0).max(64);
const workloadDelay = z.number().min(0).max(1000);

const connectionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Connection ids are letters, digits, _ and -');
const hostPort = kafkaCheck(
  z.string().trim(),
  (s) => {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(s);
    return m !== null && Number(m[3]) >= 1 && Number(m[3]) <= 65535;
  },
  'INVALID_REQUEST',
  'Bootstrap servers are host:port (port 1 to 65535), e.g. kafka-1.example.com:9092',
);
const pem = z.string().max(1024 * 1024);
const saslUserName = kafkaCheck(
  z.string(),
  (s) => /^[A-Za-z0-9._@+-]{1,64}$/.test(s),
  'INVALID_REQUEST',
  'SASL user names are 1 to 64 letters, digits, and . _ @ + -',
);
const saslPassword = kafkaCheck(
  z.string(),
  (s) => s.length >= 1 && s.length <= 1000 && !/[\u0000-\u001f\u007f]/.test(s),
  'INVALID_REQUEST',
  'A password is 1 to 1000 characters without control characters',
);
/** A connection's fields; in editConnection each may be left out to keep what is saved. */
const connectionFields = {
  name: z.string().trim().min(1).max(100),
  color: z.enum(CONNECTION_COLORS),
  bootstrapServers: z.array(hostPort).min(1).max(100),
  securityProtocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
  /** null: no SASL. password left out: keep the saved one. */
  sasl: z
    .strictObject({
      mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
      username: z.string().min(1).max(1000),
      password: z.string().min(1).max(10_000).optional(),
    })
    .nullable(),
  /** null: no TLS settings (the system's CAs, hostname verification on). A PEM left out is kept; '' removes it. */
  tls: z
    .strictObject({
      ca: pem.optional(),
      cert: pem.optional(),
      key: pem.optional(),
      rejectUnauthorized: z.boolean().optional(),
      servername: z.string().max(255).nullable().optional(),
    })
    .nullable(),
  readOnly: z.boolean(),
};
const newConnection = z.strictObject({
  ...connectionFields,
  color: connectionFields.color.optional(),
  sasl: connectionFields.sasl.optional(),
  tls: connectionFields.tls.optional(),
  readOnly: connectionFields.readOnly.optional(),
});

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
