/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs.
 *
 * Topics: every config Kafka knows for a topic, with its value, whether it is
 * the default, its source (DYNAMIC_TOPIC_CONFIG when set on the topic,
 * DEFAULT_CONFIG otherwise), type, read-only/sensitive flags, synonyms and
 * documentation when asked. AlterConfigs replaces the topic's whole set of
 * overrides (Kafka's semantics); IncrementalAlterConfigs applies SET, DELETE,
 * APPEND and SUBTRACT (the last two on list configs) to single entries.
 *
 * Brokers: a read-only view of the settings this sandbox runs with
 * (STATIC_BROKER_CONFIG where set, DEFAULT_CONFIG otherwise); altering them
 * is refused. Broker loggers are described as an empty list.
 */
import { TOPIC_CONFIG_DEFS } from '../../cluster/topic-configs';
import type { ConfigEntry, ConfigSource } from '../../cluster/types';
import { KafkaError } from '../../errors';
import { API_KEYS, type DescribeConfigsResponse } from '../../protocol/index';
import { api, type ApiHandler, type RequestContext } from '../context';
import { kafkaError, OK, wireError, type WireError } from '../error-codes';

export const RESOURCE = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

const SOURCE_CODES: Record<ConfigSource, number> = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

export function configSourceCode(s: ConfigSource): number {
  return SOURCE_CODES[s] ?? 0;
}

const TYPE_CODES: Record<ConfigEntry['type'], number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 };

type DescribedConfig = DescribeConfigsResponse['results'][number]['configs'][number];

function describeEntry(c: ConfigEntry, opts: { synonyms: boolean; documentation: boolean }): DescribedConfig {
  const synonyms: DescribedConfig['synonyms'] = [];
  if (opts.synonyms) {
    synonyms.push({ name: c.name, value: c.value, source: configSourceCode(c.source) });
    if (!c.isDefault) synonyms.push({ name: c.name, value: c.defaultValue, source: configSourceCode('DEFAULT_CONFIG') });
  }
  return {
    name: c.name,
    value: c.sensitive ? null : c.value,
    readOnly: c.readOnly,
    isDefault: c.isDefault,
    configSource: configSourceCode(c.source),
    isSensitive: c.sensitive,
    synonyms,
    configType: TYPE_CODES[c.type] ?? 0,
    documentation: opts.documentation ? c.documentation : null,
  };
}

/** The broker settings the sandbox reports (read-only). */
export function brokerConfigs(ctx: RequestContext, brokerId: number): ConfigEntry[] {
  const o = ctx.server.cluster.options;
  const ep = ctx.server.endpoint(brokerId);
  const sasl = ctx.server.sasl;
  const entry = (name: string, value: string, defaultValue: string, type: ConfigEntry['type'], documentation: string, set = value !== defaultValue): ConfigEntry => ({
    name, value, defaultValue, isDefault: !set, source: set ? 'STATIC_BROKER_CONFIG' : 'DEFAULT_CONFIG', readOnly: true, sensitive: false, type, documentation,
  });
  const protocol = sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  return [
    entry('advertised.listeners', ep ? `${protocol}://${ep.host}:${ep.port}` : '', '', 'list', 'Listener the broker gives to clients.'),
    entry('auto.create.topics.enable', String(ctx.server.options.autoCreateTopics), 'true', 'boolean', 'Create a topic when a client asks for metadata of a missing one.'),
    entry('broker.id', String(brokerId), '-1', 'int', 'This broker\'s id.', true),
    entry('default.replication.factor', String(o.defaultReplicationFactor), '1', 'int', 'Replication factor of auto-created topics.'),
    entry('listeners', ep ? `${protocol}://${ctx.server.options.host}:${ep.port}` : '', `PLAINTEXT://:9092`, 'list', 'Address the broker listens on.'),
    entry('log.dirs', `${o.dataDir}/broker-${brokerId}`, '/tmp/kafka-logs', 'string', 'Where the broker keeps its data (a LevelDB store).'),
    entry('message.max.bytes', '1048588', '1048588', 'int', 'Largest record batch a topic accepts unless max.message.bytes says otherwise.'),
    entry('num.partitions', String(o.defaultPartitions), '1', 'int', 'Partitions of auto-created topics.'),
    entry('replica.lag.time.max.ms', String(o.replicaLagTimeMaxMs), '30000', 'long', 'How long a follower may lag before it leaves the ISR.'),
    entry('sasl.enabled.mechanisms', sasl ? sasl.mechanisms().join(',') : 'GSSAPI', 'GSSAPI', 'list', 'SASL mechanisms the listeners accept.'),
    entry('socket.request.max.bytes', String(ctx.server.options.maxRequestBytes), '104857600', 'int', 'Largest request a connection may send.'),
  ];
}

function brokerIdOf(ctx: RequestContext, name: string): number {
  if (name === '') return ctx.broker.id;
  const id = Number(name);
  if (!/^\d+$/.test(name) || !ctx.server.cluster.brokersList[id]) throw new KafkaError('INVALID_REQUEST', `Broker id ${name} does not exist`);
  return id;
}

function isListConfig(name: string): boolean {
  return TOPIC_CONFIG_DEFS[name]?.type === 'list';
}

/** Applies IncrementalAlterConfigs operations to a topic's overrides: returns what to set and delete. */
function incrementalChanges(current: Record<string, string>, ops: Array<{ name: string; configOperation: number; value: string | null }>): { set: Record<string, string>; delete: string[] } {
  const set: Record<string, string> = {};
  const del: string[] = [];
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name)) throw new KafkaError('INVALID_REQUEST', `Config ${op.name} appears more than once in the request`);
    seen.add(op.name);
    const currentList = () => (current[op.name] ?? TOPIC_CONFIG_DEFS[op.name]?.default ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const items = () => (op.value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    switch (op.configOperation) {
      case 0:
        if (op.value === null) throw new KafkaError('INVALID_REQUEST', `Null value not supported for ${op.name}`);
        set[op.name] = op.value;
        break;
      case 1:
        del.push(op.name);
        break;
      case 2:
      case 3: {
        if (!isListConfig(op.name)) throw new KafkaError('INVALID_CONFIG', `Config ${op.name} is not a list, so it cannot be appended to or subtracted from`);
        const list = currentList();
        const next = op.configOperation === 2 ? [...list, ...items().filter((i) => !list.includes(i))] : list.filter((i) => !items().includes(i));
        set[op.name] = next.join(',');
        break;
      }
      default:
        throw new KafkaError('INVALID_REQUEST', `Unknown config operation ${op.configOperation}`);
    }
  }
  return { set, delete: del };
}

async function alterTopic(ctx: RequestContext, topic: string, changes: { set: Record<string, string>; delete: string[] }, validateOnly: boolean): Promise<WireError> {
  try {
    for (const name of [...Object.keys(changes.set), ...changes.delete]) {
      if (!TOPIC_CONFIG_DEFS[name]) throw new KafkaError('INVALID_CONFIG', `Unknown topic config name: ${name}`);
    }
    await ctx.server.cluster.alterConfigs(topic, changes, validateOnly);
    return OK;
  } catch (err) {
    return wireError(err);
  }
}

type TopicChanges = { set: Record<string, string>; delete: string[] };

/** AlterConfigs and IncrementalAlterConfigs alike: per resource, topics are altered and broker resources refused. */
async function alterEachTopic<R extends { resourceType: number; resourceName: string }>(
  ctx: RequestContext, resources: R[], validateOnly: boolean, changesFor: (current: Record<string, string>, r: R) => TopicChanges,
) {
  const responses = [];
  for (const r of resources) {
    if (r.resourceType !== RESOURCE.TOPIC) {
      responses.push(refuseBroker(r.resourceType, r.resourceName));
      continue;
    }
    let e: WireError;
    try {
      e = await alterTopic(ctx, r.resourceName, changesFor(ctx.server.cluster.topicImage(r.resourceName).configs, r), validateOnly);
    } catch (err) {
      e = wireError(err);
    }
    responses.push({ ...e, resourceType: r.resourceType, resourceName: r.resourceName });
  }
  return responses;
}

function refuseBroker(resourceType: number, resourceName: string) {
  const e = resourceType === RESOURCE.BROKER || resourceType === RESOURCE.BROKER_LOGGER
    ? kafkaError('INVALID_REQUEST', 'Broker configs are read-only in this sandbox')
    : kafkaError('INVALID_REQUEST', `Unsupported resource type ${resourceType}`);
  return { ...e, resourceType, resourceName };
}

export const configHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle(ctx, body) {
      const opts = { synonyms: ctx.apiVersion >= 1 && body.includeSynonyms, documentation: ctx.apiVersion >= 3 && body.includeDocumentation };
      const results = body.resources.map((r) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName };
        try {
          let entries: ConfigEntry[];
          if (r.resourceType === RESOURCE.TOPIC) entries = ctx.server.cluster.describeConfigs(r.resourceName);
          else if (r.resourceType === RESOURCE.BROKER) entries = brokerConfigs(ctx, brokerIdOf(ctx, r.resourceName));
          else if (r.resourceType === RESOURCE.BROKER_LOGGER) entries = [];
          else throw new KafkaError('INVALID_REQUEST', `Unsupported resource type ${r.resourceType}`);
          const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
          const configs = entries.filter((c) => !keys || keys.has(c.name)).map((c) => describeEntry(c, opts));
          return { errorCode: 0, errorMessage: null, ...base, configs };
        } catch (err) {
          return { ...wireError(err), ...base, configs: [] };
        }
      });
      return { throttleTimeMs: 0, results };
    },
  }),
  api({
    apiKey: API_KEYS.AlterConfigs,
    minVersion: 0,
    maxVersion: 2,
    async handle(ctx, body) {
      // AlterConfigs replaces every override of the resource with the given set.
      const responses = await alterEachTopic(ctx, body.resources, body.validateOnly, (current, r) => {
        const set: Record<string, string> = {};
        for (const c of r.configs) if (c.value !== null) set[c.name] = c.value;
        return { set, delete: Object.keys(current).filter((n) => !(n in set)) };
      });
      return { throttleTimeMs: 0, responses };
    },
  }),
  api({
    apiKey: API_KEYS.IncrementalAlterConfigs,
    minVersion: 0,
    maxVersion: 1,
    async handle(ctx, body) {
      const responses = await alterEachTopic(ctx, body.resources, body.validateOnly, (current, r) => incrementalChanges(current, r.configs));
      return { throttleTimeMs: 0, responses };
    },
  }),
];
