import { ProtocolEncodeError } from './errors';

const TWO_32 = 4294967296;

/** Bytes taken by an unsigned varint holding `v` (0 <= v < 2^32). */
export function uvarintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Bytes taken by an unsigned varlong holding `v` (0 <= v < 2^64, as a number). */
export function uvarlongSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * Zero-copy encoding state (see `encodeResponseChunks`): while `threshold` is
 * finite, bytes/records values of at least `threshold` bytes are not copied
 * into the output; the size pass adds their lengths to `external` and the
 * writer records where they go. Encoding is synchronous, so one module-level
 * state is enough; encoders reset it when done.
 */
export const zeroCopy = { threshold: Infinity, external: 0 };

/**
 * A cursor over a Buffer sized exactly beforehand (encoders compute the size
 * first, allocate once, then write). Writes do not grow the buffer; the
 * encoder checks at the end that the cursor landed exactly on the end.
 */
export class Writer {
  buf: Buffer;
  pos: number;
  /** In zero-copy mode: (position in buf, bytes to insert there) pairs. */
  spliced: Array<number | Uint8Array> | null = null;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  /** Writes a bytes/records payload: copied, or spliced in by reference in zero-copy mode. */
  bytes(v: Uint8Array): void {
    if (this.spliced !== null && v.length >= zeroCopy.threshold) {
      this.spliced.push(this.pos, v);
      return;
    }
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** The output as chunks: buf split at the splice points with the spliced payloads in between. */
  chunks(): Buffer[] {
    const out: Buffer[] = [];
    const s = this.spliced ?? [];
    let from = 0;
    for (let i = 0; i < s.length; i += 2) {
      const at = s[i] as number;
      const v = s[i + 1] as Uint8Array;
      if (at > from) out.push(this.buf.subarray(from, at));
      out.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length));
      from = at;
    }
    if (this.buf.length > from) out.push(this.buf.subarray(from));
    return out;
  }

  int8(v: number): void {
    this.buf[this.pos++] = v & 0xff;
  }

  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int16(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  int32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  /** int64 from a safe-integer number (or a bigint). */
  int64(v: number | bigint): void {
    if (typeof v === 'bigint') {
      this.buf.writeBigInt64BE(v, this.pos);
      this.pos += 8;
      return;
    }
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    this.int32(hi | 0);
    this.int32(lo >>> 0);
  }

  float64(v: number): void {
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uvarint(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uvarlong(v: number): void {
    const b = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  varlong(v: number): void {
    this.uvarlong(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Copies raw bytes (a native memcpy). */
  raw(v: Uint8Array): void {
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Writes a uuid given as 22-char base64url text. */
  uuid(v: string): void {
    if (typeof v !== 'string' || v.length !== 22)
      throw new ProtocolEncodeError(`invalid uuid ${JSON.stringify(v)}: expected 22 base64url characters`);
    const n = this.buf.write(v, this.pos, 16, 'base64url');
    if (n !== 16) throw new ProtocolEncodeError(`invalid uuid ${JSON.stringify(v)}`);
    this.pos += 16;
  }

  /** Writes UTF-8 text whose byte length is already known to be `byteLength`. */
  utf8(v: string, byteLength: number): void {
    if (byteLength > 0) this.buf.write(v, this.pos, byteLength, 'utf8');
    this.pos += byteLength;
  }
}
