/**
 * Record batches, magic v2: the unit the broker stores, replicates and serves.
 *
 * Batch header (all big-endian; offsets below are from the batch start):
 *
 *   0  baseOffset            int64   assigned by the leader on append
 *   8  batchLength           int32   bytes after this field (total = 12 + batchLength)
 *  12  partitionLeaderEpoch  int32   set by the leader          } not covered
 *  16  magic                 int8    2                          } by the CRC
 *  17  crc                   uint32  CRC-32C of bytes 21..end
 *  21  attributes            int16   bits 0-2 codec, 3 timestamp type (1 = LogAppendTime),
 *                                    4 transactional, 5 control, 6 delete horizon set
 *  23  lastOffsetDelta       int32   last offset - baseOffset; kept by compaction
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64   with LogAppendTime, every record's timestamp
 *  43  producerId            int64   -1 when not idempotent
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordsCount          int32
 *  61  records               the records, compressed as one blob if the codec is not 0
 *
 * One record: length varint (bytes that follow), attributes int8 (unused),
 * timestampDelta varlong, offsetDelta varint, keyLength varint (-1 = null), key,
 * valueLength varint (-1 = null), value, headersCount varint, then per header
 * keyLength varint + UTF-8 key, valueLength varint (-1 = null) + value.
 *
 * The broker's hot paths (produce validation, fetch, replication) move whole
 * batches, so everything they need is a header read or write here; only
 * batch-builder.ts and record-decoder.ts look at individual records.
 */

import { crc32c } from './crc32c';
import { KafkaError } from '../errors';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;
export const HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** Smallest legal batchLength: a header with no records. */
export const MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_FLAG = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

export const TimestampType = { CREATE_TIME: 0, LOG_APPEND_TIME: 1 } as const;
export type TimestampTypeId = 0 | 1;

/** Control record types (key = version int16 + type int16). */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

/**
 * Smallest encoded record: length, attributes, timestampDelta, offsetDelta,
 * keyLength, valueLength, headersCount at one byte each. Lets a declared
 * recordsCount be sanity-checked against the bytes present without parsing.
 */
export const MIN_RECORD_SIZE = 7;

const TWO_POW_32 = 4294967296;

/** The error for a batch whose bytes contradict the layout (shared by the builder and decoder modules). */
export function corrupt(message: string): KafkaError {
  return new KafkaError('CORRUPT_MESSAGE', message);
}

// ---------------------------------------------------------------------------
// int64 as number: exact up to 2^53, which offsets and epoch-ms timestamps are.

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_POW_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(high, pos);
  buf.writeUInt32BE(value - high * TWO_POW_32, pos + 4);
}

// ---------------------------------------------------------------------------
// Header reads. `pos` is where the batch starts inside `buf`, so callers can
// walk a records blob without creating subarrays.

export function batchBaseOffset(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BASE_OFFSET);
}
export function batchLength(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + BATCH_LENGTH);
}
/** Bytes the whole batch occupies, header included. */
export function batchTotalSize(buf: Buffer, pos = 0): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH);
}
export function batchPartitionLeaderEpoch(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + PARTITION_LEADER_EPOCH);
}
export function batchMagic(buf: Buffer, pos = 0): number {
  return buf.readInt8(pos + MAGIC);
}
export function batchCrc(buf: Buffer, pos = 0): number {
  return buf.readUInt32BE(pos + CRC);
}
export function batchAttributes(buf: Buffer, pos = 0): number {
  return buf.readInt16BE(pos + ATTRIBUTES);
}
export function batchLastOffsetDelta(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + LAST_OFFSET_DELTA);
}
export function batchLastOffset(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BASE_OFFSET) + buf.readInt32BE(pos + LAST_OFFSET_DELTA);
}
/** The offset the next batch in the log starts at. */
export function batchNextOffset(buf: Buffer, pos = 0): number {
  return batchLastOffset(buf, pos) + 1;
}
export function batchBaseTimestamp(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BASE_TIMESTAMP);
}
export function batchMaxTimestamp(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + MAX_TIMESTAMP);
}
export function batchProducerId(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + PRODUCER_ID);
}
export function batchProducerEpoch(buf: Buffer, pos = 0): number {
  return buf.readInt16BE(pos + PRODUCER_EPOCH);
}
export function batchBaseSequence(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + BASE_SEQUENCE);
}
/** Sequence of the last record, wrapping at int32 max as Kafka's does. */
export function batchLastSequence(buf: Buffer, pos = 0): number {
  const base = batchBaseSequence(buf, pos);
  if (base === NO_SEQUENCE) return NO_SEQUENCE;
  const last = base + batchLastOffsetDelta(buf, pos);
  return last > 0x7fffffff ? last - 0x80000000 : last;
}
export function batchRecordCount(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + RECORDS_COUNT);
}
/** Codec id 0-7 (only 0-4 exist). */
export function batchCompression(buf: Buffer, pos = 0): number {
  return buf[pos + ATTRIBUTES + 1] & COMPRESSION_CODEC_MASK;
}
export function batchTimestampType(buf: Buffer, pos = 0): TimestampTypeId {
  return buf[pos + ATTRIBUTES + 1] & TIMESTAMP_TYPE_FLAG ? 1 : 0;
}
export function isTransactional(buf: Buffer, pos = 0): boolean {
  return (buf[pos + ATTRIBUTES + 1] & TRANSACTIONAL_FLAG) !== 0;
}
export function isControlBatch(buf: Buffer, pos = 0): boolean {
  return (buf[pos + ATTRIBUTES + 1] & CONTROL_FLAG) !== 0;
}
export function hasDeleteHorizon(buf: Buffer, pos = 0): boolean {
  return (buf[pos + ATTRIBUTES + 1] & DELETE_HORIZON_FLAG) !== 0;
}
export function hasProducerId(buf: Buffer, pos = 0): boolean {
  return batchProducerId(buf, pos) !== NO_PRODUCER_ID;
}

export interface BatchHeader {
  baseOffset: number;
  lastOffset: number;
  batchLength: number;
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: number;
  timestampType: TimestampTypeId;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Every header field as an object: for the GUI and diagnostics, not hot paths. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (buf.length - pos < HEADER_SIZE) {
    throw corrupt(`record batch header truncated: ${buf.length - pos} bytes, need ${HEADER_SIZE}`);
  }
  const attributes = batchAttributes(buf, pos);
  return {
    baseOffset: batchBaseOffset(buf, pos),
    lastOffset: batchLastOffset(buf, pos),
    batchLength: batchLength(buf, pos),
    sizeInBytes: batchTotalSize(buf, pos),
    partitionLeaderEpoch: batchPartitionLeaderEpoch(buf, pos),
    magic: batchMagic(buf, pos),
    crc: batchCrc(buf, pos),
    attributes,
    compression: attributes & COMPRESSION_CODEC_MASK,
    timestampType: attributes & TIMESTAMP_TYPE_FLAG ? 1 : 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    lastOffsetDelta: batchLastOffsetDelta(buf, pos),
    baseTimestamp: batchBaseTimestamp(buf, pos),
    maxTimestamp: batchMaxTimestamp(buf, pos),
    producerId: batchProducerId(buf, pos),
    producerEpoch: batchProducerEpoch(buf, pos),
    baseSequence: batchBaseSequence(buf, pos),
    recordsCount: batchRecordCount(buf, pos),
  };
}

// ---------------------------------------------------------------------------
// Header writes.

/** In place; baseOffset is outside the CRC, so the batch stays valid. */
export function setBaseOffset(buf: Buffer, offset: number, pos = 0): void {
  writeInt64(buf, pos + BASE_OFFSET, offset);
}

/** In place; partitionLeaderEpoch is outside the CRC, so the batch stays valid. */
export function setPartitionLeaderEpoch(buf: Buffer, epoch: number, pos = 0): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH);
}

export function computeBatchCrc(buf: Buffer, pos = 0): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES, pos + batchTotalSize(buf, pos)));
}

/** Recomputes and stores the CRC after a change to a field it covers. */
export function updateBatchCrc(buf: Buffer, pos = 0): void {
  buf.writeUInt32BE(computeBatchCrc(buf, pos), pos + CRC);
}

/**
 * What a broker does for message.timestamp.type=LogAppendTime: flag the batch
 * and put the append time in maxTimestamp, which then stands for every
 * record's timestamp. Both fields are under the CRC, so it is recomputed.
 */
export function setLogAppendTime(buf: Buffer, timestamp: number, pos = 0): void {
  buf.writeInt16BE(buf.readInt16BE(pos + ATTRIBUTES) | TIMESTAMP_TYPE_FLAG, pos + ATTRIBUTES);
  writeInt64(buf, pos + MAX_TIMESTAMP, timestamp);
  updateBatchCrc(buf, pos);
}

// ---------------------------------------------------------------------------
// Splitting a records blob (a produce request's or fetch response's
// `records`) into batches.

export interface SplitOptions {
  /**
   * Stop quietly at a partial batch at the end instead of throwing. A fetch
   * response may legally end with one (the broker cuts at the byte limit),
   * a produce request may not.
   */
  lenient?: boolean;
}

/**
 * Calls fn(records, pos, size) for each batch, allocating nothing. fn may
 * return false to stop. Returns the position after the last batch visited,
 * i.e. how many bytes hold whole batches.
 */
export function iterateBatches(
  records: Buffer,
  fn: (records: Buffer, pos: number, size: number) => void | boolean,
  options?: SplitOptions,
): number {
  const lenient = options?.lenient === true;
  const end = records.length;
  let pos = 0;
  while (pos < end) {
    const remaining = end - pos;
    if (remaining < LOG_OVERHEAD) {
      if (lenient) break;
      throw corrupt(
        `truncated record batch at byte ${pos}: ${remaining} bytes left, a batch needs at least ${HEADER_SIZE}`,
      );
    }
    const length = records.readInt32BE(pos + BATCH_LENGTH);
    if (length < MIN_BATCH_LENGTH) {
      throw corrupt(`record batch at byte ${pos} has batchLength ${length}, below the minimum ${MIN_BATCH_LENGTH}`);
    }
    const size = LOG_OVERHEAD + length;
    if (size > remaining) {
      if (lenient) break;
      throw corrupt(`truncated record batch at byte ${pos}: batchLength says ${size} bytes, only ${remaining} present`);
    }
    const magic = records[pos + MAGIC];
    if (magic !== CURRENT_MAGIC) {
      throw corrupt(
        `record batch at byte ${pos} has magic ${magic}; only magic ${CURRENT_MAGIC} batches are supported`,
      );
    }
    if (fn(records, pos, size) === false) return pos + size;
    pos += size;
  }
  return pos;
}

/** The batches of a records blob as zero-copy subarrays. */
export function splitBatches(records: Buffer, options?: SplitOptions): Buffer[] {
  const out: Buffer[] = [];
  iterateBatches(
    records,
    (buf, pos, size) => {
      out.push(buf.subarray(pos, pos + size));
    },
    options,
  );
  return out;
}

// ---------------------------------------------------------------------------
// Validation (header only: produce validation must not touch records).

function validateAt(buf: Buffer, pos: number, size: number): void {
  if (size < HEADER_SIZE) throw corrupt(`record batch is ${size} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  const declared = batchTotalSize(buf, pos);
  if (declared !== size) {
    throw corrupt(
      `record batch batchLength ${declared - LOG_OVERHEAD} implies ${declared} bytes but the batch has ${size}`,
    );
  }
  const magic = buf[pos + MAGIC];
  if (magic !== CURRENT_MAGIC) {
    throw corrupt(`record batch has magic ${magic}; only magic ${CURRENT_MAGIC} batches are supported`);
  }
  const expected = buf.readUInt32BE(pos + CRC);
  const actual = crc32c(buf.subarray(pos + ATTRIBUTES, pos + size));
  if (expected !== actual) {
    throw corrupt(
      `record batch CRC mismatch: header says 0x${expected.toString(16).padStart(8, '0')}, ` +
        `bytes 21..${size} compute to 0x${actual.toString(16).padStart(8, '0')}`,
    );
  }
  const codec = buf[pos + ATTRIBUTES + 1] & COMPRESSION_CODEC_MASK;
  if (codec > 4)
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `record batch uses unknown compression codec ${codec}`);
  const count = buf.readInt32BE(pos + RECORDS_COUNT);
  if (count < 0) throw corrupt(`record batch has negative recordsCount ${count}`);
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA);
  if (lastOffsetDelta < 0) throw corrupt(`record batch has negative lastOffsetDelta ${lastOffsetDelta}`);
  // Offsets within a batch are distinct, so there cannot be more records than
  // offsets spanned (fewer is fine: compaction removes records).
  if (count > lastOffsetDelta + 1) {
    throw corrupt(
      `record batch has ${count} records but lastOffsetDelta ${lastOffsetDelta} spans only ${lastOffsetDelta + 1} ` +
        `offsets`,
    );
  }
  const payload = size - HEADER_SIZE;
  if (codec === 0) {
    if (count * MIN_RECORD_SIZE > payload) {
      throw corrupt(`record batch claims ${count} records but has only ${payload} bytes of records`);
    }
  } else if (count > 0 && payload === 0) {
    throw corrupt(`compressed record batch claims ${count} records but has no payload`);
  }
}

/**
 * Throws CORRUPT_MESSAGE unless `batch` is exactly one well-formed v2 batch
 * with a matching CRC (UNSUPPORTED_COMPRESSION_TYPE for codec ids 5-7).
 */
export function validateBatch(batch: Buffer): void {
  if (batch.length < HEADER_SIZE) {
    throw corrupt(`record batch is ${batch.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  }
  validateAt(batch, 0, batch.length);
}

/** Splits strictly and validates every batch; returns the number of batches. */
export function validateRecords(records: Buffer): number {
  let n = 0;
  iterateBatches(records, (buf, pos, size) => {
    validateAt(buf, pos, size);
    n++;
  });
  return n;
}
