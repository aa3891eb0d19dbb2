/**
 * The replica map store holds one summary per topic and one page of one topic's partitions, never every
 * partition: it loads summaries with getReplicaSummary and pages with listPartitionPage, patches both from the
 * `partitions` events (summaries replaced, rows of the open page patched and flagged as just changed), re-reads
 * the page when an event names its topic in `resync` or when it lists only problems, and reloads on reconnect.
 */
import { describe, expect, it, vi } from 'vitest';
import type { PartitionsChange, TopicReplicaSummary } from '@core/api/api';
import type { ClusterState, PartitionPage, PartitionState } from '@core/cluster/types';
import { useClusterStore } from '../../../renderer/src/stores/cluster';
import { REPLICA_PAGE_SIZE, useReplicaMapStore } from '../../../renderer/src/stores/replica-map';
import { connectedPinia, fakeTransport, type FakeTransport } from '../support/fake-transport';

const BIG = 2500;

function part(topic: string, partition: number, leader: number, offline: number[] = []): PartitionState {
  const replicas = [0, 1, 2];
  return {
    topic,
    partition,
    leader,
    leaderEpoch: 0,
    replicas,
    isr: replicas.filter((r) => !offline.includes(r)),
    offlineReplicas: offline,
  } as unknown as PartitionState;
}

function summary(topic: string, partitions: number, over: Partial<TopicReplicaSummary> = {}): TopicReplicaSummary {
  return {
    topic,
    internal: topic.startsWith('__'),
    partitions,
    underReplicated: 0,
    offline: 0,
    brokers: [0, 1, 2].map((b) => ({ brokerId: b, leaders: 1, inSync: partitions - 1, outOfSync: 0, offline: 0 })),
    ...over,
  };
}

const change = (over: Partial<PartitionsChange>): PartitionsChange => ({
  partitions: [],
  resync: [],
  topics: [],
  deletedTopics: [],
  ...over,
});

/** An engine with a 2,500-partition topic `big` and a 3-partition `small`; `leaderOf` decides what pages hold. */
function engine(state: { leaderOf: (p: number) => number; summaries: TopicReplicaSummary[] }): FakeTransport {
  return fakeTransport({
    getServerInfo: () => ({ product: 'Noticeboard', transport: 'websocket' }),
    getCluster: () => ({ clusterId: 'c1', brokers: [], topics: 2, partitions: BIG + 3 }) as unknown as ClusterState,
    listTopics: () => [],
    getMetricsHistory: () => [],
    getReplicaSummary: () => state.summaries,
    listPartitionPage: (i): PartitionPage => {
      const topic = String(i.topic);
      const total = topic === 'big' ? BIG : 3;
      const offset = Number(i.offset);
      const count = Math.max(0, Math.min(Number(i.limit), total - offset));
      return {
        topic,
        filter: (i.filter as 'all' | 'problems') ?? 'all',
        offset,
        total,
        matching: total,
        problems: 0,
        partitions: Array.from({ length: count }, (_, k) => part(topic, offset + k, state.leaderOf(offset + k))),
      };
    },
  });
}

async function opened() {
  const state = { leaderOf: (p: number) => p % 3, summaries: [summary('small', 3), summary('big', BIG)] };
  const t = engine(state);
  const { connection } = connectedPinia(t);
  const cluster = useClusterStore();
  const map = useReplicaMapStore();
  await vi.waitFor(() => expect(map.loaded).toBe(true));
  await vi.waitFor(() => expect(cluster.state).not.toBeNull());
  return { t, map, state, connection };
}

describe('the replica map store', () => {
  it('loads one summary per topic and a page of the open topic, never every partition', async () => {
    const { t, map } = await opened();
    expect(map.summaries.map((s) => s.topic)).toEqual(['big', 'small']);
    expect(map.brokerTotals.get(1)).toEqual({ leaders: 2, inSync: BIG - 1 + 2, outOfSync: 0, offline: 0 });
    expect(map.partitions).toEqual([]);

    map.openTopic('big');
    await vi.waitFor(() => expect(map.partitions).toHaveLength(REPLICA_PAGE_SIZE));
    expect(t.callsOf('listPartitionPage')).toEqual([
      { topic: 'big', offset: 0, limit: REPLICA_PAGE_SIZE, filter: 'all' },
    ]);
    map.showPage(2400);
    await vi.waitFor(() => expect(map.partitions[0]?.partition).toBe(2400));
    expect(map.partitions).toHaveLength(100);
    expect(t.callsOf('listAllPartitions')).toEqual([]);
    expect(t.calls.every((c) => c.method !== 'listPartitions')).toBe(true);
  });

  it('replaces summaries and patches the rows of the open page from an event, flagging what changed', async () => {
    const { t, map } = await opened();
    map.openTopic('big');
    await vi.waitFor(() => expect(map.partitions).toHaveLength(REPLICA_PAGE_SIZE));
    const reads = t.callsOf('listPartitionPage').length;
    const newSmall = summary('small', 3, { underReplicated: 1 });
    t.emit(
      'partitions',
      change({
        // Partition 4 moves its leader from broker 1 to 2 and loses broker 1; partition 900 is not on the page.
        partitions: [part('big', 4, 2, [1]), part('big', 900, 0)],
        topics: [newSmall, summary('big', BIG)],
      }),
    );
    expect(map.summaries.find((s) => s.topic === 'small')).toEqual(newSmall);
    expect(map.partitions[4]).toMatchObject({ leader: 2, offlineReplicas: [1] });
    expect(map.partitions).toHaveLength(REPLICA_PAGE_SIZE);
    expect(map.partitions.some((p) => p.partition === 900)).toBe(false);
    expect(map.isRecent({ topic: 'big', partition: 4 }, 1)).toBe(true);
    expect(map.isRecent({ topic: 'big', partition: 4 }, 2)).toBe(true);
    expect(map.isRecent({ topic: 'big', partition: 4 }, 0)).toBe(false);
    expect(map.isRecent({ topic: 'big', partition: 5 }, 1)).toBe(false);
    expect(map.isRecent({ topic: 'small', partition: 4 }, 1)).toBe(false);
    expect(t.callsOf('listPartitionPage')).toHaveLength(reads);

    t.emit('partitions', change({ deletedTopics: ['small'] }));
    expect(map.summaries.map((s) => s.topic)).toEqual(['big']);
  });

  it('re-reads the open page when an event names its topic to resync, and flags the replicas that moved', async () => {
    const { t, map, state } = await opened();
    map.openTopic('big');
    await vi.waitFor(() => expect(map.partitions).toHaveLength(REPLICA_PAGE_SIZE));
    const reads = t.callsOf('listPartitionPage').length;
    // Another topic's resync does not concern this page.
    t.emit('partitions', change({ resync: ['other'] }));
    state.leaderOf = () => 0;
    t.emit('partitions', change({ resync: ['big'], topics: [summary('big', BIG, { underReplicated: 7 })] }));
    await vi.waitFor(() => expect(map.partitions.every((p) => p.leader === 0)).toBe(true));
    expect(t.callsOf('listPartitionPage')).toHaveLength(reads + 1);
    expect(t.callsOf('listPartitionPage').at(-1)).toEqual({
      topic: 'big',
      offset: 0,
      limit: REPLICA_PAGE_SIZE,
      filter: 'all',
    });
    expect(map.summaries.find((s) => s.topic === 'big')?.underReplicated).toBe(7);
    expect(map.isRecent({ topic: 'big', partition: 1 }, 1)).toBe(true);
    expect(map.isRecent({ topic: 'big', partition: 0 }, 0)).toBe(false);
  });

  it('re-reads a page of problems on any change to its topic, as membership may have changed', async () => {
    const { t, map } = await opened();
    map.openTopic('small');
    map.showPage(0, 'problems');
    await vi.waitFor(() => expect(t.callsOf('listPartitionPage').at(-1)?.filter).toBe('problems'));
    await vi.waitFor(() => expect(map.page?.filter).toBe('problems'));
    const reads = t.callsOf('listPartitionPage').length;
    t.emit('partitions', change({ partitions: [part('small', 1, 0, [2])] }));
    await vi.waitFor(() => expect(t.callsOf('listPartitionPage')).toHaveLength(reads + 1));
  });

  it('reads the summaries and the open page again after a reconnect, and stops paging a closed topic', async () => {
    const { t, map, connection } = await opened();
    map.openTopic('big');
    await vi.waitFor(() => expect(map.partitions).toHaveLength(REPLICA_PAGE_SIZE));
    const summaries = t.callsOf('getReplicaSummary').length;
    const pages = t.callsOf('listPartitionPage').length;
    t.setStatus('closed');
    t.setStatus('connecting');
    t.setStatus('open');
    await vi.waitFor(() => expect(connection.generation).toBe(2));
    await vi.waitFor(() => expect(t.callsOf('getReplicaSummary')).toHaveLength(summaries + 1));
    await vi.waitFor(() => expect(t.callsOf('listPartitionPage')).toHaveLength(pages + 1));

    map.openTopic(null);
    t.emit('partitions', change({ resync: ['big'] }));
    expect(map.partitions).toEqual([]);
    expect(t.callsOf('listPartitionPage')).toHaveLength(pages + 1);
  });

  it("reloads the summaries when the cluster's partition count no longer matches them", async () => {
    const { t, map } = await opened();
    const before = t.callsOf('getReplicaSummary').length;
    // The engine has 2,503 partitions; the summaries held add up to 2,503 too: nothing to do.
    expect(map.summaries.reduce((n, s) => n + s.partitions, 0)).toBe(BIG + 3);
    t.emit('cluster', {
      cluster: { clusterId: 'c1', brokers: [], topics: 3, partitions: BIG + 9 },
      kinds: ['metadata'],
      topics: ['new'],
    } as never);
    await vi.waitFor(() => expect(t.callsOf('getReplicaSummary')).toHaveLength(before + 1));
  });
});
