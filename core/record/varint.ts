/**
 * Variable-length integers as Kafka writes them inside record batches.
 *
 * Layout facts:
 * - 7 data bits per byte, least significant group first; the high bit (0x80)
 *   of a byte says another byte follows.
 * - varint / varlong are zig-zag encoded first (0 -> 0, -1 -> 1, 1 -> 2, ...),
 *   so small negative numbers (null lengths are -1) stay one byte.
 * - A varint is at most 5 bytes (32 bits), a varlong at most 10 (64 bits).
 * - Unsigned varints (no zig-zag) are what the wire protocol's flexible
 *   versions use for compact lengths; they live here so there is one codec.
 *
 * Reads return the value and leave the position after it in `cursor.pos`:
 * record decoding calls these millions of times a second, and returning a
 * `{ value, pos }` pair would allocate on every call.
 *
 * varlongs are JS numbers, exact up to 2^53; Kafka only stores offset and
 * timestamp deltas in them, which are far smaller.
 */

import { KafkaError } from '../errors';

/** Position just after the value that the last read* call decoded. */
export const cursor = { pos: 0 };

const TWO_POW_27 = 0x8000000;

function truncated(pos: number): KafkaError {
  return new KafkaError('CORRUPT_MESSAGE', `varint truncated at byte ${pos}`);
}

/** Unsigned 32-bit varint (no zig-zag). */
export function readUnsignedVarint(buf: Uint8Array, pos: number): number {
  const end = buf.length;
  if (pos >= end) throw truncated(pos);
  let b = buf[pos++];
  // Most values are one byte; keep that path free of loops.
  if (b < 0x80) {
    cursor.pos = pos;
    return b;
  }
  let value = b & 0x7f;
  for (let shift = 7; shift <= 28; shift += 7) {
    if (pos >= end) throw truncated(pos);
    b = buf[pos++];
    value |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor.pos = pos;
      return value >>> 0;
    }
  }
  throw new KafkaError('CORRUPT_MESSAGE', `varint longer than 5 bytes at byte ${pos - 5}`);
}

/** Zig-zag 32-bit varint, result in int32 range. */
export function readVarint(buf: Uint8Array, pos: number): number {
  const u = readUnsignedVarint(buf, pos);
  return (u >>> 1) ^ -(u & 1);
}

/** Zig-zag varlong; exact while |value| <= 2^53. */
export function readVarlong(buf: Uint8Array, pos: number): number {
  const end = buf.length;
  const start = pos;
  // The low 28 bits fit in int32 arithmetic; beyond that use float multiply
  // because JS bit operators truncate to 32 bits.
  let low = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= end) throw truncated(pos);
    b = buf[pos++];
    low |= (b & 0x7f) << shift;
    shift += 7;
  } while (b >= 0x80 && shift < 28);
  if (b < 0x80) {
    cursor.pos = pos;
    return (low >>> 1) ^ -(low & 1);
  }
  let high = 0;
  let scale = 1;
  do {
    if (pos - start >= 10) {
      throw new KafkaError('CORRUPT_MESSAGE', `varlong longer than 10 bytes at byte ${start}`);
    }
    if (pos >= end) throw truncated(pos);
    b = buf[pos++];
    high += (b & 0x7f) * scale;
    scale *= 128;
  } while (b >= 0x80);
  cursor.pos = pos;
  // Undo zig-zag on the halves rather than on the full 64-bit value, which a
  // double cannot hold exactly beyond 2^53: the sign is the lowest bit.
  const half = high * TWO_POW_27 + (low >>> 1);
  return low & 1 ? -half - 1 : half;
}

export function sizeOfUnsignedVarint(value: number): number {
  const u = value >>> 0;
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
}

/**
 * Zig-zag for numbers without forming 2|v| (inexact past 2^52): the value is
 * split into its lowest 6 magnitude bits, which share the first byte with the
 * sign bit, and the rest, written 7 bits at a time.
 */
function splitZigZag(value: number): { first: number; rest: number } {
  const negative = value < 0;
  const m = negative ? -value - 1 : value;
  return { first: (m % 64) * 2 + (negative ? 1 : 0), rest: Math.floor(m / 64) };
}

export function sizeOfVarlong(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value);
  let rest = splitZigZag(value).rest;
  let size = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    size++;
  }
  return size;
}

/** Writes an unsigned varint at pos and returns the position after it. Caller guarantees room. */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, value: number): number {
  let u = value >>> 0;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, (value << 1) ^ (value >> 31));
}

export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  // Fast path for values whose zig-zag form fits 32 bits (almost every delta).
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, pos, value);
  const { first, rest } = splitZigZag(value);
  let r = rest;
  buf[pos++] = first | (r > 0 ? 0x80 : 0);
  while (r > 0) {
    const group = r % 128;
    r = Math.floor(r / 128);
    buf[pos++] = group | (r > 0 ? 0x80 : 0);
  }
  return pos;
}
