import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import {
  cursor,
  readUnsignedVarint,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from '../../../core/record/varint';

// kafkajs is an independent implementation of the same encoding.
const require = createRequire(import.meta.url);
const KjsEncoder = require('kafkajs/src/protocol/encoder') as {
  new (): { writeVarInt(v: number): { buffer: Buffer }; writeVarLong(v: number): { buffer: Buffer } };
};

const INT32_EDGES = [
  0,
  1,
  -1,
  63,
  -64,
  64,
  -65,
  127,
  128,
  8191,
  -8192,
  8192,
  2 ** 20,
  -(2 ** 20),
  2 ** 30,
  2 ** 31 - 1,
  -(2 ** 31),
];
const LONG_EDGES = [
  ...INT32_EDGES,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 35,
  -(2 ** 40),
  1_700_000_000_000,
  -1_700_000_000_000,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('varint (zig-zag int32)', () => {
  it('round-trips edge values with the size it predicts', () => {
    const buf = Buffer.alloc(10);
    for (const v of INT32_EDGES) {
      const end = writeVarint(buf, 0, v);
      expect(end).toBe(sizeOfVarint(v));
      expect(readVarint(buf, 0)).toBe(v);
      expect(cursor.pos).toBe(end);
    }
  });

  it('encodes small negatives in one byte (null lengths are -1)', () => {
    const buf = Buffer.alloc(5);
    expect(writeVarint(buf, 0, -1)).toBe(1);
    expect(buf[0]).toBe(1);
    expect(writeVarint(buf, 0, 1)).toBe(1);
    expect(buf[0]).toBe(2);
  });

  it('matches kafkajs byte for byte on random int32s', () => {
    const r = rng(1);
    const buf = Buffer.alloc(10);
    for (let i = 0; i < 2000; i++) {
      const v = Math.floor(r() * 2 ** 32) - 2 ** 31;
      const end = writeVarint(buf, 0, v);
      expect(buf.subarray(0, end)).toEqual(new KjsEncoder().writeVarInt(v).buffer);
    }
  });

  it('reads at an offset and chains positions', () => {
    const buf = Buffer.alloc(32);
    let pos = 3;
    for (const v of [5, -300, 70000]) pos = writeVarint(buf, pos, v);
    pos = 3;
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      got.push(readVarint(buf, pos));
      pos = cursor.pos;
    }
    expect(got).toEqual([5, -300, 70000]);
  });

  it('rejects truncated and over-long varints with CORRUPT_MESSAGE', () => {
    expect(() => readVarint(Buffer.from([0x80, 0x80]), 0)).toThrow(KafkaError);
    expect(() => readVarint(Buffer.alloc(0), 0)).toThrow(/truncated/);
    expect(() => readVarint(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 0)).toThrow(/longer than 5 bytes/);
    try {
      readVarint(Buffer.from([0xff]), 0);
    } catch (err) {
      expect((err as KafkaError).errorName).toBe('CORRUPT_MESSAGE');
    }
  });
});

describe('unsigned varint', () => {
  it('round-trips without zig-zag', () => {
    const buf = Buffer.alloc(10);
    for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 28, 2 ** 32 - 1]) {
      const end = writeUnsignedVarint(buf, 0, v);
      expect(end).toBe(sizeOfUnsignedVarint(v));
      expect(readUnsignedVarint(buf, 0)).toBe(v);
    }
    writeUnsignedVarint(buf, 0, 1);
    expect(buf[0]).toBe(1);
  });
});

describe('varlong (zig-zag int64 as number)', () => {
  it('round-trips values up to 2^53 with the size it predicts', () => {
    const buf = Buffer.alloc(10);
    for (const v of LONG_EDGES) {
      const end = writeVarlong(buf, 0, v);
      expect(end).toBe(sizeOfVarlong(v));
      expect(readVarlong(buf, 0)).toBe(v);
      expect(cursor.pos).toBe(end);
    }
  });

  it('matches kafkajs byte for byte on random safe integers', () => {
    const r = rng(2);
    const buf = Buffer.alloc(10);
    for (let i = 0; i < 2000; i++) {
      const magnitude = 2 ** Math.floor(r() * 53);
      const v = Math.floor((r() * 2 - 1) * magnitude);
      const end = writeVarlong(buf, 0, v);
      expect(buf.subarray(0, end)).toEqual(new KjsEncoder().writeVarLong(v).buffer);
      expect(readVarlong(buf, 0)).toBe(v);
    }
  });

  it('rejects truncated and over-long varlongs with CORRUPT_MESSAGE', () => {
    expect(() => readVarlong(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80]), 0)).toThrow(/truncated/);
    expect(() => readVarlong(Buffer.alloc(11, 0x80), 0)).toThrow(/longer than 10 bytes/);
  });
});
