/** listAllPartitions and the coalesced `partitions` event, which together keep a cluster-wide replica map current; and the config defaults a create form shows. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import type { PartitionsChange } from '../../../core/api/api';
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
    expect(changes).toEqual([{ partitions: [], deletedTopics: ['gone'] }]);
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
