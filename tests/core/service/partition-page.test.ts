/** listPartitionPage and getTopic over the API, against a real cluster: pages, the problems filter, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { MAX_PARTITION_PAGE } from '../../../core/api/api';
import type { PartitionPage } from '../../../core/cluster/types';
import { openCluster } from '../../helpers/temp-cluster';

let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;
let session: ApiSession;

beforeAll(async () => {
  env = await openCluster();
  api = new EngineApi(env.cluster, {
    transport: 'websocket',
    dataDir: env.dataDir,
    version: '0.0.0',
    feed: { coalesceMs: 5 },
  });
  session = api.openSession(() => undefined);
  await env.cluster.createTopic({ name: 'paged', partitions: 25, replicationFactor: 2 });
  await env.cluster.produce('paged', [
    { value: Buffer.from('x'), partition: 21 },
    { value: Buffer.from('y'), partition: 21 },
  ]);
});

afterAll(async () => {
  api.close();
  await env.cleanup();
});

async function page(input: unknown): Promise<PartitionPage> {
  const e = await session.call('listPartitionPage', input);
  if (!e.ok) throw new Error(`${e.error.errorName}: ${e.error.message}`);
  return e.result as PartitionPage;
}

describe('listPartitionPage', () => {
  it('pages a topic in partition order with the counts to page on, each state as listPartitions has it', async () => {
    const first = await page({ topic: 'paged', offset: 0, limit: 10 });
    expect(first).toMatchObject({ topic: 'paged', filter: 'all', offset: 0, total: 25, matching: 25, problems: 0 });
    expect(first.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const third = await page({ topic: 'paged', offset: 20, limit: 10 });
    expect(third.partitions.map((p) => p.partition)).toEqual([20, 21, 22, 23, 24]);
    expect(third.partitions[1]).toEqual(env.cluster.partitions('paged')[21]);
    expect(third.partitions[1]!.highWatermark).toBe(2);
    expect((await page({ topic: 'paged', offset: 25, limit: 10 })).partitions).toEqual([]);
  });

  it('keeps only under-replicated or offline partitions with the problems filter', async () => {
    expect(await page({ topic: 'paged', offset: 0, limit: 100, filter: 'problems' })).toMatchObject({
      matching: 0,
      problems: 0,
      partitions: [],
    });
    await env.cluster.stopBroker(2);
    try {
      const onBroker2 = env.cluster
        .partitions('paged')
        .filter((p) => p.replicas.includes(2))
        .map((p) => p.partition);
      expect(onBroker2.length).toBeGreaterThan(0);
      const problems = await page({ topic: 'paged', offset: 0, limit: 100, filter: 'problems' });
      expect(problems).toMatchObject({ total: 25, matching: onBroker2.length, problems: onBroker2.length });
      expect(problems.partitions.map((p) => p.partition)).toEqual(onBroker2);
      const second = await page({ topic: 'paged', offset: 1, limit: 1, filter: 'problems' });
      expect(second.partitions.map((p) => p.partition)).toEqual(onBroker2.slice(1, 2));
      const all = await page({ topic: 'paged', offset: 0, limit: 5 });
      expect(all).toMatchObject({ matching: 25, problems: onBroker2.length });
    } finally {
      await env.cluster.startBroker(2);
    }
  });

  it('refuses a page larger than the limit, a negative offset, an unknown filter and an unknown topic', async () => {
    const refused = async (input: unknown, errorName: string) => {
      const e = await session.call('listPartitionPage', input);
      expect(e.ok).toBe(false);
      if (!e.ok) expect(e.error.errorName).toBe(errorName);
    };
    await refused({ topic: 'paged', offset: 0, limit: MAX_PARTITION_PAGE + 1 }, 'INVALID_REQUEST');
    await refused({ topic: 'paged', offset: -1, limit: 10 }, 'INVALID_REQUEST');
    await refused({ topic: 'paged', offset: 0, limit: 10, filter: 'some' }, 'INVALID_REQUEST');
    await refused({ topic: 'nope', offset: 0, limit: 10 }, 'UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('getTopic and createTopic', () => {
  it('describe a topic with its configs but without partition states', async () => {
    const e = await session.call('getTopic', { name: 'paged' });
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    const { configs, ...summary } = e.result as { configs: unknown[] };
    expect(summary).toEqual(env.cluster.listTopics().find((t) => t.name === 'paged'));
    expect(configs.length).toBeGreaterThan(10);
    expect(e.result).not.toHaveProperty('partitionStates');
    const created = await session.call('createTopic', { name: 'made', partitions: 3 });
    expect(created.ok && created.result).toMatchObject({ name: 'made', partitions: 3 });
    expect(created.ok && created.result).not.toHaveProperty('partitionStates');
  });
});
