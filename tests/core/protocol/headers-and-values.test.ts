import { describe, expect, it } from 'vitest';
import {
  allApis,
  API_KEYS,
  API_NAMES,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  isFlexibleVersion,
  messageSchema,
  peekCorrelationId,
  ProtocolEncodeError,
  requestCodec,
  requestHeaderVersion,
  responseCodec,
  responseHeaderVersion,
  uuidFromHex,
  uuidToHex,
  ZERO_UUID,
} from '../../../core/protocol/index';

describe('API table', () => {
  it('has the 29 APIs the project uses, with keys, valid and flexible versions from the definitions', () => {
    expect(Object.keys(API_KEYS)).toHaveLength(29);
    expect(API_KEYS).toMatchObject({
      Produce: 0,
      Fetch: 1,
      ListOffsets: 2,
      Metadata: 3,
      OffsetCommit: 8,
      OffsetFetch: 9,
      FindCoordinator: 10,
      JoinGroup: 11,
      Heartbeat: 12,
      LeaveGroup: 13,
      SyncGroup: 14,
      DescribeGroups: 15,
      ListGroups: 16,
      SaslHandshake: 17,
      ApiVersions: 18,
      CreateTopics: 19,
      DeleteTopics: 20,
      DeleteRecords: 21,
      InitProducerId: 22,
      DescribeConfigs: 32,
      AlterConfigs: 33,
      DescribeLogDirs: 35,
      SaslAuthenticate: 36,
      CreatePartitions: 37,
      DeleteGroups: 42,
      ElectLeaders: 43,
      IncrementalAlterConfigs: 44,
      OffsetDelete: 47,
      DescribeCluster: 60,
    });
    expect(API_NAMES[18]).toBe('ApiVersions');
    expect(messageSchema(1)).toMatchObject({
      name: 'Fetch',
      validVersions: { min: 0, max: 17 },
      flexibleVersions: { min: 12, max: Infinity },
    });
    expect(messageSchema(47)!.flexibleVersions.max).toBeLessThan(messageSchema(47)!.flexibleVersions.min);
    expect(messageSchema(999)).toBeUndefined();
    expect(messageSchema(-1)).toBeUndefined();
    for (const api of allApis()) expect(api.request.apiKey).toBe(api.apiKey);
  });
});

describe('header version selection', () => {
  it('requests use header v2 exactly in flexible versions, v1 otherwise', () => {
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const flexible = v >= api.flexibleVersions.min && v <= api.flexibleVersions.max;
        expect(requestHeaderVersion(api.apiKey, v), `${api.name} v${v}`).toBe(flexible ? 2 : 1);
        const frame = encodeRequest(api.apiKey, v, 5, 'cid', {});
        const h = decodeRequestHeader(frame.subarray(4));
        expect(h.headerVersion).toBe(flexible ? 2 : 1);
        // v1: 2+2+4 + (2+3); v2 adds the empty tagged-field section.
        expect(h.headerSize).toBe(flexible ? 14 : 13);
      }
    }
    expect(requestHeaderVersion(API_KEYS.Metadata, 8)).toBe(1);
    expect(requestHeaderVersion(API_KEYS.Metadata, 9)).toBe(2);
    expect(requestHeaderVersion(API_KEYS.ApiVersions, 2)).toBe(1);
    expect(requestHeaderVersion(API_KEYS.ApiVersions, 3)).toBe(2);
    expect(requestHeaderVersion(API_KEYS.SaslHandshake, 1)).toBe(1);
    expect(requestHeaderVersion(API_KEYS.DescribeCluster, 0)).toBe(2);
  });

  it('the client id in header v2 keeps its int16 length (not compact), and may be null', () => {
    const frame = encodeRequest(API_KEYS.Metadata, 12, 0x01020304, 'ab', { topics: null });
    expect([...frame.subarray(4, 4 + 15)]).toEqual([0, 3, 0, 12, 1, 2, 3, 4, 0, 2, 0x61, 0x62, 0, 0, 1]);
    const nullClient = encodeRequest(API_KEYS.Metadata, 12, 1, null, {});
    expect(decodeRequestHeader(nullClient.subarray(4))).toMatchObject({ clientId: null, headerSize: 11 });
  });

  it('responses use header v1 exactly in flexible versions, except ApiVersions which always uses v0', () => {
    for (const api of allApis()) {
      for (let v = api.validVersions.min; v <= api.validVersions.max; v++) {
        const expected = api.apiKey === API_KEYS.ApiVersions ? 0 : isFlexibleVersion(api.apiKey, v) ? 1 : 0;
        expect(responseHeaderVersion(api.apiKey, v), `${api.name} v${v}`).toBe(expected);
        const frame = encodeResponse(api.apiKey, v, 77, {});
        const bodyOnly = responseCodec(api.apiKey, v).encode({});
        expect(frame.length).toBe(4 + 4 + expected + bodyOnly.length);
        expect(frame.subarray(8 + expected).equals(bodyOnly)).toBe(true);
        expect(peekCorrelationId(frame.subarray(4))).toBe(77);
      }
    }
  });

  it('ApiVersions v3 response: correlation id then straight into the body, no header tags', () => {
    const frame = encodeResponse(API_KEYS.ApiVersions, 3, 9, {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
    });
    expect(frame.toString('hex')).toBe(
      '00000013' + '00000009' + '0000' + '02' + '0012' + '0000' + '0004' + '00' + '00000000' + '00',
    );
    expect(decodeResponse(API_KEYS.ApiVersions, 3, frame.subarray(4)).body.apiKeys).toEqual([
      { apiKey: 18, minVersion: 0, maxVersion: 4 },
    ]);
  });
});

describe('value representation', () => {
  it('int64 is a number (exact to 2^53), a bigint is accepted on encode, and >= 2^63 writes Long.MAX_VALUE', () => {
    const codec = requestCodec(API_KEYS.ListOffsets, 1);
    const enc = (timestamp: number | bigint) =>
      codec.encode({ topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: timestamp as number }] }] });
    const ts = (b: Buffer) => codec.decode(b).topics[0]!.partitions[0]!.timestamp;
    for (const v of [
      0,
      -1,
      -2,
      1,
      2 ** 32,
      -(2 ** 32) - 1,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      1_700_000_000_000,
    ])
      expect(ts(enc(v))).toBe(v);
    expect(enc(-1n).equals(enc(-1))).toBe(true);
    const max = enc(2n ** 63n - 1n);
    expect(max.subarray(max.length - 8).toString('hex')).toBe('7fffffffffffffff');
    expect(enc(2 ** 63).equals(max)).toBe(true);
    expect(ts(max)).toBe(2 ** 63);
    expect(() => enc(1.5)).toThrow(ProtocolEncodeError);
    expect(() => enc(-(2 ** 64))).toThrow(ProtocolEncodeError);
    expect(() => enc(2n ** 63n)).toThrow(ProtocolEncodeError);
  });

  it("uuid is Kafka's 22-char base64url text; the zero uuid is the default", () => {
    const hex = '0123456789abcdef0123456789abcdef';
    const id = uuidFromHex(hex);
    expect(id).toHaveLength(22);
    expect(uuidToHex(id)).toBe(hex);
    const codec = requestCodec(API_KEYS.DeleteTopics, 6);
    const body = codec.encode({ topics: [{ name: null, topicId: id }] });
    expect(body.includes(Buffer.from(hex, 'hex'))).toBe(true);
    expect(codec.decode(body).topics[0]!.topicId).toBe(id);
    expect(codec.decode(codec.encode({ topics: [{ name: 'x' }] })).topics[0]!.topicId).toBe(ZERO_UUID);
    expect(() => codec.encode({ topics: [{ topicId: 'not-a-uuid' }] })).toThrow(ProtocolEncodeError);
    expect(() => codec.encode({ topics: [{ topicId: '!!!!!!!!!!!!!!!!!!!!!!' }] })).toThrow(ProtocolEncodeError);
  });

  it('records are a zero-copy view of the frame and are never parsed', () => {
    const records = Buffer.alloc(100_000, 7);
    const frame = encodeRequest(API_KEYS.Produce, 9, 1, 'p', {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    });
    const decoded = decodeRequest(frame.subarray(4));
    if (decoded.apiKey !== API_KEYS.Produce) throw new Error('not produce');
    const got = decoded.body.topicData[0]!.partitionData[0]!.records!;
    expect(got.equals(records)).toBe(true);
    expect(got.buffer).toBe(frame.buffer);
    expect(got.byteOffset).toBe(frame.byteOffset + frame.length - 100_000 - 3);
  });

  it('encodeResponseChunks references large records instead of copying them, and equals encodeResponse', () => {
    const big = Buffer.alloc(10_000, 1);
    const bigger = Buffer.alloc(50_000, 2);
    const small = Buffer.alloc(100, 3);
    const body = {
      responses: [
        {
          topic: 't',
          topicId: ZERO_UUID,
          partitions: [
            { partitionIndex: 0, records: big },
            { partitionIndex: 1, records: small },
            { partitionIndex: 2, records: null },
            { partitionIndex: 3, records: bigger, currentLeader: { leaderId: 1, leaderEpoch: 2 } },
          ],
        },
      ],
    };
    for (const v of [0, 4, 11, 12, 16]) {
      const chunks = encodeResponseChunks(API_KEYS.Fetch, v, 5, body, 4096);
      expect(Buffer.concat(chunks).equals(encodeResponse(API_KEYS.Fetch, v, 5, body))).toBe(true);
      expect(chunks).toContain(big);
      expect(chunks).toContain(bigger);
      expect(chunks).not.toContain(small);
      expect(chunks[0]!.readInt32BE(0)).toBe(chunks.reduce((n, c) => n + c.length, 0) - 4);
    }
    // Nothing large: one chunk.
    expect(encodeResponseChunks(API_KEYS.Heartbeat, 0, 1, {})).toHaveLength(1);
    // Encoding afterwards is back to copying.
    const frame = encodeResponse(API_KEYS.Fetch, 12, 5, body);
    expect(frame.includes(big)).toBe(true);
  });

  it('strings are UTF-8; compact lengths grow past one byte; over 32767 bytes is refused', () => {
    const codec = requestCodec(API_KEYS.FindCoordinator, 3);
    for (const key of [
      '',
      'é',
      'x'.repeat(41),
      'x'.repeat(42),
      'ü'.repeat(41),
      'ü'.repeat(64),
      '😀'.repeat(40),
      'y'.repeat(200),
      'z'.repeat(32767),
    ]) {
      const b = codec.encode({ key });
      expect(codec.decode(b).key).toBe(key);
      expect(b.length).toBe(
        Buffer.byteLength(key) +
          (Buffer.byteLength(key) + 1 < 128 ? 1 : Buffer.byteLength(key) + 1 < 16384 ? 2 : 3) +
          1 +
          1,
      );
    }
    expect(() => codec.encode({ key: 'z'.repeat(32768) })).toThrow(ProtocolEncodeError);
    expect(() => requestCodec(API_KEYS.FindCoordinator, 0).encode({ key: 'é'.repeat(20000) })).toThrow(
      ProtocolEncodeError,
    );
  });

  it('encoders refuse values that do not fit the schema', () => {
    const hb = requestCodec(API_KEYS.Heartbeat, 0);
    expect(() => hb.encode({ groupId: 'g', generationId: 2 ** 31 })).toThrow(/generationId: expected an int32/);
    expect(() => hb.encode({ groupId: 'g', generationId: 1.5 })).toThrow(ProtocolEncodeError);
    expect(() => hb.encode({ groupId: 7 as unknown as string })).toThrow(/groupId: expected a string/);
    expect(() => hb.encode({ groupId: null as unknown as string })).toThrow(ProtocolEncodeError);
    const md = requestCodec(API_KEYS.Metadata, 0);
    expect(() => md.encode({ topics: null })).toThrow(/non-nullable|array/);
    expect(() => md.encode({ topics: [null as never] })).toThrow(ProtocolEncodeError);
    const fr = responseCodec(API_KEYS.FindCoordinator, 0);
    expect(() => fr.encode({ errorCode: 40000 })).toThrow(/int16/);
    const sa = requestCodec(API_KEYS.SaslAuthenticate, 0);
    expect(() => sa.encode({ authBytes: 'text' as unknown as Buffer })).toThrow(/Buffer/);
    expect(() => encodeRequest(API_KEYS.Heartbeat, 99, 1, 'c', {})).toThrow(RangeError);
    expect(() => encodeRequest(12345, 0, 1, 'c', {})).toThrow(RangeError);
    expect(() => encodeRequest(API_KEYS.Heartbeat, 0, 2 ** 31, 'c', {})).toThrow(ProtocolEncodeError);
  });

  it('missing fields take their default; fields absent from the version decode as their default', () => {
    const codec = requestCodec(API_KEYS.Fetch, 3);
    const decoded = codec.decode(
      codec.encode({ maxWaitMs: 500, topics: [{ topic: 't', partitions: [{ partition: 2, fetchOffset: 10 }] }] }),
    );
    expect(decoded).toEqual({
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: 500,
      minBytes: 0,
      maxBytes: 0x7fffffff,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 't',
          topicId: ZERO_UUID,
          partitions: [
            {
              partition: 2,
              currentLeaderEpoch: -1,
              fetchOffset: 10,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 0,
              replicaDirectoryId: ZERO_UUID,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    // Decoded objects list their keys in definition order, whatever the version.
    expect(Object.keys(requestCodec(API_KEYS.Fetch, 17).decode(requestCodec(API_KEYS.Fetch, 17).encode({})))).toEqual(
      Object.keys(decoded),
    );
  });

  it('tagged fields are written only when they differ from their default', () => {
    const codec = responseCodec(API_KEYS.Fetch, 12);
    const plain = codec.encode({ responses: [{ topic: 't', partitions: [{ partitionIndex: 0, records: null }] }] });
    const withDefaults = codec.encode({
      responses: [
        {
          topic: 't',
          partitions: [{ partitionIndex: 0, records: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } }],
        },
      ],
    });
    expect(withDefaults.equals(plain)).toBe(true);
    const withLeader = codec.encode({
      responses: [{ topic: 't', partitions: [{ partitionIndex: 0, records: null, currentLeader: { leaderId: 3 } }] }],
    });
    // tag 1, size 8 (two int32s; the nested struct's own empty tag section makes 9).
    expect(withLeader.length).toBe(plain.length + 1 + 1 + 9);
    expect(codec.decode(withLeader).responses[0]!.partitions[0]!.currentLeader).toEqual({
      leaderId: 3,
      leaderEpoch: -1,
    });
  });
});

describe('consumer protocol structs', () => {
  it('subscription round-trips in every version, with the int16 version prefix', () => {
    const full = {
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2, 3]),
      ownedPartitions: [{ topic: 'a', partitions: [0, 3] }],
      generationId: 7,
      rackId: 'rack-1',
    };
    const expectedByVersion = [
      {
        version: 0,
        topics: ['a', 'b'],
        userData: Buffer.from([1, 2, 3]),
        ownedPartitions: [],
        generationId: -1,
        rackId: null,
      },
      {
        version: 1,
        topics: ['a', 'b'],
        userData: Buffer.from([1, 2, 3]),
        ownedPartitions: full.ownedPartitions,
        generationId: -1,
        rackId: null,
      },
      { version: 2, ...full, rackId: null },
      { version: 3, ...full },
    ];
    for (let v = 0; v <= 3; v++) {
      const b = encodeConsumerSubscription(v, full);
      expect(b.readInt16BE(0)).toBe(v);
      expect(decodeConsumerSubscription(b)).toEqual(expectedByVersion[v]);
    }
    // v0 layout: version, topics (int32 count, int16 strings), userData (int32 length).
    expect(encodeConsumerSubscription(0, { topics: ['t'], userData: null }).toString('hex')).toBe(
      '0000' + '00000001' + '000174' + 'ffffffff',
    );
  });

  it('a newer subscription version is read with the newest known layout, trailing bytes ignored', () => {
    const v3 = encodeConsumerSubscription(3, { topics: ['x'], rackId: 'r' });
    const v9 = Buffer.concat([v3, Buffer.from([9, 9, 9])]);
    v9.writeInt16BE(9, 0);
    expect(decodeConsumerSubscription(v9)).toMatchObject({ version: 9, topics: ['x'], rackId: 'r' });
  });

  it('assignment round-trips in every version', () => {
    for (let v = 0; v <= 3; v++) {
      const b = encodeConsumerAssignment(v, {
        assignedPartitions: [{ topic: 't', partitions: [0, 1, 2] }],
        userData: null,
      });
      expect(decodeConsumerAssignment(b)).toEqual({
        version: v,
        assignedPartitions: [{ topic: 't', partitions: [0, 1, 2] }],
        userData: null,
      });
    }
    expect(() => encodeConsumerAssignment(4, {})).toThrow(ProtocolEncodeError);
  });

  it('JoinGroup metadata and SyncGroup assignment bytes carry these structs', () => {
    const metadata = encodeConsumerSubscription(1, { topics: ['orders'] });
    const join = encodeRequest(API_KEYS.JoinGroup, 5, 1, 'c', {
      groupId: 'g',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata }],
    });
    const d = decodeRequest(join.subarray(4));
    if (d.apiKey !== API_KEYS.JoinGroup) throw new Error('not JoinGroup');
    expect(decodeConsumerSubscription(d.body.protocols[0]!.metadata).topics).toEqual(['orders']);
  });
});
