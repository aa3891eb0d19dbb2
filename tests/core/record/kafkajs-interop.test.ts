/**
 * Batches must be byte-compatible with real clients: kafkajs (installed as a
 * dev dependency) has an independent encoder and decoder for magic v2, with
 * gzip as its only built-in codec.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  buildBatch,
  buildBatchAsync,
  decodeRecords,
  validateBatch,
  batchBaseOffset,
  batchLastOffset,
} from '../../../core/record';

const require = createRequire(import.meta.url);
type KjsEncoder = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(opts: Record<string, unknown>): Promise<KjsEncoder>;
};
const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  opts: Record<string, unknown>,
) => KjsEncoder;
const decodeKjsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<KjsDecodedBatch>;
const KjsDecoder = require('kafkajs/src/protocol/decoder') as new (buf: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: number | string): unknown };
const { Types: KjsCompression } = require('kafkajs/src/protocol/message/compression') as {
  Types: { None: number; GZIP: number };
};

interface KjsDecodedBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  producerId: string;
  inTransaction: boolean;
  records: Array<{
    offset: string;
    timestamp: string;
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | Buffer[]>;
  }>;
}

const T0 = 1_700_000_000_000;
const messages = [
  { key: 'user-1', value: 'first', timestamp: T0, headers: { source: 'kafkajs', id: Buffer.from([1, 2, 3]) } },
  { key: null, value: 'no key', timestamp: T0 + 10, headers: {} },
  { key: 'user-2', value: null, timestamp: T0 + 4, headers: { tomb: 'stone' } },
  { key: 'user-3', value: Buffer.alloc(300, 0x5a), timestamp: T0 + 250, headers: { 'ü-key': 'ü-value' } },
];

async function kafkajsBatch(compression: number, firstOffset: number): Promise<Buffer> {
  const records = messages.map((m, i) =>
    KjsRecord({ key: m.key, value: m.value, headers: m.headers, offsetDelta: i, timestampDelta: m.timestamp - T0 }),
  );
  const encoder = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(firstOffset),
    firstTimestamp: T0,
    maxTimestamp: T0 + 250,
    lastOffsetDelta: records.length - 1,
    producerId: Long.fromValue(1234),
    producerEpoch: 1,
    firstSequence: 0,
    records,
  });
  return encoder.buffer;
}

describe.each([
  ['none', 'None'],
  ['gzip', 'GZIP'],
] as const)('interop with kafkajs, %s', (codec, kjsName) => {
  it('decodes a batch kafkajs encoded: same keys, values, headers, offsets, timestamps', async () => {
    const batch = await kafkajsBatch(KjsCompression[kjsName], 5000);
    validateBatch(batch); // kafkajs computes the CRC-32C too
    expect(batchBaseOffset(batch)).toBe(5000);
    expect(batchLastOffset(batch)).toBe(5003);
    const decoded = await decodeRecords(batch);
    expect(decoded.map((r) => r.offset)).toEqual([5000, 5001, 5002, 5003]);
    expect(decoded.map((r) => r.timestamp)).toEqual(messages.map((m) => m.timestamp));
    expect(decoded.map((r) => r.key && r.key.toString())).toEqual(messages.map((m) => m.key));
    expect(decoded.map((r) => r.value && r.value.toString('latin1'))).toEqual(
      messages.map((m) => (m.value === null ? null : Buffer.from(m.value).toString('latin1'))),
    );
    expect(decoded.map((r) => r.headers.map((h) => [h.key, h.value && h.value.toString('hex')]))).toEqual(
      messages.map((m) => Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
    );
  });

  it('builds a batch kafkajs decodes to the same records', async () => {
    const batch = await buildBatchAsync({
      baseOffset: 2 ** 33,
      compression: codec,
      producerId: 99,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: true,
      records: messages,
    });
    const kjs = await decodeKjsBatch(new KjsDecoder(batch));
    expect(kjs.firstOffset).toBe(String(2 ** 33));
    expect(kjs.lastOffsetDelta).toBe(3);
    expect(kjs.producerId).toBe('99');
    expect(kjs.inTransaction).toBe(true);
    expect(kjs.records.map((r) => r.offset)).toEqual([0, 1, 2, 3].map((d) => String(2 ** 33 + d)));
    expect(kjs.records.map((r) => Number(r.timestamp))).toEqual(messages.map((m) => m.timestamp));
    expect(kjs.records.map((r) => r.key && r.key.toString())).toEqual(messages.map((m) => m.key));
    expect(kjs.records.map((r) => r.value && r.value.toString('latin1'))).toEqual(
      messages.map((m) => (m.value === null ? null : Buffer.from(m.value).toString('latin1'))),
    );
    expect(
      kjs.records.map((r) =>
        Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, (v as Buffer).toString('hex')])),
      ),
    ).toEqual(
      messages.map((m) =>
        Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
      ),
    );
  });
});

it('produces the same bytes as kafkajs for an uncompressed batch with the same fields', async () => {
  const ours = buildBatch({
    baseOffset: 5000,
    partitionLeaderEpoch: 0,
    producerId: 1234,
    producerEpoch: 1,
    baseSequence: 0,
    baseTimestamp: T0,
    records: messages,
  });
  expect(ours.equals(await kafkajsBatch(KjsCompression.None, 5000))).toBe(true);
});
