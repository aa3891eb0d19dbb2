/**
 * The compiler on a synthetic definition that uses every field type and
 * feature, including those the project's messages happen not to use
 * (uint16, uint32, float64, nullable structs, commonStructs, field-level
 * flexibleVersions, arrays of every primitive).
 */
import { describe, expect, it } from 'vitest';
import { compileMessage } from '../../../core/protocol/compiler';
import type { MessageDefinition } from '../../../core/protocol/definition';
import { ProtocolDecodeError } from '../../../core/protocol/errors';
import { Reader } from '../../../core/protocol/reader';
import { Writer } from '../../../core/protocol/writer';

const DEF: MessageDefinition = {
  name: 'SyntheticMessage',
  type: 'data',
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    { name: 'U16', type: 'uint16', versions: '0+' },
    { name: 'U32', type: 'uint32', versions: '0+', default: '0xffffffff' },
    { name: 'F64', type: 'float64', versions: '1+', default: '1.5' },
    { name: 'Flag', type: 'bool', versions: '0+', default: 'true' },
    { name: 'Classic', type: 'string', versions: '0+', flexibleVersions: 'none', nullableVersions: '0+' },
    { name: 'Uuids', type: '[]uuid', versions: '0+' },
    { name: 'Longs', type: '[]int64', versions: '0+' },
    { name: 'Names', type: '[]string', versions: '0+', nullableVersions: '3+' },
    { name: 'Bools', type: '[]bool', versions: '0+' },
    { name: 'Maybe', type: 'Point', versions: '1+', nullableVersions: '1+' },
    { name: 'Points', type: '[]Point', versions: '0+' },
    { name: 'Blob', type: 'bytes', versions: '0+', nullableVersions: '0+', default: 'null' },
    { name: 'Hidden', type: 'int32', versions: '2+', taggedVersions: '2+', tag: 5, default: '-7' },
    { name: 'HiddenPoint', type: 'Point', versions: '3+', taggedVersions: '3+', tag: 1 },
  ],
  commonStructs: [
    {
      name: 'Point',
      versions: '0+',
      fields: [
        { name: 'X', type: 'int8', versions: '0+' },
        { name: 'Y', type: 'int16', versions: '0+', default: '-1' },
      ],
    },
  ],
};

function roundTrip(version: number, body: Record<string, unknown>, codegen = true) {
  const c = compileMessage(DEF, version, { codegen }).codec;
  const n = c.size(body);
  const w = new Writer(Buffer.alloc(n));
  c.write(w, body);
  expect(w.pos).toBe(n);
  const r = new Reader(w.buf);
  const out = c.decode(r);
  expect(r.pos).toBe(n);
  return { bytes: w.buf, out, codec: c };
}

describe('compiler on a synthetic definition with every type', () => {
  const full = {
    u16: 65535,
    u32: 4294967295,
    f64: -0.25,
    flag: false,
    classic: 'clé',
    uuids: ['AQIDBAUGBwgJCgsMDQ4PEA', 'AAAAAAAAAAAAAAAAAAAAAA'],
    longs: [-1, 2 ** 53 - 1, 0],
    names: ['a', ''],
    bools: [true, false],
    maybe: { x: -128, y: 32767 },
    points: [{ x: 1, y: 2 }],
    blob: Buffer.from([0, 255]),
    hidden: 99,
    hiddenPoint: { x: 3, y: 4 },
  };

  it('round-trips every version, with and without code generation, and fills absent fields with defaults', () => {
    for (const codegen of [true, false]) {
      for (let v = 0; v <= 3; v++) {
        const { out } = roundTrip(v, full, codegen);
        expect(out).toEqual({
          ...full,
          f64: v >= 1 ? -0.25 : 1.5,
          maybe: v >= 1 ? full.maybe : null,
          hidden: v >= 2 ? 99 : -7,
          hiddenPoint: v >= 3 ? full.hiddenPoint : { x: 0, y: -1 },
        });
      }
    }
  });

  it('defaults: hex, float, bool, null bytes; nullable struct as int8 marker', () => {
    const { out, bytes } = roundTrip(1, { maybe: null });
    expect(out).toMatchObject({ u16: 0, u32: 4294967295, f64: 1.5, flag: true, classic: '', blob: null, maybe: null });
    // u16, u32, f64, flag, classic(2), uuids(4), longs(4), names(4), bools(4), maybe marker(1), points(4), blob(4)
    expect(bytes.length).toBe(2 + 4 + 8 + 1 + 2 + 4 + 4 + 4 + 4 + 1 + 4 + 4);
    expect(bytes[2 + 4 + 8 + 1 + 2 + 16]).toBe(0xff); // maybe: null marker -1
  });

  it('field-level flexibleVersions "none" keeps an int16 string length inside a flexible version', () => {
    const { bytes } = roundTrip(2, { classic: 'ab' });
    const at = 2 + 4 + 8 + 1;
    expect([...bytes.subarray(at, at + 4)]).toEqual([0, 2, 0x61, 0x62]);
    // ...and nullable: -1.
    const n = roundTrip(2, { classic: null }).bytes;
    expect([...n.subarray(at, at + 2)]).toEqual([0xff, 0xff]);
  });

  it('tagged fields are written in tag order, only when not default, and unknown tags are skipped', () => {
    const { bytes } = roundTrip(3, { hidden: 1, hiddenPoint: { x: 1 } });
    // Tagged section: count 2, tag 1 (Point: int8 + int16 + empty tags = 4 bytes), tag 5 (int32).
    expect([...bytes.subarray(bytes.length - 13)]).toEqual([2, 1, 4, 1, 0xff, 0xff, 0, 5, 4, 0, 0, 0, 1]);
    expect(roundTrip(3, {}).bytes.at(-1)).toBe(0);
    const c = compileMessage(DEF, 3).codec;
    const base = roundTrip(3, {}).bytes;
    const withUnknown = Buffer.concat([base.subarray(0, base.length - 1), Buffer.from([1, 40, 3, 9, 9, 9])]);
    expect(c.decode(new Reader(withUnknown))).toMatchObject({ hidden: -7 });
  });

  it('rejects uint/float values out of range on encode, and a bad nullable-struct marker never crashes decode', () => {
    const c = compileMessage(DEF, 1).codec;
    expect(() => c.size({ u16: 1 }) && c.write(new Writer(Buffer.alloc(100)), { u16: 65536 })).toThrow(/uint16/);
    expect(() => c.write(new Writer(Buffer.alloc(100)), { u32: -1 })).toThrow(/uint32/);
    expect(() => c.write(new Writer(Buffer.alloc(100)), { f64: '1' })).toThrow(/number/);
    const { bytes } = roundTrip(1, full);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => c.decode(new Reader(bytes.subarray(0, n)))).toThrow(ProtocolDecodeError);
    }
  });
});
