/**
 * Broker configuration: Kafka's broker config names, types and defaults, the
 * levels a value comes from, and which ones may change while the cluster runs.
 *
 * A broker's value of a config resolves as in Kafka, first found wins:
 *   DYNAMIC_BROKER_CONFIG          set for this broker (resource name = its id)
 *   DYNAMIC_DEFAULT_BROKER_CONFIG  set cluster-wide (empty resource name)
 *   STATIC_BROKER_CONFIG           how the host started the engine (options, flags)
 *   DEFAULT_CONFIG                 Kafka's default
 * Dynamic values are metadata-log records (`BrokerConfig`), so they survive a
 * restart and every broker sees the same ones.
 *
 * Modes:
 * - 'dynamic': changeable per broker and cluster-wide, as Kafka's dynamic
 *   configs. Most are the broker-wide defaults of topic configs
 *   (log.retention.ms for retention.ms, ...): a topic that does not set the
 *   topic config inherits the broker's value, on each broker from its own image.
 *   The others (max.connections, max.connections.per.ip) are read by the
 *   wire server's listeners on each new connection.
 * - 'cluster': changeable only cluster-wide. num.partitions and
 *   default.replication.factor are static in Kafka; the sandbox lets them change
 *   at run time because they are its settings (the Settings page, the serve
 *   flags), applied by the controller to every auto-created topic.
 * - 'read-only': Kafka's read-only configs, and every config this engine does
 *   not honour (an entry the engine ignores must not look changeable).
 * Altering a read-only one gets Kafka's error (INVALID_REQUEST, "Cannot update
 * these configs dynamically"). A bad value is INVALID_REQUEST too, as in
 * Kafka (KAFKA-13609 keeps it so for compatibility). Unlike Kafka, an unknown
 * name is refused instead of being stored and ignored.
 */
import { KafkaError } from '../errors';
import { MAX_PARTITIONS } from './limits';
import { TOPIC_CONFIG_DEFS, validateTopicConfigs } from './topic-configs';
import type { ConfigEntry, ConfigSource, ConfigSynonym } from './types';

export type BrokerConfigMode = 'dynamic' | 'cluster' | 'read-only';

interface BrokerConfigDef {
  type: ConfigEntry['type'];
  default: string;
  doc: string;
  mode: BrokerConfigMode;
  /** The topic config this one is the broker-wide default of (value checks are that config's). */
  topicConfig?: string;
  /** Why a read-only one is (default: READ_ONLY_REASON). */
  why?: string;
  /** Range check for configs that are not topic defaults; returns the reason. */
  check?: (value: string, ctx: { brokerCount: number }) => string | undefined;
}

const topicDefault = (topicConfig: string, mode: BrokerConfigMode, doc?: string): BrokerConfigDef => {
  const t = TOPIC_CONFIG_DEFS[topicConfig]!;
  return {
    type: t.type,
    default: t.default,
    mode,
    topicConfig,
    doc: doc ?? `Default of the topic config ${topicConfig}: ${t.doc}`,
  };
};

/** Kafka's reason a broker config is read-only, in the words the config editor shows. */
export const READ_ONLY_REASON =
  'Read-only: set in server.properties (here: how the sandbox was started), needs a broker restart';
/** A config Kafka can change at run time but this engine does not honour. */
const NOT_HONOURED = 'Read-only here: this engine does not honour a changed value (Kafka can change it at run time)';
/** A 'cluster' config described for one broker. */
export const CLUSTER_ONLY_REASON = 'Changeable only cluster-wide: edit it in the cluster-wide defaults';

const readOnly = (type: ConfigEntry['type'], def: string, doc: string, why?: string): BrokerConfigDef => ({
  type,
  default: def,
  doc,
  mode: 'read-only',
  ...(why ? { why } : {}),
});

/**
 * Kafka's dynamic connection caps (per broker and cluster-wide): the listeners read the dynamic value on every new
 * connection, so a change applies to the next connection; open ones stay, as in Kafka.
 */
const connectionCap = (doc: string): BrokerConfigDef => ({
  type: 'int',
  default: '2147483647',
  doc,
  mode: 'dynamic',
  check: (v) =>
    Number(v) < 0 || Number(v) > 2147483647 ? 'must be from 0 to 2147483647 (an int, at least 0)' : undefined,
});

export const BROKER_CONFIG_DEFS: Record<string, BrokerConfigDef> = {
  'advertised.listeners': readOnly('list', '', 'Listener the broker gives to clients (serve mode: --advertised-host).'),
  'auto.create.topics.enable': readOnly(
    'boolean',
    'true',
    'Create a topic when a client asks for metadata of a missing one.',
  ),
  'auto.leader.rebalance.enable': readOnly(
    'boolean',
    'true',
    'Move leadership back to preferred replicas periodically.',
  ),
  'broker.id': readOnly('int', '-1', "This broker's id."),
  'compression.type': readOnly(
    'string',
    'producer',
    'Default of the topic config compression.type; batches are stored as the producer sent them.',
    NOT_HONOURED,
  ),
  'default.replication.factor': {
    type: 'int',
    default: '1',
    mode: 'cluster',
    doc: 'Replication factor of topics created without one (auto-created topics; capped at the running brokers).',
    check: (v, ctx) =>
      Number(v) < 1 || Number(v) > ctx.brokerCount
        ? `must be from 1 to the ${ctx.brokerCount} brokers of the cluster`
        : undefined,
  },
  'leader.imbalance.check.interval.seconds': readOnly(
    'long',
    '300',
    'How often leadership moves back to preferred replicas.',
  ),
  listeners: readOnly('list', 'PLAINTEXT://:9092', 'Address the broker listens on.'),
  'log.cleaner.delete.retention.ms': topicDefault('delete.retention.ms', 'dynamic'),
  'log.cleaner.enable': readOnly('boolean', 'true', 'Run the log cleaner (compaction).'),
  'log.cleaner.max.compaction.lag.ms': readOnly(
    'long',
    TOPIC_CONFIG_DEFS['max.compaction.lag.ms']!.default,
    'Default of the topic config max.compaction.lag.ms (not enforced by this engine).',
    NOT_HONOURED,
  ),
  'log.cleaner.min.cleanable.ratio': topicDefault('min.cleanable.dirty.ratio', 'dynamic'),
  'log.cleaner.min.compaction.lag.ms': topicDefault('min.compaction.lag.ms', 'dynamic'),
  'log.cleanup.policy': topicDefault('cleanup.policy', 'dynamic'),
  'log.dirs': readOnly('string', '/tmp/kafka-logs', 'Where the broker keeps its data (a LevelDB store).'),
  'log.message.timestamp.type': topicDefault('message.timestamp.type', 'dynamic'),
  'log.retention.bytes': topicDefault('retention.bytes', 'dynamic'),
  'log.retention.check.interval.ms': readOnly(
    'long',
    '300000',
    'How often the log cleaner enforces retention and compaction.',
  ),
  'log.retention.ms': topicDefault(
    'retention.ms',
    'dynamic',
    'Default of the topic config retention.ms (Kafka derives it from log.retention.hours=168): how long records ' +
      'are kept; -1 for ever.',
  ),
  'log.roll.ms': topicDefault(
    'segment.ms',
    'dynamic',
    'Default of the topic config segment.ms (Kafka derives it from log.roll.hours=168): age at which a new ' +
      'segment starts.',
  ),
  'log.segment.bytes': topicDefault('segment.bytes', 'dynamic'),
  'max.connections': connectionCap(
    'Connections one broker accepts in all; more are closed at once (the sandbox default is 10000).',
  ),
  'max.connections.per.ip': connectionCap(
    'Connections one broker accepts from one client address; more are closed at once (the sandbox default is 1000).',
  ),
  'max.connections.per.ip.overrides': readOnly(
    'string',
    '',
    'Per-address exceptions to max.connections.per.ip, as address:count pairs separated by commas.',
  ),
  'message.max.bytes': topicDefault(
    'max.message.bytes',
    'dynamic',
    'Default of the topic config max.message.bytes: the largest record batch a topic accepts.',
  ),
  'min.insync.replicas': topicDefault('min.insync.replicas', 'dynamic'),
  'node.id': readOnly('int', '-1', "This broker's id (KRaft name)."),
  'num.partitions': {
    type: 'int',
    default: '1',
    mode: 'cluster',
    doc: 'Partitions of topics created without a count (auto-created topics).',
    check: (v) => (Number(v) < 1 || Number(v) > MAX_PARTITIONS ? `must be from 1 to ${MAX_PARTITIONS}` : undefined),
  },
  'process.roles': readOnly(
    'list',
    '',
    'Every broker is also a controller candidate: the running broker with the lowest id is the active controller.',
  ),
  'replica.lag.time.max.ms': readOnly('long', '30000', 'How long a follower may lag before it leaves the ISR.'),
  'sasl.enabled.mechanisms': readOnly('list', 'GSSAPI', 'SASL mechanisms the listeners accept.'),
  'socket.request.max.bytes': readOnly('int', '104857600', 'Largest request a connection may send.'),
  'unclean.leader.election.enable': topicDefault('unclean.leader.election.enable', 'dynamic'),
};

/** Dynamic values by resource: '' for the cluster-wide default, the broker id as a string for one broker. */
export type BrokerConfigLevels = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Static values the host started with, for one broker (or, with null, those that are the same on every broker). */
export type StaticBrokerConfigs = (brokerId: number | null) => Record<string, string>;

const SOURCE_ORDER: ConfigSource[] = [
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
];

/** Every level at which `name` has a value, most specific first (Kafka's synonyms order). */
function levelsOf(
  name: string,
  def: BrokerConfigDef,
  levels: BrokerConfigLevels,
  statics: Record<string, string>,
  brokerId: number | null,
): ConfigSynonym[] {
  const values: Array<string | undefined> = [
    brokerId === null ? undefined : levels.get(String(brokerId))?.[name],
    levels.get('')?.[name],
    statics[name] !== undefined && statics[name] !== def.default ? statics[name] : undefined,
    def.default,
  ];
  const out: ConfigSynonym[] = [];
  values.forEach((value, i) => {
    if (value !== undefined) out.push({ name, value, source: SOURCE_ORDER[i]! });
  });
  return out;
}

/**
 * A broker's configs (brokerId), or the cluster-wide level (null: what a
 * broker without its own dynamic values gets).
 */
export function describeBrokerConfigs(
  levels: BrokerConfigLevels,
  statics: Record<string, string>,
  brokerId: number | null,
): ConfigEntry[] {
  return Object.entries(BROKER_CONFIG_DEFS).map(([name, def]) => {
    const synonyms = levelsOf(name, def, levels, statics, brokerId);
    const top = synonyms[0]!;
    // A cluster-only config is read-only where it is described for one broker, as Kafka marks what it cannot set.
    const readOnlyReason =
      def.mode === 'read-only'
        ? (def.why ?? READ_ONLY_REASON)
        : def.mode === 'cluster' && brokerId !== null
          ? CLUSTER_ONLY_REASON
          : undefined;
    return {
      name,
      value: top.value,
      defaultValue: def.default,
      isDefault: top.source === 'DEFAULT_CONFIG',
      source: top.source,
      readOnly: readOnlyReason !== undefined,
      ...(readOnlyReason ? { readOnlyReason } : {}),
      sensitive: false,
      type: def.type,
      documentation: def.mode === 'cluster' ? `${def.doc} Changeable cluster-wide only.` : def.doc,
      synonyms,
    };
  });
}

/** The dynamic values one broker's topics inherit, by topic config name (per-broker over cluster-wide). */
export function inheritedTopicDefaults(levels: BrokerConfigLevels, brokerId: number | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const resource of ['', brokerId === null ? null : String(brokerId)]) {
    if (resource === null) continue;
    for (const [name, value] of Object.entries(levels.get(resource) ?? {})) {
      const topicConfig = BROKER_CONFIG_DEFS[name]?.topicConfig;
      if (topicConfig && BROKER_CONFIG_DEFS[name]!.mode === 'dynamic') out[topicConfig] = value;
    }
  }
  return out;
}

/** For topic describes: the broker-level synonyms of each topic config that a broker-level value sets. */
export function topicConfigSynonyms(
  levels: BrokerConfigLevels,
  brokerId: number | null,
): Record<string, ConfigSynonym[]> {
  const out: Record<string, ConfigSynonym[]> = {};
  for (const [name, def] of Object.entries(BROKER_CONFIG_DEFS)) {
    if (!def.topicConfig || def.mode !== 'dynamic') continue;
    const found = levelsOf(name, def, levels, {}, brokerId).filter((s) => s.source !== 'DEFAULT_CONFIG');
    if (found.length) out[def.topicConfig] = found;
  }
  return out;
}

/** Whether a dynamic broker config changes what topics inherit. */
export function isTopicDefault(name: string): boolean {
  const def = BROKER_CONFIG_DEFS[name];
  return !!def?.topicConfig && def.mode === 'dynamic';
}

/** The resource a broker config change addresses: '' (cluster-wide) or an existing broker's id. */
export function brokerResource(name: string, brokerCount: number): string {
  if (name === '') return '';
  if (!/^\d+$/.test(name) || Number(name) >= brokerCount) {
    throw new KafkaError(
      'INVALID_REQUEST',
      `Broker ${name} does not exist; brokers are 0 to ${brokerCount - 1}, or use the empty name for the ` +
        `cluster-wide default`,
    );
  }
  return String(Number(name));
}

/**
 * Checks a change of one resource's dynamic broker configs: names known and
 * changeable at that level, values well formed. Returns the values to store
 * (trimmed). Every refusal is INVALID_REQUEST (see the module comment).
 */
export function validateBrokerConfigChange(
  resource: string,
  set: Record<string, string>,
  remove: string[],
  ctx: { brokerCount: number },
): Record<string, string> {
  const names = [...Object.keys(set), ...remove];
  const unknown = names.filter((n) => !BROKER_CONFIG_DEFS[n]);
  if (unknown.length)
    throw new KafkaError('INVALID_REQUEST', `Unknown broker config name: ${unknown.join(', ')}`, { field: unknown[0] });
  const fixed = names.filter((n) => BROKER_CONFIG_DEFS[n]!.mode === 'read-only');
  if (fixed.length)
    throw new KafkaError('INVALID_REQUEST', `Cannot update these configs dynamically: Set(${fixed.join(', ')})`, {
      field: fixed[0],
    });
  if (resource !== '') {
    const clusterOnly = names.filter((n) => BROKER_CONFIG_DEFS[n]!.mode === 'cluster');
    if (clusterOnly.length) {
      throw new KafkaError(
        'INVALID_REQUEST',
        `Cannot update these configs for one broker, only at the cluster-wide default (empty broker name): ` +
          `Set(${clusterOnly.join(', ')})`,
        { field: clusterOnly[0] },
      );
    }
  }
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(set)) {
    const def = BROKER_CONFIG_DEFS[name]!;
    if (typeof raw !== 'string')
      throw new KafkaError('INVALID_REQUEST', `Invalid value for configuration ${name}: expected a string`, {
        field: name,
      });
    if (def.topicConfig) {
      try {
        out[name] = validateTopicConfigs({ [def.topicConfig]: raw })[def.topicConfig]!;
      } catch (err) {
        throw new KafkaError(
          'INVALID_REQUEST',
          (err as Error).message.replace(`configuration ${def.topicConfig}`, `configuration ${name}`),
          { field: name },
        );
      }
      continue;
    }
    const value = raw.trim();
    if (def.type === 'int' && !/^-?\d+$/.test(value))
      throw new KafkaError('INVALID_REQUEST', `Invalid value ${raw} for configuration ${name}: not a number`, {
        field: name,
      });
    const reason = def.check?.(value, ctx);
    if (reason)
      throw new KafkaError('INVALID_REQUEST', `Invalid value ${raw} for configuration ${name}: ${reason}`, {
        field: name,
      });
    out[name] = value;
  }
  return out;
}
