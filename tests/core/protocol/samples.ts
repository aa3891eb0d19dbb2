/**
 * Sample bodies generated from the message definitions, independently of the
 * codec's compiler: for a (definition, version), a body that fills every
 * field present in that version with a non-default value (or null, or empty,
 * depending on the flavour), and the object the decoder must return for it
 * (fields absent from the version hold their default).
 */
import type { FieldDefinition, MessageDefinition } from '../../../core/protocol/definition';
import { parseVersionRange, inVersionRange } from '../../../core/protocol/versions';
import { seededRandom } from '../../helpers/random';

export type Flavour = 'full' | 'nulls' | 'empty';

const PRIMS = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
]);

export const rng = seededRandom;

const key = (name: string) => name[0]!.toLowerCase() + name.slice(1);
const range = (s: string | undefined) => parseVersionRange(s);
const isNullableAnywhere = (f: FieldDefinition) => {
  const r = range(f.nullableVersions);
  return r.max >= r.min;
};

function structFields(f: FieldDefinition, def: MessageDefinition): FieldDefinition[] {
  const base = f.type.replace(/^\[\]/, '');
  if (f.fields) return f.fields;
  const s = def.commonStructs?.find((c) => c.name === base);
  if (!s) throw new Error(`no struct ${base}`);
  return s.fields;
}

function parseIntText(t: string): number {
  const neg = t.startsWith('-');
  const b = neg ? t.slice(1) : t;
  const v = /^0x/i.test(b) ? parseInt(b.slice(2), 16) : Number(b);
  return neg ? -v : v;
}

/** The default of a field (as the decoder fills it in when the field is absent). */
export function defaultOf(f: FieldDefinition, def: MessageDefinition, nullableNow: boolean): unknown {
  const d = f.default;
  const isArray = f.type.startsWith('[]');
  const base = f.type.replace(/^\[\]/, '');
  if (isArray) return d === 'null' && nullableNow ? null : [];
  if (!PRIMS.has(base)) {
    if (nullableNow && isNullableAnywhere(f)) return null;
    const o: Record<string, unknown> = {};
    for (const sf of structFields(f, def)) o[key(sf.name)] = defaultOf(sf, def, isNullableAnywhere(sf));
    return o;
  }
  switch (base) {
    case 'bool':
      return d === undefined ? false : d === 'true' || d === true;
    case 'float64':
      return d === undefined ? 0 : Number(d);
    case 'string':
      return d === 'null' ? (nullableNow ? null : '') : d === undefined ? '' : String(d);
    case 'uuid':
      return 'AAAAAAAAAAAAAAAAAAAAAA';
    case 'bytes':
      return d === 'null' && nullableNow ? null : Buffer.alloc(0);
    case 'records':
      return nullableNow ? null : Buffer.alloc(0);
    default:
      return d === undefined ? 0 : typeof d === 'number' ? d : parseIntText(String(d));
  }
}

const INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

const WORDS = [
  'topic',
  'tópico',
  'テーマ',
  'a',
  'group-1',
  'x'.repeat(50),
  'ü'.repeat(45),
  'long-'.repeat(30),
  '😀 emoji',
];

function primitiveSample(base: string, rand: () => number, notEqual: unknown): unknown {
  for (let attempt = 0; attempt < 20; attempt++) {
    let v: unknown;
    switch (base) {
      case 'bool':
        v = notEqual === undefined ? rand() < 0.5 : !notEqual;
        break;
      case 'int64': {
        const choices = [
          2 ** 40 + Math.floor(rand() * 1e6),
          -(2 ** 45) - 7,
          Number.MAX_SAFE_INTEGER,
          Number.MIN_SAFE_INTEGER,
          Math.floor(rand() * 1000),
          4294967296,
          -4294967297,
        ];
        v = choices[Math.floor(rand() * choices.length)];
        break;
      }
      case 'float64':
        v = rand() * 1e6 - 5e5;
        break;
      case 'string':
        v = WORDS[Math.floor(rand() * WORDS.length)]! + Math.floor(rand() * 100);
        break;
      case 'uuid': {
        const b = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) b[i] = Math.floor(rand() * 256);
        b[0] = b[0]! | 1;
        v = b.toString('base64url');
        break;
      }
      case 'bytes':
      case 'records': {
        const n = 1 + Math.floor(rand() * (base === 'records' ? 300 : 20));
        const b = Buffer.alloc(n);
        for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
        v = b;
        break;
      }
      default: {
        const [lo, hi] = INT_RANGES[base]!;
        const edges = [lo, hi, 1, -1, 7];
        v = rand() < 0.3 ? edges[Math.floor(rand() * edges.length)] : lo + Math.floor(rand() * (hi - lo + 1));
        if ((v as number) < lo || (v as number) > hi) v = 1;
      }
    }
    if (v !== notEqual) return v;
  }
  throw new Error('could not find a non-default value');
}

export interface Sample {
  /** What is handed to the encoder. */
  body: Record<string, unknown>;
  /** What the decoder must return. */
  expected: Record<string, unknown>;
}

/**
 * A sample body for `def` at `version`.
 * - full: every present field non-default, arrays of 1-3 elements, nullable fields set;
 * - nulls: nullable fields null, other fields as in full, arrays of 1 element;
 * - empty: the encoder gets {} and the decoder must return every default.
 */
export function sampleBody(def: MessageDefinition, version: number, flavour: Flavour, seed = 1): Sample {
  const rand = rng(seed * 7919 + version * 31 + def.name.length);
  const build = (fields: FieldDefinition[], depth: number): Sample => {
    const body: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const f of fields) {
      const k = key(f.name);
      const present = inVersionRange(range(f.versions), version);
      if (!present) {
        expected[k] = defaultOf(f, def, isNullableAnywhere(f));
        // Absent fields handed to the encoder are ignored; exercise that in 'full'.
        if (flavour === 'full' && !f.type.startsWith('[]') && PRIMS.has(f.type) && f.type !== 'records') {
          body[k] = primitiveSample(f.type, rand, defaultOf(f, def, isNullableAnywhere(f)));
        }
        continue;
      }
      const nullable = inVersionRange(range(f.nullableVersions), version);
      const dflt = defaultOf(f, def, nullable);
      if (flavour === 'empty') {
        expected[k] = dflt;
        continue;
      }
      if (flavour === 'nulls' && nullable) {
        body[k] = null;
        expected[k] = null;
        continue;
      }
      const isArray = f.type.startsWith('[]');
      const base = f.type.replace(/^\[\]/, '');
      if (isArray) {
        const n = flavour === 'nulls' || depth > 2 ? 1 : 1 + Math.floor(rand() * 3);
        const b: unknown[] = [];
        const e: unknown[] = [];
        for (let i = 0; i < n; i++) {
          if (PRIMS.has(base)) {
            const v = primitiveSample(base, rand, undefined);
            b.push(v);
            e.push(v);
          } else {
            const s = build(structFields(f, def), depth + 1);
            b.push(s.body);
            e.push(s.expected);
          }
        }
        body[k] = b;
        expected[k] = e;
      } else if (!PRIMS.has(base)) {
        const s = build(structFields(f, def), depth + 1);
        body[k] = s.body;
        expected[k] = s.expected;
      } else {
        const v = primitiveSample(base, rand, dflt);
        body[k] = v;
        expected[k] = v;
      }
    }
    return { body, expected };
  };
  return build(def.fields, 0);
}

/** Every field (path) present at `version`, for coverage checks. */
export function presentFieldPaths(def: MessageDefinition, version: number): string[] {
  const out: string[] = [];
  const walk = (fields: FieldDefinition[], prefix: string) => {
    for (const f of fields) {
      if (!inVersionRange(range(f.versions), version)) continue;
      const p = prefix + key(f.name);
      out.push(p);
      if (!PRIMS.has(f.type.replace(/^\[\]/, ''))) walk(structFields(f, def), p + '.');
    }
  };
  walk(def.fields, '');
  return out;
}
