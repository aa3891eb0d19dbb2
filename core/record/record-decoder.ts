/**
 * Reading the records inside magic v2 batches (record-batch.ts has the layout), rewriting a batch for log
 * compaction, and reading control markers. Only the UI's message browser, search, compaction and transactions look
 * at individual records; produce, fetch and replication stay on header reads.
 */
import { KafkaError } from '../errors';
import { compress, decompress, decompressSync } from './compression';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  COMPRESSION_CODEC_MASK,
  CURRENT_MAGIC,
  HEADER_SIZE,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  MIN_BATCH_LENGTH,
  MIN_RECORD_SIZE,
  NO_TIMESTAMP,
  RECORDS_COUNT,
  batchBaseOffset,
  batchBaseTimestamp,
  batchCompression,
  batchMaxTimestamp,
  batchTimestampType,
  batchTotalSize,
  corrupt,
  isControlBatch,
  updateBatchCrc,
  writeInt64,
} from './record-batch';
import { cursor, readVarint, readVarlong } from './varint';

// ---------------------------------------------------------------------------
// Decoding records.

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  /** Views into the batch (or its decompressed payload), not copies. */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Encoded size of the record inside the (uncompressed) records section. */
  sizeInBytes: number;
}

/** Header checks every record-level entry point needs; returns the batch end. */
function checkBatchForDecode(batch: Buffer): number {
  if (batch.length < HEADER_SIZE) {
    throw corrupt(`record batch is ${batch.length} bytes, shorter than the ${HEADER_SIZE}-byte header`);
  }
  const size = batchTotalSize(batch);
  if (size < HEADER_SIZE)
    throw corrupt(`record batch has batchLength ${size - LOG_OVERHEAD}, below the minimum ${MIN_BATCH_LENGTH}`);
  if (size > batch.length)
    throw corrupt(`truncated record batch: batchLength says ${size} bytes, only ${batch.length} present`);
  const magic = batch[MAGIC];
  if (magic !== CURRENT_MAGIC)
    throw corrupt(`record batch has magic ${magic}; only magic ${CURRENT_MAGIC} batches are supported`);
  const count = batch.readInt32BE(RECORDS_COUNT);
  if (count < 0) throw corrupt(`record batch has negative recordsCount ${count}`);
  return size;
}

/**
 * Parses `count` records from `data`. With `starts`, also records where each
 * one begins (filterBatch copies kept records byte for byte).
 */
function parseRecords(batch: Buffer, data: Buffer, starts: number[] | null): DecodedRecord[] {
  const count = batch.readInt32BE(RECORDS_COUNT);
  const end = data.length;
  if (count * MIN_RECORD_SIZE > end) {
    throw corrupt(`record batch claims ${count} records but has only ${end} bytes of records`);
  }
  const baseOffset = batchBaseOffset(batch);
  const baseTimestamp = batchBaseTimestamp(batch);
  const logAppendTime = batchTimestampType(batch) === 1;
  const maxTimestamp = logAppendTime ? batchMaxTimestamp(batch) : 0;
  const out: DecodedRecord[] = new Array(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const length = readVarint(data, pos);
    pos = cursor.pos;
    const recordEnd = pos + length;
    if (length < MIN_RECORD_SIZE - 1 || recordEnd > end) {
      throw corrupt(`record ${i} at byte ${start} declares length ${length}; ${end - pos} bytes remain`);
    }
    pos++; // attributes: unused
    const timestampDelta = readVarlong(data, pos);
    pos = cursor.pos;
    const offsetDelta = readVarint(data, pos);
    pos = cursor.pos;

    const keyLength = readVarint(data, pos);
    pos = cursor.pos;
    let key: Buffer | null = null;
    if (keyLength >= 0) {
      if (pos + keyLength > recordEnd) throw corrupt(`record ${i} key of ${keyLength} bytes overruns the record`);
      key = data.subarray(pos, pos + keyLength);
      pos += keyLength;
    }

    const valueLength = readVarint(data, pos);
    pos = cursor.pos;
    let value: Buffer | null = null;
    if (valueLength >= 0) {
      if (pos + valueLength > recordEnd) throw corrupt(`record ${i} value of ${valueLength} bytes overruns the record`);
      value = data.subarray(pos, pos + valueLength);
      pos += valueLength;
    }

    const headerCount = readVarint(data, pos);
    pos = cursor.pos;
    const headers: RecordHeader[] = [];
    if (headerCount !== 0) {
      // Each header takes at least 2 bytes; checking first bounds the loop.
      if (headerCount < 0 || headerCount * 2 > recordEnd - pos) {
        throw corrupt(`record ${i} declares ${headerCount} headers in ${recordEnd - pos} bytes`);
      }
      for (let h = 0; h < headerCount; h++) {
        const hkLength = readVarint(data, pos);
        pos = cursor.pos;
        if (hkLength < 0 || pos + hkLength > recordEnd)
          throw corrupt(`record ${i} header ${h} has bad key length ${hkLength}`);
        const hk = data.toString('utf8', pos, pos + hkLength);
        pos += hkLength;
        const hvLength = readVarint(data, pos);
        pos = cursor.pos;
        let hv: Buffer | null = null;
        if (hvLength >= 0) {
          if (pos + hvLength > recordEnd)
            throw corrupt(`record ${i} header ${h} value of ${hvLength} bytes overruns the record`);
          hv = data.subarray(pos, pos + hvLength);
          pos += hvLength;
        }
        headers.push({ key: hk, value: hv });
      }
    }
    if (pos !== recordEnd) {
      throw corrupt(`record ${i} at byte ${start}: fields end at byte ${pos} but its length says ${recordEnd}`);
    }
    if (starts !== null) starts.push(start);
    out[i] = {
      offset: baseOffset + offsetDelta,
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
      key,
      value,
      headers,
      sizeInBytes: recordEnd - start,
    };
  }
  if (pos !== end) throw corrupt(`record batch has ${end - pos} bytes after its ${count} records`);
  if (starts !== null) starts.push(pos);
  return out;
}

function payloadOf(batch: Buffer, size: number): Buffer {
  return batch.subarray(HEADER_SIZE, size);
}

function codecOf(batch: Buffer): number {
  const codec = batchCompression(batch);
  if (codec > 4)
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `record batch uses unknown compression codec ${codec}`);
  return codec;
}

/** Decodes one batch's records (decompressing off the main thread when compressed). Does not check the CRC. */
export async function decodeRecords(batch: Buffer): Promise<DecodedRecord[]> {
  const size = checkBatchForDecode(batch);
  const codec = codecOf(batch);
  const payload = payloadOf(batch, size);
  return parseRecords(batch, codec === 0 ? payload : await decompress(codec, payload), null);
}

/**
 * decodeRecords without a promise. Compressed batches are decompressed
 * synchronously; zstd throws UNSUPPORTED_COMPRESSION_TYPE where no sync
 * zstd exists (Node < 22.15): use decodeRecords there.
 */
export function decodeRecordsSync(batch: Buffer): DecodedRecord[] {
  const size = checkBatchForDecode(batch);
  const codec = codecOf(batch);
  const payload = payloadOf(batch, size);
  return parseRecords(batch, codec === 0 ? payload : decompressSync(codec, payload), null);
}

// ---------------------------------------------------------------------------
// Compaction.

/**
 * The batch with only the records `keep` accepts, for log compaction.
 * baseOffset, lastOffsetDelta, baseTimestamp, producer fields, attributes and
 * codec stay; kept records are copied byte for byte (their deltas are
 * relative to unchanged bases, so offsets and timestamps do not move).
 * maxTimestamp becomes the kept records' maximum unless the batch uses
 * LogAppendTime. Returns the input batch itself when every record is kept,
 * null when none is.
 */
export async function filterBatch(
  batch: Buffer,
  keep: (record: DecodedRecord, index: number) => boolean,
): Promise<Buffer | null> {
  const size = checkBatchForDecode(batch);
  const codec = codecOf(batch);
  const payload = payloadOf(batch, size);
  const data = codec === 0 ? payload : await decompress(codec, payload);
  const starts: number[] = [];
  const records = parseRecords(batch, data, starts);
  const kept: number[] = [];
  let keptBytes = 0;
  let maxTimestamp = NO_TIMESTAMP;
  for (let i = 0; i < records.length; i++) {
    if (!keep(records[i], i)) continue;
    kept.push(i);
    keptBytes += starts[i + 1] - starts[i];
    if (records[i].timestamp > maxTimestamp) maxTimestamp = records[i].timestamp;
  }
  if (kept.length === 0) return null;
  if (kept.length === records.length) return batch;

  let newPayload: Buffer = Buffer.allocUnsafe(keptBytes);
  let pos = 0;
  for (const i of kept) {
    data.copy(newPayload, pos, starts[i], starts[i + 1]);
    pos += starts[i + 1] - starts[i];
  }
  if (codec !== 0) newPayload = await compress(codec, newPayload);

  const out = Buffer.allocUnsafe(HEADER_SIZE + newPayload.length);
  batch.copy(out, 0, 0, HEADER_SIZE);
  out.writeInt32BE(HEADER_SIZE + newPayload.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt32BE(kept.length, RECORDS_COUNT);
  if (batchTimestampType(batch) === 0) writeInt64(out, MAX_TIMESTAMP, maxTimestamp);
  out.set(newPayload, HEADER_SIZE);
  updateBatchCrc(out);
  return out;
}

/**
 * A record-less copy of a batch's header, for when compaction removed every
 * record but the producer's last sequence/epoch must survive (Kafka keeps such
 * empty batches for idempotent and transactional producers). Codec bits are
 * cleared since there is no payload.
 */
export function emptyBatchFrom(batch: Buffer): Buffer {
  checkBatchForDecode(batch);
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  batch.copy(out, 0, 0, HEADER_SIZE);
  out.writeInt32BE(MIN_BATCH_LENGTH, BATCH_LENGTH);
  out.writeInt32BE(0, RECORDS_COUNT);
  out[ATTRIBUTES + 1] &= ~COMPRESSION_CODEC_MASK;
  updateBatchCrc(out);
  return out;
}

// ---------------------------------------------------------------------------
// Control batches.

/** Control type from a control record's key (version int16, type int16). */
export function controlRecordTypeOfKey(key: Buffer | null): number {
  if (key === null || key.length < 4) {
    throw new KafkaError(
      'INVALID_RECORD',
      `control record key must be at least 4 bytes, got ${key === null ? 'null' : key.length}`,
    );
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new KafkaError('INVALID_RECORD', `control record key has negative version ${version}`);
  return key.readInt16BE(2);
}

/**
 * The type of a control batch's marker: ControlRecordType.ABORT (0) or
 * COMMIT (1); other values are control types Kafka added later.
 */
export function controlRecordType(batch: Buffer): number {
  checkBatchForDecode(batch);
  if (!isControlBatch(batch)) throw new KafkaError('INVALID_RECORD', 'not a control batch');
  const records = decodeRecordsSync(batch);
  if (records.length === 0) throw new KafkaError('INVALID_RECORD', 'control batch has no records');
  return controlRecordTypeOfKey(records[0].key);
}
