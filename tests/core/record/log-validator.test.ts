/**
 * The leader's LogValidator: poison pills refused with Kafka's errors, KIP-467
 * record errors pointing at the bad record, CreateTime bounds, a producer's
 * maxTimestamp corrected (sarama sends -1) with the CRC recomputed only then,
 * zstd refused below Produce v7.
 */
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import {
  MAX_TIMESTAMP,
  batchMaxTimestamp,
  buildBatch,
  buildBatchAsync,
  computeBatchCrc,
  batchCrc,
  validateBatch,
} from '../../../core/record';
import {
  DEFAULT_TIMESTAMP_AFTER_MAX_MS,
  DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
  RecordValidationError,
  validateForAppend,
  type AppendPolicy,
} from '../../../core/record/log-validator';
import { poisonBatches } from '../../helpers/poison-batches';

const NOW = Date.now();
const policy = (over: Partial<AppendPolicy> = {}): AppendPolicy => ({
  now: NOW,
  logAppendTime: false,
  compacted: false,
  produceVersion: 11,
  transactional: false,
  timestampBeforeMaxMs: DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
  timestampAfterMaxMs: DEFAULT_TIMESTAMP_AFTER_MAX_MS,
  ...over,
});

async function failure(batch: Buffer, p = policy()): Promise<KafkaError> {
  try {
    await validateForAppend(batch, p);
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    return err as KafkaError;
  }
  throw new Error('batch was accepted');
}

function withMaxTimestamp(batch: Buffer, ts: number): Buffer {
  batch.writeInt32BE(ts < 0 ? -1 : Math.floor(ts / 2 ** 32), MAX_TIMESTAMP);
  batch.writeUInt32BE(ts < 0 ? 0xffffffff : ts % 2 ** 32, MAX_TIMESTAMP + 4);
  batch.writeUInt32BE(computeBatchCrc(batch), 17);
  return batch;
}

describe('LogValidator', () => {
  for (const poison of poisonBatches()) {
    it(`refuses a poison pill with a valid CRC: ${poison.name} -> ${poison.error}`, async () => {
      expect(() => validateBatch(poison.batch)).not.toThrow(); // the header and CRC are fine
      const err = await failure(poison.batch);
      expect(err.errorName).toBe(poison.error);
      if (poison.batchIndex !== undefined) {
        expect((err as RecordValidationError).recordErrors.map((e) => e.batchIndex)).toEqual([poison.batchIndex]);
      }
    });
  }

  it('points KIP-467 record errors at each keyless record of a compacted topic', async () => {
    const batch = buildBatch({
      records: [{ key: 'a', value: '1' }, { value: 'no key' }, { key: 'c', value: '3' }, { key: null, value: '4' }],
    });
    const err = await failure(batch, policy({ compacted: true }));
    expect(err).toBeInstanceOf(RecordValidationError);
    expect(err.errorName).toBe('INVALID_RECORD');
    expect((err as RecordValidationError).recordErrors).toEqual([
      { batchIndex: 1, message: 'Compacted topic cannot accept message without key' },
      { batchIndex: 3, message: 'Compacted topic cannot accept message without key' },
    ]);
    expect(
      validateForAppend(buildBatch({ records: [{ key: 'a', value: '1' }] }), policy({ compacted: true })),
    ).toMatchObject({ rewritten: false });
  });

  it('refuses CreateTime timestamps outside message.timestamp.before/after.max.ms with INVALID_TIMESTAMP', async () => {
    const records = [
      { value: 'ok', timestamp: NOW },
      { value: 'late', timestamp: NOW - 60_001 },
      { value: 'early', timestamp: NOW + 3_600_001 },
    ];
    const err = await failure(buildBatch({ records }), policy({ timestampBeforeMaxMs: 60_000 }));
    expect(err.errorName).toBe('INVALID_TIMESTAMP');
    expect((err as RecordValidationError).recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect((err as RecordValidationError).recordErrors[0]!.message).toContain(`[${NOW - 60_000}, ${NOW + 3_600_000}]`);
    // The same records on a LogAppendTime topic: the broker's clock replaces them, nothing to check.
    expect(() =>
      validateForAppend(buildBatch({ records }), policy({ logAppendTime: true, timestampBeforeMaxMs: 60_000 })),
    ).not.toThrow();
  });

  it('refuses a producer batch that sets the LogAppendTime flag itself', async () => {
    const err = await failure(
      buildBatch({ timestampType: 'LogAppendTime', maxTimestamp: NOW, records: [{ value: 'x', timestamp: NOW }] }),
    );
    expect(err.errorName).toBe('INVALID_TIMESTAMP');
  });

  it("corrects a maxTimestamp of -1 (sarama) to the records' maximum and recomputes the CRC", async () => {
    for (const compression of ['none', 'gzip', 'lz4'] as const) {
      const batch = withMaxTimestamp(
        await buildBatchAsync({
          compression,
          records: [
            { value: 'a', timestamp: NOW - 5 },
            { value: 'b', timestamp: NOW - 1 },
            { value: 'c', timestamp: NOW - 9 },
          ],
        }),
        -1,
      );
      expect(batchMaxTimestamp(batch)).toBe(-1);
      const r = await validateForAppend(batch, policy());
      expect(r).toEqual({ maxTimestamp: NOW - 1, rewritten: true });
      expect(batchMaxTimestamp(batch)).toBe(NOW - 1);
      expect(batchCrc(batch)).toBe(computeBatchCrc(batch));
    }
  });

  it('leaves a batch whose header is already right byte for byte unchanged', () => {
    const batch = buildBatch({
      records: [
        { value: 'a', timestamp: NOW - 3 },
        { value: 'b', timestamp: NOW - 2 },
      ],
    });
    const copy = Buffer.from(batch);
    expect(validateForAppend(batch, policy())).toEqual({ maxTimestamp: NOW - 2, rewritten: false });
    expect(batch.equals(copy)).toBe(true);
  });

  it('refuses zstd inside Produce below v7 with UNSUPPORTED_COMPRESSION_TYPE and accepts it from v7', async () => {
    const batch = await buildBatchAsync({ compression: 'zstd', records: [{ value: 'z', timestamp: NOW }] });
    expect((await failure(batch, policy({ produceVersion: 6 }))).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    await expect(validateForAppend(batch, policy({ produceVersion: 7 }))).resolves.toMatchObject({ maxTimestamp: NOW });
  });

  it('refuses control batches, empty batches and idempotent batches without a sequence', async () => {
    const control = buildBatch({
      isControl: true,
      isTransactional: true,
      producerId: 1,
      producerEpoch: 0,
      baseSequence: 0,
      records: [{ key: Buffer.alloc(4), value: Buffer.alloc(6) }],
    });
    expect((await failure(control, policy({ transactional: true }))).message).toContain('control records');
    expect((await failure(buildBatch({ records: [] }))).errorName).toBe('INVALID_RECORD');
    expect(
      (await failure(buildBatch({ producerId: 5, producerEpoch: 0, records: [{ value: 'x' }] }))).message,
    ).toContain('sequence');
  });
});
