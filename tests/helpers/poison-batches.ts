/**
 * Poison-pill record batches: a valid CRC over broken records, as a hostile
 * or buggy producer can send them. Each comes with the error Kafka's
 * LogValidator answers it with. Shared by the validator's unit test and the
 * hostile-input wire test.
 */
import {
  ATTRIBUTES,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  RECORDS_COUNT,
  buildBatch,
  updateBatchCrc,
} from '../../core/record';

export interface PoisonBatch {
  name: string;
  batch: Buffer;
  /** Kafka error name the broker must answer with. */
  error: string;
  /** For per-record (KIP-467) errors: the batch_index reported. */
  batchIndex?: number;
}

function plain(values: string[]): Buffer {
  return buildBatch({ records: values.map((value) => ({ key: 'k', value })) });
}

/** Every poison pill, freshly built (callers may hand the buffers over). */
export function poisonBatches(): PoisonBatch[] {
  const out: PoisonBatch[] = [];

  // The first record's length varint (one byte for a small record) says -5.
  const negative = plain(['one', 'two']);
  negative[HEADER_SIZE] = 9; // zig-zag(-5)
  updateBatchCrc(negative);
  out.push({ name: 'record length -5', batch: negative, error: 'INVALID_RECORD' });

  // The first record's length says 63 bytes, more than the whole batch holds.
  const long = plain(['x']);
  long[HEADER_SIZE] = 126; // zig-zag(63)
  updateBatchCrc(long);
  out.push({ name: 'record length past the batch', batch: long, error: 'INVALID_RECORD' });

  // Record 1 says offset delta 7 in a batch spanning deltas 0-1.
  out.push({
    name: 'offset delta beyond the batch',
    batch: buildBatch({
      lastOffsetDelta: 1,
      records: [
        { key: 'k', value: 'a' },
        { key: 'k', value: 'b', offsetDelta: 7 },
      ],
    }),
    error: 'INVALID_RECORD',
    batchIndex: 1,
  });

  // recordsCount and lastOffsetDelta claim 3 records; only 2 are there.
  const count = plain(['a value long enough for three records', 'b value long enough for three records']);
  count.writeInt32BE(3, RECORDS_COUNT);
  count.writeInt32BE(2, LAST_OFFSET_DELTA);
  updateBatchCrc(count);
  out.push({ name: 'record count above the records present', batch: count, error: 'INVALID_RECORD' });

  // The gzip flag on records that are not gzip data.
  const gzipFlag = plain(['not gzip at all']);
  gzipFlag.writeInt16BE(gzipFlag.readInt16BE(ATTRIBUTES) | 1, ATTRIBUTES);
  updateBatchCrc(gzipFlag);
  out.push({ name: 'gzip flag on plain data', batch: gzipFlag, error: 'CORRUPT_MESSAGE' });

  // The transactional flag although the Produce request carries no transactional id.
  out.push({
    name: 'transactional flag without a transaction',
    batch: buildBatch({
      isTransactional: true,
      producerId: 4242,
      producerEpoch: 0,
      baseSequence: 0,
      records: [{ key: 'k', value: 'txn' }],
    }),
    error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  });
  return out;
}
