/**
 * LogValidator: what a leader checks and corrects in a producer's record
 * batch before appending it, after Kafka's LogValidator and
 * ProduceRequest.validateRecords.
 *
 * Rules (Kafka's, with its error codes):
 * - The header must be sound (size, magic 2, CRC, codec id): CORRUPT_MESSAGE,
 *   UNSUPPORTED_COMPRESSION_TYPE for codec ids 5-7 (validateBatch).
 * - zstd needs Produce v7+ (KIP-110): UNSUPPORTED_COMPRESSION_TYPE.
 * - Batch level, INVALID_RECORD: recordsCount must be > 0 and equal
 *   lastOffsetDelta + 1 (a producer's batch has no gaps); no control batches
 *   from clients; an idempotent batch (producer id set) needs a sequence >= 0.
 * - The transactional flag without a transactional id on the request is
 *   TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as KafkaApis answers it.
 * - Structure, INVALID_RECORD / CORRUPT_MESSAGE: every record's length,
 *   varints, key, value and headers must fit, the records must fill the
 *   (decompressed) payload exactly and there must be recordsCount of them;
 *   compressed bytes that do not decompress are CORRUPT_MESSAGE.
 * - Per record (collected as KIP-467 record errors, batch_index = the
 *   record's position in the batch): offsetDelta must be its position
 *   (INVALID_RECORD), a compacted topic's records need keys (INVALID_RECORD),
 *   CreateTime timestamps must lie within [now - message.timestamp.before.max.ms,
 *   now + message.timestamp.after.max.ms] (INVALID_TIMESTAMP), and a producer
 *   may not set the LogAppendTime flag (INVALID_TIMESTAMP). A batch with any
 *   record error is refused whole: INVALID_TIMESTAMP if any is a timestamp
 *   error, else INVALID_RECORD.
 * - maxTimestamp: for CreateTime the header gets the records' real maximum
 *   (sarama sends -1, which made retention delete its segments at once and
 *   ListOffsets by timestamp miss them); the CRC is recomputed only when the
 *   field actually changes. LogAppendTime is stamped at append time by the log.
 *
 * Cost: an uncompressed batch is walked once, synchronously, reading varints
 * in place without allocating; only compressed batches are decompressed (on
 * the libuv pool), because nothing inside them can be checked otherwise and
 * a broken record in one would otherwise stall every consumer at its offset.
 * Batches are stored as the wire carries them, so nothing is re-encoded.
 */
import { KafkaError } from '../errors';
import { decompress } from './compression';
import {
  ATTRIBUTES,
  BASE_SEQUENCE,
  CONTROL_FLAG,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_FLAG,
  TRANSACTIONAL_FLAG,
  batchBaseTimestamp,
  batchCompression,
  batchMaxTimestamp,
  batchProducerId,
  batchTotalSize,
  updateBatchCrc,
  validateBatch,
} from './record-batch';
import { cursor, readVarint, readVarlong } from './varint';

export const ZSTD_CODEC = 4;
/** First Produce version that may carry zstd (KIP-110). */
export const ZSTD_MIN_PRODUCE_VERSION = 7;
/** Kafka's defaults for message.timestamp.before.max.ms / after.max.ms (4.0: one hour ahead, KIP-1030). */
export const DEFAULT_TIMESTAMP_BEFORE_MAX_MS = Number.MAX_SAFE_INTEGER;
export const DEFAULT_TIMESTAMP_AFTER_MAX_MS = 3_600_000;

const TWO_POW_32 = 4294967296;

export interface AppendPolicy {
  /** The broker's clock for the timestamp bounds. */
  now: number;
  /** Topic message.timestamp.type is LogAppendTime (per-record timestamps are then not checked). */
  logAppendTime: boolean;
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** Topic is compacted: every record needs a key. */
  compacted: boolean;
  /** The Produce request version (zstd needs v7+). */
  produceVersion: number;
  /** The request carries a transactional id. */
  transactional: boolean;
}

export interface RecordError {
  batchIndex: number;
  message: string;
}

/** A batch refused because of its records; `recordErrors` go into the Produce response (KIP-467). */
export class RecordValidationError extends KafkaError {
  constructor(
    errorName: 'INVALID_RECORD' | 'INVALID_TIMESTAMP',
    message: string,
    readonly recordErrors: RecordError[],
  ) {
    super(errorName, message);
  }
}

/** What validation found, for the caller's bookkeeping. */
export interface ValidatedBatch {
  maxTimestamp: number;
  /** The header's maxTimestamp was corrected (and the CRC recomputed). */
  rewritten: boolean;
}

function invalid(message: string): KafkaError {
  return new KafkaError('INVALID_RECORD', message);
}

/**
 * Checks one batch (a whole buffer holding exactly one batch) for a leader
 * append and corrects its maxTimestamp in place. Synchronous for uncompressed
 * batches; compressed ones return a promise (decompression).
 */
export function validateForAppend(batch: Buffer, policy: AppendPolicy): ValidatedBatch | Promise<ValidatedBatch> {
  validateBatch(batch);
  const codec = batchCompression(batch);
  if (codec === ZSTD_CODEC && policy.produceVersion < ZSTD_MIN_PRODUCE_VERSION) {
    throw new KafkaError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `zstd-compressed batches need Produce v${ZSTD_MIN_PRODUCE_VERSION} or later; the request is ` +
        `v${policy.produceVersion}`,
    );
  }
  const attrs = batch[ATTRIBUTES + 1]!;
  if (attrs & CONTROL_FLAG) throw invalid('Clients are not allowed to write control records');
  if (attrs & TRANSACTIONAL_FLAG && !policy.transactional) {
    throw new KafkaError(
      'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
      'The record batch has the transactional flag but the Produce request carries no transactional id',
    );
  }
  const count = batch.readInt32BE(RECORDS_COUNT);
  const lastOffsetDelta = batch.readInt32BE(LAST_OFFSET_DELTA);
  if (count <= 0) throw invalid(`Invalid reported count for record batch: ${count}`);
  if (count !== lastOffsetDelta + 1) {
    throw invalid(
      `Inconsistent batch offset range: lastOffsetDelta ${lastOffsetDelta} spans ${lastOffsetDelta + 1} offsets ` +
        `but the batch has ${count} records`,
    );
  }
  if (batchProducerId(batch) >= 0 && batch.readInt32BE(BASE_SEQUENCE) < 0) {
    throw invalid(`Invalid sequence number ${batch.readInt32BE(BASE_SEQUENCE)} in an idempotent record batch`);
  }
  const size = batchTotalSize(batch);
  if (codec === 0) return checkRecords(batch, batch, HEADER_SIZE, size, policy);
  return decompress(codec, batch.subarray(HEADER_SIZE, size)).then((data) =>
    checkRecords(batch, data, 0, data.length, policy),
  );
}

/**
 * Walks the records in data[start, end), collecting record errors, then
 * corrects maxTimestamp. Reads varints in place; allocates only for errors.
 */
function checkRecords(batch: Buffer, data: Buffer, start: number, end: number, policy: AppendPolicy): ValidatedBatch {
  const count = batch.readInt32BE(RECORDS_COUNT);
  const baseTimestamp = batchBaseTimestamp(batch);
  const producerLogAppendTime = (batch[ATTRIBUTES + 1]! & TIMESTAMP_TYPE_FLAG) !== 0;
  const checkTimes = !policy.logAppendTime;
  const lowest = policy.now - policy.timestampBeforeMaxMs;
  const highest = policy.now + policy.timestampAfterMaxMs;
  let errors: RecordError[] | null = null;
  let timestampError = false;
  let maxTimestamp = -1;
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw invalid(`Record batch declares ${count} records but holds only ${i}`);
    const recordStart = pos;
    const length = readVarint(data, pos);
    pos = cursor.pos;
    const recordEnd = pos + length;
    if (length < 6 || recordEnd > end) {
      throw invalid(
        `Invalid record size: record ${i} at byte ${recordStart - start} declares ${length} bytes, ${end - pos} remain`,
      );
    }
    pos++; // attributes (unused)
    const timestampDelta = readVarlong(data, pos);
    pos = cursor.pos;
    const offsetDelta = readVarint(data, pos);
    pos = cursor.pos;
    pos = skipBytes(data, pos, recordEnd, i, 'key');
    const hasKey = lastLength >= 0;
    pos = skipBytes(data, pos, recordEnd, i, 'value');
    const headers = readVarint(data, pos);
    pos = cursor.pos;
    if (headers < 0 || headers * 2 > recordEnd - pos)
      throw invalid(`Record ${i} declares ${headers} headers in ${recordEnd - pos} bytes`);
    for (let h = 0; h < headers; h++) {
      pos = skipBytes(data, pos, recordEnd, i, 'header key');
      if (lastLength < 0) throw invalid(`Record ${i} header ${h} has a null key`);
      pos = skipBytes(data, pos, recordEnd, i, 'header value');
    }
    if (pos !== recordEnd) {
      throw invalid(
        `Invalid record size: record ${i}'s fields end at byte ${pos - start}, its length says ${recordEnd - start}`,
      );
    }
    const timestamp = baseTimestamp + timestampDelta;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    if (offsetDelta !== i) {
      (errors ??= []).push({
        batchIndex: i,
        message: `Record ${i} has offset delta ${offsetDelta}; a producer's batch numbers its records 0 to ${count - 1}`,
      });
    }
    if (policy.compacted && !hasKey) {
      (errors ??= []).push({ batchIndex: i, message: 'Compacted topic cannot accept message without key' });
    }
    if (producerLogAppendTime) {
      timestampError = true;
      (errors ??= []).push({
        batchIndex: i,
        message: 'Invalid timestamp type in message: producer should not set timestamp type to LogAppendTime',
      });
    } else if (checkTimes && timestamp !== -1 && (timestamp < lowest || timestamp > highest)) {
      timestampError = true;
      (errors ??= []).push({
        batchIndex: i,
        message:
          `Timestamp ${timestamp} of message with offset delta ${offsetDelta} is out of range. The timestamp ` +
          `should be within [${lowest}, ${highest}]`,
      });
    }
  }
  if (pos !== end) throw invalid(`Incorrect declared batch size: ${end - pos} bytes remain after the ${count} records`);
  if (errors !== null) {
    if (timestampError) {
      throw new RecordValidationError(
        'INVALID_TIMESTAMP',
        'One or more records have been rejected due to invalid timestamp',
        errors,
      );
    }
    const shown = errors
      .slice(0, 3)
      .map((e) => `${e.batchIndex}: ${e.message}`)
      .join('; ');
    throw new RecordValidationError(
      'INVALID_RECORD',
      `One or more records have been rejected due to ${errors.length} record errors in total, and only showing ` +
        `the first three errors at most: ${shown}`,
      errors,
    );
  }
  let rewritten = false;
  if (!policy.logAppendTime && batchMaxTimestamp(batch) !== maxTimestamp) {
    const high = Math.floor(maxTimestamp / TWO_POW_32);
    batch.writeInt32BE(high, MAX_TIMESTAMP);
    batch.writeUInt32BE(maxTimestamp - high * TWO_POW_32, MAX_TIMESTAMP + 4);
    updateBatchCrc(batch);
    rewritten = true;
  }
  return { maxTimestamp, rewritten };
}

/** Length of the field skipBytes last read (-1 = null); module-level so the walk allocates nothing. */
let lastLength = 0;

/** Skips a varint-length-prefixed byte field (-1 = null) that must end within the record. */
function skipBytes(data: Buffer, pos: number, recordEnd: number, index: number, what: string): number {
  const length = readVarint(data, pos);
  pos = cursor.pos;
  lastLength = length;
  if (length < -1 || pos + Math.max(length, 0) > recordEnd) {
    throw invalid(`Record ${index} ${what} of ${length} bytes overruns the record`);
  }
  return length > 0 ? pos + length : pos;
}
