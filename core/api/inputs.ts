/**
 * The input schemas of the API's methods (the table in api.ts). A failed check names a Kafka error where Kafka has
 * one for it (a refinement's params.errorName, read by core/errors.ts); anything else about a malformed call is
 * INVALID_REQUEST.
 */
import { z } from 'zod';
import type { ErrorName } from '../errors';
import { MAX_PARTITIONS } from '../cluster/limits';
import { CONNECTION_COLORS } from './dtos';

// ---------------------------------------------------------------------------
// Schemas. A failed check names a Kafka error where Kafka has one for it;
// anything else about a malformed call is INVALID_REQUEST.

/** Marks a refinement's issue with the Kafka error a failed check should produce. */
export function kafkaCheck<T extends z.ZodType>(
  schema: T,
  test: (v: z.output<T>) => boolean,
  errorName: ErrorName,
  message: string,
) {
  return schema.refine(test, { message, params: { errorName } });
}

export const topicName = kafkaCheck(
  z.string(),
  (s) => s.length > 0 && s.length <= 249 && s !== '.' && s !== '..' && /^[a-zA-Z0-9._-]+$/.test(s),
  'INVALID_TOPIC_EXCEPTION',
  "Topic names are 1 to 249 characters of ASCII letters, digits, '.', '_' and '-', and not '.' or '..'",
);
export const partitionIndex = kafkaCheck(
  z.number().int(),
  (n) => n >= 0,
  'UNKNOWN_TOPIC_OR_PARTITION',
  'Partition numbers start at 0',
);
export const brokerId = z.number().int().min(0).max(1_000_000);
export const offset = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
export const timestamp = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
export const configMap = z.record(z.string().min(1).max(255), z.string().max(65_536));
export const none = z.strictObject({});
/** Partitions per listPartitionPage call. */
export const MAX_PARTITION_PAGE = 1000;

export const readStart = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('earliest') }),
  z.strictObject({ type: z.literal('latest') }),
  z.strictObject({ type: z.literal('offset'), offset: offset.min(0) }),
  z.strictObject({ type: z.literal('timestamp'), timestamp }),
]);

export const produceRecord = z.strictObject({
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
export function refuseInvalidBase64(
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
export const maxValueBytes = z
  .number()
  .int()
  .min(0)
  .max(64 * 1024 * 1024);

export const pageStart = z.discriminatedUnion('type', [
  ...readStart.options,
  z.strictObject({
    type: z.literal('positions'),
    positions: z
      .array(z.strictObject({ partition: partitionIndex, offset: offset.min(0) }))
      .min(1)
      .max(10_000),
  }),
]);

export const searchScope = z.enum(['key', 'value', 'headers']);
/** Matches one search keeps (as positions; page them with getSearchResults). */
export const MAX_SEARCH_MATCHES = 1_000_000;

export const recordSource = z.strictObject({
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

export const groupId = kafkaCheck(
  z.string(),
  (s) => s.length > 0 && s.length <= 4096,
  'INVALID_GROUP_ID',
  'Group ids are 1 to 4096 characters',
);
export const subscriptionId = z.string().min(1).max(64);
export const offsetResetSpec = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('earliest') }),
  z.strictObject({ type: z.literal('latest') }),
  z.strictObject({ type: z.literal('timestamp'), timestamp: timestamp.min(0) }),
  z.strictObject({ type: z.literal('offset'), offset: offset.min(0) }),
  z.strictObject({
    type: z.literal('shift'),
    by: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  }),
]);
export const workloadRate = z.number().min(0).max(100_000);
export const workloadConsumers = z.number().int().min(0).max(64);
export const workloadDelay = z.number().min(0).max(1000);

export const connectionId = z
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
export const saslUserName = kafkaCheck(
  z.string(),
  (s) => /^[A-Za-z0-9._@+-]{1,64}$/.test(s),
  'INVALID_REQUEST',
  'SASL user names are 1 to 64 letters, digits, and . _ @ + -',
);
export const saslPassword = kafkaCheck(
  z.string(),
  (s) => s.length >= 1 && s.length <= 1000 && !/[\u0000-\u001f\u007f]/.test(s),
  'INVALID_REQUEST',
  'A password is 1 to 1000 characters without control characters',
);
/** A connection's fields; in editConnection each may be left out to keep what is saved. */
export const connectionFields = {
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
export const newConnection = z.strictObject({
  ...connectionFields,
  color: connectionFields.color.optional(),
  sasl: connectionFields.sasl.optional(),
  tls: connectionFields.tls.optional(),
  readOnly: connectionFields.readOnly.optional(),
});
