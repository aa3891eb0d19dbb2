/**
 * listAllPartitions, getReplicaSummary and the coalesced `partitions` event, which together keep a cluster-wide
 * replica map current (summaries per topic, a bounded number of partition states per event); and the config
 * defaults a create form shows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { MAX_PARTITIONS_PER_CHANGE, type PartitionsChange, type TopicReplicaSummary } from '../../../core/api/api';
import type { PartitionState } from '../../../core/cluster/types';
import { FakeCluster } from '../../support/fake-cluster';

let cluster: FakeCluster;
let api: EngineApi;
let session: ApiSession;
let changes: PartitionsChange[];

beforeEach(() => {
  cluster = new FakeCluster(3);
  api = new EngineApi(cluster, {
    transport: 'websocket',
    dataDir: '/tmp/x',
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
  changes = [];
  session = api.openSession((event, payload) => {
    if (event === 'partitions') changes.push(payload as PartitionsChange);
  });
});

afterEach(() => api.close());

async function call<T>(method: string, input?: unknown): Promise<T> {
  const e = await session.call(method, input);
  if (!e.ok) throw new Error(`${method} failed: ${e.error.message}`);
  return e.result as T;
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('listAllPartitions', () => {
  it('returns every partition of every topic in one call, internal topics only when asked', async () => {
    await cluster.createTopic({ name: 'b-topic', partitions: 2, replicationFactor: 2 });
    await cluster.createTopic({ name: 'a-topic', partitions: 3, replicationFactor: 3 });
    await cluster.createTopic({ name: '__consumer_offsets', partitions: 2, replicationFactor: 1 });
    const all = await call<PartitionState[]>('listAllPartitions');
    expect(all.map((p) => `${p.topic}-${p.partition}`)).toEqual([
      'a-topic-0',
      'a-topic-1',
      'a-topic-2',
      'b-topic-0',
      'b-topic-1',
    ]);
    expect(all[0]).toMatchObject({ replicas: expect.any(Array), isr: expect.any(Array), leader: expect.any(Number) });
    const withInternal = await call<PartitionState[]>('listAllPartitions', { includeInternal: true });
    expect(withInternal).toHaveLength(7);
  });

  it('refuses unknown fields', async () => {
    const e = await session.call('listAllPartitions', { topic: 'x' });
    expect(e.ok).toBe(false);
  });
});

describe('the partitions event', () => {
  it('sends, once per burst, every partition with a replica on a broker that stopped, then started', async () => {
    await cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 2 });
    await settle();
    changes.length = 0;
    await cluster.stopBroker(1);
    await settle();
    expect(changes).toHaveLength(1);
    const sent = changes[0]!.partitions;
    const onBroker1 = cluster
      .partitions('orders')
      .filter((p) => p.replicas.includes(1))
      .map((p) => p.partition);
    expect(sent.map((p) => p.partition).sort()).toEqual(onBroker1.sort());
    for (const p of sent) {
      expect(p.offlineReplicas).toContain(1);
      expect(p.leader).not.toBe(1);
    }

    changes.length = 0;
    await cluster.startBroker(1);
    await settle();
    expect(changes).toHaveLength(1);
    for (const p of changes[0]!.partitions) expect(p.offlineReplicas).toEqual([]);
  });

  it('names deleted topics', async () => {
    await cluster.createTopic({ name: 'gone', partitions: 1, replicationFactor: 1 });
    await settle();
    changes.length = 0;
    await cluster.deleteTopic('gone');
    await settle();
    expect(changes).toEqual([{ partitions: [], resync: [], topics: [], deletedTopics: ['gone'] }]);
  });

  it('sends nothing for data that only moves offsets', async () => {
    await cluster.createTopic({ name: 'quiet', partitions: 1, replicationFactor: 1 });
    await settle();
    changes.length = 0;
    await cluster.produce('quiet', [{ value: 'x' }]);
    await settle();
    expect(changes).toEqual([]);
  });
});

/** The summary the map would draw, counted from partition states by hand. */
function countedByHand(parts: PartitionState[]): Omit<TopicReplicaSummary, 'topic' | 'internal'> {
  const brokers = new Map<
    number,
    { brokerId: number; leaders: number; inSync: number; outOfSync: number; offline: number }
  >();
  for (const p of parts) {
    for (const b of p.replicas) {
      const c = brokers.get(b) ?? { brokerId: b, leaders: 0, inSync: 0, outOfSync: 0, offline: 0 };
      if (p.offlineReplicas.includes(b)) c.offline++;
      else if (p.leader === b) c.leaders++;
      else if (p.isr.includes(b)) c.inSync++;
      else c.outOfSync++;
      brokers.set(b, c);
    }
  }
  const live = (p: PartitionState) => p.isr.filter((r) => !p.offlineReplicas.includes(r)).length;
  return {
    partitions: parts.length,
    underReplicated: parts.filter((p) => p.leader >= 0 && live(p) < p.replicas.length).length,
    offline: parts.filter((p) => p.leader < 0).length,
    brokers: [...brokers.values()].sort((a, b) => a.brokerId - b.brokerId),
  };
}

describe('getReplicaSummary', () => {
  it("counts each topic's replicas per broker as the map draws them, and follows a broker going down", async () => {
    await cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
    await cluster.createTopic({ name: 'single', partitions: 4, replicationFactor: 1 });
    await cluster.createTopic({ name: '__consumer_offsets', partitions: 2, replicationFactor: 1 });
    const before = await call<TopicReplicaSummary[]>('getReplicaSummary');
    expect(before.map((t) => t.topic)).toEqual(['orders', 'single']);
    expect(before[0]).toEqual({ topic: 'orders', internal: false, ...countedByHand(cluster.partitions('orders')) });
    expect(before[0]!.brokers.reduce((n, b) => n + b.leaders, 0)).toBe(6);
    expect(before[0]!.underReplicated).toBe(0);

    await cluster.stopBroker(1);
    const after = await call<TopicReplicaSummary[]>('getReplicaSummary', { includeInternal: true });
    expect(after.map((t) => t.topic)).toEqual(['__consumer_offsets', 'orders', 'single']);
    expect(after[0]!.internal).toBe(true);
    const orders = after.find((t) => t.topic === 'orders')!;
    expect(orders).toEqual({ topic: 'orders', internal: false, ...countedByHand(cluster.partitions('orders')) });
    expect(orders.brokers.find((b) => b.brokerId === 1)).toMatchObject({ leaders: 0, inSync: 0, offline: 6 });
    expect(orders.underReplicated).toBe(6);
    const single = after.find((t) => t.topic === 'single')!;
    expect(single).toEqual({ topic: 'single', internal: false, ...countedByHand(cluster.partitions('single')) });
    expect(single.offline).toBe(cluster.partitions('single').filter((p) => p.replicas[0] === 1).length);
  });

  it('carries the new summary of each topic a partitions event touches', async () => {
    await cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 2 });
    await settle();
    changes.length = 0;
    await cluster.stopBroker(2);
    await settle();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.topics).toEqual([
      { topic: 'orders', internal: false, ...countedByHand(cluster.partitions('orders')) },
    ]);
    expect(changes[0]!.resync).toEqual([]);
  });

  it('sends at most a bounded number of partition states per event and names the topics to re-read', async () => {
    await cluster.createTopic({ name: 'big', partitions: MAX_PARTITIONS_PER_CHANGE * 2, replicationFactor: 3 });
    await cluster.createTopic({ name: 'small', partitions: 3, replicationFactor: 3 });
    await settle();
    changes.length = 0;
    await cluster.stopBroker(0);
    await settle();
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change!.resync).toEqual(['big']);
    expect(change!.partitions.map((p) => `${p.topic}-${p.partition}`)).toEqual(['small-0', 'small-1', 'small-2']);
    expect(change!.partitions.length).toBeLessThanOrEqual(MAX_PARTITIONS_PER_CHANGE);
    expect(change!.topics.map((t) => t.topic)).toEqual(['big', 'small']);
    expect(change!.topics[0]!.brokers.find((b) => b.brokerId === 0)!.offline).toBe(MAX_PARTITIONS_PER_CHANGE * 2);
  });
});

describe('describeDefaultConfigs', () => {
  it("lists every topic config at Kafka's default, for a form that creates a topic", async () => {
    const defaults =
      await call<Array<{ name: string; value: string; isDefault: boolean; type: string }>>('describeDefaultConfigs');
    expect(defaults.find((c) => c.name === 'retention.ms')).toMatchObject({
      value: '604800000',
      isDefault: true,
      type: 'long',
    });
    expect(defaults.find((c) => c.name === 'cleanup.policy')).toMatchObject({ value: 'delete', type: 'list' });
    expect(defaults.every((c) => c.isDefault)).toBe(true);
  });
});
