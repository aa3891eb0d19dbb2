/**
 * Committed offsets and group state survive: a whole-cluster restart, and
 * the loss of the coordinator's broker (a new leader of the offsets
 * partition loads the group from the log and takes over).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeKey, decodeOffsetValue, OFFSETS_TOPIC, partitionForGroup } from '../../../core/groups/offsets-log';
import { QUICK, openEnv, pollTogether, produceN, waitFor, type Env } from './helpers';

let env: Env | null = null;
afterEach(async () => {
  await env?.cleanup();
  env = null;
});

describe('whole-cluster restart', () => {
  it('committed offsets and group metadata are still there', async () => {
    env = await openEnv();
    await env.cluster.createTopic({ name: 'orders', partitions: 2 });
    await produceN(env.cluster, 'orders', 10, 0);
    await produceN(env.cluster, 'orders', 10, 1);
    const c = env.groups.consumer({ groupId: 'billing', ...QUICK, maxPollRecords: 7 });
    c.subscribe(['orders']);
    await pollTogether([c], (g) => g[0]!.length >= 7);
    await c.commitSync();
    await c.commitSync([{ topic: 'orders', partition: 1, offset: 3, metadata: 'checkpoint-3' }]);
    const simple = await env.groups.coordinator.commitOffsets({
      groupId: 'tool',
      generationId: -1,
      memberId: '',
      offsets: [{ topic: 'orders', partition: 0, offset: 9, metadata: 'by hand' }],
    });
    expect(simple.partitions[0]!.errorCode).toBe(0);
    const before = await env.groups.coordinator.fetchOffsets({ groupId: 'billing', partitions: null });
    const generation = c.generationId;
    c.crash();

    await env.restart();
    const after = await env.groups.coordinator.fetchOffsets({ groupId: 'billing', partitions: null });
    expect(
      after.offsets.map(({ topic, partition, offset, metadata, leaderEpoch }) => ({
        topic,
        partition,
        offset,
        metadata,
        leaderEpoch,
      })),
    ).toEqual(
      before.offsets.map(({ topic, partition, offset, metadata, leaderEpoch }) => ({
        topic,
        partition,
        offset,
        metadata,
        leaderEpoch,
      })),
    );
    expect(after.offsets.find((o) => o.partition === 1)!.metadata).toBe('checkpoint-3');
    expect(
      (await env.groups.coordinator.fetchOffsets({ groupId: 'tool', partitions: [{ topic: 'orders', partition: 0 }] }))
        .offsets[0]!.offset,
    ).toBe(9);
    // The group comes back as it was stored: Stable, same generation and member (until its session expires).
    const d = await env.groups.admin.describeGroup('billing');
    expect(d.state).toBe('Stable');
    expect(d.generationId).toBe(generation);
    expect(d.members).toHaveLength(1);
    await waitFor(
      'the stale member to expire',
      async () => (await env!.groups.admin.describeGroup('billing')).state === 'Empty',
      5000,
    );
    // A new consumer resumes from the committed offsets.
    const resumed = env.groups.consumer({ groupId: 'billing', ...QUICK });
    resumed.subscribe(['orders']);
    const [rest] = await pollTogether([resumed], (g) => g[0]!.length >= 10 - 7 + 10 - 3);
    const first = (p: number) => rest!.filter((r) => r.partition === p)[0]!.offset;
    expect(first(0)).toBe(before.offsets.find((o) => o.partition === 0)!.offset);
    expect(first(1)).toBe(3);
    expect((await env.groups.admin.listGroups()).map((g) => g.groupId)).toEqual(['billing', 'tool']);
  });
});

describe('coordinator failover', () => {
  it("after the coordinator's broker is killed, the group goes on with a new coordinator and its offsets", async () => {
    env = await openEnv();
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'events', partitions: 2 });
    const cs = [groups.consumer({ groupId: 'ha', ...QUICK }), groups.consumer({ groupId: 'ha', ...QUICK })];
    for (const c of cs) c.subscribe(['events']);
    await produceN(cluster, 'events', 20);
    await pollTogether(cs, (g) => g[0]!.length + g[1]!.length >= 20);
    await Promise.all(cs.map((c) => c.commitSync()));
    const committed = await groups.coordinator.fetchOffsets({ groupId: 'ha', partitions: null });
    expect(committed.offsets.reduce((n, o) => n + o.offset, 0)).toBe(20);
    const old = (await groups.coordinator.findCoordinator('ha')).nodeId;
    const generation = cs[0]!.generationId;

    await cluster.killBroker(old);
    const now = await groups.coordinator.findCoordinator('ha');
    expect(now.errorCode).toBe(0);
    expect(now.nodeId).not.toBe(old);
    // The new coordinator loaded the offsets from its replica of the log.
    const reloaded = await groups.coordinator.fetchOffsets({ groupId: 'ha', partitions: null });
    expect(reloaded.offsets.map((o) => [o.topic, o.partition, o.offset])).toEqual(
      committed.offsets.map((o) => [o.topic, o.partition, o.offset]),
    );
    // ... and the group itself: members keep heartbeating in the same generation, and consumption goes on.
    await produceN(cluster, 'events', 10, undefined, 'after');
    const got = await pollTogether(cs, (g) => g[0]!.length + g[1]!.length >= 10, 15_000);
    expect(
      got
        .flat()
        .map((r) => r.value!.toString())
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `after${i}`).sort());
    await Promise.all(cs.map((c) => c.commitSync()));
    const final = await groups.coordinator.fetchOffsets({ groupId: 'ha', partitions: null });
    expect(final.offsets.reduce((n, o) => n + o.offset, 0)).toBe(30);
    expect(cs[0]!.generationId).toBe(generation);
    expect((await groups.admin.describeGroup('ha')).coordinator).toBe(now.nodeId);
  });

  it('offsets committed with acks=all before the kill are never lost', async () => {
    // A write caught mid-append by the kill waits out the commit timeout (engine behaviour); keep it short.
    env = await openEnv({ groups: { commitTimeoutMs: 1000 } });
    const { cluster, groups } = env;
    await cluster.createTopic({ name: 'ledger', partitions: 1 });
    const coordinator = groups.coordinator;
    let acked = -1;
    for (let i = 1; i <= 50; i++) {
      const r = await coordinator.commitOffsets({
        groupId: 'durable',
        generationId: -1,
        memberId: '',
        offsets: [{ topic: 'ledger', partition: 0, offset: i }],
      });
      if (r.partitions[0]!.errorCode === 0) acked = i;
    }
    expect(acked).toBe(50);
    // Commits in flight while the broker dies may fail; the acknowledged ones must survive.
    const inflight = Array.from({ length: 20 }, (_, i) =>
      coordinator.commitOffsets({
        groupId: 'durable',
        generationId: -1,
        memberId: '',
        offsets: [{ topic: 'ledger', partition: 0, offset: 51 + i }],
      }),
    );
    await cluster.killBroker((await coordinator.findCoordinator('durable')).nodeId);
    const results = await Promise.all(inflight);
    const lastOk = results.reduce((m, r, i) => (r.partitions[0]!.errorCode === 0 ? 51 + i : m), 50);
    const r = await coordinator.fetchOffsets({ groupId: 'durable', partitions: [{ topic: 'ledger', partition: 0 }] });
    expect(r.offsets[0]!.offset).toBeGreaterThanOrEqual(lastOk);
  });
});

describe('the default offsets topic (50 partitions)', () => {
  it("is created on first use, compacted, rf = min(3, brokers), with Kafka's records", async () => {
    env = await openEnv({ groups: { offsetsTopicPartitions: undefined } });
    const { cluster, groups } = env;
    expect(cluster.listTopics({ includeInternal: true }).map((t) => t.name)).not.toContain(OFFSETS_TOPIC);
    await cluster.createTopic({ name: 'data', partitions: 1 });
    const fc = await groups.coordinator.findCoordinator('console-consumer-61617');
    const topic = cluster.describeTopic(OFFSETS_TOPIC);
    expect(topic.partitions).toBe(50);
    expect(topic.replicationFactor).toBe(3);
    expect(topic.cleanupPolicy).toBe('compact');
    expect(topic.internal).toBe(true);
    const index = partitionForGroup('console-consumer-61617', 50);
    expect(fc.nodeId).toBe(cluster.partitions(OFFSETS_TOPIC)[index]!.leader);
    const r = await groups.coordinator.commitOffsets({
      groupId: 'console-consumer-61617',
      generationId: -1,
      memberId: '',
      offsets: [{ topic: 'data', partition: 0, offset: 5, metadata: 'md' }],
    });
    expect(r.partitions[0]!.errorCode).toBe(0);
    const recs = await waitFor('the commit record below the high watermark', async () => {
      const rs = await cluster.readRecords({
        topic: OFFSETS_TOPIC,
        partition: index,
        start: { type: 'earliest' },
        limit: 10,
      });
      return rs.length > 0 ? rs : null;
    });
    expect(recs).toHaveLength(1);
    expect(decodeKey(recs[0]!.key!)).toEqual({
      type: 'offset',
      group: 'console-consumer-61617',
      topic: 'data',
      partition: 0,
    });
    expect(decodeOffsetValue(recs[0]!.value!)).toMatchObject({ offset: 5, leaderEpoch: -1, metadata: 'md' });
  });
});
