/**
 * The seed's rules, shown with the engine's own consumers: one active
 * consumer per partition, parallelism up to the partition count, failover
 * to survivors, and committed positions surviving a consumer restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineConsumer } from '../../../core/groups';
import { QUICK, openEnv, pollTogether, produceN, sleep, waitFor, type Env } from './helpers';

let env: Env;
beforeEach(async () => {
  env = await openEnv();
});
afterEach(async () => {
  await env.cleanup();
});

function make(groupId: string, extra: Partial<Parameters<Env['groups']['consumer']>[0]> = {}): EngineConsumer {
  return env.groups.consumer({ groupId, ...QUICK, ...extra });
}

/** Polls every consumer until all are in a stable generation with assignments that cover `partitions`. */
async function settle(cs: EngineConsumer[], partitions: number): Promise<void> {
  await pollTogether(cs, () => {
    const assigned = cs.flatMap((c) => c.assignment());
    const gens = new Set(cs.map((c) => c.generationId));
    return assigned.length === partitions && gens.size === 1;
  });
}

describe('partitions and parallelism', () => {
  it('one partition: only one consumer of the group is active', async () => {
    await env.cluster.createTopic({ name: 'one', partitions: 1 });
    const cs = [make('g1'), make('g1')];
    for (const c of cs) c.subscribe(['one']);
    await settle(cs, 1);
    await produceN(env.cluster, 'one', 20);
    const got = await pollTogether(cs, (g) => g[0]!.length + g[1]!.length >= 20);
    const active = got.filter((g) => g.length > 0);
    expect(active).toHaveLength(1);
    expect(active[0]!.map((r) => r.value!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    expect(cs.map((c) => c.assignment().length).sort()).toEqual([0, 1]);
  });

  it('two partitions: two consumers consume in parallel; a third stays idle', async () => {
    await env.cluster.createTopic({ name: 'two', partitions: 2 });
    const cs = [make('g2'), make('g2')];
    for (const c of cs) c.subscribe(['two']);
    await settle(cs, 2);
    expect(cs.map((c) => c.assignment().length)).toEqual([1, 1]);
    await produceN(env.cluster, 'two', 10, 0, 'a');
    await produceN(env.cluster, 'two', 10, 1, 'b');
    const got = await pollTogether(cs, (g) => g[0]!.length + g[1]!.length >= 20);
    expect(got.map((g) => g.length)).toEqual([10, 10]);
    for (const g of got) expect(new Set(g.map((r) => r.partition)).size).toBe(1);

    const third = make('g2');
    third.subscribe(['two']);
    const all = [...cs, third];
    await settle(all, 2);
    expect(third.assignment()).toEqual([]);
    await produceN(env.cluster, 'two', 5, 0, 'c');
    await produceN(env.cluster, 'two', 5, 1, 'd');
    const more = await pollTogether(all, (g) => g[0]!.length + g[1]!.length + g[2]!.length >= 10);
    expect(more[2]).toEqual([]);
    const describe_ = await env.groups.admin.describeGroup('g2');
    expect(describe_.members).toHaveLength(3);
    expect(describe_.members.filter((m) => m.assignment.length === 0)).toHaveLength(1);
  });

  it('a consumer that stops heartbeating loses its partitions to a survivor', async () => {
    await env.cluster.createTopic({ name: 'fo', partitions: 2 });
    const [a, b] = [make('g3'), make('g3')];
    a.subscribe(['fo']);
    b.subscribe(['fo']);
    await settle([a, b], 2);
    const generation = a.generationId;
    b.crash(); // no LeaveGroup, no heartbeats: only the session timeout tells the coordinator
    await produceN(env.cluster, 'fo', 10, 0, 'x');
    await produceN(env.cluster, 'fo', 10, 1, 'y');
    const [got] = await pollTogether([a], (g) => g[0]!.length >= 20, 10_000);
    expect(
      a
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1]);
    expect(a.generationId).toBeGreaterThan(generation);
    expect(new Set(got!.map((r) => r.partition))).toEqual(new Set([0, 1]));
  });
});

describe('membership changes', () => {
  it('unsubscribe hands partitions over at once; a topic gaining partitions is rebalanced onto the group', async () => {
    await env.cluster.createTopic({ name: 'grow', partitions: 2 });
    const [a, b] = [make('g9'), make('g9')];
    a.subscribe(['grow']);
    b.subscribe(['grow']);
    await settle([a, b], 2);
    await b.unsubscribe();
    expect(b.assignment()).toEqual([]);
    await pollTogether([a], () => a.assignment().length === 2, 3000);
    await env.cluster.createPartitions('grow', 3);
    await pollTogether([a], () => a.assignment().length === 3, 5000);
    await produceN(env.cluster, 'grow', 3, 2, 'new-partition-');
    const [got] = await pollTogether([a], (g) => g[0]!.length >= 3);
    expect(got!.every((r) => r.partition === 2)).toBe(true);
  });
});

describe('committed positions', () => {
  it('after a commit and a restart of the consumer, reading resumes at the next offset', async () => {
    await env.cluster.createTopic({ name: 'resume', partitions: 1 });
    await produceN(env.cluster, 'resume', 10);
    const first = make('g4', { maxPollRecords: 4 });
    first.subscribe(['resume']);
    const [got] = await pollTogether([first], (g) => g[0]!.length >= 4);
    expect(got!.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    await first.commitSync();
    await first.close();
    const committed = await env.groups.coordinator.fetchOffsets({
      groupId: 'g4',
      partitions: [{ topic: 'resume', partition: 0 }],
    });
    expect(committed.offsets[0]!.offset).toBe(4);
    const second = make('g4');
    second.subscribe(['resume']);
    const [rest] = await pollTogether([second], (g) => g[0]!.length >= 6);
    expect(rest!.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('auto commit commits the position on its interval and on close', async () => {
    await env.cluster.createTopic({ name: 'auto', partitions: 1 });
    await produceN(env.cluster, 'auto', 5);
    const c = make('g5', { enableAutoCommit: true, autoCommitIntervalMs: 100 });
    c.subscribe(['auto']);
    await pollTogether([c], (g) => g[0]!.length >= 5);
    await waitFor(
      'auto commit',
      async () => {
        await c.poll(20);
        return (await c.committed([{ topic: 'auto', partition: 0 }]))[0]!.offset === 5;
      },
      3000,
    );
    await produceN(env.cluster, 'auto', 2);
    await pollTogether([c], (g) => g[0]!.length >= 2);
    await c.close();
    const r = await env.groups.coordinator.fetchOffsets({ groupId: 'g5', partitions: null });
    expect(r.offsets.map((o) => o.offset)).toEqual([7]);
  });
});

describe('auto.offset.reset, seek, pause and resume', () => {
  it('earliest reads from the log start, latest only new records, none raises the error', async () => {
    await env.cluster.createTopic({ name: 'reset', partitions: 1 });
    await produceN(env.cluster, 'reset', 3);
    const early = make('early', { autoOffsetReset: 'earliest' });
    const late = make('late', { autoOffsetReset: 'latest' });
    early.subscribe(['reset']);
    late.subscribe(['reset']);
    await pollTogether([early], (g) => g[0]!.length >= 3);
    await late.poll(100);
    expect(late.position('reset', 0)).toBe(3);
    await produceN(env.cluster, 'reset', 1, undefined, 'new');
    const [l] = await pollTogether([late], (g) => g[0]!.length >= 1);
    expect(l!.map((r) => r.value!.toString())).toEqual(['new0']);
    const none = make('none', { autoOffsetReset: 'none' });
    none.subscribe(['reset']);
    await expect(none.poll(100)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    // seek() gives it a position; then it reads.
    none.seek('reset', 0, 2);
    const [n] = await pollTogether([none], (g) => g[0]!.length >= 2);
    expect(n!.map((r) => r.offset)).toEqual([2, 3]);
  });

  it('seek moves the position; paused partitions are not returned until resumed', async () => {
    await env.cluster.createTopic({ name: 'pp', partitions: 2 });
    const c = make('g6', { autoOffsetReset: 'earliest' });
    c.subscribe(['pp']);
    await settle([c], 2);
    c.pause([{ topic: 'pp', partition: 1 }]);
    await produceN(env.cluster, 'pp', 5, 0, 'p0-');
    await produceN(env.cluster, 'pp', 5, 1, 'p1-');
    expect(c.paused()).toEqual([{ topic: 'pp', partition: 1 }]);
    const [got] = await pollTogether([c], (g) => g[0]!.length >= 5);
    await sleep(100);
    got!.push(...(await c.poll(100)));
    expect(got!.every((r) => r.partition === 0)).toBe(true);
    c.seek('pp', 0, 1);
    c.resume([{ topic: 'pp', partition: 1 }]);
    const [again] = await pollTogether([c], (g) => g[0]!.length >= 9);
    expect(again!.filter((r) => r.partition === 0).map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    expect(again!.filter((r) => r.partition === 1).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
  });

  it('round-robin assignor spreads two topics over two members', async () => {
    await env.cluster.createTopic({ name: 'ra', partitions: 1 });
    await env.cluster.createTopic({ name: 'rb', partitions: 1 });
    const cs = [make('g7', { assignors: ['roundrobin'] }), make('g7', { assignors: ['roundrobin'] })];
    for (const c of cs) c.subscribe(['ra', 'rb']);
    await settle(cs, 2);
    expect(cs.map((c) => c.assignment().length)).toEqual([1, 1]);
    expect((await env.groups.admin.describeGroup('g7')).protocol).toBe('roundrobin');
  });
});

describe('static membership with engine consumers', () => {
  it('a static consumer restarted within its session keeps its partitions; no rebalance for the other', async () => {
    await env.cluster.createTopic({ name: 'st', partitions: 2 });
    const a = make('g8', { groupInstanceId: 'a', sessionTimeoutMs: 3000 });
    const b = make('g8', { groupInstanceId: 'b', sessionTimeoutMs: 3000 });
    a.subscribe(['st']);
    b.subscribe(['st']);
    await settle([a, b], 2);
    const before = a.assignment();
    const generation = b.generationId;
    await a.close(); // a static member does not leave
    const a2 = make('g8', { groupInstanceId: 'a', sessionTimeoutMs: 3000 });
    a2.subscribe(['st']);
    await a2.poll(100);
    expect(a2.assignment()).toEqual(before);
    expect(a2.generationId).toBe(generation);
    await sleep(300);
    await b.poll(50);
    expect(b.generationId).toBe(generation);
    expect((await env.groups.admin.describeGroup('g8')).state).toBe('Stable');
  });
});
