/**
 * One topic with many partitions at rf=3 on 3 brokers. The default run uses
 * 2,000 partitions (6,000 replicas) to stay quick on a loaded 2-core machine;
 * SCALE_TEST_PARTITIONS=10000 runs the full size the create form allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import { MAX_PARTITIONS } from '../../../core/cluster/limits';

const PARTITIONS = Number(process.env.SCALE_TEST_PARTITIONS ?? 2000);
const TIMEOUT_MS = Math.max(60_000, PARTITIONS * 30);

describe(`a topic of ${PARTITIONS} partitions at replication factor 3`, () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  beforeAll(async () => {
    env = await openCluster();
  });
  afterAll(() => env.cleanup());

  const everyPartitionWhole = () => {
    const page = env.cluster.partitionPage('wide', { offset: 0, limit: PARTITIONS, filter: 'problems' });
    expect(page.total).toBe(PARTITIONS);
    expect(page.problems).toBe(0);
    for (const p of env.cluster.partitions('wide')) {
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect([...p.isr].sort()).toEqual([0, 1, 2]);
      expect(p.offlineReplicas).toEqual([]);
      expect(p.replicaStates.every((r) => r.logEndOffset === 0)).toBe(true);
    }
  };

  it(
    'is created with a leader and a full ISR for every partition, and counted in the cluster summary',
    async () => {
      const created = await env.cluster.createTopic({ name: 'wide', partitions: PARTITIONS, replicationFactor: 3 });
      expect(created).toMatchObject({
        name: 'wide',
        partitions: PARTITIONS,
        replicationFactor: 3,
        underReplicatedPartitions: 0,
      });
      expect(created).not.toHaveProperty('partitionStates');
      everyPartitionWhole();
      const summary = env.cluster.describeCluster();
      expect(summary.partitions).toBeGreaterThanOrEqual(PARTITIONS);
      expect(summary.underReplicatedPartitions).toBe(0);
      expect(summary.offlinePartitions).toBe(0);
      expect(summary.brokers.map((b) => b.replicas).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * PARTITIONS);
    },
    TIMEOUT_MS,
  );

  it(
    'takes records on its last partition, and comes back whole with them after a reopen',
    async () => {
      await env.cluster.produce('wide', [{ value: Buffer.from('last'), partition: PARTITIONS - 1 }]);
      await env.reopen();
      const page = env.cluster.partitionPage('wide', { offset: PARTITIONS - 1, limit: 10 });
      expect(page.partitions.map((p) => [p.partition, p.highWatermark])).toEqual([[PARTITIONS - 1, 1]]);
      const problems = env.cluster.partitionPage('wide', { offset: 0, limit: 10, filter: 'problems' });
      expect(problems).toMatchObject({ total: PARTITIONS, matching: 0, problems: 0, partitions: [] });
      for (const p of env.cluster.partitions('wide')) {
        expect(p.leader).toBeGreaterThanOrEqual(0);
        expect([...p.isr].sort()).toEqual([0, 1, 2]);
      }
    },
    TIMEOUT_MS,
  );

  it(`refuses more than ${MAX_PARTITIONS} partitions in one topic, naming the field`, async () => {
    await expect(
      env.cluster.createTopic({ name: 'too-wide', partitions: MAX_PARTITIONS + 1, replicationFactor: 3 }),
    ).rejects.toMatchObject({ errorName: 'INVALID_PARTITIONS', field: 'partitions' });
    await expect(env.cluster.createPartitions('wide', MAX_PARTITIONS + 1)).rejects.toMatchObject({
      errorName: 'INVALID_PARTITIONS',
      field: 'totalCount',
    });
    expect(() => env.cluster.topicImage('too-wide')).toThrow();
  });
});
