/**
 * Topic and broker configs of a remote cluster: DescribeConfigs with
 * synonyms (v1+) and documentation (v3+) into the engine's ConfigEntry, and
 * changes through IncrementalAlterConfigs, or AlterConfigs on brokers older
 * than Kafka 2.3 (which replaces the whole set, so the current dynamic
 * values are read first and sent along).
 *
 * Rules:
 * - The default value is the DEFAULT_CONFIG synonym's when the broker gives
 *   synonyms; otherwise Kafka's documented default where this project knows
 *   it (core/cluster/topic-configs.ts), or '' (unknown).
 * - Sources Kafka has and the engine's shape has not (dynamic logger
 *   configs, client metrics, group configs) show as DYNAMIC_BROKER_CONFIG.
 * - Broker configs are asked of that broker (as Kafka's admin client does).
 *   The cluster-wide level (broker null) is resource name '' of any broker,
 *   which Kafka answers with only the values set there; so that level is
 *   shown as every config of one broker seen without its per-broker values
 *   (its DYNAMIC_BROKER_CONFIG synonym dropped): what a broker with no values
 *   of its own gets, and the list a person edits the cluster-wide level in.
 * - Kafka marks read-only every broker config it cannot change while running
 *   (KIP-226's dynamic ones are the rest): those say so in words.
 */
import type { ConfigEntry, ConfigSource } from '../cluster/types';
import { TOPIC_CONFIG_DEFS } from '../cluster/topic-configs';
import { KafkaError } from '../errors';
import { API_KEYS } from '../protocol/index';
import { check, type KafkaClient } from './client';
import type { BrokerConnection } from './connection';
import { chooseVersion } from './versions';

export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

const SOURCES: Record<number, ConfigSource> = {
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
};
const sourceOf = (code: number): ConfigSource =>
  SOURCES[code] ?? (code === 0 ? 'DEFAULT_CONFIG' : 'DYNAMIC_BROKER_CONFIG');

const TYPES: Record<number, ConfigEntry['type']> = {
  1: 'boolean',
  2: 'string',
  3: 'int',
  4: 'int',
  5: 'long',
  6: 'double',
  7: 'list',
  8: 'string',
  9: 'string',
};

type Described = {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
  configType: number;
  documentation: string | null;
};

export function toConfigEntry(c: Described, version: number): ConfigEntry {
  // v0 has no config source: isDefault tells default from set.
  const source = version === 0 ? (c.isDefault ? 'DEFAULT_CONFIG' : 'DYNAMIC_TOPIC_CONFIG') : sourceOf(c.configSource);
  const known = TOPIC_CONFIG_DEFS[c.name];
  const defaultSynonym = c.synonyms.find((s) => s.source === 5);
  const entry: ConfigEntry = {
    name: c.name,
    value: c.value ?? '',
    defaultValue: defaultSynonym?.value ?? known?.default ?? '',
    isDefault: source === 'DEFAULT_CONFIG',
    source,
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
    type: TYPES[c.configType] ?? known?.type ?? 'string',
    documentation: c.documentation ?? known?.doc ?? '',
  };
  if (c.synonyms.length > 0)
    entry.synonyms = c.synonyms.map((s) => ({ name: s.name, value: s.value ?? '', source: sourceOf(s.source) }));
  if (known?.deprecated) entry.deprecated = true;
  return entry;
}

async function describe(conn: BrokerConnection, resourceType: number, resourceName: string): Promise<ConfigEntry[]> {
  const { version, body } = await conn.call(API_KEYS.DescribeConfigs, () => ({
    resources: [{ resourceType, resourceName, configurationKeys: null }],
    includeSynonyms: true,
    includeDocumentation: true,
  }));
  const r = body.results[0];
  if (!r) throw new KafkaError('UNKNOWN_SERVER_ERROR', `DescribeConfigs answered nothing for ${resourceName}`);
  check(
    r.errorCode,
    resourceType === RESOURCE_TOPIC ? `Topic ${resourceName}` : `Broker ${resourceName}`,
    r.errorMessage,
  );
  return r.configs
    .map((c) => toConfigEntry(c, version))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function describeTopicConfigs(client: KafkaClient, topic: string): Promise<ConfigEntry[]> {
  return client.retry(
    async () => describe(await client.any(), RESOURCE_TOPIC, topic),
    async () => void (await client.metadata([])),
  );
}

export const REMOTE_READ_ONLY_REASON = 'Read-only: set in server.properties, needs a broker restart';

const withReason = (c: ConfigEntry): ConfigEntry =>
  c.readOnly
    ? { ...c, readOnlyReason: c.sensitive ? `${REMOTE_READ_ONLY_REASON} (sensitive)` : REMOTE_READ_ONLY_REASON }
    : c;

/**
 * A broker's configs, or with brokerId null the cluster-wide level, read from
 * broker `via` (any running broker of the cluster).
 */
export async function describeBrokerConfigs(
  client: KafkaClient,
  brokerId: number | null,
  via: number,
): Promise<ConfigEntry[]> {
  const conn = await client.connection(brokerId ?? via);
  if (brokerId !== null) return (await describe(conn, RESOURCE_BROKER, String(brokerId))).map(withReason);
  const [set, broker] = await Promise.all([
    describe(conn, RESOURCE_BROKER, ''),
    describe(conn, RESOURCE_BROKER, String(via)),
  ]);
  const setByName = new Map(set.map((c) => [c.name, c]));
  const out = broker.map((c) => clusterLevel(c, setByName.get(c.name)));
  for (const c of set) if (!broker.some((b) => b.name === c.name)) out.push(c);
  return out.map(withReason).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One broker's entry as the cluster-wide level sees it: its per-broker value left out. */
function clusterLevel(c: ConfigEntry, set: ConfigEntry | undefined): ConfigEntry {
  if (set)
    return {
      ...c,
      value: set.value,
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      isDefault: false,
      synonyms: set.synonyms ?? c.synonyms?.filter((s) => s.source !== 'DYNAMIC_BROKER_CONFIG'),
    };
  if (c.source !== 'DYNAMIC_BROKER_CONFIG') return c;
  const below = c.synonyms?.filter((s) => s.source !== 'DYNAMIC_BROKER_CONFIG') ?? [];
  const top = below[0];
  return {
    ...c,
    value: top?.value ?? c.defaultValue,
    source: top?.source ?? 'DEFAULT_CONFIG',
    isDefault: (top?.source ?? 'DEFAULT_CONFIG') === 'DEFAULT_CONFIG',
    synonyms: below,
  };
}

/** Sets and deletes configs of a topic or broker; validateOnly checks without applying. */
export async function alterConfigs(
  client: KafkaClient,
  resourceType: number,
  resourceName: string,
  changes: { set?: Record<string, string>; delete?: string[] },
  validateOnly: boolean,
): Promise<void> {
  const set = Object.entries(changes.set ?? {});
  const del = changes.delete ?? [];
  if (set.length === 0 && del.length === 0) return;
  const conn =
    resourceType === RESOURCE_BROKER && resourceName !== ''
      ? await client.connection(Number(resourceName))
      : await client.controller();
  const what =
    resourceType === RESOURCE_TOPIC ? `Topic ${resourceName}` : `Broker ${resourceName || '(cluster default)'}`;
  if (chooseVersion(conn.versions, API_KEYS.IncrementalAlterConfigs) !== null) {
    const { body } = await conn.call(API_KEYS.IncrementalAlterConfigs, () => ({
      resources: [
        {
          resourceType,
          resourceName,
          configs: [
            ...set.map(([name, value]) => ({ name, configOperation: 0, value })),
            ...del.map((name) => ({ name, configOperation: 1, value: null })),
          ],
        },
      ],
      validateOnly,
    }));
    for (const r of body.responses) check(r.errorCode, what, r.errorMessage);
    return;
  }
  // AlterConfigs replaces every dynamic value of the resource: start from the current ones.
  const current = await describe(conn, resourceType, resourceName);
  const dynamic = resourceType === RESOURCE_TOPIC ? 'DYNAMIC_TOPIC_CONFIG' : 'DYNAMIC_BROKER_CONFIG';
  const next = new Map(current.filter((c) => c.source === dynamic && !c.sensitive).map((c) => [c.name, c.value]));
  for (const [k, v] of set) next.set(k, v);
  for (const k of del) next.delete(k);
  const { body } = await conn.call(API_KEYS.AlterConfigs, () => ({
    resources: [{ resourceType, resourceName, configs: [...next].map(([name, value]) => ({ name, value })) }],
    validateOnly,
  }));
  for (const r of body.responses) check(r.errorCode, what, r.errorMessage);
}
