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
 * batches, so everything they need is a header read or write here; only the
 * decode/build/filter functions at the bottom look at individual records.
 */

import { crc32c } from './crc32c';
import { KafkaError } from '../errors';
import { codecId, compress, compressSync, decompress, decompressSync, type CodecName } from './compression';
import { cursor, readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint';

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
const MIN_RECORD_SIZE = 7;

const TWO_POW_32 = 4294967296;

function corrupt(message: string): KafkaError {
  return new KafkaError('CORRUPT_MESSAGE', message);
}

// ---------------------------------------------------------------------------
// int64 as number: exact up to 2^53, which offsets and epoch-ms timestamps are.

function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_POW_32 + buf.readUInt32BE(pos + 4);
}

function writeInt64(buf: Buffer, pos: number, value: number): void {
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

// ---------------------------------------------------------------------------
// Building batches.

export type Bytes = Buffer | Uint8Array | string;
export type HeaderInput =
  ReadonlyArray<{ key: string; value: Bytes | null | undefined }> | Readonly<Record<string, Bytes | null | undefined>>;

export interface RecordInput {
  key?: Bytes | null;
  value?: Bytes | null;
  headers?: HeaderInput;
  /** Defaults to the batch's baseTimestamp, else the time of the build. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: number;
  records: ReadonlyArray<RecordInput>;
  compression?: number | CodecName;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  timestampType?: TimestampTypeId | 'CreateTime' | 'LogAppendTime';
  isTransactional?: boolean;
  isControl?: boolean;
  /** Defaults to the largest offsetDelta; compaction passes the original. */
  lastOffsetDelta?: number;
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp (the append time for LogAppendTime). */
  maxTimestamp?: number;
}

interface Plan {
  recordsSize: number;
  baseTimestamp: number;
  maxTimestamp: number;
  lastOffsetDelta: number;
  attributes: number;
  now: number;
}

// Per-record byte lengths found while sizing, reused by the write pass so
// strings are measured once. Module-level so a build allocates only its
// output; building is synchronous, so no two builds share it at once.
let scratch = new Int32Array(3 * 1024);

function byteLength(b: Bytes): number {
  if (typeof b === 'string') return Buffer.byteLength(b, 'utf8');
  if (b instanceof Uint8Array) return b.length;
  throw invalid(`record keys, values and header values must be Buffer, Uint8Array or string, got ${typeof b}`);
}

function invalid(message: string): KafkaError {
  return new KafkaError('INVALID_RECORD', message);
}

function headersSize(headers: HeaderInput | undefined): number {
  if (headers === undefined || headers === null) return 1;
  if (Array.isArray(headers)) {
    const list = headers as ReadonlyArray<{ key: string; value: Bytes | null | undefined }>;
    let size = sizeOfVarint(list.length);
    for (let i = 0; i < list.length; i++) size += headerSize(list[i].key, list[i].value);
    return size;
  }
  const obj = headers as Readonly<Record<string, Bytes | null | undefined>>;
  const keys = Object.keys(obj);
  let size = sizeOfVarint(keys.length);
  for (let i = 0; i < keys.length; i++) size += headerSize(keys[i], obj[keys[i]]);
  return size;
}

function headerSize(key: string, value: Bytes | null | undefined): number {
  if (typeof key !== 'string') throw invalid('record header key must be a string');
  const k = Buffer.byteLength(key, 'utf8');
  if (value === null || value === undefined) return sizeOfVarint(k) + k + 1;
  const v = byteLength(value);
  return sizeOfVarint(k) + k + sizeOfVarint(v) + v;
}

function timestampTypeId(t: BuildBatchOptions['timestampType']): TimestampTypeId {
  if (t === undefined || t === 0 || t === 'CreateTime') return 0;
  if (t === 1 || t === 'LogAppendTime') return 1;
  throw invalid(`unknown timestampType ${JSON.stringify(t)}`);
}

function plan(opts: BuildBatchOptions, codec: number): Plan {
  const records = opts.records;
  const n = records.length;
  if (scratch.length < 3 * n) scratch = new Int32Array(3 * Math.max(n, 2 * (scratch.length / 3)));
  const now = Date.now();
  const baseTimestamp = opts.baseTimestamp ?? (n > 0 ? (records[0].timestamp ?? now) : NO_TIMESTAMP);
  let maxTimestamp = NO_TIMESTAMP;
  let maxDelta = -1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const ts = r.timestamp ?? opts.baseTimestamp ?? now;
    // Sizes and writes must agree byte for byte (the output is allocated
    // uninitialised), so reject what the varint writers would truncate.
    if (!Number.isSafeInteger(ts)) throw invalid(`record ${i} timestamp ${ts} is not an integer`);
    if (ts > maxTimestamp) maxTimestamp = ts;
    const offsetDelta = r.offsetDelta ?? i;
    if (!Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta > 0x7fffffff) {
      throw invalid(`record ${i} offsetDelta ${offsetDelta} is not an int32 >= 0`);
    }
    if (offsetDelta > maxDelta) maxDelta = offsetDelta;
    const keyLen = r.key === null || r.key === undefined ? -1 : byteLength(r.key);
    const valueLen = r.value === null || r.value === undefined ? -1 : byteLength(r.value);
    const body =
      1 +
      sizeOfVarlong(ts - baseTimestamp) +
      sizeOfVarint(offsetDelta) +
      sizeOfVarint(keyLen) +
      (keyLen > 0 ? keyLen : 0) +
      sizeOfVarint(valueLen) +
      (valueLen > 0 ? valueLen : 0) +
      headersSize(r.headers);
    scratch[3 * i] = keyLen;
    scratch[3 * i + 1] = valueLen;
    scratch[3 * i + 2] = body;
    total += sizeOfVarint(body) + body;
  }
  let attributes = codec;
  if (timestampTypeId(opts.timestampType) === 1) attributes |= TIMESTAMP_TYPE_FLAG;
  if (opts.isTransactional) attributes |= TRANSACTIONAL_FLAG;
  if (opts.isControl) attributes |= CONTROL_FLAG;
  return {
    recordsSize: total,
    baseTimestamp,
    maxTimestamp: opts.maxTimestamp ?? maxTimestamp,
    lastOffsetDelta: opts.lastOffsetDelta ?? (maxDelta < 0 ? 0 : maxDelta),
    attributes,
    now,
  };
}

function writeBytes(buf: Buffer, pos: number, value: Bytes, len: number): void {
  if (typeof value === 'string') buf.write(value, pos, len, 'utf8');
  else buf.set(value, pos);
}

function writeHeader(buf: Buffer, pos: number, key: string, value: Bytes | null | undefined): number {
  const k = Buffer.byteLength(key, 'utf8');
  pos = writeVarint(buf, pos, k);
  buf.write(key, pos, k, 'utf8');
  pos += k;
  if (value === null || value === undefined) return writeVarint(buf, pos, -1);
  const v = byteLength(value);
  pos = writeVarint(buf, pos, v);
  writeBytes(buf, pos, value, v);
  return pos + v;
}

function writeRecords(buf: Buffer, pos: number, opts: BuildBatchOptions, p: Plan): number {
  const records = opts.records;
  const defaultTs = opts.baseTimestamp ?? p.now;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const keyLen = scratch[3 * i];
    const valueLen = scratch[3 * i + 1];
    pos = writeVarint(buf, pos, scratch[3 * i + 2]);
    buf[pos++] = 0;
    pos = writeVarlong(buf, pos, (r.timestamp ?? defaultTs) - p.baseTimestamp);
    pos = writeVarint(buf, pos, r.offsetDelta ?? i);
    pos = writeVarint(buf, pos, keyLen);
    if (keyLen > 0) {
      writeBytes(buf, pos, r.key!, keyLen);
      pos += keyLen;
    }
    pos = writeVarint(buf, pos, valueLen);
    if (valueLen > 0) {
      writeBytes(buf, pos, r.value!, valueLen);
      pos += valueLen;
    }
    const h = r.headers;
    if (h === undefined || h === null) {
      buf[pos++] = 0;
    } else if (Array.isArray(h)) {
      const list = h as ReadonlyArray<{ key: string; value: Bytes | null | undefined }>;
      pos = writeVarint(buf, pos, list.length);
      for (let j = 0; j < list.length; j++) pos = writeHeader(buf, pos, list[j].key, list[j].value);
    } else {
      const obj = h as Readonly<Record<string, Bytes | null | undefined>>;
      const keys = Object.keys(obj);
      pos = writeVarint(buf, pos, keys.length);
      for (let j = 0; j < keys.length; j++) pos = writeHeader(buf, pos, keys[j], obj[keys[j]]);
    }
  }
  return pos;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(`${name} ${value} is not an integer in [${min}, ${max}]`);
  return value;
}

/** Writes the header fields (not the CRC) for a batch of `size` bytes at 0. */
function writeBatchHeader(buf: Buffer, size: number, opts: BuildBatchOptions, p: Plan, count: number): void {
  const MAX_SAFE = Number.MAX_SAFE_INTEGER;
  writeInt64(buf, BASE_OFFSET, checkInt('baseOffset', opts.baseOffset ?? 0, -MAX_SAFE, MAX_SAFE));
  buf.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH);
  buf.writeInt32BE(
    checkInt('partitionLeaderEpoch', opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -0x80000000, 0x7fffffff),
    PARTITION_LEADER_EPOCH,
  );
  buf[MAGIC] = CURRENT_MAGIC;
  buf.writeInt16BE(p.attributes, ATTRIBUTES);
  buf.writeInt32BE(checkInt('lastOffsetDelta', p.lastOffsetDelta, 0, 0x7fffffff), LAST_OFFSET_DELTA);
  writeInt64(buf, BASE_TIMESTAMP, checkInt('baseTimestamp', p.baseTimestamp, -MAX_SAFE, MAX_SAFE));
  writeInt64(buf, MAX_TIMESTAMP, checkInt('maxTimestamp', p.maxTimestamp, -MAX_SAFE, MAX_SAFE));
  writeInt64(buf, PRODUCER_ID, checkInt('producerId', opts.producerId ?? NO_PRODUCER_ID, -MAX_SAFE, MAX_SAFE));
  buf.writeInt16BE(checkInt('producerEpoch', opts.producerEpoch ?? NO_PRODUCER_EPOCH, -0x8000, 0x7fff), PRODUCER_EPOCH);
  buf.writeInt32BE(checkInt('baseSequence', opts.baseSequence ?? NO_SEQUENCE, -0x80000000, 0x7fffffff), BASE_SEQUENCE);
  buf.writeInt32BE(count, RECORDS_COUNT);
}

function finishBatch(opts: BuildBatchOptions, p: Plan, payload: Buffer): Buffer {
  const size = HEADER_SIZE + payload.length;
  const out = Buffer.allocUnsafe(size);
  writeBatchHeader(out, size, opts, p, opts.records.length);
  out.set(payload, HEADER_SIZE);
  updateBatchCrc(out);
  return out;
}

/** Guards against handing out uninitialised bytes if sizing and writing ever disagree. */
function checkWritten(end: number, expected: number): void {
  if (end !== expected)
    throw new KafkaError('UNKNOWN_SERVER_ERROR', `record batch encoder wrote ${end} bytes, sized ${expected}`);
}

function encodeRecordsPayload(opts: BuildBatchOptions, p: Plan): Buffer {
  const payload = Buffer.allocUnsafe(p.recordsSize);
  checkWritten(writeRecords(payload, 0, opts, p), p.recordsSize);
  return payload;
}

/**
 * Builds one batch: sizes every record first, then writes into a single
 * allocation. Synchronous, so the codec must have a sync implementation
 * (all but zstd on Node < 22.15); buildBatchAsync handles every codec.
 */
export function buildBatch(opts: BuildBatchOptions): Buffer {
  const codec = codecId(opts.compression ?? 0);
  const p = plan(opts, codec);
  if (codec !== 0) return finishBatch(opts, p, compressSync(codec, encodeRecordsPayload(opts, p)));
  const size = HEADER_SIZE + p.recordsSize;
  const out = Buffer.allocUnsafe(size);
  writeBatchHeader(out, size, opts, p, opts.records.length);
  checkWritten(writeRecords(out, HEADER_SIZE, opts, p), size);
  updateBatchCrc(out);
  return out;
}

export async function buildBatchAsync(opts: BuildBatchOptions): Promise<Buffer> {
  const codec = codecId(opts.compression ?? 0);
  if (codec === 0) return buildBatch(opts);
  const p = plan(opts, codec);
  // Encode before awaiting: the scratch lengths belong to this build only
  // until the next synchronous build runs.
  const payload = encodeRecordsPayload(opts, p);
  return finishBatch(opts, p, await compress(codec, payload));
}

export interface ControlBatchOptions {
  type: 'abort' | 'commit' | number;
  producerId: number;
  producerEpoch: number;
  baseOffset?: number;
  coordinatorEpoch?: number;
  timestamp?: number;
  partitionLeaderEpoch?: number;
}

/**
 * A transaction marker as the broker writes it: a transactional control batch
 * with one record, key = version 0 + type, value = version 0 + coordinator epoch.
 */
export function buildControlBatch(opts: ControlBatchOptions): Buffer {
  const type = opts.type === 'abort' ? 0 : opts.type === 'commit' ? 1 : opts.type;
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  const value = Buffer.alloc(6);
  value.writeInt32BE(opts.coordinatorEpoch ?? 0, 2);
  return buildBatch({
    baseOffset: opts.baseOffset,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    isTransactional: true,
    isControl: true,
    records: [{ key, value, timestamp: opts.timestamp }],
  });
}

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
