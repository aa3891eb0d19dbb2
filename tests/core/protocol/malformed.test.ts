import { describe, expect, it } from 'vitest';
import {
  allApis,
  API_KEYS,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  encodeRequest,
  encodeResponse,
  FrameSplitter,
  ProtocolDecodeError,
  Reader,
  requestCodec,
  responseCodec,
  UnsupportedRequestError,
} from '../../../core/protocol/index';
import { rng, sampleBody } from './samples';

/** Runs fn and returns the thrown value (or undefined). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectDecodeError(fn: () => unknown, label: string): void {
  const e = thrown(fn);
  expect(e, label).toBeInstanceOf(ProtocolDecodeError);
}

describe('truncated frames throw ProtocolDecodeError and nothing else', () => {
  for (const api of allApis()) {
    it(`${api.name}: every truncation of every version's request and response frame`, () => {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const req = encodeRequest(api.apiKey, v, 1, 'truncate-me', sampleBody(api.request, v, 'full').body).subarray(4);
        for (let n = 0; n < req.length; n++)
          expectDecodeError(
            () => decodeRequest(req.subarray(0, n)),
            `${api.name} request v${v} cut at ${n}/${req.length}`,
          );
        const res = encodeResponse(api.apiKey, v, 1, sampleBody(api.response, v, 'full').body).subarray(4);
        for (let n = 0; n < res.length; n++)
          expectDecodeError(
            () => decodeResponse(api.apiKey, v, res.subarray(0, n)),
            `${api.name} response v${v} cut at ${n}/${res.length}`,
          );
      }
    });
  }

  it('consumer protocol subscription and assignment: every truncation', () => {
    for (let v = 0; v <= 3; v++) {
      const s = encodeConsumerSubscription(v, {
        topics: ['a', 'b'],
        userData: Buffer.from('ud'),
        ownedPartitions: [{ topic: 'a', partitions: [1, 2] }],
        generationId: 5,
        rackId: 'r1',
      });
      // Cutting exactly before a field added after v0 is tolerated (see consumer-protocol.ts).
      const v0Size = encodeConsumerSubscription(0, { topics: ['a', 'b'], userData: Buffer.from('ud') }).length;
      const v1Size = v0Size + 4 + 2 + 1 + 4 + 8;
      const v2Size = v1Size + 4;
      const tolerated = new Set([v0Size, v1Size, v2Size]);
      for (let n = 0; n < s.length; n++) {
        if (tolerated.has(n)) expect(decodeConsumerSubscription(s.subarray(0, n)).version).toBe(v);
        else expectDecodeError(() => decodeConsumerSubscription(s.subarray(0, n)), `subscription v${v} cut at ${n}`);
      }
      const a = encodeConsumerAssignment(v, {
        assignedPartitions: [{ topic: 'a', partitions: [0, 1] }],
        userData: Buffer.from('x'),
      });
      for (let n = 0; n < a.length; n++)
        expectDecodeError(() => decodeConsumerAssignment(a.subarray(0, n)), `assignment v${v} cut at ${n}`);
    }
  });
});

describe('corrupted frames either decode or throw ProtocolDecodeError, never hang or throw anything else', () => {
  it('random byte flips over every API (fuzz, fixed seed)', () => {
    const rand = rng(42);
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const frames: Array<[string, Buffer, (b: Buffer) => unknown]> = [
          [
            'request',
            encodeRequest(api.apiKey, v, 1, 'fuzz', sampleBody(api.request, v, 'full', 5).body).subarray(4),
            (b) => decodeRequest(b),
          ],
          [
            'response',
            encodeResponse(api.apiKey, v, 1, sampleBody(api.response, v, 'full', 5).body).subarray(4),
            (b) => decodeResponse(api.apiKey, v, b),
          ],
        ];
        for (const [what, frame, decode] of frames) {
          for (let i = 0; i < 40; i++) {
            const b = Buffer.from(frame);
            const flips = 1 + Math.floor(rand() * 3);
            for (let k = 0; k < flips; k++) {
              const at = Math.floor(rand() * b.length);
              b[at] = rand() < 0.5 ? 0xff : Math.floor(rand() * 256);
            }
            const e = thrown(() => decode(b));
            if (e !== undefined && !(e instanceof ProtocolDecodeError) && !(e instanceof UnsupportedRequestError)) {
              throw new Error(`${api.name} ${what} v${v}: ${String(e)}`);
            }
          }
        }
      }
    }
  });
});

describe('hostile lengths and counts are rejected before anything is allocated', () => {
  // Metadata v1 request: header v1, then topics: int32 count, each a string.
  const header = (apiKey: number, version: number) => {
    const b = Buffer.alloc(10);
    b.writeInt16BE(apiKey, 0);
    b.writeInt16BE(version, 2);
    b.writeInt32BE(7, 4);
    b.writeInt16BE(-1, 8); // null client id
    return b;
  };

  it('an array count far larger than the remaining bytes', () => {
    const frame = Buffer.concat([header(3, 1), Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 0x61])]);
    const e = thrown(() => decodeRequest(frame));
    expect(e).toBeInstanceOf(ProtocolDecodeError);
    expect(String(e)).toMatch(/array count/);
  });

  it('a negative array length other than the null marker', () => {
    const frame = Buffer.concat([header(3, 1), Buffer.from([0xff, 0xff, 0xff, 0xfe])]);
    expectDecodeError(() => decodeRequest(frame), 'count -2');
  });

  it('null for a non-nullable array (Metadata v0 topics is not nullable)', () => {
    const frame = Buffer.concat([header(3, 0), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(String(thrown(() => decodeRequest(frame)))).toMatch(/null for non-nullable/);
    // ...while v1 allows it.
    const ok = decodeRequest(Buffer.concat([header(3, 1), Buffer.from([0xff, 0xff, 0xff, 0xff])]));
    expect(ok.apiKey === API_KEYS.Metadata && ok.body.topics).toBeNull();
  });

  it('a string length beyond the buffer, and a negative string length', () => {
    const frame = Buffer.concat([header(3, 1), Buffer.from([0, 0, 0, 1, 0x7f, 0xff, 0x61])]);
    expectDecodeError(() => decodeRequest(frame), 'long string');
    const neg = Buffer.concat([header(3, 1), Buffer.from([0, 0, 0, 1, 0xff, 0xfe])]);
    expectDecodeError(() => decodeRequest(neg), 'negative string');
    const nullName = Buffer.concat([header(3, 1), Buffer.from([0, 0, 0, 1, 0xff, 0xff])]);
    expect(String(thrown(() => decodeRequest(nullName)))).toMatch(/null for non-nullable string/);
  });

  it('a negative client id length in the header', () => {
    const b = header(3, 1);
    b.writeInt16BE(-5, 8);
    expectDecodeError(() => decodeRequestHeader(Buffer.concat([b, Buffer.alloc(4)])), 'client id -5');
  });

  it('bytes length beyond the buffer (SaslAuthenticate v0 authBytes)', () => {
    const frame = Buffer.concat([header(36, 0), Buffer.from([0x7f, 0, 0, 0, 1, 2, 3])]);
    expectDecodeError(() => decodeRequest(frame), 'bytes');
  });

  it('compact lengths: a varint longer than 5 bytes, or one beyond 32 bits', () => {
    // Metadata v9 request (flexible, header v2): topics is a compact nullable array.
    const h = Buffer.concat([header(3, 9), Buffer.from([0])]);
    expect(
      String(thrown(() => decodeRequest(Buffer.concat([h, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])])))),
    ).toMatch(/varint/);
    expect(
      String(thrown(() => decodeRequest(Buffer.concat([h, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])])))),
    ).toMatch(/varint/);
    expectDecodeError(
      () => decodeRequest(Buffer.concat([h, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])])),
      'count 2^32-2',
    );
  });

  it('a tagged-field section with an absurd count or a field larger than what is left', () => {
    // Metadata v9 request with an empty topics array, then bools, then tagged fields.
    const body = Buffer.from([0x01, 1, 0, 0]);
    const h = Buffer.concat([header(3, 10), Buffer.from([0])]);
    const ok = decodeRequest(Buffer.concat([h, body, Buffer.from([0])]));
    expect(ok.body).toMatchObject({ topics: [], allowAutoTopicCreation: true });
    expectDecodeError(() => decodeRequest(Buffer.concat([h, body, Buffer.from([0xff, 0xff, 0x03])])), 'tag count');
    expectDecodeError(() => decodeRequest(Buffer.concat([h, body, Buffer.from([1, 9, 100, 1, 2])])), 'tag size');
  });

  it('skips unknown tagged fields; rejects a known tagged field whose size disagrees with its content', () => {
    // FetchRequest v12+: ClusterId is tag 0 (nullable compact string).
    const frame = encodeRequest(1, 12, 3, 'c', { clusterId: 'abc', topics: [] }).subarray(4);
    const decoded = decodeRequest(frame);
    expect(decoded.apiKey === API_KEYS.Fetch && decoded.body.clusterId).toBe('abc');
    // The last bytes: tagged section [count=1, tag=0, size=4, 0x04 'a' 'b' 'c'].
    const tail = frame.subarray(frame.length - 7);
    expect([...tail]).toEqual([1, 0, 4, 4, 0x61, 0x62, 0x63]);
    const unknownTag = Buffer.from(frame);
    unknownTag[unknownTag.length - 6] = 57; // tag 57: unknown, skipped
    const d2 = decodeRequest(unknownTag);
    expect(d2.apiKey === API_KEYS.Fetch && d2.body.clusterId).toBeNull();
    const badSize = Buffer.concat([
      frame.subarray(0, frame.length - 7),
      Buffer.from([1, 0, 5, 4, 0x61, 0x62, 0x63, 0]),
    ]);
    expect(String(thrown(() => decodeRequest(badSize)))).toMatch(/unread bytes/);
  });

  it('an empty frame and a frame shorter than a request header', () => {
    expectDecodeError(() => decodeRequest(Buffer.alloc(0)), 'empty');
    expectDecodeError(() => decodeRequestHeader(Buffer.from([0, 3, 0])), 'short header');
    expectDecodeError(() => decodeResponse(3, 0, Buffer.alloc(2)), 'short response');
  });

  it('body decoders reject trailing bytes; frame decoders report them', () => {
    const codec = requestCodec(API_KEYS.Heartbeat, 0);
    const body = codec.encode({ groupId: 'g', generationId: 1, memberId: 'm' });
    expectDecodeError(() => codec.decode(Buffer.concat([body, Buffer.from([0])])), 'trailing');
    const frame = encodeRequest(API_KEYS.Heartbeat, 0, 1, 'c', { groupId: 'g' });
    expect(decodeRequest(Buffer.concat([frame.subarray(4), Buffer.from([1, 2])])).trailingBytes).toBe(2);
    const res = responseCodec(API_KEYS.Heartbeat, 0);
    expect(res.decode(res.encode({ errorCode: 27 }))).toEqual({ throttleTimeMs: 0, errorCode: 27 });
  });

  it('the Reader itself: varlong over 10 bytes, skip past the end, raw beyond the end', () => {
    expect(String(thrown(() => new Reader(Buffer.alloc(11, 0xff)).uvarlong()))).toMatch(/varlong/);
    expect(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarlong()).toBe(
      2 ** 64 - 1,
    );
    expect(
      String(
        thrown(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])).uvarlong()),
      ),
    ).toMatch(/varlong/);
    expectDecodeError(() => new Reader(Buffer.alloc(3)).skip(4), 'skip');
    expectDecodeError(() => new Reader(Buffer.alloc(3)).raw(-1), 'raw -1');
    expectDecodeError(() => new Reader(Buffer.alloc(3), 0, 2).int32(), 'int32 past end');
  });
});

describe('unsupported requests carry their header', () => {
  it('an unknown API key', () => {
    const b = Buffer.from([0x03, 0xe7, 0, 0, 0, 0, 0, 9, 0, 1, 0x63]);
    const e = thrown(() => decodeRequest(b));
    expect(e).toBeInstanceOf(UnsupportedRequestError);
    expect((e as UnsupportedRequestError).reason).toBe('unknown_api');
    expect((e as UnsupportedRequestError).header).toMatchObject({
      apiKey: 999,
      apiVersion: 0,
      correlationId: 9,
      clientId: 'c',
    });
  });

  it('a version above the valid range (ApiVersions v5 from a newer client: header v2 still parses)', () => {
    const frame = Buffer.from([0, 18, 0, 5, 0, 0, 0, 42, 0, 3, 0x61, 0x62, 0x63, 0, 0x02, 0x78, 0x02, 0x79, 0]);
    const e = thrown(() => decodeRequest(frame)) as UnsupportedRequestError;
    expect(e).toBeInstanceOf(UnsupportedRequestError);
    expect(e.reason).toBe('unsupported_version');
    expect(e.header).toEqual({
      apiKey: 18,
      apiVersion: 5,
      correlationId: 42,
      clientId: 'abc',
      headerVersion: 2,
      headerSize: 14,
    });
  });
});

describe('FrameSplitter', () => {
  it('splits frames across arbitrary chunk boundaries, zero-copy when a frame lies in one chunk', () => {
    const frames = [0, 1, 2, 3].map((i) =>
      encodeRequest(API_KEYS.Heartbeat, 0, i, 'c', { groupId: 'g'.repeat(i * 100) }),
    );
    const stream = Buffer.concat(frames);
    for (const chunkSize of [1, 3, 7, 64, stream.length]) {
      const s = new FrameSplitter();
      const out: Buffer[] = [];
      for (let p = 0; p < stream.length; p += chunkSize) out.push(...s.push(stream.subarray(p, p + chunkSize)));
      expect(out.map((f) => decodeRequestHeader(f).correlationId)).toEqual([0, 1, 2, 3]);
      out.forEach((f, i) => expect(f.equals(frames[i]!.subarray(4))).toBe(true));
      expect(s.pendingBytes).toBe(0);
    }
    const whole = new FrameSplitter().push(stream);
    expect(whole[0]!.buffer).toBe(stream.buffer);
  });

  it('rejects negative and oversized frame sizes', () => {
    expectDecodeError(() => new FrameSplitter().push(Buffer.from([0xff, 0xff, 0xff, 0xfe])), 'negative');
    expectDecodeError(() => new FrameSplitter(1000).push(Buffer.from([0, 0, 0x10, 0])), 'oversized');
  });
});
