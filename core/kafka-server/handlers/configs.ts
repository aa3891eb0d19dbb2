/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs.
 *
 * Topics: every config Kafka knows for a topic, with its value, whether it is
 * the default, its source (DYNAMIC_TOPIC_CONFIG when set on the topic, a
 * broker level when a dynamic broker config such as log.retention.ms sets it,
 * DEFAULT_CONFIG otherwise), type, read-only/sensitive flags, synonyms and
 * documentation when asked. AlterConfigs replaces the topic's whole set of
 * overrides (Kafka's semantics); IncrementalAlterConfigs applies SET, DELETE,
 * APPEND and SUBTRACT (the last two on list configs) to single entries.
 * Setting a deprecated topic config works and logs a warning.
 *
 * Brokers (core/cluster/broker-configs.ts): resource name = a broker id
 * describes that broker's configs with their sources; the empty name is the
 * cluster-wide default level and, as in Kafka, describes only the configs set
 * there. Both alter the dynamic ones the same way as topics (AlterConfigs
 * replaces the resource's dynamic set). The Kafka listeners add their own
 * static configs (listeners, advertised.listeners, ...) through
 * `listenerStaticConfigs`. Broker loggers are described as an empty list and
 * cannot be altered.
 */
import { BROKER_CONFIG_DEFS } from '../../cluster/broker-configs';
import { deprecatedTopicConfigs, TOPIC_CONFIG_DEFS } from '../../cluster/topic-configs';
import type { ConfigEntry, ConfigSource } from '../../cluster/types';
import { KafkaError } from '../../errors';
import { API_KEYS, type DescribeConfigsResponse } from '../../protocol/index';
import { api, type ApiHandler, type RequestContext, type ServerContext } from '../context';
import { OK, wireError, type WireError } from '../error-codes';

export const RESOURCE = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

const SOURCE_CODES: Record<ConfigSource, number> = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

export function configSourceCode(s: ConfigSource): number {
  return SOURCE_CODES[s] ?? 0;
}

const TYPE_CODES: Record<ConfigEntry['type'], number> = { boolean: 1, string: 2, int: 3, long: 5, double: 6, list: 7 };

type DescribedConfig = DescribeConfigsResponse['results'][number]['configs'][number];

function describeEntry(c: ConfigEntry, opts: { synonyms: boolean; documentation: boolean }): DescribedConfig {
  const synonyms = !opts.synonyms
    ? []
    : (c.synonyms ?? [{ name: c.name, value: c.value, source: c.source }]).map((x) => ({
        name: x.name,
        value: c.sensitive ? null : x.value,
        source: configSourceCode(x.source),
      }));
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

/** The broker configs the Kafka listeners decide (static), for the cluster to report with its own. */
export function listenerStaticConfigs(
  server: Pick<ServerContext, 'endpoint' | 'sasl' | 'options'>,
  brokerId: number | null,
): Record<string, string> {
  const o = server.options;
  const out: Record<string, string> = {
    'auto.create.topics.enable': String(o.autoCreateTopics),
    'socket.request.max.bytes': String(o.maxRequestBytes),
    'max.connections': String(o.maxConnections),
    'max.connections.per.ip': String(o.maxConnectionsPerIp),
    'max.connections.per.ip.overrides': [...o.maxConnectionsPerIpOverrides].map(([a, n]) => `${a}:${n}`).join(','),
  };
  if (server.sasl) out['sasl.enabled.mechanisms'] = server.sasl.mechanisms().join(',');
  const ep = brokerId === null ? null : server.endpoint(brokerId);
  if (ep) {
    const protocol = o.securityProtocol;
    out['advertised.listeners'] = `${protocol}://${ep.host}:${ep.port}`;
    out['listeners'] = `${protocol}://${o.host}:${ep.port}`;
  }
  return out;
}

/** A BROKER resource name: '' (cluster-wide default) or an existing broker id. */
function brokerIdOf(ctx: RequestContext, name: string): number | null {
  if (name === '') return null;
  const id = Number(name);
  if (!/^\d+$/.test(name) || !ctx.server.cluster.hasBroker(id))
    throw new KafkaError('INVALID_REQUEST', `Broker id ${name} does not exist`);
  return id;
}

function describeBroker(ctx: RequestContext, name: string): ConfigEntry[] {
  const id = brokerIdOf(ctx, name);
  const entries = ctx.server.cluster.describeBrokerConfigs(id);
  // As in Kafka, the default resource lists only what is set cluster-wide.
  return id === null ? entries.filter((c) => c.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG') : entries;
}

type Op = { name: string; configOperation: number; value: string | null };
type Changes = { set: Record<string, string>; delete: string[] };

/**
 * Applies IncrementalAlterConfigs operations to a resource's dynamic values:
 * returns what to set and delete. `listDefault` gives a list config's current
 * effective value (undefined: not a list config).
 */
function incrementalChanges(
  current: Record<string, string>,
  ops: Op[],
  listDefault: (name: string) => string | undefined,
): Changes {
  const set: Record<string, string> = {};
  const del: string[] = [];
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name))
      throw new KafkaError('INVALID_REQUEST', `Config ${op.name} appears more than once in the request`);
    seen.add(op.name);
    const items = () =>
      (op.value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
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
        const base = current[op.name] ?? listDefault(op.name);
        if (base === undefined)
          throw new KafkaError(
            'INVALID_CONFIG',
            `Config ${op.name} is not a list, so it cannot be appended to or subtracted from`,
          );
        const list = base
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const next =
          op.configOperation === 2
            ? [...list, ...items().filter((i) => !list.includes(i))]
            : list.filter((i) => !items().includes(i));
        set[op.name] = next.join(',');
        break;
      }
      default:
        throw new KafkaError('INVALID_REQUEST', `Unknown config operation ${op.configOperation}`);
    }
  }
  return { set, delete: del };
}

async function alterTopic(ctx: RequestContext, topic: string, changes: Changes, validateOnly: boolean): Promise<void> {
  for (const name of [...Object.keys(changes.set), ...changes.delete]) {
    if (!TOPIC_CONFIG_DEFS[name]) throw new KafkaError('INVALID_CONFIG', `Unknown topic config name: ${name}`);
  }
  await ctx.server.cluster.alterConfigs(topic, changes, validateOnly);
  const deprecated = deprecatedTopicConfigs(Object.keys(changes.set));
  if (deprecated.length && !validateOnly) warnDeprecated(ctx, `topic ${topic}`, deprecated);
}

/** Kafka logs a warning when a deprecated config is set; so does this server. */
export function warnDeprecated(ctx: RequestContext, where: string, names: string[]): void {
  try {
    ctx.server.options.log({
      level: 'warn',
      type: 'deprecated-config',
      brokerId: ctx.broker.id,
      clientId: ctx.conn.clientId,
      message:
        `${where} sets deprecated config${names.length > 1 ? 's' : ''} ${names.join(', ')}: accepted, without ` +
        `effect`,
    });
  } catch {
    // a failing log sink must not fail the request
  }
}

/**
 * The per-resource loop of AlterConfigs and IncrementalAlterConfigs: topics and brokers altered, other types refused.
 */
async function alterEach<R extends { resourceType: number; resourceName: string }>(
  ctx: RequestContext,
  resources: R[],
  validateOnly: boolean,
  changesFor: (current: Record<string, string>, r: R, listDefault: (name: string) => string | undefined) => Changes,
) {
  const cluster = ctx.server.cluster;
  const responses = [];
  for (const r of resources) {
    let e: WireError = OK;
    try {
      if (r.resourceType === RESOURCE.TOPIC) {
        const listDefault = (n: string) =>
          TOPIC_CONFIG_DEFS[n]?.type === 'list'
            ? cluster.describeConfigs(r.resourceName).find((c) => c.name === n)?.value
            : undefined;
        await alterTopic(
          ctx,
          r.resourceName,
          changesFor(cluster.topicImage(r.resourceName).configs, r, listDefault),
          validateOnly,
        );
      } else if (r.resourceType === RESOURCE.BROKER) {
        const id = brokerIdOf(ctx, r.resourceName);
        const listDefault = (n: string) =>
          BROKER_CONFIG_DEFS[n]?.type === 'list'
            ? cluster.describeBrokerConfigs(id).find((c) => c.name === n)?.value
            : undefined;
        await cluster.alterBrokerConfigs(
          id,
          changesFor(cluster.brokerConfigOverrides(id), r, listDefault),
          validateOnly,
        );
      } else if (r.resourceType === RESOURCE.BROKER_LOGGER) {
        throw new KafkaError('INVALID_REQUEST', 'Broker logger levels cannot be changed in this sandbox');
      } else {
        throw new KafkaError('INVALID_REQUEST', `Unsupported resource type ${r.resourceType}`);
      }
    } catch (err) {
      e = wireError(err);
    }
    responses.push({ ...e, resourceType: r.resourceType, resourceName: r.resourceName });
  }
  return responses;
}

export const configHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.DescribeConfigs,
    minVersion: 0,
    maxVersion: 4,
    handle(ctx, body) {
      const opts = {
        synonyms: ctx.apiVersion >= 1 && body.includeSynonyms,
        documentation: ctx.apiVersion >= 3 && body.includeDocumentation,
      };
      const results = body.resources.map((r) => {
        const base = { resourceType: r.resourceType, resourceName: r.resourceName };
        try {
          let entries: ConfigEntry[];
          if (r.resourceType === RESOURCE.TOPIC)
            entries = ctx.server.cluster.describeConfigs(r.resourceName, ctx.broker.id);
          else if (r.resourceType === RESOURCE.BROKER) entries = describeBroker(ctx, r.resourceName);
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
      const responses = await alterEach(ctx, body.resources, body.validateOnly, (current, r) => {
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
      const responses = await alterEach(ctx, body.resources, body.validateOnly, (current, r, listDefault) =>
        incrementalChanges(current, r.configs, listDefault),
      );
      return { throttleTimeMs: 0, responses };
    },
  }),
];
