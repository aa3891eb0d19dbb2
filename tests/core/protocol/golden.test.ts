/**
 * Golden bytes: request frames captured from real clients (kafkajs 2.2.4 and
 * @platformatic/kafka 1.35) by fixtures/capture.ts against fixtures/fake-broker.ts,
 * committed as hex. Each must decode to the values the client was asked to
 * send and re-encode byte for byte.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  API_KEYS,
  API_NAMES,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  decodeRequest,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  encodeRequest,
  type DecodedRequest,
} from '../../../core/protocol/index';
import type { CapturedFrame } from './fixtures/fake-broker';

const here = dirname(fileURLToPath(import.meta.url));

interface FixtureFile {
  client: string;
  golden: { topic: string; group: string; key: string; value: string };
  frames: CapturedFrame[];
}

const load = (name: string): FixtureFile =>
  JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as FixtureFile;
const kafkajs = load('kafkajs-frames.json');
const platformatic = load('platformatic-frames.json');

function frameOf(file: FixtureFile, apiKey: number): { frame: Buffer; decoded: DecodedRequest } {
  const f = file.frames.find((x) => x.apiKey === apiKey);
  if (!f) throw new Error(`${file.client}: no ${API_NAMES[apiKey]} frame`);
  const frame = Buffer.from(f.hex, 'hex');
  return { frame, decoded: decodeRequest(frame) };
}

/** The body of a record batch (magic v2) holds the key and value verbatim when uncompressed. */
function expectBatchHolds(records: Buffer, key: string | null, value: string): void {
  expect(records.readInt8(16)).toBe(2); // magic
  expect(records.readInt32BE(8)).toBe(records.length - 12); // batchLength
  expect(records.readInt32BE(57)).toBe(1); // one record
  if (key !== null) expect(records.includes(Buffer.from(key))).toBe(true);
  expect(records.includes(Buffer.from(value))).toBe(true);
}

for (const file of [kafkajs, platformatic]) {
  describe(`golden request frames from ${file.client}`, () => {
    it('every captured frame decodes completely and re-encodes byte-identically', () => {
      expect(file.frames.length).toBeGreaterThan(10);
      for (const f of file.frames) {
        const frame = Buffer.from(f.hex, 'hex');
        const d = decodeRequest(frame);
        const label = `${API_NAMES[f.apiKey]} v${f.apiVersion}`;
        expect(d.apiKey, label).toBe(f.apiKey);
        expect(d.apiVersion, label).toBe(f.apiVersion);
        expect(d.trailingBytes, label).toBe(0);
        const again = encodeRequest(d.apiKey, d.apiVersion, d.header.correlationId, d.header.clientId, d.body as never);
        expect(again.readInt32BE(0), label).toBe(frame.length);
        expect(again.subarray(4).toString('hex'), label).toBe(f.hex);
      }
    });

    it('the consumer-protocol subscription and assignment inside JoinGroup/SyncGroup decode and re-encode', () => {
      const join = frameOf(file, API_KEYS.JoinGroup).decoded;
      if (join.apiKey !== API_KEYS.JoinGroup) throw new Error('not JoinGroup');
      const meta = join.body.protocols[0]!.metadata;
      const sub = decodeConsumerSubscription(meta);
      expect(sub.topics).toEqual([file.golden.topic]);
      const sync = frameOf(file, API_KEYS.SyncGroup).decoded;
      if (sync.apiKey !== API_KEYS.SyncGroup) throw new Error('not SyncGroup');
      const bytes = sync.body.assignments[0]!.assignment;
      const asg = decodeConsumerAssignment(bytes);
      expect(asg.assignedPartitions).toEqual([{ topic: file.golden.topic, partitions: [0] }]);
      expect(encodeConsumerAssignment(asg.version, asg).equals(bytes)).toBe(true);
      if (file === kafkajs) expect(encodeConsumerSubscription(sub.version, sub).equals(meta)).toBe(true);
    });
  });
}

describe('kafkajs 2.2.4 frames carry the expected values', () => {
  const g = kafkajs.golden;
  const client = { clientId: 'golden-kafkajs', headerVersion: 1 };

  it('ApiVersions v2 (first request, correlation id 0, empty body)', () => {
    const { frame, decoded } = frameOf(kafkajs, API_KEYS.ApiVersions);
    expect(decoded.header).toEqual({
      apiKey: 18,
      apiVersion: 2,
      correlationId: 0,
      clientId: 'golden-kafkajs',
      headerVersion: 1,
      headerSize: 24,
    });
    expect(frame.length).toBe(24);
  });

  it('Metadata v6 for all topics', () => {
    const { decoded } = frameOf(kafkajs, API_KEYS.Metadata);
    expect(decoded.header).toMatchObject({ ...client, apiVersion: 6 });
    expect(decoded.body).toMatchObject({ topics: null, allowAutoTopicCreation: false });
  });

  it('CreateTopics v3', () => {
    const { decoded } = frameOf(kafkajs, API_KEYS.CreateTopics);
    expect(decoded.apiVersion).toBe(3);
    expect(decoded.body).toEqual({
      topics: [{ name: g.topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
  });

  it('Produce v7 with acks=-1 and one uncompressed record batch holding the message', () => {
    const { decoded } = frameOf(kafkajs, API_KEYS.Produce);
    if (decoded.apiKey !== API_KEYS.Produce) throw new Error('not Produce');
    expect(decoded.apiVersion).toBe(7);
    expect(decoded.body).toMatchObject({
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: g.topic, partitionData: [{ index: 0 }] }],
    });
    const records = decoded.body.topicData[0]!.partitionData[0]!.records!;
    expectBatchHolds(records, g.key, g.value);
    expect(Number(records.readBigInt64BE(27))).toBe(1700000000000); // baseTimestamp
  });

  it('group flow: FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, Heartbeat, OffsetCommit, LeaveGroup', () => {
    expect(frameOf(kafkajs, API_KEYS.FindCoordinator).decoded).toMatchObject({
      apiVersion: 2,
      body: { key: g.group, keyType: 0 },
    });
    expect(frameOf(kafkajs, API_KEYS.JoinGroup).decoded).toMatchObject({
      apiVersion: 5,
      body: {
        groupId: g.group,
        sessionTimeoutMs: 30000,
        rebalanceTimeoutMs: 60000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'RoundRobinAssigner' }],
      },
    });
    expect(frameOf(kafkajs, API_KEYS.SyncGroup).decoded).toMatchObject({
      apiVersion: 3,
      body: { groupId: g.group, generationId: 1, memberId: 'member-1', assignments: [{ memberId: 'member-1' }] },
    });
    expect(frameOf(kafkajs, API_KEYS.OffsetFetch).decoded).toMatchObject({
      apiVersion: 4,
      body: { groupId: g.group, topics: [{ name: g.topic, partitionIndexes: [0] }] },
    });
    expect(frameOf(kafkajs, API_KEYS.Heartbeat).decoded).toMatchObject({
      apiVersion: 3,
      body: { groupId: g.group, generationId: 1, memberId: 'member-1', groupInstanceId: null },
    });
    expect(frameOf(kafkajs, API_KEYS.OffsetCommit).decoded).toMatchObject({
      apiVersion: 5,
      body: {
        groupId: g.group,
        generationIdOrMemberEpoch: 1,
        memberId: 'member-1',
        topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
      },
    });
    expect(frameOf(kafkajs, API_KEYS.LeaveGroup).decoded).toMatchObject({
      apiVersion: 3,
      body: { groupId: g.group, members: [{ memberId: 'member-1' }] },
    });
  });

  it('consumer fetch path: ListOffsets v3 (earliest) and Fetch v11', () => {
    expect(frameOf(kafkajs, API_KEYS.ListOffsets).decoded).toMatchObject({
      apiVersion: 3,
      body: {
        replicaId: -1,
        isolationLevel: 1,
        topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, timestamp: -2 }] }],
      },
    });
    expect(frameOf(kafkajs, API_KEYS.Fetch).decoded).toMatchObject({
      apiVersion: 11,
      body: {
        replicaId: -1,
        maxWaitMs: 50,
        minBytes: 1,
        maxBytes: 10485760,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: g.topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1048576 }] }],
        rackId: '',
      },
    });
  });

  it("admin tour: partitions, configs, groups, records and topics at kafkajs' versions (listed below)", () => {
    expect(frameOf(kafkajs, API_KEYS.CreatePartitions).decoded).toMatchObject({
      apiVersion: 1,
      body: { topics: [{ name: g.topic, count: 3, assignments: null }] },
    });
    expect(frameOf(kafkajs, API_KEYS.DescribeConfigs).decoded).toMatchObject({
      apiVersion: 2,
      body: {
        resources: [{ resourceType: 2, resourceName: g.topic, configurationKeys: ['retention.ms'] }],
        includeSynonyms: false,
      },
    });
    expect(frameOf(kafkajs, API_KEYS.AlterConfigs).decoded).toMatchObject({
      apiVersion: 1,
      body: {
        resources: [{ resourceType: 2, resourceName: g.topic, configs: [{ name: 'retention.ms', value: '60000' }] }],
      },
    });
    expect(frameOf(kafkajs, API_KEYS.ListGroups).decoded).toMatchObject({ apiVersion: 2 });
    expect(frameOf(kafkajs, API_KEYS.DescribeGroups).decoded).toMatchObject({
      apiVersion: 2,
      body: { groups: [g.group] },
    });
    expect(frameOf(kafkajs, API_KEYS.DeleteRecords).decoded).toMatchObject({
      apiVersion: 1,
      body: { topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, offset: 1 }] }] },
    });
    expect(frameOf(kafkajs, API_KEYS.DeleteGroups).decoded).toMatchObject({
      apiVersion: 1,
      body: { groupsNames: [g.group] },
    });
    expect(frameOf(kafkajs, API_KEYS.DeleteTopics).decoded).toMatchObject({
      apiVersion: 1,
      body: { topicNames: [g.topic], timeoutMs: 1000 },
    });
  });

  it('idempotent producer: InitProducerId v1; SASL: SaslHandshake v1 then SaslAuthenticate v1 with PLAIN bytes', () => {
    expect(frameOf(kafkajs, API_KEYS.InitProducerId).decoded).toMatchObject({
      apiVersion: 1,
      body: { transactionalId: null, transactionTimeoutMs: 60000 },
    });
    expect(frameOf(kafkajs, API_KEYS.SaslHandshake).decoded).toMatchObject({
      apiVersion: 1,
      header: { clientId: 'golden-kafkajs-sasl' },
      body: { mechanism: 'PLAIN' },
    });
    const auth = frameOf(kafkajs, API_KEYS.SaslAuthenticate).decoded;
    if (auth.apiKey !== API_KEYS.SaslAuthenticate) throw new Error('not SaslAuthenticate');
    expect(auth.apiVersion).toBe(1);
    expect(auth.body.authBytes.toString('latin1')).toBe('\0alice\0secret');
  });

  it('JoinGroup metadata is a v0 subscription; SyncGroup assignment a v0 assignment', () => {
    const join = frameOf(kafkajs, API_KEYS.JoinGroup).decoded;
    if (join.apiKey !== API_KEYS.JoinGroup) throw new Error('not JoinGroup');
    expect(decodeConsumerSubscription(join.body.protocols[0]!.metadata)).toEqual({
      version: 0,
      topics: [g.topic],
      userData: Buffer.alloc(0),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });
});

describe('@platformatic/kafka 1.35 frames (flexible versions) carry the expected values', () => {
  const g = platformatic.golden;

  it('ApiVersions v3: header v2 (client id int16-prefixed, empty tag section), compact client software strings', () => {
    const { frame, decoded } = frameOf(platformatic, API_KEYS.ApiVersions);
    expect(decoded.header).toEqual({
      apiKey: 18,
      apiVersion: 3,
      correlationId: 1,
      clientId: 'golden-platformatic',
      headerVersion: 2,
      headerSize: 30,
    });
    expect(frame[29]).toBe(0); // header tagged fields: none
    expect(decoded.body).toEqual({ clientSoftwareName: 'platformatic-kafka', clientSoftwareVersion: '1.35.0' });
  });

  it('Metadata v12 asks for one topic by name with a zero topic id', () => {
    const { decoded } = frameOf(platformatic, API_KEYS.Metadata);
    expect(decoded.apiVersion).toBe(12);
    expect(decoded.header.headerVersion).toBe(2);
    expect(decoded.body).toEqual({
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: g.topic }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: true,
    });
  });

  it('CreateTopics v7 and Produce v11 (acks=1) with the message in its record batch', () => {
    expect(frameOf(platformatic, API_KEYS.CreateTopics).decoded).toMatchObject({
      apiVersion: 7,
      body: { topics: [{ name: g.topic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 },
    });
    const { decoded } = frameOf(platformatic, API_KEYS.Produce);
    if (decoded.apiKey !== API_KEYS.Produce) throw new Error('not Produce');
    expect(decoded.apiVersion).toBe(11);
    expect(decoded.body).toMatchObject({
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: g.topic, partitionData: [{ index: 0 }] }],
    });
    expectBatchHolds(decoded.body.topicData[0]!.partitionData[0]!.records!, g.key, g.value);
  });

  it('group and fetch flow: coordinator, join, sync, ListOffsets v9, Fetch v17 by topic id, LeaveGroup v5', () => {
    expect(frameOf(platformatic, API_KEYS.FindCoordinator).decoded).toMatchObject({
      apiVersion: 6,
      body: { keyType: 0, coordinatorKeys: [g.group] },
    });
    expect(frameOf(platformatic, API_KEYS.JoinGroup).decoded).toMatchObject({
      apiVersion: 9,
      body: { groupId: g.group, protocolType: 'consumer', protocols: [{ name: 'roundrobin' }], reason: '' },
    });
    expect(frameOf(platformatic, API_KEYS.SyncGroup).decoded).toMatchObject({
      apiVersion: 5,
      body: { groupId: g.group, protocolType: 'consumer', protocolName: 'roundrobin' },
    });
    expect(frameOf(platformatic, API_KEYS.ListOffsets).decoded).toMatchObject({
      apiVersion: 9,
      body: { isolationLevel: 1, topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, timestamp: -2 }] }] },
    });
    const fetch = frameOf(platformatic, API_KEYS.Fetch).decoded;
    expect(fetch).toMatchObject({
      apiVersion: 17,
      body: { maxWaitMs: 50, topics: [{ topic: '', partitions: [{ partition: 0, fetchOffset: 0 }] }] },
    });
    if (fetch.apiKey !== API_KEYS.Fetch) throw new Error('not Fetch');
    expect(Buffer.from(fetch.body.topics[0]!.topicId, 'base64url').toString()).toBe('golden-topic####');
    expect(frameOf(platformatic, API_KEYS.LeaveGroup).decoded).toMatchObject({
      apiVersion: 5,
      body: { groupId: g.group, members: [{ memberId: 'member-1' }] },
    });
  });

  it('JoinGroup metadata: a v1 subscription that leaves off OwnedPartitions decodes with defaults', () => {
    const join = frameOf(platformatic, API_KEYS.JoinGroup).decoded;
    if (join.apiKey !== API_KEYS.JoinGroup) throw new Error('not JoinGroup');
    expect(decodeConsumerSubscription(join.body.protocols[0]!.metadata)).toEqual({
      version: 1,
      topics: [g.topic],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('admin tour at flexible versions: partitions, configs, groups, log dirs, offsets, records, topics', () => {
    const expectations: Array<[number, number, unknown]> = [
      [API_KEYS.CreatePartitions, 3, { topics: [{ name: g.topic, count: 3, assignments: [] }] }],
      [
        API_KEYS.DescribeConfigs,
        4,
        { resources: [{ resourceType: 2, resourceName: g.topic, configurationKeys: ['retention.ms'] }] },
      ],
      [
        API_KEYS.AlterConfigs,
        2,
        {
          resources: [{ resourceType: 2, resourceName: g.topic, configs: [{ name: 'retention.ms', value: '60000' }] }],
        },
      ],
      [
        API_KEYS.IncrementalAlterConfigs,
        1,
        {
          resources: [
            {
              resourceType: 2,
              resourceName: g.topic,
              configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }],
            },
          ],
        },
      ],
      [API_KEYS.ListGroups, 5, { statesFilter: [], typesFilter: ['classic'] }],
      [API_KEYS.DescribeGroups, 5, { groups: [g.group] }],
      [API_KEYS.DescribeLogDirs, 4, { topics: [{ topic: g.topic, partitions: [0] }] }],
      [API_KEYS.OffsetFetch, 9, { groups: [{ groupId: g.group, memberId: null, memberEpoch: -1, topics: null }] }],
      [
        API_KEYS.OffsetCommit,
        9,
        { groupId: g.group, topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, committedOffset: 1 }] }] },
      ],
      [
        API_KEYS.OffsetDelete,
        0,
        { groupId: g.group, topics: [{ name: g.topic, partitions: [{ partitionIndex: 0 }] }] },
      ],
      [API_KEYS.DeleteRecords, 2, { topics: [{ name: g.topic, partitions: [{ partitionIndex: 0, offset: 1 }] }] }],
      [API_KEYS.DeleteGroups, 2, { groupsNames: [g.group] }],
      [API_KEYS.DeleteTopics, 6, { topics: [{ name: g.topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
    ];
    for (const [apiKey, version, body] of expectations) {
      expect(frameOf(platformatic, apiKey).decoded, API_NAMES[apiKey]).toMatchObject({ apiVersion: version, body });
    }
  });

  it('InitProducerId v5; SASL: SaslHandshake v1 (header v1) then SaslAuthenticate v2 (flexible, header v2)', () => {
    expect(frameOf(platformatic, API_KEYS.InitProducerId).decoded).toMatchObject({
      apiVersion: 5,
      body: { transactionalId: null },
    });
    expect(frameOf(platformatic, API_KEYS.SaslHandshake).decoded).toMatchObject({
      apiVersion: 1,
      header: { headerVersion: 1 },
      body: { mechanism: 'PLAIN' },
    });
    const auth = frameOf(platformatic, API_KEYS.SaslAuthenticate).decoded;
    if (auth.apiKey !== API_KEYS.SaslAuthenticate) throw new Error('not SaslAuthenticate');
    expect(auth.header.headerVersion).toBe(2);
    expect(auth.body.authBytes.toString('latin1')).toBe('\0alice\0secret');
  });
});
