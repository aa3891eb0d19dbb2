import { describe, expect, it } from 'vitest';
import {
  allApis,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  requestCodec,
  responseCodec,
} from '../../../core/protocol/index';
import { compileMessage, isCodegenSupported } from '../../../core/protocol/compiler';
import { Reader } from '../../../core/protocol/reader';
import { Writer } from '../../../core/protocol/writer';
import { presentFieldPaths, sampleBody, type Flavour } from './samples';

const FLAVOURS: Flavour[] = ['full', 'nulls', 'empty'];

describe('every API and every valid version round-trips through encode and decode', () => {
  for (const api of allApis()) {
    describe(`${api.name} (key ${api.apiKey})`, () => {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        it(`request v${v}: all sample flavours decode to the expected body and re-encode byte-identically`, () => {
          for (const flavour of FLAVOURS) {
            for (const seed of flavour === 'full' ? [1, 2, 3] : [1]) {
              const { body, expected } = sampleBody(api.request, v, flavour, seed);
              const frame = encodeRequest(api.apiKey, v, 0x12345678 + seed, `client-${flavour}`, body);
              expect(frame.readInt32BE(0)).toBe(frame.length - 4);
              const decoded = decodeRequest(frame.subarray(4));
              expect(decoded.apiKey).toBe(api.apiKey);
              expect(decoded.header.apiVersion).toBe(v);
              expect(decoded.header.correlationId).toBe(0x12345678 + seed);
              expect(decoded.header.clientId).toBe(`client-${flavour}`);
              expect(decoded.trailingBytes).toBe(0);
              expect(decoded.body).toEqual(expected);
              const again = encodeRequest(api.apiKey, v, 0x12345678 + seed, `client-${flavour}`, decoded.body as never);
              expect(again.equals(frame)).toBe(true);
            }
          }
        });

        it(`response v${v}: all sample flavours decode to the expected body and re-encode byte-identically`, () => {
          for (const flavour of FLAVOURS) {
            for (const seed of flavour === 'full' ? [1, 2, 3] : [1]) {
              const { body, expected } = sampleBody(api.response, v, flavour, seed);
              const frame = encodeResponse(api.apiKey, v, -seed, body);
              expect(frame.readInt32BE(0)).toBe(frame.length - 4);
              const decoded = decodeResponse(api.apiKey, v, frame.subarray(4));
              expect(decoded.correlationId).toBe(-seed);
              expect(decoded.trailingBytes).toBe(0);
              expect(decoded.body).toEqual(expected);
              expect(encodeResponse(api.apiKey, v, -seed, decoded.body as never).equals(frame)).toBe(true);
            }
          }
        });
      }
    });
  }
});

describe('sample bodies cover the schema', () => {
  it('the full flavour sets every field present in each version (so every field type is exercised)', () => {
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        for (const def of [api.request, api.response]) {
          const { body } = sampleBody(def, v, 'full');
          for (const path of presentFieldPaths(def, v)) {
            let cur: unknown[] = [body];
            for (const part of path.split('.')) {
              cur = cur.flatMap((o) => {
                const val = (o as Record<string, unknown>)[part];
                return Array.isArray(val) ? val : [val];
              });
            }
            expect(cur.length, `${def.name} v${v} ${path}`).toBeGreaterThan(0);
            for (const val of cur) expect(val, `${def.name} v${v} ${path}`).not.toBeUndefined();
          }
        }
      }
    }
  });

  it('an encoded empty body equals the encoding of an explicit all-defaults body', () => {
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const req = requestCodec(api.apiKey, v);
        const res = responseCodec(api.apiKey, v);
        expect(req.encode(req.decode(req.encode({}))).equals(req.encode())).toBe(true);
        expect(res.encode(res.decode(res.encode({}))).equals(res.encode())).toBe(true);
      }
    }
  });
});

describe('generated struct functions and plain closures behave identically', () => {
  it('code generation is available under Node', () => {
    expect(isCodegenSupported()).toBe(true);
  });

  it('for every API, version and sample, both compilations encode the same bytes and decode the same values', () => {
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        for (const def of [api.request, api.response]) {
          const plain = compileMessage(def, v, { codegen: false }).codec;
          const generated = compileMessage(def, v, { codegen: true }).codec;
          for (const flavour of FLAVOURS) {
            const { body, expected } = sampleBody(def, v, flavour, 9);
            const n = plain.size(body);
            expect(generated.size(body)).toBe(n);
            const a = new Writer(Buffer.alloc(n));
            const b = new Writer(Buffer.alloc(n));
            plain.write(a, body);
            generated.write(b, body);
            expect(a.buf.equals(b.buf), `${def.name} v${v} ${flavour}`).toBe(true);
            expect(plain.decode(new Reader(a.buf))).toEqual(expected);
            expect(generated.decode(new Reader(a.buf))).toEqual(expected);
          }
        }
      }
    }
  });
});
