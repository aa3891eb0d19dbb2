/**
 * Topic configuration: Kafka's names, types and defaults, and validation.
 *
 * A topic stores only the entries set on it (source DYNAMIC_TOPIC_CONFIG);
 * everything else reads as the broker-level default a dynamic broker config
 * sets (log.retention.ms for retention.ms, ...; see broker-configs.ts), or
 * Kafka's default (source DEFAULT_CONFIG). Values are kept as the strings
 * Kafka's admin API carries, and parsed once into a `TopicConfig` whenever the
 * metadata image changes, so hot paths read numbers.
 *
 * Deprecated configs Kafka 3.x still accepts (message.format.version,
 * message.downconversion.enable, message.timestamp.difference.max.ms) are
 * accepted and stored so that clients and tools written for 3.x work; they
 * have no effect here, and DescribeConfigs says so in their documentation.
 */
import { KafkaError } from '../errors';
import type { ConfigEntry, ConfigSynonym } from './types';

type ConfigType = ConfigEntry['type'];

interface ConfigDef {
  type: ConfigType;
  default: string;
  doc: string;
  /** Returns a reason when the (already type-checked) value is out of range. */
  check?: (value: string) => string | undefined;
  readOnly?: boolean;
  /** Deprecated by Kafka, accepted and ignored (see the module comment). */
  deprecated?: boolean;
}

const LONG_MAX = '9223372036854775807';
const atLeast = (min: number) => (v: string) => (Number(v) < min ? `must be at least ${min}` : undefined);
const oneOf =
  (...allowed: string[]) =>
  (v: string) =>
    allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;

export const TOPIC_CONFIG_DEFS: Record<string, ConfigDef> = {
  'cleanup.policy': {
    type: 'list',
    default: 'delete',
    doc:
      'delete: drop old segments by retention.ms / retention.bytes; compact: keep the latest record per key; both ' +
      'may be combined.',
    check: (v) => {
      const parts = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (parts.length === 0) return 'must name at least one of delete, compact';
      const bad = parts.find((p) => p !== 'delete' && p !== 'compact');
      return bad ? `unknown policy '${bad}' (expected delete, compact or both)` : undefined;
    },
  },
  'compression.type': {
    type: 'string',
    default: 'producer',
    doc: 'Final compression of the topic; producer keeps what the producer sent.',
    check: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
  },
  'delete.retention.ms': {
    type: 'long',
    default: '86400000',
    doc: 'How long tombstones stay readable in a compacted topic.',
    check: atLeast(0),
  },
  'file.delete.delay.ms': {
    type: 'long',
    default: '60000',
    doc: 'Delay before a deleted segment is removed from disk.',
    check: atLeast(0),
  },
  'flush.messages': {
    type: 'long',
    default: LONG_MAX,
    doc: 'Messages between forced flushes (LevelDB flushes on its own).',
    check: atLeast(1),
  },
  'flush.ms': { type: 'long', default: LONG_MAX, doc: 'Time between forced flushes.', check: atLeast(0) },
  'max.compaction.lag.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'Longest a record stays uncompacted.',
    check: atLeast(1),
  },
  'max.message.bytes': {
    type: 'int',
    default: '1048588',
    doc: 'Largest record batch the topic accepts.',
    check: atLeast(0),
  },
  'message.downconversion.enable': {
    type: 'boolean',
    default: 'true',
    deprecated: true,
    doc:
      '[DEPRECATED] Down-conversion for old consumers; deprecated in Kafka 3.0 and without effect here (fetch ' +
      'versions that need it are not served).',
  },
  'message.format.version': {
    type: 'string',
    default: '3.0-IV1',
    deprecated: true,
    doc:
      '[DEPRECATED] Record format version; deprecated in Kafka 3.0 and ignored, as Kafka ignores it from ' +
      'inter.broker.protocol.version 3.0: batches are always v2.',
    check: (v) =>
      /^(0\.(8\.[0-2]|9\.0|10\.[0-2]|11\.0)|[12]\.\d+|3\.\d+)(\.\d+)?(-IV\d+)?$/.test(v)
        ? undefined
        : 'must be a Kafka version such as 2.8 or 3.0-IV1',
  },
  'message.timestamp.after.max.ms': {
    type: 'long',
    default: '3600000',
    doc:
      "With CreateTime, how far ahead of the broker's clock a record's timestamp may be (Kafka 4.0 default: one " +
      'hour).',
    check: atLeast(0),
  },
  'message.timestamp.before.max.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: "With CreateTime, how far behind the broker's clock a record's timestamp may be.",
    check: atLeast(0),
  },
  'message.timestamp.difference.max.ms': {
    type: 'long',
    default: LONG_MAX,
    deprecated: true,
    check: atLeast(0),
    doc:
      "[DEPRECATED] Largest allowed difference between a record's CreateTime and the broker's clock; deprecated " +
      'in Kafka 3.6 for message.timestamp.before.max.ms and message.timestamp.after.max.ms, accepted and ignored ' +
      'here.',
  },
  'message.timestamp.type': {
    type: 'string',
    default: 'CreateTime',
    doc: "CreateTime keeps the producer's timestamp; LogAppendTime uses the broker's clock.",
    check: oneOf('CreateTime', 'LogAppendTime'),
  },
  'min.cleanable.dirty.ratio': {
    type: 'double',
    default: '0.5',
    doc: 'Share of the log that must be uncompacted before the cleaner compacts it.',
    check: (v) => (Number(v) < 0 || Number(v) > 1 ? 'must be between 0 and 1' : undefined),
  },
  'min.compaction.lag.ms': {
    type: 'long',
    default: '0',
    doc: 'Shortest time a record stays uncompacted.',
    check: atLeast(0),
  },
  'min.insync.replicas': {
    type: 'int',
    default: '1',
    doc: 'With acks=all, the fewest in-sync replicas that must have a write.',
    check: atLeast(1),
  },
  'retention.bytes': {
    type: 'long',
    default: '-1',
    doc: 'Largest size a partition may grow to before old segments are deleted; -1 for no limit.',
    check: atLeast(-1),
  },
  'retention.ms': {
    type: 'long',
    default: '604800000',
    doc: 'How long records are kept; -1 for ever.',
    check: atLeast(-1),
  },
  'segment.bytes': {
    type: 'int',
    default: '1073741824',
    doc: 'Size at which a new log segment is started.',
    check: atLeast(14),
  },
  'segment.ms': {
    type: 'long',
    default: '604800000',
    doc: 'Age at which a new log segment is started.',
    check: atLeast(1),
  },
  'unclean.leader.election.enable': {
    type: 'boolean',
    default: 'false',
    doc: 'Allow a replica outside the ISR to become leader, at the cost of losing records.',
  },
};

/** Parsed view of a topic's effective configuration, read on hot paths. */
export interface TopicConfig {
  cleanupDelete: boolean;
  cleanupCompact: boolean;
  cleanupPolicy: string;
  deleteRetentionMs: number;
  maxMessageBytes: number;
  logAppendTime: boolean;
  timestampAfterMaxMs: number;
  timestampBeforeMaxMs: number;
  minCompactionLagMs: number;
  minInsyncReplicas: number;
  retentionBytes: number;
  retentionMs: number;
  segmentBytes: number;
  segmentMs: number;
  uncleanLeaderElection: boolean;
  minCleanableDirtyRatio: number;
}

function checkType(name: string, def: ConfigDef, value: string): string | undefined {
  const v = value.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(v)) return `Invalid value ${value} for configuration ${name}: not a number`;
      const n = Number(v);
      if (def.type === 'int' && (n > 2147483647 || n < -2147483648))
        return `Invalid value ${value} for configuration ${name}: out of range for an int`;
      return undefined;
    }
    case 'double':
      return v === '' || Number.isNaN(Number(v))
        ? `Invalid value ${value} for configuration ${name}: not a number`
        : undefined;
    case 'boolean':
      return v === 'true' || v === 'false'
        ? undefined
        : `Invalid value ${value} for configuration ${name}: expected true or false`;
    default:
      return undefined;
  }
}

/** Throws INVALID_CONFIG naming the first unknown name or bad value. */
export function validateTopicConfigs(configs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(configs)) {
    const def = TOPIC_CONFIG_DEFS[name];
    if (!def) throw new KafkaError('INVALID_CONFIG', `Unknown topic config name: ${name}`, { field: name });
    if (typeof raw !== 'string')
      throw new KafkaError('INVALID_CONFIG', `Invalid value for configuration ${name}: expected a string`, {
        field: name,
      });
    if (def.readOnly) throw new KafkaError('INVALID_CONFIG', `Configuration ${name} is read-only`, { field: name });
    const typeError = checkType(name, def, raw);
    if (typeError) throw new KafkaError('INVALID_CONFIG', typeError, { field: name });
    const value = raw.trim();
    const rangeError = def.check?.(value);
    if (rangeError)
      throw new KafkaError('INVALID_CONFIG', `Invalid value ${raw} for configuration ${name}: ${rangeError}`, {
        field: name,
      });
    out[name] = value;
  }
  return out;
}

/**
 * The topic's parsed configuration: its own overrides, then what brokers set for every topic (`inherited`), then
 * Kafka's defaults.
 */
export function effectiveConfig(
  overrides: Record<string, string>,
  inherited: Record<string, string> = {},
): TopicConfig {
  const get = (name: string) => overrides[name] ?? inherited[name] ?? TOPIC_CONFIG_DEFS[name]!.default;
  const num = (name: string) => Number(get(name));
  const policy = get('cleanup.policy');
  const policies = policy.split(',').map((s) => s.trim());
  return {
    cleanupDelete: policies.includes('delete'),
    cleanupCompact: policies.includes('compact'),
    cleanupPolicy: policies.join(','),
    deleteRetentionMs: num('delete.retention.ms'),
    maxMessageBytes: num('max.message.bytes'),
    logAppendTime: get('message.timestamp.type') === 'LogAppendTime',
    timestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    timestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    minInsyncReplicas: num('min.insync.replicas'),
    retentionBytes: num('retention.bytes'),
    retentionMs: num('retention.ms'),
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    uncleanLeaderElection: get('unclean.leader.election.enable') === 'true',
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
  };
}

/**
 * Every topic config with its value and source. `brokerLevels` holds, per
 * topic config, the broker-level values that apply to it (from
 * broker-configs.ts' topicConfigSynonyms), most specific first.
 */
export function describeTopicConfigs(
  overrides: Record<string, string>,
  brokerLevels: Record<string, ConfigSynonym[]> = {},
): ConfigEntry[] {
  return Object.entries(TOPIC_CONFIG_DEFS).map(([name, def]) => {
    const set = Object.prototype.hasOwnProperty.call(overrides, name);
    const synonyms: ConfigSynonym[] = [
      ...(set ? [{ name, value: overrides[name]!, source: 'DYNAMIC_TOPIC_CONFIG' as const }] : []),
      ...(brokerLevels[name] ?? []),
      { name, value: def.default, source: 'DEFAULT_CONFIG' },
    ];
    const top = synonyms[0]!;
    const entry: ConfigEntry = {
      name,
      value: top.value,
      defaultValue: def.default,
      isDefault: top.source === 'DEFAULT_CONFIG',
      source: top.source,
      readOnly: def.readOnly ?? false,
      sensitive: false,
      type: def.type,
      documentation: def.doc,
    };
    if (synonyms.length > 1) entry.synonyms = synonyms;
    if (def.deprecated) entry.deprecated = true;
    return entry;
  });
}

/** The deprecated configs among these names (for a warning when they are set). */
export function deprecatedTopicConfigs(names: Iterable<string>): string[] {
  return [...names].filter((n) => TOPIC_CONFIG_DEFS[n]?.deprecated);
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic name rule; throws INVALID_TOPIC_EXCEPTION with the reason. */
export function validateTopicName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', "Topic name is illegal, it can't be empty");
  if (name === '.' || name === '..') throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic name cannot be "${name}"`);
  if (name.length > 249)
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name.slice(0, 40)}...`,
    );
  if (!TOPIC_NAME.test(name))
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  return name;
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}

/** The topics Kafka itself owns; its CreateTopics refuses them to users with INVALID_REQUEST. */
const KAFKA_INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__cluster_metadata']);

/**
 * Refuses a user's creation of one of Kafka's internal topics, by the wire or
 * the API alike (the engine creates its own through Cluster.createTopic,
 * which does not call this). Other `__` names stay creatable, as in Kafka.
 */
export function refuseInternalTopicCreation(name: string): void {
  if (KAFKA_INTERNAL_TOPICS.has(name))
    throw new KafkaError('INVALID_REQUEST', `Creation of internal topic ${name} is prohibited.`);
}
