/**
 * The server's protocol behaviour, driven by a raw client (this project's
 * codec over a socket) so that every detail can be checked: ApiVersions and
 * KIP-511, what is closed and logged, acks=0, response order, produce to a
 * follower, compressed batches stored as received, long-poll fetch woken by
 * data, declined fetch sessions, max bytes, ListOffsets, Metadata with auto
 * creation and offline replicas, producer ids and idempotent deduplication.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batchBaseOffset, buildBatch, buildBatchAsync, decodeRecords, splitBatches } from '../../../core/record/index';
import { API_KEYS, encodeRequest } from '../../../core/protocol/index';
import { openCluster } from '../../helpers/temp-cluster';
import { RawClient, sleep, startKafka, within, type TestKafka } from './helpers';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka();
  await k.cluster.createTopic({ name: 'wire', partitions: 3, replicationFactor: 3 });
});

afterAll(async () => {
  await k?.stop();
});

function leaderOf(topic: string, partition: number): number {
  return k.cluster.partitions(topic)[partition]!.leader;
}

async function clientTo(brokerId: number): Promise<RawClient> {
  return RawClient.connect(k.port(brokerId));
}

describe('ApiVersions', () => {
  it("advertises exactly the served APIs, with version ranges within the codec's", async () => {
    const c = await clientTo(0);
    const r = await c.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
    expect(r.errorCode).toBe(0);
    const byKey = new Map(r.apiKeys.map((a) => [a.apiKey, a]));
    expect([...byKey.keys()].sort((a, b) => a - b)).toEqual(
      k.kafka
        .advertisedApis()
        .map((a) => a.apiKey)
        .sort((a, b) => a - b),
    );
    // Produce v0-2 are advertised but not served, as in Kafka 4.0 (KAFKA-18659).
    expect(byKey.get(API_KEYS.Produce)).toMatchObject({ minVersion: 0, maxVersion: 11 });
    expect(byKey.get(API_KEYS.Fetch)).toMatchObject({ minVersion: 4, maxVersion: 17 });
    expect(byKey.get(API_KEYS.Metadata)).toMatchObject({ minVersion: 0, maxVersion: 12 });
    for (const key of [
      API_KEYS.JoinGroup,
      API_KEYS.OffsetCommit,
      API_KEYS.DescribeCluster,
      API_KEYS.IncrementalAlterConfigs,
      API_KEYS.InitProducerId,
    ])
      expect(byKey.has(key)).toBe(true);
    // No users configured: SASL is not offered.
    expect(byKey.has(API_KEYS.SaslHandshake)).toBe(false);
    c.close();
  });

  it('answers a too-new ApiVersions with UNSUPPORTED_VERSION and the ranges in a v0 response (KIP-511)', async () => {
    const c = await clientTo(1);
    // Version 127 of ApiVersions, flexible header (v2) as a newer client would send it.
    const frame = encodeRequest(API_KEYS.ApiVersions, 4, 7, 'future-client', {
      clientSoftwareName: 'x',
      clientSoftwareVersion: '9',
    });
    frame.writeInt16BE(127, 6);
    c.write(frame);
    await vi.waitFor(() => expect(c.frames.length).toBe(1), { timeout: 20_000, interval: 10 });
    const f = c.frames[0]!;
    // Header v0 (no tagged fields), then the v0 body: error code, api keys array (int32 count).
    expect(f.readInt32BE(0)).toBe(7);
    expect(f.readInt16BE(4)).toBe(35);
    const count = f.readInt32BE(6);
    expect(count).toBe(k.kafka.advertisedApis().length);
    const entries = Array.from({ length: count }, (_, i) => [
      f.readInt16BE(10 + i * 6),
      f.readInt16BE(12 + i * 6),
      f.readInt16BE(14 + i * 6),
    ]);
    expect(entries).toContainEqual([API_KEYS.ApiVersions, 0, 4]);
    // The connection stays usable: the client retries with a version it now knows.
    const r = await c.request(API_KEYS.ApiVersions, 0);
    expect(r.errorCode).toBe(0);
    expect(k.logs.some((l) => l.type === 'unsupported' && l.apiKey === API_KEYS.ApiVersions)).toBe(true);
    c.close();
  });

  it('closes the connection, and logs, for an unknown API key or an unserved version', async () => {
    const a = await clientTo(0);
    const frame = encodeRequest(API_KEYS.Metadata, 1, 1, 'x', { topics: [] });
    frame.writeInt16BE(999, 4);
    a.write(frame);
    expect((await within(a.closed, 2000)).done).toBe(true);
    const b = await clientTo(0);
    b.send(API_KEYS.Produce, 2, { acks: 1, timeoutMs: 1000, topicData: [] });
    expect((await within(b.closed, 2000)).done).toBe(true);
    expect(
      k.logs.filter((l) => l.type === 'unsupported' && (l.apiKey === 999 || l.apiKey === API_KEYS.Produce)).length,
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('Produce', () => {
  it('acks=0 gets no response at all, yet the records are stored', async () => {
    const leader = leaderOf('wire', 0);
    const c = await clientTo(leader);
    const before = k.cluster.partitions('wire')[0]!.highWatermark;
    const batch = await buildBatchAsync({ records: [{ key: 'a', value: 'fire-and-forget' }] });
    const id = c.send(API_KEYS.Produce, 9, {
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'wire', partitionData: [{ index: 0, records: batch }] }],
    });
    const md = await c.request(API_KEYS.Metadata, 12, { topics: [] });
    expect(md.brokers.length).toBe(3);
    // Only the Metadata response arrived: its correlation id follows the produce's.
    expect(c.frames.map((f) => f.readInt32BE(0))).toEqual([id + 1]);
    // acks=0 says nothing about when the record is stored and replicated: wait for the high watermark.
    await vi.waitFor(() => expect(k.cluster.partitions('wire')[0]!.highWatermark).toBe(before + 1), {
      timeout: 20_000,
      interval: 10,
    });
    c.close();
  });

  it('sent to a follower, answers NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint', async () => {
    const leader = leaderOf('wire', 1);
    const follower = [0, 1, 2].find((b) => b !== leader)!;
    const c = await clientTo(follower);
    const batch = await buildBatchAsync({ records: [{ value: 'x' }] });
    const r = await c.request(API_KEYS.Produce, 10, {
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'wire', partitionData: [{ index: 1, records: batch }] }],
    });
    const p = r.responses[0]!.partitionResponses[0]!;
    expect(p.errorCode).toBe(6);
    expect(p.currentLeader.leaderId).toBe(leader);
    expect(r.nodeEndpoints).toEqual([{ nodeId: leader, host: '127.0.0.1', port: k.port(leader), rack: null }]);
    c.close();
  });

  it('stores compressed batches (gzip, snappy, lz4, zstd) as received and serves them back', async () => {
    await k.cluster.createTopic({ name: 'codecs', partitions: 1, replicationFactor: 3 });
    const leader = leaderOf('codecs', 0);
    const c = await clientTo(leader);
    const sent: Buffer[] = [];
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const batch = await buildBatchAsync({
        compression,
        records: Array.from({ length: 20 }, (_, i) => ({
          key: `k${i}`,
          value: `${compression} value ${i} `.repeat(5),
        })),
      });
      sent.push(Buffer.from(batch));
      const r = await c.request(API_KEYS.Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'codecs', partitionData: [{ index: 0, records: batch }] }],
      });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
    const f = await c.request(API_KEYS.Fetch, 12, {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'codecs', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const batches = splitBatches(f.responses[0]!.partitions[0]!.records!);
    expect(batches.length).toBe(4);
    batches.forEach((b, i) => {
      // Everything after the base offset, length and leader epoch is byte for byte what the client sent.
      expect(b.subarray(16).equals(sent[i]!.subarray(16))).toBe(true);
      expect(batchBaseOffset(b)).toBe(i * 20);
    });
    const decoded = await decodeRecords(batches[3]!);
    expect(decoded[19]!.value!.toString()).toContain('zstd value 19');
    c.close();
  });

  it('closes the connection on Produce v0-2 (advertised for librdkafka, not served) and stores nothing', async () => {
    for (const version of [0, 1, 2]) {
      const c = await clientTo(leaderOf('wire', 1));
      const before = k.cluster.partitions('wire')[1]!.logEndOffset;
      const batch = buildBatch({ records: [{ value: `old v${version}` }] });
      c.send(API_KEYS.Produce, version, {
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'wire', partitionData: [{ index: 1, records: batch }] }],
      });
      await c.closed;
      expect(c.frames.length).toBe(0);
      expect(k.cluster.partitions('wire')[1]!.logEndOffset).toBe(before);
      expect(
        k.logs.some((l) => l.type === 'unsupported' && l.apiKey === API_KEYS.Produce && l.apiVersion === version),
      ).toBe(true);
    }
  });

  it('gives each InitProducerId without a transactional id a fresh id at epoch 0, whatever it carries', async () => {
    const c = await clientTo(0);
    const ids = new Set<number>();
    // @platformatic/kafka sends producerId 0, epoch 0 (v5); kafkajs v1 carries no id; v4 with -1/-1 is librdkafka's.
    for (const [version, producerId, producerEpoch] of [
      [5, 0, 0],
      [5, 0, 0],
      [4, -1, -1],
      [1, -1, -1],
      [3, 7, 3],
    ] as const) {
      const r = await c.request(API_KEYS.InitProducerId, version, {
        transactionalId: null,
        transactionTimeoutMs: 60000,
        producerId,
        producerEpoch,
      });
      expect(r).toMatchObject({ errorCode: 0, producerEpoch: 0 });
      ids.add(Number(r.producerId));
    }
    expect(ids.size).toBe(5);
    c.close();
  });

  it('appends pipelined batches in request order although compressed ones are validated asynchronously', async () => {
    const c = await clientTo(leaderOf('wire', 0));
    const init = await c.request(API_KEYS.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    const pid = Number(init.producerId);
    // A large gzip batch (decompressed off the event loop) followed at once by small plain ones.
    const big = await buildBatchAsync({
      compression: 'gzip',
      producerId: pid,
      producerEpoch: 0,
      baseSequence: 0,
      records: Array.from({ length: 2000 }, (_, i) => ({ value: `gzip ${i} `.repeat(20) })),
    });
    const small = (seq: number) =>
      buildBatch({ producerId: pid, producerEpoch: 0, baseSequence: seq, records: [{ value: `plain ${seq}` }] });
    const send = (records: Buffer) =>
      c.request(API_KEYS.Produce, 9, {
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'wire', partitionData: [{ index: 0, records }] }],
      });
    const rs = await Promise.all([send(big), send(small(2000)), send(small(2001))]);
    const parts = rs.map((r) => r.responses[0]!.partitionResponses[0]!);
    expect(parts.map((p) => p.errorCode)).toEqual([0, 0, 0]);
    expect(parts[1]!.baseOffset).toBe(parts[0]!.baseOffset + 2000);
    expect(parts[2]!.baseOffset).toBe(parts[1]!.baseOffset + 1);
    c.close();
  });

  it('deduplicates a retried idempotent batch and refuses a sequence gap', async () => {
    const c = await clientTo(leaderOf('wire', 2));
    const init = await c.request(API_KEYS.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1,
      producerEpoch: -1,
    });
    expect(init.errorCode).toBe(0);
    const pid = init.producerId;
    const produce = async (baseSequence: number, value: string) => {
      const batch = await buildBatchAsync({
        producerId: pid,
        producerEpoch: init.producerEpoch,
        baseSequence,
        records: [{ value }, { value: `${value}-2` }],
      });
      const r = await c.request(API_KEYS.Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'wire', partitionData: [{ index: 2, records: batch }] }],
      });
      return r.responses[0]!.partitionResponses[0]!;
    };
    const first = await produce(0, 'one');
    const retry = await produce(0, 'one');
    expect(first.errorCode).toBe(0);
    expect(retry).toMatchObject({ errorCode: 0, baseOffset: first.baseOffset });
    expect((await produce(2, 'two')).errorCode).toBe(0);
    const gap = await produce(7, 'gap');
    expect(gap.errorCode).toBe(45); // OUT_OF_ORDER_SEQUENCE_NUMBER
    const records = await k.cluster.readRecords({
      topic: 'wire',
      partition: 2,
      start: { type: 'earliest' },
      limit: 100,
    });
    expect(records.map((r) => r.value?.toString()).filter((v) => v?.startsWith('one'))).toEqual(['one', 'one-2']);
    c.close();
  });

  it('allocates producer ids that stay unique across a cluster restart', async () => {
    const t = await openCluster({ brokers: 1 });
    try {
      const before = await Promise.all(Array.from({ length: 5 }, () => t.cluster.allocateProducerId()));
      expect(new Set(before).size).toBe(5);
      await t.reopen();
      const after = await t.cluster.allocateProducerId();
      expect(after).toBeGreaterThan(Math.max(...before));
    } finally {
      await t.cleanup();
    }
  });
});

describe('Fetch', () => {
  it('waits for data and is woken by an append, not by polling', async () => {
    await k.cluster.createTopic({ name: 'longpoll', partitions: 1, replicationFactor: 3 });
    const c = await clientTo(leaderOf('longpoll', 0));
    const started = Date.now();
    // maxWaitMs far beyond the test's timeout: the fetch can only answer by being woken by the append.
    const fetching = c.request(API_KEYS.Fetch, 11, {
      maxWaitMs: 600_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'longpoll', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    await sleep(300);
    await k.cluster.produce('longpoll', [{ value: 'wake up' }], { acks: 1 });
    const r = await fetching;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    const p = r.responses[0]!.partitions[0]!;
    expect(p.highWatermark).toBe(1);
    expect((await decodeRecords(splitBatches(p.records!)[0]!))[0]!.value!.toString()).toBe('wake up');
    c.close();
  });

  it('declines fetch sessions: session id 0 back, unknown session ids refused', async () => {
    const c = await clientTo(leaderOf('wire', 0));
    const req = {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [{ topic: 'wire', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    };
    const fresh = await c.request(API_KEYS.Fetch, 11, { ...req, sessionId: 0, sessionEpoch: 0 });
    expect(fresh).toMatchObject({ errorCode: 0, sessionId: 0 });
    const unknown = await c.request(API_KEYS.Fetch, 11, { ...req, sessionId: 1234, sessionEpoch: 1 });
    expect(unknown.errorCode).toBe(70); // FETCH_SESSION_ID_NOT_FOUND
    c.close();
  });

  it('keeps to partition and response max bytes, always one batch at least, with HW and log start', async () => {
    await k.cluster.createTopic({ name: 'sizes', partitions: 2, replicationFactor: 1, assignments: [[0], [0]] });
    for (let i = 0; i < 10; i++) {
      await k.cluster.produceBatch('sizes', 0, await buildBatchAsync({ records: [{ value: Buffer.alloc(1000, i) }] }), {
        acks: 1,
      });
      await k.cluster.produceBatch('sizes', 1, await buildBatchAsync({ records: [{ value: Buffer.alloc(1000, i) }] }), {
        acks: 1,
      });
    }
    await k.cluster.deleteRecords('sizes', 1, 2);
    const c = await clientTo(0);
    const fetch = (partitionMaxBytes: number, maxBytes: number) =>
      c.request(API_KEYS.Fetch, 12, {
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes,
        topics: [
          {
            topic: 'sizes',
            partitions: [
              { partition: 0, fetchOffset: 0, partitionMaxBytes },
              { partition: 1, fetchOffset: 2, partitionMaxBytes },
            ],
          },
        ],
      });
    const small = await fetch(10, 1 << 20);
    expect(splitBatches(small.responses[0]!.partitions[0]!.records!).length).toBe(1);
    expect(small.responses[0]!.partitions[1]!).toMatchObject({ highWatermark: 10, logStartOffset: 2 });
    const limited = await fetch(1 << 20, 3000);
    const counts = limited.responses[0]!.partitions.map((p) => splitBatches(p.records!).length);
    expect(counts[0]).toBeGreaterThanOrEqual(1);
    expect(counts[0]! + counts[1]!).toBeLessThan(20);
    c.close();
  });
});

describe('ListOffsets', () => {
  it('answers earliest, latest, max timestamp and by timestamp', async () => {
    await k.cluster.createTopic({ name: 'times', partitions: 1, replicationFactor: 3 });
    const t0 = Date.now() - 100_000;
    for (let i = 0; i < 5; i++) await k.cluster.produce('times', [{ value: `v${i}`, timestamp: t0 + i * 1000 }]);
    const c = await clientTo(leaderOf('times', 0));
    const ask = async (timestamp: number) =>
      (
        await c.request(API_KEYS.ListOffsets, 7, {
          replicaId: -1,
          topics: [{ name: 'times', partitions: [{ partitionIndex: 0, timestamp }] }],
        })
      ).topics[0]!.partitions[0]!;
    expect((await ask(-2)).offset).toBe(0);
    expect((await ask(-1)).offset).toBe(5);
    expect(await ask(-3)).toMatchObject({ offset: 4, timestamp: t0 + 4000 });
    expect(await ask(t0 + 2500)).toMatchObject({ offset: 3, timestamp: t0 + 3000 });
    expect((await ask(t0 + 99_999)).offset).toBe(-1);
    c.close();
  });
});

describe('Metadata', () => {
  it('auto-creates a requested topic with the default partitions when allowed, and not otherwise', async () => {
    const c = await clientTo(2);
    const denied = await c.request(API_KEYS.Metadata, 9, {
      topics: [{ name: 'auto-no' }],
      allowAutoTopicCreation: false,
    });
    expect(denied.topics[0]!.errorCode).toBe(3);
    const created = await c.request(API_KEYS.Metadata, 9, {
      topics: [{ name: 'auto-yes' }],
      allowAutoTopicCreation: true,
    });
    expect(created.topics[0]).toMatchObject({ errorCode: 0, name: 'auto-yes' });
    expect(created.topics[0]!.partitions.length).toBe(k.cluster.options.defaultPartitions);
    expect(created.topics[0]!.partitions[0]!.replicaNodes.length).toBe(3);
    const bad = await c.request(API_KEYS.Metadata, 9, {
      topics: [{ name: 'bad name!' }],
      allowAutoTopicCreation: true,
    });
    expect(bad.topics[0]!.errorCode).toBe(17);
    c.close();
  });

  it('answers responses in request order even when a later request completes first', async () => {
    const c = await clientTo(leaderOf('wire', 0));
    const slow = c.request(API_KEYS.Fetch, 11, {
      maxWaitMs: 400,
      minBytes: 1 << 30,
      maxBytes: 1 << 20,
      topics: [{ topic: 'wire', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
    });
    const fast = c.request(API_KEYS.Metadata, 12, { topics: null });
    const order: string[] = [];
    await Promise.all([slow.then(() => order.push('fetch')), fast.then(() => order.push('metadata'))]);
    expect(order).toEqual(['fetch', 'metadata']);
    c.close();
  });
});

describe('Broker lifecycle', () => {
  it("closes a stopped broker's listener, reports its replicas offline, reopens the same port on start", async () => {
    const port1 = k.port(1);
    const c = await clientTo(1);
    await k.cluster.stopBroker(1);
    expect((await within(c.closed, 2000)).done).toBe(true);
    expect(k.kafka.ports().find((p) => p.brokerId === 1)!.port).toBeNull();
    expect(k.cluster.broker(1).port).toBeNull();
    const other = await clientTo(0);
    const md = await other.request(API_KEYS.Metadata, 12, { topics: [{ name: 'wire' }] });
    expect(md.brokers.map((b) => b.nodeId).sort()).toEqual([0, 2]);
    for (const p of md.topics[0]!.partitions) {
      expect(p.offlineReplicas).toEqual([1]);
      expect(p.leaderId).not.toBe(1);
    }
    await expect(RawClient.connect(port1)).rejects.toThrow();
    await k.cluster.startBroker(1);
    await vi.waitFor(() => expect(k.port(1)).toBe(port1), { timeout: 20_000, interval: 10 });
    const again = await clientTo(1);
    expect((await again.request(API_KEYS.ApiVersions, 0)).errorCode).toBe(0);
    again.close();
    other.close();
  });
});
