/**
 * The cluster's periodic work (ISR check, high watermark checkpoint, log cleaner) costs nothing for replicas that
 * did not change: on an idle cluster each run looks at no replica at all, a change brings back only the replicas it
 * touched, and Kafka's rules still hold: a follower that stops fetching while the leader takes data leaves the ISR
 * after replica.lag.time.max.ms (measured on an injected clock, so no test waits for it), however long the partition
 * was idle before. The leader balancer decides nothing while neither the metadata nor the live brokers change.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Controller } from '../../../core/cluster/controller';
import { LogCleaner } from '../../../core/cluster/log-cleaner';
import { Partition } from '../../../core/cluster/partition';
import { PartitionLog } from '../../../core/storage/partition-log';
import { eventually, openCluster } from '../../helpers/temp-cluster';

describe('idle cluster timers', () => {
  let env: Awaited<ReturnType<typeof openCluster>> | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await env?.cleanup();
    env = undefined;
  });

  /** Runs the checks until two rounds in a row find nothing to do (the last fetches of a burst may still land). */
  async function settle(c: Awaited<ReturnType<typeof openCluster>>['cluster']): Promise<void> {
    const round = async () => {
      const r = await c.runReplicationChecks();
      return r.isrChecked + r.checkpointed + (await c.runLogCleaner());
    };
    await eventually(
      async () =>
        (await round()) === 0 && (await new Promise((r) => setTimeout(r, 50))) === undefined && (await round()) === 0,
      20_000,
      'the ISR check, checkpoint and cleaner to find nothing to do',
    );
  }

  /** Every replica each periodic job looked at, whether a timer or the test ran it. */
  function watchJobs() {
    return {
      isr: vi.spyOn(Partition.prototype, 'checkLaggingFollowers'),
      checkpoint: vi.spyOn(PartitionLog.prototype, 'checkpointOp'),
      cleaner: vi.spyOn(LogCleaner.prototype, 'clean'),
    };
  }

  it('looks at no replica on an idle cluster, and at only the replicas a write touched', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 'idle', partitions: 300, replicationFactor: 3 });
    await c.createTopic({
      name: 'kept',
      partitions: 20,
      replicationFactor: 2,
      configs: { 'cleanup.policy': 'compact' },
    });
    await c.produce(
      'idle',
      Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      { acks: -1 },
    );
    await settle(c);
    const jobs = watchJobs();
    // Idle: several rounds in a row touch nothing, though 940 replicas are hosted.
    for (let i = 0; i < 3; i++) {
      expect(await c.runReplicationChecks()).toEqual({ isrChecked: 0, checkpointed: 0 });
      expect(await c.runLogCleaner()).toBe(0);
    }
    expect(jobs.isr).not.toHaveBeenCalled();
    expect(jobs.checkpoint).not.toHaveBeenCalled();
    expect(jobs.cleaner).not.toHaveBeenCalled();
    expect(c.partitions('idle').every((p) => p.isr.length === 3)).toBe(true);

    // One record to one partition: its leader is watched until its followers have it; its three replicas'
    // high watermarks moved, so they are checkpointed and looked at by the cleaner, and nothing else is.
    await c.produce('idle', [{ key: 'one', value: 'more', partition: 7 }], { acks: -1 });
    await eventually(
      async () => {
        await c.runReplicationChecks();
        await c.runLogCleaner();
        const p = c.partitions('idle')[7]!;
        return (
          jobs.checkpoint.mock.calls.length >= 3 && p.replicaStates.every((s) => s.logEndOffset === p.logEndOffset)
        );
      },
      20_000,
      'the write to be replicated and checkpointed',
    );
    await settle(c);
    const leader = c.partitions('idle')[7]!.leader;
    const isrLooked = jobs.isr.mock.instances as unknown as Partition[];
    expect(isrLooked.length).toBeGreaterThan(0);
    expect(new Set(isrLooked.map((p) => `${p.topic.name}-${p.index}@${p.brokerId}`))).toEqual(
      new Set([`idle-7@${leader}`]),
    );
    const written = jobs.checkpoint.mock.instances as unknown as PartitionLog[];
    expect(new Set(written.map((l) => l.partition))).toEqual(new Set([7]));
    expect(written.length).toBeLessThanOrEqual(3);
    const cleaned = jobs.cleaner.mock.calls.map(([p]) => `${p.topic.name}-${p.index}`);
    expect(cleaned.length).toBeGreaterThan(0);
    expect(new Set(cleaned)).toEqual(new Set(['idle-7']));
  });

  it('drops a follower that stops fetching while the leader takes data, however long it was idle before', async () => {
    let now = 1_000_000;
    env = await openCluster({ replicaLagTimeMaxMs: 10_000, clock: () => now });
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    await c.produce('t', [{ value: 'before' }], { acks: -1 });
    await settle(c);
    const p0 = c.partitions('t')[0]!;
    const [stalled, fetching] = p0.replicas.filter((r) => r !== p0.leader) as [number, number];

    // An hour idle: the followers fetched nothing, yet they are caught up, and no check looked at the partition.
    now += 3_600_000;
    expect(await c.runReplicationChecks()).toEqual({ isrChecked: 0, checkpointed: 0 });
    expect(c.partitions('t')[0]!.isr).toHaveLength(3);

    // One follower stops fetching, then the leader takes data: the other follower keeps up, this one falls behind.
    c.setReplicationPaused(stalled, true);
    await c.produce('t', [{ value: 'after' }], { acks: 1 });
    await eventually(
      () => c.partitions('t')[0]!.replicaStates.find((r) => r.brokerId === fetching)!.logEndOffset === 2,
      10_000,
      'the other follower to fetch',
    );
    // ISR changes the leader proposes to the controller, seen as they are made (they take effect asynchronously).
    const proposeIsr = vi.spyOn(
      Partition.prototype as unknown as { proposeIsr: (isr: number[]) => void },
      'proposeIsr',
    );
    const shrinks = () => proposeIsr.mock.calls.filter(([isr]) => !isr.includes(stalled)).length;
    // Behind for less than replica.lag.time.max.ms (the hour idle before does not count): it stays.
    now += 9_000;
    expect((await c.runReplicationChecks()).isrChecked).toBeGreaterThan(0);
    expect(shrinks()).toBe(0);
    expect(c.partitions('t')[0]!.isr).toContain(stalled);
    // Past it: it leaves the ISR; the follower that kept fetching stays.
    now += 2_000;
    await c.runReplicationChecks();
    expect(shrinks()).toBeGreaterThanOrEqual(1);
    await eventually(() => !c.partitions('t')[0]!.isr.includes(stalled), 10_000, 'the stalled follower to leave');
    expect(c.partitions('t')[0]!.isr).toContain(fetching);

    // Fetching again, it catches up and rejoins; then the partition is idle again and costs nothing.
    c.setReplicationPaused(stalled, false);
    await eventually(() => c.partitions('t')[0]!.isr.includes(stalled), 10_000, 'the follower to rejoin');
    await settle(c);
    expect(await c.runReplicationChecks()).toEqual({ isrChecked: 0, checkpointed: 0 });
  });
  it('skips the preferred-leader check while nothing changed, and moves leaders back once a broker returns', async () => {
    // The timer is out of the way (an hour); the test runs each check itself.
    env = await openCluster({ leaderBalanceIntervalMs: 3_600_000 });
    const c = env.cluster;
    await c.createTopic({ name: 'b', partitions: 30, replicationFactor: 3 });
    await c.balanceLeaders();
    const decided = vi.spyOn(Controller.prototype, 'electPreferredLeaders');
    expect(await c.balanceLeaders()).toBe(0);
    const after = decided.mock.calls.length;
    for (let i = 0; i < 3; i++) expect(await c.balanceLeaders()).toBe(0);
    expect(decided.mock.calls.length).toBe(after);
    expect(c.partitions('b').every((p) => p.leader === p.replicas[0])).toBe(true);

    // Broker 1 stops: its leaderships move, its partitions' preferred replica is not live, so every check decides
    // again (and is refused for those partitions) rather than trusting the last one.
    await c.stopBroker(1);
    const moved = c.partitions('b').filter((p) => p.replicas[0] === 1);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((p) => p.leader !== 1)).toBe(true);
    const stopped = decided.mock.calls.length;
    expect(await c.balanceLeaders()).toBe(0);
    expect(await c.balanceLeaders()).toBe(0);
    expect(decided.mock.calls.length).toBe(stopped + 2);

    // It returns and catches up: the next check moves its leaderships back.
    await c.startBroker(1);
    await eventually(() => c.partitions('b').every((p) => p.isr.length === 3), 10_000, 'broker 1 to rejoin every ISR');
    expect(await c.balanceLeaders()).toBe(moved.length);
    expect(c.partitions('b').every((p) => p.leader === p.replicas[0])).toBe(true);
  });
});
