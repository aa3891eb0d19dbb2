/**
 * Soak: an idle 1,000-partition rf=3 cluster whose heap and waiter counts
 * stay flat, and an rf=3 producer whose retained buffers stay flat (a
 * replicated batch must not stay referenced once appended). SOAK_MINUTES sets
 * each phase's length (default 1/3: about 20 s).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBatch } from '../../../core/record';
import { eventually, openCluster } from '../../helpers/temp-cluster';

const WINDOW_MS = Number(process.env.SOAK_MINUTES ?? 1 / 3) * 60_000;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

describe('soak', () => {
  let env: Awaited<ReturnType<typeof openCluster>> | undefined;
  afterEach(async () => {
    await env?.cleanup();
    env = undefined;
  });

  it(
    'an idle 1,000-partition rf=3 cluster keeps its heap and waiter count flat',
    async () => {
      env = await openCluster({ replicaLagTimeMaxMs: 10_000 });
      const c = env.cluster;
      await c.createTopic({ name: 'idle', partitions: 1000, replicationFactor: 3 });
      await c.produce(
        'idle',
        Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
        { acks: -1 },
      );
      await eventually(
        () => c.waiterCount === 0 && c.describeCluster().underReplicatedPartitions === 0,
        30_000,
        'the cluster to settle',
      );
      await sleep(2000);
      gc();
      const heap0 = process.memoryUsage().heapUsed;
      const waiters: number[] = [];
      const steps = 10;
      for (let i = 0; i < steps; i++) {
        await sleep(WINDOW_MS / steps);
        waiters.push(c.waiterCount);
      }
      gc();
      const grown = process.memoryUsage().heapUsed - heap0;
      expect(
        waiters.every((w) => w === 0),
        `waiters over time: ${waiters.join(', ')}`,
      ).toBe(true);
      // A leaked waiter or closure per follower wake would be thousands a second here.
      expect(grown / MB).toBeLessThan(5);
      expect(c.describeCluster().underReplicatedPartitions).toBe(0);
    },
    120_000 + WINDOW_MS,
  );

  it(
    'an rf=3 producer with acks=all keeps retained buffers flat once the tail caches are full',
    async () => {
      env = await openCluster();
      const c = env.cluster;
      await c.createTopic({ name: 'flow', partitions: 1, replicationFactor: 3 });
      const template = buildBatch({
        records: Array.from({ length: 1000 }, () => ({ value: Buffer.alloc(100, 0x61) })),
      });
      let produced = 0;
      const produceFor = async (ms: number) => {
        const end = Date.now() + ms;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (Date.now() < end) {
              await c.produceBatch('flow', 0, Buffer.from(template), { acks: -1 });
              produced += template.length;
            }
          }),
        );
      };
      // Warm up past the per-partition tail cache budget on all three replicas.
      while (produced < 40 * MB) await produceFor(1000);
      gc();
      const buffers0 = process.memoryUsage().arrayBuffers;
      const before = produced;
      await produceFor(WINDOW_MS);
      await eventually(() => c.waiterCount === 0, 10_000, 'producers and followers to finish');
      gc();
      const retained = process.memoryUsage().arrayBuffers - buffers0;
      const replicated = produced - before;
      expect(replicated).toBeGreaterThan(20 * MB);
      // Retaining replicated batches would hold about three copies of every byte produced.
      expect(
        retained / MB,
        `retained ${Math.round(retained / MB)} MB while producing ${Math.round(replicated / MB)} MB`,
      ).toBeLessThan(16);
    },
    180_000 + WINDOW_MS,
  );
});
