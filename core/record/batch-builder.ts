/**
 * Building magic v2 record batches from keys, values, headers and timestamps (record-batch.ts has the layout):
 * what the UI's produce, the workload simulator, control markers and the tests write. The broker's hot paths never
 * build a batch; they store the client's bytes as sent.
 */
import { KafkaError } from '../errors';
import { codecId, compress, compressSync, type CodecName } from './compression';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  CONTROL_FLAG,
  CURRENT_MAGIC,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_FLAG,
  TRANSACTIONAL_FLAG,
  updateBatchCrc,
  writeInt64,
  type TimestampTypeId,
} from './record-batch';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint';

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
