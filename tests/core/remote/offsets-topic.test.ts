/**
 * Commit times, generation and leader of a remote group, read from `__consumer_offsets` of a second Noticeboard
 * (its own process): checked against what that cluster's own API says of the group and what kafkajs was told
 * when it joined; later commits are picked up on the next describe; a cluster without a readable offsets topic
 * gets "unknown" with the reason, never a guess.
 */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import { readGroupHistory } from '../../../core/remote/offsets-topic';
import type { RecordsContext } from '../../../core/remote/records';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let nb: SecondNoticeboard;
let remote: RemoteCluster;
let kafka: Kafka;
let consumer: Consumer;
let joined: { leaderId: string; memberId: string; groupProtocol: string } | null = null;
let seen = 0;

beforeAll(async () => {
  nb = await startSecondNoticeboard({ brokers: 1 });
  await nb.api.createTopic({ name: 'events', partitions: 3, replicationFactor: 1 });
  await nb.api.produce({
    topic: 'events',
    records: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  kafka = new Kafka({ clientId: 'history-test', brokers: nb.bootstrap, logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: 'history', sessionTimeout: 10_000, heartbeatInterval: 500 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = { leaderId: e.payload.leaderId, memberId: e.payload.memberId, groupProtocol: e.payload.groupProtocol };
  });
  await consumer.connect();
  await consumer.subscribe({ topic: 'events', fromBeginning: true });
  await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
  remote = await openRemoteCluster(
    { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT', clientId: 'history-test' },
    { metadataRefreshMs: 500, lagSampleIntervalMs: 0 },
  );
}, 60_000);

afterAll(async () => {
  await consumer?.disconnect();
  await remote?.close();
  await nb?.stop();
});

describe('a remote group read from __consumer_offsets', () => {
  it("has the cluster's generation, the leader kafkajs was told, and each partition’s commit time", async () => {
    await vi.waitFor(() => expect(seen).toBe(30), { timeout: 30_000 });
    const theirs = await vi.waitFor(
      async () => {
        const g = await nb.api.describeGroup({ groupId: 'history' });
        expect(g.state).toBe('Stable');
        expect(g.lag.partitions).toHaveLength(3);
        expect(g.lag.partitions.every((p) => p.committedOffset !== null)).toBe(true);
        expect(g.lag.totalLag).toBe(0);
        return g;
      },
      { timeout: 30_000, interval: 200 },
    );
    const ours = await vi.waitFor(
      async () => {
        const g = await remote.admin.describeGroup('history');
        expect(g.lag.partitions.every((p) => p.commitTimestamp !== null)).toBe(true);
        return g;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(theirs.generationId).toBeGreaterThan(0);
    expect(ours.generationId).toBe(theirs.generationId);
    expect(ours.leader).toBe(joined!.leaderId);
    expect(ours.leader).toBe(joined!.memberId);
    expect(ours.protocol).toBe(joined!.groupProtocol);
    for (const p of ours.lag.partitions) {
      const t = theirs.lag.partitions.find((x) => x.topic === p.topic && x.partition === p.partition)!;
      expect(p.committedOffset).toBe(t.committedOffset);
      expect(p.commitTimestamp).toBe(t.commitTimestamp);
    }
  });

  it('picks up a later commit on the next describe', async () => {
    const before = await remote.admin.describeGroup('history');
    const p0 = before.lag.partitions.find((p) => p.partition === 0)!;
    const sent = Date.now();
    await nb.api.produce({ topic: 'events', records: [{ key: 'later', value: 'later', partition: 0 }] });
    await vi.waitFor(() => expect(seen).toBe(31), { timeout: 30_000 });
    const after = await vi.waitFor(
      async () => {
        const g = await remote.admin.describeGroup('history');
        const p = g.lag.partitions.find((x) => x.partition === 0)!;
        expect(p.committedOffset).toBe(p0.committedOffset! + 1);
        expect(p.commitTimestamp).toBeGreaterThanOrEqual(sent);
        return g;
      },
      { timeout: 20_000, interval: 200 },
    );
    const theirs = await nb.api.describeGroup({ groupId: 'history' });
    expect(after.lag.partitions.find((x) => x.partition === 0)!.commitTimestamp).toBe(
      theirs.lag.partitions.find((x) => x.partition === 0)!.commitTimestamp,
    );
    // The partitions not committed again keep the commit time they had.
    for (const p of after.lag.partitions.filter((x) => x.partition !== 0))
      expect(p.commitTimestamp).toBe(before.lag.partitions.find((x) => x.partition === p.partition)!.commitTimestamp);
  });

  it('says unknown, with the reason, when the cluster has no readable offsets topic', async () => {
    const ctx = {
      snapshot: () => ({ topics: new Map() }),
    } as unknown as RecordsContext;
    const h = await readGroupHistory(ctx, 'history');
    expect(h.commitTimes.size).toBe(0);
    expect(h.generationId).toBeNull();
    expect(h.leader).toBeNull();
    expect(h.unreadable).toMatch(/no readable __consumer_offsets topic/);
  });
});
