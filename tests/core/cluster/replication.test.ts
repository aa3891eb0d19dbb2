import { afterEach, describe, expect, it } from 'vitest';
import { eventually, openCluster } from '../../helpers/temp-cluster';

describe('replication and failover', () => {
  let env: Awaited<ReturnType<typeof openCluster>> | undefined;
  afterEach(async () => {
    await env?.cleanup();
    env = undefined;
  });

  it('acknowledges acks=all only once every in-sync replica has the write', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    await c.produce('t', [{ value: 'a' }, { value: 'b' }], { acks: -1 });
    const p = c.partitions('t')[0]!;
    expect(p.highWatermark).toBe(2);
    expect(p.replicaStates.map((r) => r.logEndOffset)).toEqual([2, 2, 2]);
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS below min.insync.replicas, while acks=1 still works', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const [a, b] = c.partitions('t')[0]!.replicas.slice(1);
    await c.stopBroker(a!);
    await c.produce('t', [{ value: 'two in sync' }], { acks: -1 });
    await c.killBroker(b!);
    expect(c.partitions('t')[0]!.isr).toHaveLength(1);
    await expect(c.produce('t', [{ value: 'x' }], { acks: -1 })).rejects.toMatchObject({
      errorName: 'NOT_ENOUGH_REPLICAS',
      code: 19,
    });
    const [r] = await c.produce('t', [{ value: 'y' }], { acks: 1 });
    expect(r!.offset).toBe(1);
    await c.produce('t', [{ value: 'z' }], { acks: 0 });
  });

  it('elects a new leader from the ISR when the leader is killed, bumping the epoch (time: npm bench)', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 3, replicationFactor: 3 });
    await c.produce(
      't',
      Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      { acks: -1 },
    );
    const before = c.partitions('t');
    const victim = before[0]!.leader;
    await c.killBroker(victim);
    const after = c.partitions('t');
    for (const [i, p] of after.entries()) {
      expect(p.leader).not.toBe(victim);
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect(p.isr).not.toContain(victim);
      expect(p.offlineReplicas).toEqual([victim]);
      if (before[i]!.leader === victim) expect(p.leaderEpoch).toBe(before[i]!.leaderEpoch + 1);
    }
    expect(c.describeCluster().underReplicatedPartitions).toBe(3);
    await c.produce('t', [{ key: 'k0', value: 'after failover' }], { acks: -1 });
    await c.startBroker(victim);
    await eventually(
      () =>
        c
          .partitions('t')
          .every((p) => p.isr.length === 3 && p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset)),
      5000,
      'the returning broker to catch up and rejoin every ISR',
    );
    expect(await c.balanceLeaders()).toBeGreaterThanOrEqual(0);
    await eventually(() => c.partitions('t').every((p) => p.leader === p.replicas[0]), 3000, 'preferred leaders');
  });

  it('moves leadership away before a graceful stop, so acks=all producers see no gap', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const leader = c.partitions('t')[0]!.leader;
    let acked = 0;
    let failures = 0;
    const producing = (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          await c.produce('t', [{ value: `m${i}` }], { acks: -1 });
          acked++;
        } catch {
          failures++;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 20));
    await c.stopBroker(leader);
    await producing;
    expect(c.partitions('t')[0]!.leader).not.toBe(leader);
    expect(acked + failures).toBe(200);
    const all = await c.readRecords({ topic: 't', partition: 0, start: { type: 'earliest' }, limit: 1000 });
    expect(all.length).toBeGreaterThanOrEqual(acked);
  });

  it('drops a lagging follower from the ISR after replica.lag.time.max.ms, takes it back once caught up', async () => {
    env = await openCluster({ replicaLagTimeMaxMs: 300 });
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    const follower = c.partitions('t')[0]!.replicas[2]!;
    c.setReplicationPaused(follower, true);
    const writer = setInterval(() => void c.produce('t', [{ value: 'tick' }], { acks: 1 }).catch(() => undefined), 20);
    try {
      await eventually(() => !c.partitions('t')[0]!.isr.includes(follower), 3000, 'the follower to leave the ISR');
      const [r] = await c.produce('t', [{ value: 'without it' }], { acks: -1 });
      expect(r!.offset).toBeGreaterThan(0);
      c.setReplicationPaused(follower, false);
      await eventually(() => c.partitions('t')[0]!.isr.includes(follower), 3000, 'the follower to rejoin');
    } finally {
      clearInterval(writer);
    }
  });

  it("truncates a returning broker's divergent tail by leader epoch (KIP-101), not by high watermark", async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 2, assignments: [[0, 1]] });
    await c.produce('t', [{ value: 'committed' }], { acks: -1 });
    // Cut broker 1 off, then write to broker 0 alone: these records exist only on 0.
    c.setReplicationPaused(1, true);
    await c.produce('t', [{ value: 'only-on-0-a' }, { value: 'only-on-0-b' }], { acks: 1 });
    await c.killBroker(0);
    // Broker 1 is the last ISR member besides 0? It stays out of the ISR only after the lag time; here it is still in
    // it and takes over.
    c.setReplicationPaused(1, false);
    const p = c.partitions('t')[0]!;
    expect(p.leader).toBe(1);
    await c.produce('t', [{ value: 'new-leader-write' }], { acks: 1 });
    await c.startBroker(0);
    await eventually(
      () => c.partitions('t')[0]!.replicaStates.every((r) => r.logEndOffset === 2),
      5000,
      'broker 0 to truncate and catch up',
    );
    const recs = await c.readRecords({ topic: 't', partition: 0, start: { type: 'earliest' }, limit: 10 });
    expect(recs.map((r) => r.value!.toString())).toEqual(['committed', 'new-leader-write']);
    const b0 = c.broker(0).replicas.partition('t', 0).log;
    const own = await b0.read(0, 1 << 20, b0.logEndOffset);
    expect(own).toHaveLength(2);
  });

  it('leaves a partition offline rather than elect an out-of-sync replica, unless unclean election is on', async () => {
    env = await openCluster({ replicaLagTimeMaxMs: 200 });
    const c = env.cluster;
    await c.createTopic({ name: 'clean', partitions: 1, replicationFactor: 2, assignments: [[0, 1]] });
    await c.createTopic({
      name: 'unclean',
      partitions: 1,
      replicationFactor: 2,
      assignments: [[0, 1]],
      configs: { 'unclean.leader.election.enable': 'true' },
    });
    c.setReplicationPaused(1, true);
    const writer = setInterval(() => {
      void c.produce('clean', [{ value: 'x' }], { acks: 1 }).catch(() => undefined);
      void c.produce('unclean', [{ value: 'x' }], { acks: 1 }).catch(() => undefined);
    }, 20);
    await eventually(
      () => c.partitions('clean')[0]!.isr.length === 1 && c.partitions('unclean')[0]!.isr.length === 1,
      3000,
      'both ISRs to shrink to broker 0',
    );
    clearInterval(writer);
    await c.killBroker(0);
    expect(c.partitions('clean')[0]!.leader).toBe(-1);
    expect(c.describeCluster().offlinePartitions).toBe(1);
    await expect(c.produce('clean', [{ value: 'y' }])).rejects.toMatchObject({ errorName: 'LEADER_NOT_AVAILABLE' });
    expect(c.partitions('unclean')[0]!.leader).toBe(1);
    await c.startBroker(0);
    expect(c.partitions('clean')[0]!.leader).toBe(0);
  });

  it('refuses operations on stopped brokers and unknown broker ids', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.stopBroker(2);
    await expect(c.stopBroker(2)).rejects.toMatchObject({ errorName: 'BROKER_NOT_AVAILABLE' });
    await expect(c.killBroker(2)).rejects.toMatchObject({ errorName: 'BROKER_NOT_AVAILABLE' });
    await expect(c.startBroker(7)).rejects.toMatchObject({ errorName: 'BROKER_NOT_AVAILABLE' });
    expect(() => c.broker(2).replicas).toThrow(/not running/);
    await c.startBroker(2);
    await expect(c.startBroker(2)).rejects.toMatchObject({ errorName: 'BROKER_NOT_AVAILABLE' });
  });

  it('keeps working when the controller broker is killed: the next broker takes over', async () => {
    env = await openCluster();
    const c = env.cluster;
    expect(c.describeCluster().controllerId).toBe(0);
    await c.killBroker(0);
    expect(c.describeCluster().controllerId).toBe(1);
    await c.createTopic({ name: 'after', partitions: 2, replicationFactor: 2 });
    await c.produce('after', [{ value: 'x' }], { acks: -1 });
    await c.startBroker(0);
    expect(c.describeCluster().controllerId).toBe(0);
    expect(c.broker(0).image.topic('after')).toBeDefined();
  });

  it('pushes broker and partition changes as events', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    const brokers: string[] = [];
    const partitions: number[][] = [];
    c.on('broker', (b) => brokers.push(`${b.id}:${b.status}`));
    c.on('partition', (p) => partitions.push(p.isr));
    await c.killBroker(1);
    await c.startBroker(1);
    expect(brokers).toContain('1:stopped');
    expect(brokers).toContain('1:running');
    expect(partitions.some((isr) => !isr.includes(1))).toBe(true);
  });
});
