/**
 * Whatever bytes arrive (a client's produce request, a damaged segment), the
 * record layer must answer with a KafkaError the broker can put on the wire,
 * never a RangeError or a hang.
 */
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import { hasSyncCodec } from '../../../core/record/compression';
import {
  buildBatchAsync,
  decodeRecords,
  decodeRecordsSync,
  filterBatch,
  splitBatches,
  validateBatch,
  validateRecords,
} from '../../../core/record';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CORRUPTION_NAMES = new Set(['CORRUPT_MESSAGE', 'UNSUPPORTED_COMPRESSION_TYPE']);

async function expectOnlyKafkaErrors(buf: Buffer, label: string): Promise<void> {
  const attempts: Array<[string, () => unknown]> = [
    ['splitBatches', () => splitBatches(buf)],
    ['splitBatches lenient', () => splitBatches(buf, { lenient: true })],
    ['validateBatch', () => validateBatch(buf)],
    ['validateRecords', () => validateRecords(buf)],
    ['decodeRecordsSync', () => decodeRecordsSync(buf)],
    ['decodeRecords', () => decodeRecords(buf)],
    ['filterBatch', () => filterBatch(buf, (_, i) => i % 2 === 0)],
  ];
  for (const [name, fn] of attempts) {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof KafkaError) || !CORRUPTION_NAMES.has(err.errorName)) {
        throw new Error(`${name} on ${label} threw ${err instanceof KafkaError ? err.errorName : String(err)}`, {
          cause: err,
        });
      }
    }
  }
}

const T0 = 1_700_000_000_000;
const records = Array.from({ length: 12 }, (_, i) => ({
  key: i % 3 === 0 ? null : `key-${i}`,
  value: Buffer.alloc(i * 7, i),
  timestamp: T0 + i * 37,
  headers:
    i % 2
      ? [
          { key: 'h', value: `v${i}` },
          { key: 'n', value: null },
        ]
      : undefined,
}));

describe('corrupt and truncated input only ever raises CORRUPT_MESSAGE-style KafkaErrors', () => {
  it('handles random garbage of many lengths', async () => {
    const r = rng(7);
    for (let n = 0; n < 400; n++) {
      const len = Math.floor(r() * 200);
      const buf = Buffer.alloc(len);
      for (let i = 0; i < len; i++) buf[i] = Math.floor(r() * 256);
      // Make some of them look like v2 batches so deeper checks run.
      if (len > 17 && n % 2 === 0) {
        buf.writeInt32BE(len - 12, 8);
        buf[16] = 2;
      }
      await expectOnlyKafkaErrors(buf, `garbage #${n}`);
    }
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    it(`handles every truncation and random byte damage of a ${codec} batch`, async () => {
      const batch = await buildBatchAsync({ baseOffset: 10, compression: codec, records });
      for (let len = 0; len < batch.length; len++) {
        const truncated = batch.subarray(0, len);
        await expectOnlyKafkaErrors(truncated, `${codec} truncated to ${len}`);
        expect(() => validateBatch(truncated)).toThrow(KafkaError);
      }
      const r = rng(codec.length);
      for (let n = 0; n < 300; n++) {
        const damaged = Buffer.from(batch);
        const hits = 1 + Math.floor(r() * 3);
        for (let h = 0; h < hits; h++) damaged[Math.floor(r() * damaged.length)] = Math.floor(r() * 256);
        await expectOnlyKafkaErrors(damaged, `${codec} damaged #${n}`);
      }
    });
  }

  it('flags a record whose length disagrees with its fields', () => {
    const r = { value: 'abc' };
    return buildBatchAsync({ records: [r, r] }).then((batch) => {
      const damaged = Buffer.from(batch);
      damaged[61] += 2; // first record's length varint (zig-zag: +1 byte)
      const err = (() => {
        try {
          decodeRecordsSync(damaged);
        } catch (e) {
          return e as KafkaError;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(KafkaError);
      expect(err!.errorName).toBe('CORRUPT_MESSAGE');
      expect(err!.message).toMatch(/record 0/);
    });
  });

  it('flags trailing bytes after the declared records', async () => {
    const batch = await buildBatchAsync({ records: [{ value: 'a' }, { value: 'b' }] });
    const fewer = Buffer.from(batch);
    fewer.writeInt32BE(1, 57);
    expect(() => decodeRecordsSync(fewer)).toThrow(/bytes after its 1 records/);
  });

  it('rejects a zstd batch in sync decoding with a clear error when no sync zstd exists', async () => {
    const batch = await buildBatchAsync({ compression: 'zstd', records });
    if (hasSyncCodec('zstd')) expect(decodeRecordsSync(batch)).toHaveLength(records.length);
    else expect(() => decodeRecordsSync(batch)).toThrow(/use the async variant/);
  });
});
