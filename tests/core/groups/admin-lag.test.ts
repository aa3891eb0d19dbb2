/**
 * Admin (list, describe, delete, reset and delete offsets, expiry) and lag,
 * including the sampler's bounded memory and cost.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OFFSETS_TOPIC, decodeKey, partitionForGroup } from '../../../core/groups/offsets-log';
import { LagSampler } from '../../../core/groups/lag';
import { QUICK, openEnv, pollTogether, produceN, type Env } from './helpers';

let env: Env | null = null;
afterEach(async () => {
  await env?.cleanup();
  env = null;
});

const simpleCommit = (e: Env, groupId: string, offsets: Array<{ topic: string; partition: number; offset: number }>) =>
  e.groups.coordinator.commitOffsets({ groupId, generationId: -1, memberId: '', offsets });

describe('list, describe, delete', () => {
  it('lists and describes groups with members, hosts, assignments; deletes an empty group (tombstones)', async () => {
    env = await openEnv();
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'ad', partitions: 2 });
    await produceN(cluster, 'ad', 10);
    const cs = [
      groups.consumer({ groupId: 'admin-g', clientId: 'alpha', ...QUICK }),
      groups.consumer({ groupId: 'admin-g', clientId: 'beta', ...QUICK }),
    ];
    for (const c of cs) c.subscribe(['ad']);
    await pollTogether(cs, (g) => g[0]!.length + g[1]!.length >= 10);
    await Promise.all(cs.map((c) => c.commitSync()));
    expect(await groups.admin.listGroups()).toEqual([
      {
        groupId: 'admin-g',
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'range',
        members: 2,
        coordinator: expect.any(Number),
      },
    ]);
    const d = await groups.admin.describeGroup('admin-g');
    expect(d.members.map((m) => m.clientId).sort()).toEqual(['alpha', 'beta']);
    expect(d.members.every((m) => m.clientHost === '/127.0.0.1' && m.subscription.join() === 'ad')).toBe(true);
    expect(d.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions)).sort()).toEqual([0, 1]);
    expect(d.lag.totalLag).toBe(0);
    expect(d.lag.partitions.every((p) => p.memberId !== null && p.lagFrom === 'committed')).toBe(true);

    await Promise.all(cs.map((c) => c.close()));
    expect((await groups.admin.listGroups())[0]!.state).toBe('Empty');
    await groups.admin.deleteGroup('admin-g');
    expect(await groups.admin.listGroups()).toEqual([]);
    expect((await groups.coordinator.fetchOffsets({ groupId: 'admin-g', partitions: null })).offsets).toEqual([]);
    const index = partitionForGroup('admin-g', groups.coordinator.shards.partitionCount);
    const recs = await cluster.readRecords({
      topic: OFFSETS_TOPIC,
      partition: index,
      start: { type: 'earliest' },
      limit: 100,
    });
    const tombstones = recs.filter((r) => r.value === null).map((r) => decodeKey(r.key!));
    expect(tombstones).toEqual(
      expect.arrayContaining([
        { type: 'offset', group: 'admin-g', topic: 'ad', partition: 0 },
        { type: 'offset', group: 'admin-g', topic: 'ad', partition: 1 },
        { type: 'group', group: 'admin-g' },
      ]),
    );
    await env.restart();
    expect(await env.groups.admin.listGroups()).toEqual([]);
  });
});

describe('reset offsets', () => {
  it('to earliest, latest, a timestamp, an offset or a shift; chosen partitions; dry run sets nothing', async () => {
    env = await openEnv();
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'r1', partitions: 2 });
    await cluster.createTopic({ name: 'r2', partitions: 1 });
    const t0 = Date.now() - 100_000;
    await cluster.produce(
      'r1',
      Array.from({ length: 10 }, (_, i) => ({ value: `a${i}`, partition: 0, timestamp: t0 + i * 1000 })),
    );
    await produceN(cluster, 'r1', 4, 1);
    await produceN(cluster, 'r2', 6, 0);
    await simpleCommit(env, 'rg', [
      { topic: 'r1', partition: 0, offset: 5 },
      { topic: 'r1', partition: 1, offset: 1 },
    ]);
    const admin = groups.admin;

    const dry = await admin.resetOffsets({ groupId: 'rg', to: { type: 'earliest' }, dryRun: true });
    expect(dry).toEqual([
      { topic: 'r1', partition: 0, previousOffset: 5, newOffset: 0 },
      { topic: 'r1', partition: 1, previousOffset: 1, newOffset: 0 },
    ]);
    expect((await admin.lag('rg')).partitions.map((p) => p.committedOffset)).toEqual([5, 1]); // unchanged

    expect((await admin.resetOffsets({ groupId: 'rg', to: { type: 'latest' } })).map((p) => p.newOffset)).toEqual([
      10, 4,
    ]);
    expect(
      (await admin.resetOffsets({ groupId: 'rg', to: { type: 'shift', by: -3 } })).map((p) => p.newOffset),
    ).toEqual([7, 1]);
    expect(
      (await admin.resetOffsets({ groupId: 'rg', to: { type: 'shift', by: -100 } })).map((p) => p.newOffset),
    ).toEqual([0, 0]);
    expect(
      (await admin.resetOffsets({ groupId: 'rg', to: { type: 'offset', offset: 8 } })).map((p) => p.newOffset),
    ).toEqual([8, 4]); // clamped to the HW
    const byTime = await admin.resetOffsets({
      groupId: 'rg',
      to: { type: 'timestamp', timestamp: t0 + 3500 },
      topics: [{ topic: 'r1', partitions: [0] }],
    });
    expect(byTime).toEqual([{ topic: 'r1', partition: 0, previousOffset: 8, newOffset: 4 }]);
    const other = await admin.resetOffsets({ groupId: 'rg', to: { type: 'earliest' }, topics: [{ topic: 'r2' }] });
    expect(other).toEqual([{ topic: 'r2', partition: 0, previousOffset: null, newOffset: 0 }]);
    const f = await groups.coordinator.fetchOffsets({ groupId: 'rg', partitions: null });
    expect(f.offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`)).toEqual(['r1-0@4', 'r1-1@4', 'r2-0@0']);
    await expect(
      admin.resetOffsets({ groupId: 'rg', to: { type: 'earliest' }, topics: [{ topic: 'nope' }] }),
    ).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(admin.resetOffsets({ groupId: 'fresh', to: { type: 'earliest' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
  });

  it('deletes the committed offsets of a topic', async () => {
    env = await openEnv();
    await env.cluster.createTopic({ name: 'd1', partitions: 2 });
    await env.cluster.createTopic({ name: 'd2', partitions: 1 });
    await simpleCommit(env, 'dg', [
      { topic: 'd1', partition: 0, offset: 0 },
      { topic: 'd1', partition: 1, offset: 0 },
      { topic: 'd2', partition: 0, offset: 0 },
    ]);
    await env.groups.admin.deleteOffsets('dg', 'd1');
    const f = await env.groups.coordinator.fetchOffsets({ groupId: 'dg', partitions: null });
    expect(f.offsets.map((o) => o.topic)).toEqual(['d2']);
    await env.restart();
    expect(
      (await env.groups.coordinator.fetchOffsets({ groupId: 'dg', partitions: null })).offsets.map((o) => o.topic),
    ).toEqual(['d2']);
  });
});

describe('offset expiry (offsets.retention.minutes)', () => {
  it('expires the offsets of an Empty group after the retention, then the group', async () => {
    let now = Date.now();
    env = await openEnv({ groups: { now: () => now, offsetsRetentionMs: 60_000 } });
    await env.cluster.createTopic({ name: 'x', partitions: 1 });
    await simpleCommit(env, 'old', [{ topic: 'x', partition: 0, offset: 1 }]);
    now += 30_000;
    await simpleCommit(env, 'newer', [{ topic: 'x', partition: 0, offset: 2 }]);
    expect(await env.groups.coordinator.expireOffsets()).toBe(0);
    now += 40_000; // 'old' is 70 s old, 'newer' 40 s
    expect(await env.groups.coordinator.expireOffsets()).toBe(1);
    expect((await env.groups.admin.listGroups()).map((g) => g.groupId)).toEqual(['newer']);
    await env.restart();
    expect((await env.groups.admin.listGroups()).map((g) => g.groupId)).toEqual(['newer']);
  });
});

describe('lag', () => {
  it('is HW - committed, or counted from the log start (and marked) when nothing is committed', async () => {
    env = await openEnv();
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'lg', partitions: 2 });
    await produceN(cluster, 'lg', 10, 0);
    await produceN(cluster, 'lg', 6, 1);
    await simpleCommit(env, 'lagging', [{ topic: 'lg', partition: 0, offset: 4 }]);
    const c = groups.consumer({ groupId: 'lagging', ...QUICK, autoOffsetReset: 'latest' });
    c.subscribe(['lg']);
    await pollTogether([c], () => c.assignment().length === 2);
    await cluster.deleteRecords('lg', 1, 2);
    const lag = await groups.admin.lag('lagging');
    expect(
      lag.partitions.map(({ partition, committedOffset, highWatermark, logStartOffset, lag: l, lagFrom }) => ({
        partition,
        committedOffset,
        highWatermark,
        logStartOffset,
        lag: l,
        lagFrom,
      })),
    ).toEqual([
      { partition: 0, committedOffset: 4, highWatermark: 10, logStartOffset: 0, lag: 6, lagFrom: 'committed' },
      { partition: 1, committedOffset: null, highWatermark: 6, logStartOffset: 2, lag: 4, lagFrom: 'logStart' },
    ]);
    expect(lag.totalLag).toBe(10);
  });

  it('the sampler keeps a bounded history per partition for 100 groups x 100 partitions', async () => {
    env = await openEnv({ brokers: 1 });
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'wide', partitions: 100 });
    await Promise.all(
      Array.from({ length: 100 }, (_, g) =>
        simpleCommit(
          env!,
          `grp-${g}`,
          Array.from({ length: 100 }, (_, p) => ({ topic: 'wide', partition: p, offset: 0 })),
        ),
      ),
    );
    const sampler = new LagSampler(cluster, groups.coordinator);
    expect(sampler.memoryBoundBytes).toBeLessThan(30 * 1024 * 1024);
    sampler.sampleOnce();
    expect(sampler.seriesCount).toBe(10_000);
    // The tick's time for 10,000 series is in npm run bench (lag_sampler_tick_10k_series_ms).
    for (let i = 0; i < 5; i++) sampler.sampleOnce();
    expect(sampler.seriesCount).toBe(10_000);
    expect(sampler.memoryBytes).toBeLessThanOrEqual(sampler.memoryBoundBytes);
    const capped = new LagSampler(cluster, groups.coordinator, { maxSeries: 50 });
    capped.sampleOnce();
    expect(capped.seriesCount).toBe(50);
    expect(capped.droppedSeries).toBe(9950);
  });

  it('rings keep the recent window at full resolution and the older part as peaks', async () => {
    env = await openEnv({ brokers: 1 });
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'ring', partitions: 1 });
    await simpleCommit(env, 'rg', [{ topic: 'ring', partition: 0, offset: 0 }]);
    const s = new LagSampler(cluster, groups.coordinator, { fineSamples: 4, coarseEvery: 2, coarseSamples: 3 });
    for (let i = 0; i < 12; i++) {
      await produceN(cluster, 'ring', 1, 0);
      s.sampleOnce(1000 * i);
    }
    const [h] = s.history('rg');
    // Fine: the last 4 ticks (t = 8..11 s, lag 9..12). Coarse: the ring holds the pairs closing at 7, 9 and 11 s;
    // only the one older than the fine window (ticks 6-7, peak 8, stamped at its close) is shown.
    expect(h!.points.slice(-4)).toEqual([
      { time: 8000, lag: 9 },
      { time: 9000, lag: 10 },
      { time: 10_000, lag: 11 },
      { time: 11_000, lag: 12 },
    ]);
    expect(h!.points.slice(0, -4)).toEqual([{ time: 7000, lag: 8 }]);
    expect(s.totalHistory('rg').map((p) => p.lag)).toEqual([8, 9, 10, 11, 12]);
  });
});

describe('the lag sampler on an idle cluster', () => {
  it('reads no replica and recomputes no series while nothing changes, yet records every tick', async () => {
    env = await openEnv({ brokers: 1 });
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'quiet', partitions: 1000 });
    const all = Array.from({ length: 1000 }, (_, p) => ({ topic: 'quiet', partition: p, offset: 0 }));
    await simpleCommit(env, 'watcher', all);
    const sampler = new LagSampler(cluster, groups.coordinator);
    try {
      sampler.sampleOnce(0);
      expect(sampler.lastSampleSeries).toBe(1000);
      const replicaReads = vi.spyOn(cluster, 'replicaOn');
      for (let i = 1; i <= 5; i++) {
        sampler.sampleOnce(i * 1000);
        expect(sampler.lastSampleSeries).toBe(0);
      }
      expect(replicaReads).not.toHaveBeenCalled();

      // One partition's high watermark moves: only its series is recomputed.
      await produceN(cluster, 'quiet', 3, 7);
      sampler.sampleOnce(6000);
      expect(sampler.lastSampleSeries).toBe(1);
      expect(replicaReads).toHaveBeenCalledTimes(1);
      const lags = (partition: number) => sampler.history('watcher', { partition })[0]!.points.map((p) => p.lag);
      expect(lags(7)).toEqual([0, 0, 0, 0, 0, 0, 3]);
      expect(lags(8)).toEqual([0, 0, 0, 0, 0, 0, 0]);
      expect(sampler.history('watcher', { partition: 8 })[0]!.points.map((p) => p.time)).toEqual([
        0, 1000, 2000, 3000, 4000, 5000, 6000,
      ]);

      // A commit changes the group: its series are recomputed once, then it is quiet again.
      await simpleCommit(env, 'watcher', [{ topic: 'quiet', partition: 7, offset: 2 }]);
      sampler.sampleOnce(7000);
      expect(sampler.lastSampleSeries).toBe(1000);
      sampler.sampleOnce(8000);
      expect(sampler.lastSampleSeries).toBe(0);
      expect(lags(7).slice(-3)).toEqual([3, 1, 1]);
      expect(sampler.totalHistory('watcher').map((p) => p.lag)).toEqual([0, 0, 0, 0, 0, 0, 3, 1, 1]);
    } finally {
      sampler.stop();
    }
  });

  it('ends the series of a group that is deleted, and keeps them until they age out of the window', async () => {
    env = await openEnv({ brokers: 1 });
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'gone', partitions: 2 });
    await produceN(cluster, 'gone', 4, 0);
    await simpleCommit(env, 'leaver', [{ topic: 'gone', partition: 0, offset: 1 }]);
    const sampler = new LagSampler(cluster, groups.coordinator, { fineSamples: 4, coarseEvery: 2, coarseSamples: 2 });
    try {
      sampler.sampleOnce(0);
      sampler.sampleOnce(1000);
      await groups.admin.deleteGroup('leaver');
      sampler.sampleOnce(2000);
      expect(sampler.history('leaver')[0]!.points).toEqual([
        { time: 0, lag: 3 },
        { time: 1000, lag: 3 },
      ]);
      for (let i = 3; i < 9; i++) sampler.sampleOnce(i * 1000);
      expect(sampler.seriesCount).toBe(0);
    } finally {
      sampler.stop();
    }
  });
});
