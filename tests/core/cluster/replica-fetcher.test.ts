import { afterEach, describe, expect, it, vi } from 'vitest';
import { Partition } from '../../../core/cluster/partition';
import { buildBatch } from '../../../core/record';
import { eventually, openCluster } from '../../helpers/temp-cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('event-driven replication', () => {
  let env: Awaited<ReturnType<typeof openCluster>> | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await env?.cleanup();
    env = undefined;
  });

  it('an idle follower sends no fetch at all once caught up, and data wakes it at once', async () => {
    env = await openCluster({ replicaLagTimeMaxMs: 300 });
    const c = env.cluster;
    await c.createTopic({ name: 'quiet', partitions: 20, replicationFactor: 3 });
    await c.produce(
      'quiet',
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      { acks: -1 },
    );
    await eventually(
      () =>
        c
          .partitions('quiet')
          .every((p) =>
            p.replicaStates.every((r) => r.logEndOffset === p.highWatermark && p.highWatermark === p.logEndOffset),
          ),
      5000,
      'followers to catch up',
    );
    await eventually(() => c.waiterCount === 0, 5000, 'no waiter left');
    const fetches = vi.spyOn(Partition.prototype, 'fetchForFollower');
    // The last fetches (followers learning the final HW) may still be on their way: wait for a quiet moment.
    await eventually(
      async () => {
        const n = fetches.mock.calls.length;
        await sleep(300);
        return fetches.mock.calls.length === n;
      },
      10_000,
      'replication to go quiet',
    );
    fetches.mockClear();
    // Several lag-check periods: a polling follower would have fetched many times.
    await sleep(1000);
    expect(fetches).toHaveBeenCalledTimes(0);
    expect(c.waiterCount).toBe(0);
    // ...and it still counts as caught up: nobody left the ISR while idle for over replica.lag.time.max.ms.
    expect(c.partitions('quiet').every((p) => p.isr.length === 3)).toBe(true);
    await c.produce('quiet', [{ key: 'k1', value: 'wake' }], { acks: -1 });
    expect(fetches.mock.calls.length).toBeGreaterThan(0);
    await eventually(
      () => c.partitions('quiet').every((p) => p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset)),
      5000,
      'followers to fetch the new record',
    );
  });

  it('a follower cut off with nothing produced leaves the ISR after replica.lag.time.max.ms, and rejoins', async () => {
    env = await openCluster({ replicaLagTimeMaxMs: 300 });
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    await c.produce('t', [{ value: 'before' }], { acks: -1 });
    const follower = c.partitions('t')[0]!.replicas.find((r) => r !== c.partitions('t')[0]!.leader)!;
    c.setReplicationPaused(follower, true);
    await eventually(() => !c.partitions('t')[0]!.isr.includes(follower), 5000, 'the silent follower to leave the ISR');
    c.setReplicationPaused(follower, false);
    await eventually(() => c.partitions('t')[0]!.isr.includes(follower), 5000, 'the follower to rejoin');
  });

  it('a consumer long poll that times out on an idle partition leaves no waiter behind', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 'idle', partitions: 2, replicationFactor: 3 });
    await eventually(() => c.waiterCount === 0, 5000, 'the cluster to settle');
    for (let i = 0; i < 20; i++) {
      const r = await c.fetch('idle', i % 2, 0, { maxWaitMs: 10, minBytes: 1 });
      expect(r.batches).toHaveLength(0);
    }
    expect(c.waiterCount).toBe(0);
    // A poll woken by data also removes the waiter it left on the other partition.
    const leaderId = c.partitions('idle')[0]!.leader;
    const other =
      c.partitions('idle')[1]!.leader === leaderId
        ? [{ topic: 'idle', partition: 1, offset: 0, maxBytes: 1 << 20 }]
        : [];
    const polling = c
      .broker(leaderId)
      .replicas.fetch([{ topic: 'idle', partition: 0, offset: 0, maxBytes: 1 << 20 }, ...other], {
        maxWaitMs: 30_000,
        minBytes: 1,
        maxBytes: 1 << 20,
      });
    await eventually(() => c.waiterCount > 0, 5000, 'the poll to wait');
    await c.produceBatch('idle', 0, buildBatch({ records: [{ value: 'y' }] }), { acks: -1 });
    const res = await polling;
    expect(res[0]!.batches.length).toBeGreaterThan(0);
    await eventually(() => c.waiterCount === 0, 5000, 'every waiter to be removed');
  });
});
