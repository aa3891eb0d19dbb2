import { ProtocolDecodeError } from './errors';

const TWO_32 = 4294967296;
const EMPTY = Buffer.alloc(0);

/**
 * A bounds-checked cursor over a Buffer. Every read checks the remaining bytes
 * first and throws `ProtocolDecodeError` (never RangeError); lengths read from
 * the wire are checked against what remains before anything is sliced or
 * allocated. Byte and record fields are zero-copy `subarray`s of the input.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new ProtocolDecodeError(message, this.pos);
  }

  need(n: number): void {
    if (n > this.end - this.pos) this.fail(`truncated: need ${n} bytes, ${this.end - this.pos} left`);
  }

  int8(): number {
    if (this.pos >= this.end) this.fail('truncated int8');
    const v = this.buf[this.pos++]!;
    return (v << 24) >> 24;
  }

  uint8(): number {
    if (this.pos >= this.end) this.fail('truncated uint8');
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    if (this.pos >= this.end) this.fail('truncated bool');
    return this.buf[this.pos++] !== 0;
  }

  int16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.fail('truncated int16');
    const b = this.buf;
    this.pos = p + 2;
    return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
  }

  uint16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.fail('truncated uint16');
    const b = this.buf;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  int32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.fail('truncated int32');
    const b = this.buf;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  uint32(): number {
    return this.int32() >>> 0;
  }

  /** int64 as a JS number: exact for |v| <= 2^53, nearest double beyond. */
  int64(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.fail('truncated int64');
    const b = this.buf;
    this.pos = p + 8;
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    return hi * TWO_32 + lo;
  }

  /** int64 as a bigint, exact over the whole range. */
  int64n(): bigint {
    const p = this.pos;
    if (p + 8 > this.end) this.fail('truncated int64');
    this.pos = p + 8;
    return this.buf.readBigInt64BE(p);
  }

  float64(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.fail('truncated float64');
    this.pos = p + 8;
    return this.buf.readDoubleBE(p);
  }

  /** 16 raw bytes rendered as Kafka's textual form: 22 characters of unpadded base64url. */
  uuid(): string {
    const p = this.pos;
    if (p + 16 > this.end) this.fail('truncated uuid');
    this.pos = p + 16;
    return this.buf.toString('base64url', p, p + 16);
  }

  /** Unsigned varint of at most 5 bytes (a 32-bit value). */
  uvarint(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.fail('truncated varint');
    let byte = b[p++]!;
    if (byte < 0x80) {
      this.pos = p;
      return byte;
    }
    let value = byte & 0x7f;
    let shift = 7;
    for (let i = 1; i < 5; i++) {
      if (p >= end) {
        this.pos = p;
        this.fail('truncated varint');
      }
      byte = b[p++]!;
      if (i === 4 && byte > 0x0f) {
        this.pos = p - 1;
        this.fail('varint is longer than 5 bytes or exceeds 32 bits');
      }
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        this.pos = p;
        return value;
      }
      shift += 7;
    }
    /* istanbul ignore next: unreachable, the 5th byte is checked above */
    this.fail('varint is longer than 5 bytes');
  }

  /** Zigzag-encoded signed varint of at most 5 bytes. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }

  /** Unsigned varlong of at most 10 bytes, as a number (exact up to 2^53). */
  uvarlong(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= end) {
        this.pos = p;
        this.fail('truncated varlong');
      }
      const byte = b[p++]!;
      if (i === 9 && byte > 0x01) {
        this.pos = p - 1;
        this.fail('varlong is longer than 10 bytes or exceeds 64 bits');
      }
      value += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return value;
      }
      mul *= 128;
    }
    /* istanbul ignore next */
    this.fail('varlong is longer than 10 bytes');
  }

  /** Zigzag-encoded signed varlong of at most 10 bytes, as a number. */
  varlong(): number {
    const u = this.uvarlong();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }

  /** `n` raw bytes, zero-copy. */
  raw(n: number): Buffer {
    const p = this.pos;
    if (n < 0 || n > this.end - p) this.fail(`length ${n} exceeds the ${this.end - p} bytes left`);
    this.pos = p + n;
    return n === 0 ? EMPTY : this.buf.subarray(p, p + n);
  }

  utf8(n: number): string {
    const p = this.pos;
    if (n > this.end - p) this.fail(`string length ${n} exceeds the ${this.end - p} bytes left`);
    this.pos = p + n;
    return n === 0 ? '' : this.buf.toString('utf8', p, p + n);
  }

  /** Length of a classic (int16-prefixed) string: -1 for null. */
  stringLength16(): number {
    const n = this.int16();
    if (n < -1) this.fail(`negative string length ${n}`);
    return n;
  }

  /** Length of a compact string / bytes / array: -1 for null (wire value 0). */
  compactLength(): number {
    const n = this.uvarint() - 1;
    return n;
  }

  /** Length of classic bytes / arrays (int32-prefixed): -1 for null. */
  length32(): number {
    const n = this.int32();
    if (n < -1) this.fail(`negative length ${n}`);
    return n;
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    if (n < 0 || n > this.end - this.pos) this.fail(`cannot skip ${n} bytes, ${this.end - this.pos} left`);
    this.pos += n;
  }
}
