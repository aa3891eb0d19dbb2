/**
 * Which version of each API to speak to a broker: the highest version both
 * the codec (core/protocol, generated from Kafka's definitions) and the
 * broker's ApiVersions answer support. Chosen per broker, since a rolling
 * upgrade leaves brokers of two versions in one cluster.
 *
 * Some APIs have a floor below which the views cannot work (record batches
 * need Produce v3 and Fetch v4; ListOffsets v0 has no timestamps); a broker
 * below it is "too old" for that API, said in words.
 */
import { KafkaError } from '../errors';
import { API_NAMES, messageSchema } from '../protocol/index';

export type BrokerVersions = ReadonlyMap<number, { min: number; max: number }>;

/** Lowest version the adapter's code needs, by API key, where it is above 0. */
export const VERSION_FLOORS: Readonly<Record<number, number>> = {
  0: 3, // Produce: record batches (magic 2)
  1: 4, // Fetch: record batches, last stable offset
  2: 1, // ListOffsets: a single timestamp per partition
  3: 1, // Metadata: controller id, internal flag
};

export function versionsFromApiVersions(apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }>) {
  const out = new Map<number, { min: number; max: number }>();
  for (const k of apiKeys) out.set(k.apiKey, { min: k.minVersion, max: k.maxVersion });
  return out as BrokerVersions;
}

/** The version to use, or null when broker and codec share none at or above the floor. */
export function chooseVersion(versions: BrokerVersions, apiKey: number): number | null {
  const schema = messageSchema(apiKey);
  const theirs = versions.get(apiKey);
  if (!schema || !theirs) return null;
  const max = Math.min(schema.validVersions.max, theirs.max);
  const min = Math.max(schema.validVersions.min, theirs.min, VERSION_FLOORS[apiKey] ?? 0);
  return max >= min ? max : null;
}

/** Words for an API the broker lacks: "Broker too old: needs Metadata v1+ (it offers v0-0)". */
export function tooOld(versions: BrokerVersions, apiKey: number): string {
  const name = API_NAMES[apiKey] ?? `API ${apiKey}`;
  const floor = VERSION_FLOORS[apiKey] ?? messageSchema(apiKey)?.validVersions.min ?? 0;
  const theirs = versions.get(apiKey);
  const offered = theirs ? `it offers v${theirs.min}-${theirs.max}` : 'it does not offer it';
  return `Broker too old: needs ${name} v${floor}+ (${offered})`;
}

/** The version for a request, or UNSUPPORTED_VERSION with the words above. */
export function requireVersion(versions: BrokerVersions, apiKey: number): number {
  const v = chooseVersion(versions, apiKey);
  if (v === null) throw new KafkaError('UNSUPPORTED_VERSION', tooOld(versions, apiKey));
  return v;
}
