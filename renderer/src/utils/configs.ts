/**
 * Topic configs in forms: the client-side check for obvious type errors (the
 * engine checks everything again and its reason is shown as it gives it),
 * the choices of the configs that take one of a few words, and which field an
 * engine error is about.
 */
import type { ConfigEntry, ConfigSource } from '@core/cluster/types';
import { ApiError } from '@core/api/client';

/** Where a value comes from, in words (Kafka's DescribeConfigs sources). */
export const SOURCE_WORDS: Record<ConfigSource, string> = {
  DEFAULT_CONFIG: 'Default',
  DYNAMIC_TOPIC_CONFIG: 'Set on topic',
  DYNAMIC_BROKER_CONFIG: 'Set on broker',
  DYNAMIC_DEFAULT_BROKER_CONFIG: 'Cluster-wide',
  STATIC_BROKER_CONFIG: 'Broker start-up',
};

/**
 * The config an engine error is about: the field it names, else the one a
 * Kafka broker's message names ("Invalid value x for configuration y: ...",
 * "Cannot update these configs dynamically: Set(y)"); null when neither.
 */
export function configNamedBy(err: unknown): string | null {
  if (err instanceof ApiError && err.field !== undefined) return err.field;
  const text = err instanceof Error ? err.message : '';
  const m = /configuration ([\w.-]+)|Set\(([\w.-]+)/.exec(text);
  return m ? (m[1] ?? m[2]!) : null;
}

/** Configs whose value is one of a few words, offered as a list rather than typed. */
export const CONFIG_CHOICES: Record<string, Array<{ label: string; value: string }>> = {
  'cleanup.policy': [
    { label: 'delete', value: 'delete' },
    { label: 'compact', value: 'compact' },
    { label: 'compact, delete', value: 'compact,delete' },
  ],
  'compression.type': ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].map((v) => ({
    label: v,
    value: v,
  })),
  'message.timestamp.type': ['CreateTime', 'LogAppendTime'].map((v) => ({ label: v, value: v })),
};

/** The configs a person most often sets when creating a topic, in the order the form shows them. */
export const COMMON_CONFIGS = [
  'cleanup.policy',
  'retention.ms',
  'retention.bytes',
  'min.insync.replicas',
  'max.message.bytes',
] as const;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_LIMIT = 9223372036854775807n;

/**
 * A reason when `value` cannot be a value of this config's type; null when it might be (the engine has the last
 * word).
 */
export function checkConfigType(type: ConfigEntry['type'], value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'int':
    case 'long': {
      if (v === '') return 'Enter a whole number';
      if (!/^-?\d+$/.test(v)) return 'Must be a whole number';
      const n = BigInt(v);
      if (type === 'int' && (n < BigInt(INT_MIN) || n > BigInt(INT_MAX)))
        return `Must be between ${INT_MIN.toLocaleString('en-US')} and ${INT_MAX.toLocaleString('en-US')}`;
      if (n > LONG_LIMIT || n < -LONG_LIMIT - 1n) return 'Too large';
      return null;
    }
    case 'double':
      return v === '' || Number.isNaN(Number(v)) ? 'Must be a number' : null;
    case 'boolean':
      return v === 'true' || v === 'false' ? null : 'Must be true or false';
    default:
      return v === '' ? 'Enter a value' : null;
  }
}

/** Whether two values of a config are the same setting (so "delete, compact" equals "delete,compact"). */
export function sameConfigValue(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .join(',');
  return norm(a) === norm(b);
}
