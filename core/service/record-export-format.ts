/**
 * JSON Lines and CSV written straight from stored record batches: the
 * records section of a batch (decompressed when the batch is compressed) is
 * walked field by field and its bytes are copied, escaped where the format
 * needs it, into output buffers of about 1 MB. No record object, string or
 * header array is made on the way, which is what lets an export run at
 * hundreds of thousands of messages a second.
 *
 * Rules a reader cannot see in the code below:
 * - The output is byte for byte what record-export.ts's jsonLine / csvRow
 *   write for the same records (tests/core/service/record-export-format.test.ts
 *   holds the two side by side): field order, escapes as JSON.stringify writes
 *   them (\b \t \n \f \r, other controls as \u00xx), bytes that are valid UTF-8
 *   as text, anything else as base64 with its encoding named.
 * - A header key that is not valid UTF-8 is written as its UTF-8 decoding (with
 *   U+FFFD), as the decoded path does: header keys are strings in Kafka.
 * - Control batches (transaction markers) are not messages and are not written.
 * - A batch that does not hold together throws CORRUPT_MESSAGE and leaves
 *   nothing of itself written (the writer is rewound), so the caller can skip it.
 */
import { isUtf8 } from 'node:buffer';
import { KafkaError } from '../errors';
import {
  HEADER_SIZE,
  RECORDS_COUNT,
  batchBaseOffset,
  batchBaseTimestamp,
  batchCompression,
  batchMaxTimestamp,
  batchTimestampType,
  batchTotalSize,
  decompress,
  decompressSync,
  hasSyncCodec,
  isControlBatch,
} from '../record';
import { cursor, readVarint, readVarlong } from '../record/varint';

const CHUNK_BYTES = 1 << 20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const HEX = '0123456789abcdef';

/** Output buffers filled front to back; full ones wait in `ready` until the caller takes them. */
export class ChunkWriter {
  buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  pos = 0;
  ready: Buffer[] = [];
  readyBytes = 0;

  /** `grow`: one growing buffer that never hands out chunks (a scratch area for one record's part). */
  constructor(private readonly grow = false) {}

  /** Room for `n` more bytes; a full buffer moves to `ready` (a record may span two chunks: they are one stream). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.grow) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
      return;
    }
    if (this.pos > 0) {
      this.ready.push(this.buf.subarray(0, this.pos));
      this.readyBytes += this.pos;
    }
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.pos = 0;
  }

  /** Where the writer is, to go back to with `rewind` (valid until the next `take`). */
  mark(): { buf: Buffer; pos: number; ready: number; readyBytes: number } {
    return { buf: this.buf, pos: this.pos, ready: this.ready.length, readyBytes: this.readyBytes };
  }

  /** Forgets what was written since `m` (a batch that turned out damaged half way). */
  rewind(m: { buf: Buffer; pos: number; ready: number; readyBytes: number }): void {
    this.ready.length = m.ready;
    this.readyBytes = m.readyBytes;
    this.buf = m.buf;
    this.pos = m.pos;
  }

  /** The filled buffers, and with `all` the one being filled too. */
  take(all: boolean): Buffer[] {
    if (all && this.pos > 0) {
      this.ready.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
      this.pos = 0;
    }
    const out = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    return out;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** A safe integer in decimal. */
  int(n: number): void {
    this.ensure(17);
    const b = this.buf;
    if (n < 0) {
      b[this.pos++] = 0x2d;
      n = -n;
    }
    if (n >= 1e9) {
      // Offsets and timestamps: the high part, then the low nine digits in int32 arithmetic.
      const hi = Math.floor(n / 1e9);
      this.int(hi);
      let lo = n - hi * 1e9;
      let p = this.pos + 9;
      this.pos = p;
      for (let i = 0; i < 9; i++) {
        const q = (lo / 10) | 0;
        b[--p] = 0x30 + (lo - q * 10);
        lo = q;
      }
      return;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
    let p = this.pos + digits;
    this.pos = p;
    do {
      const q = (n / 10) | 0;
      b[--p] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  copy(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n < 64) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i]!;
      this.pos = p;
    } else {
      src.copy(this.buf, this.pos, start, end);
      this.pos += n;
    }
  }

  /** Bytes that are valid UTF-8 as the inside of a JSON string, escaped as JSON.stringify does. */
  jsonText(src: Buffer, start: number, end: number): void {
    let run = start;
    for (let i = start; i < end; i++) {
      const c = src[i]!;
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) continue;
      if (i > run) this.copy(src, run, i);
      run = i + 1;
      this.ensure(6);
      const b = this.buf;
      b[this.pos++] = BACKSLASH;
      if (c === QUOTE || c === BACKSLASH) b[this.pos++] = c;
      else if (c === 0x08) b[this.pos++] = 0x62;
      else if (c === 0x09) b[this.pos++] = 0x74;
      else if (c === 0x0a) b[this.pos++] = 0x6e;
      else if (c === 0x0c) b[this.pos++] = 0x66;
      else if (c === 0x0d) b[this.pos++] = 0x72;
      else {
        b[this.pos++] = 0x75;
        b[this.pos++] = 0x30;
        b[this.pos++] = 0x30;
        b[this.pos++] = HEX.charCodeAt(c >> 4);
        b[this.pos++] = HEX.charCodeAt(c & 15);
      }
    }
    if (end > run) this.copy(src, run, end);
  }

  /** A JS string as the inside of a JSON string (the rare paths: base64 text, replaced header keys). */
  jsonString(s: string): void {
    const quoted = Buffer.from(JSON.stringify(s), 'utf8');
    this.copy(quoted, 1, quoted.length - 1);
  }
}

/** Whether the bytes are text (valid UTF-8); plain ASCII is decided without a native call. */
function isText(src: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (src[i]! >= 0x80) return isUtf8(src.subarray(start, end));
  return true;
}

/** The kind of one key or value: 0 null, 1 text, 2 base64. */
const NULL = 0;
const TEXT = 1;
const BASE64 = 2;

function kindOf(src: Buffer, start: number, length: number): number {
  if (length < 0) return NULL;
  return isText(src, start, start + length) ? TEXT : BASE64;
}

function corrupt(message: string): KafkaError {
  return new KafkaError('CORRUPT_MESSAGE', message);
}

/** A batch's records section, decompressed; checks the header first. */
export function recordsSectionOf(batch: Buffer): Buffer | Promise<Buffer> {
  if (batch.length < HEADER_SIZE) throw corrupt(`record batch is ${batch.length} bytes, shorter than its header`);
  const size = batchTotalSize(batch);
  if (size < HEADER_SIZE || size > batch.length)
    throw corrupt(`record batch says it is ${size} bytes; ${batch.length} are present`);
  if (batch[16] !== 2) throw corrupt(`record batch has magic ${batch[16]}; only magic 2 is supported`);
  const codec = batchCompression(batch);
  if (codec > 4) throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression codec ${codec}`);
  const payload = batch.subarray(HEADER_SIZE, size);
  if (codec === 0) return payload;
  return hasSyncCodec(codec) ? decompressSync(codec, payload) : decompress(codec, payload);
}

/** Where one record's fields lie in the records section (reused for every record: no allocation per record). */
export interface RecordSpan {
  offset: number;
  timestamp: number;
  keyStart: number;
  keyLength: number;
  valueStart: number;
  valueLength: number;
  /** Header i: key at headers[4i] (length 4i+1), value at 4i+2 (length 4i+3, -1 for null). */
  headers: number[];
  headerCount: number;
}

/**
 * Walks a records section: `visit` sees each record's span (valid until the next call). A damaged record
 * throws when it is reached: the batch writers below rewind what they wrote of the batch.
 */
export function walkRecords(batch: Buffer, data: Buffer, visit: ((s: RecordSpan) => void) | null): number {
  const count = batch.readInt32BE(RECORDS_COUNT);
  if (count < 0 || count * 7 > data.length)
    throw corrupt(`record batch claims ${count} records in ${data.length} bytes`);
  const baseOffset = batchBaseOffset(batch);
  const baseTimestamp = batchBaseTimestamp(batch);
  const logAppend = batchTimestampType(batch) === 1;
  const maxTimestamp = batchMaxTimestamp(batch);
  const s: RecordSpan = {
    offset: 0,
    timestamp: 0,
    keyStart: 0,
    keyLength: -1,
    valueStart: 0,
    valueLength: -1,
    headers: [],
    headerCount: 0,
  };
  const end = data.length;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const length = readVarint(data, pos);
    pos = cursor.pos;
    const recordEnd = pos + length;
    if (length < 6 || recordEnd > end) throw corrupt(`record ${i} declares length ${length}; ${end - pos} remain`);
    pos++;
    const tsDelta = readVarlong(data, pos);
    pos = cursor.pos;
    const offsetDelta = readVarint(data, pos);
    pos = cursor.pos;
    const kl = readVarint(data, pos);
    pos = cursor.pos;
    if (kl < -1) throw corrupt(`record ${i} has key length ${kl}`);
    s.keyStart = pos;
    s.keyLength = kl;
    if (kl > 0) pos += kl;
    if (pos > recordEnd) throw corrupt(`record ${i} key overruns the record`);
    const vl = readVarint(data, pos);
    pos = cursor.pos;
    if (vl < -1) throw corrupt(`record ${i} has value length ${vl}`);
    s.valueStart = pos;
    s.valueLength = vl;
    if (vl > 0) pos += vl;
    if (pos > recordEnd) throw corrupt(`record ${i} value overruns the record`);
    const hc = readVarint(data, pos);
    pos = cursor.pos;
    if (hc < 0 || hc * 2 > recordEnd - pos) throw corrupt(`record ${i} declares ${hc} headers`);
    s.headerCount = hc;
    const h = s.headers;
    for (let j = 0; j < hc; j++) {
      const hkl = readVarint(data, pos);
      pos = cursor.pos;
      if (hkl < 0 || pos + hkl > recordEnd) throw corrupt(`record ${i} header ${j} has bad key length ${hkl}`);
      h[4 * j] = pos;
      h[4 * j + 1] = hkl;
      pos += hkl;
      const hvl = readVarint(data, pos);
      pos = cursor.pos;
      h[4 * j + 2] = pos;
      h[4 * j + 3] = hvl;
      if (hvl < -1) throw corrupt(`record ${i} header ${j} has value length ${hvl}`);
      if (hvl > 0) pos += hvl;
      if (pos > recordEnd) throw corrupt(`record ${i} header ${j} value overruns the record`);
    }
    if (pos !== recordEnd) throw corrupt(`record ${i}: its fields end at byte ${pos}, its length says ${recordEnd}`);
    s.offset = baseOffset + offsetDelta;
    s.timestamp = logAppend ? maxTimestamp : baseTimestamp + tsDelta;
    if (visit !== null) visit(s);
  }
  if (pos !== end) throw corrupt(`record batch has ${end - pos} bytes after its ${count} records`);
  return count;
}

function writeJsonField(w: ChunkWriter, data: Buffer, start: number, length: number, kind: number): void {
  if (kind === NULL) return w.ascii('null');
  w.byte(QUOTE);
  if (kind === TEXT) w.jsonText(data, start, start + length);
  else w.ascii(data.toString('base64', start, start + length));
  w.byte(QUOTE);
}

/** The headers array as JSON: [{"key":..,"value":..(,"encoding":"base64")}]. */
function writeHeadersJson(w: ChunkWriter, data: Buffer, s: RecordSpan): void {
  w.byte(0x5b);
  const h = s.headers;
  for (let j = 0; j < s.headerCount; j++) {
    if (j > 0) w.byte(COMMA);
    w.ascii('{"key":"');
    const ks = h[4 * j]!;
    const kl = h[4 * j + 1]!;
    if (isText(data, ks, ks + kl)) w.jsonText(data, ks, ks + kl);
    else w.jsonString(data.toString('utf8', ks, ks + kl));
    w.ascii('","value":');
    const vs = h[4 * j + 2]!;
    const vl = h[4 * j + 3]!;
    const kind = kindOf(data, vs, vl);
    writeJsonField(w, data, vs, vl, kind);
    if (kind === BASE64) w.ascii(',"encoding":"base64"');
    w.byte(0x7d);
  }
  w.byte(0x5d);
}

/** Which records of a batch to write: offsets in [from, to), and of those the ones `keep` accepts (a selection). */
export interface BatchWindow {
  from: number;
  to: number;
  keep?: (offset: number) => boolean;
}

/** Writes one batch's records as JSON Lines; returns how many were written. */
export function batchToJsonLines(
  w: ChunkWriter,
  batch: Buffer,
  data: Buffer,
  partition: number,
  win: BatchWindow,
): number {
  if (isControlBatch(batch)) return 0;
  const prefix = `{"partition":${partition},"offset":`;
  const type = batchTimestampType(batch) === 1 ? '"LogAppendTime"' : '"CreateTime"';
  let n = 0;
  const m = w.mark();
  try {
    walkRecords(batch, data, (s) => {
      if (s.offset < win.from || s.offset >= win.to || (win.keep && !win.keep(s.offset))) return;
      n++;
      jsonLineOf(w, data, s, prefix, type);
    });
  } catch (err) {
    w.rewind(m);
    throw err;
  }
  return n;
}

function jsonLineOf(w: ChunkWriter, data: Buffer, s: RecordSpan, prefix: string, type: string): void {
  {
    w.ascii(prefix);
    w.int(s.offset);
    w.ascii(',"timestamp":');
    w.int(s.timestamp);
    w.ascii(',"timestampType":');
    w.ascii(type);
    w.ascii(',"key":');
    const kk = kindOf(data, s.keyStart, s.keyLength);
    writeJsonField(w, data, s.keyStart, s.keyLength, kk);
    w.ascii(',"value":');
    const vk = kindOf(data, s.valueStart, s.valueLength);
    writeJsonField(w, data, s.valueStart, s.valueLength, vk);
    w.ascii(',"headers":');
    writeHeadersJson(w, data, s);
    if (kk === BASE64) w.ascii(',"keyEncoding":"base64"');
    if (vk === BASE64) w.ascii(',"valueEncoding":"base64"');
    w.ascii('}\n');
  }
}

/** A CSV cell from bytes already formatted (text): quoted, with quotes doubled, when it holds " , CR or LF. */
function writeCsvCell(w: ChunkWriter, src: Buffer, start: number, end: number): void {
  let special = false;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c === QUOTE || c === COMMA || c === CR || c === LF) {
      special = true;
      break;
    }
  }
  if (!special) return w.copy(src, start, end);
  w.byte(QUOTE);
  let run = start;
  for (let i = start; i < end; i++) {
    if (src[i] !== QUOTE) continue;
    w.copy(src, run, i + 1);
    w.byte(QUOTE);
    run = i + 1;
  }
  w.copy(src, run, end);
  w.byte(QUOTE);
}

const KIND_NAMES = ['null', 'utf8', 'base64'];

function writeCsvField(w: ChunkWriter, data: Buffer, start: number, length: number, kind: number): void {
  if (kind === TEXT) writeCsvCell(w, data, start, start + length);
  else if (kind === BASE64) w.ascii(data.toString('base64', start, start + length));
  w.byte(COMMA);
  w.ascii(KIND_NAMES[kind]!);
  w.byte(COMMA);
}

/** Writes one batch's records as CSV rows (the header row is the caller's); returns how many were written. */
export function batchToCsv(
  w: ChunkWriter,
  scratch: ChunkWriter,
  batch: Buffer,
  data: Buffer,
  partition: number,
  win: BatchWindow,
): number {
  if (isControlBatch(batch)) return 0;
  const type = batchTimestampType(batch) === 1 ? ',LogAppendTime,' : ',CreateTime,';
  let n = 0;
  const m = w.mark();
  try {
    walkRecords(batch, data, (s) => {
      if (s.offset < win.from || s.offset >= win.to || (win.keep && !win.keep(s.offset))) return;
      n++;
      csvRowOf(w, scratch, data, s, partition, type);
    });
  } catch (err) {
    w.rewind(m);
    throw err;
  }
  return n;
}

function csvRowOf(w: ChunkWriter, scratch: ChunkWriter, data: Buffer, s: RecordSpan, partition: number, type: string) {
  {
    w.int(partition);
    w.byte(COMMA);
    w.int(s.offset);
    w.byte(COMMA);
    w.int(s.timestamp);
    w.ascii(type);
    writeCsvField(w, data, s.keyStart, s.keyLength, kindOf(data, s.keyStart, s.keyLength));
    writeCsvField(w, data, s.valueStart, s.valueLength, kindOf(data, s.valueStart, s.valueLength));
    scratch.pos = 0;
    writeHeadersJson(scratch, data, s); // scratch is a growing writer (new ChunkWriter(true))
    writeCsvCell(w, scratch.buf, 0, scratch.pos);
    w.ascii('\r\n');
  }
}
