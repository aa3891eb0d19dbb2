/**
 * The stores' subscriptions outlive the pages that first used them and come back after a reconnect: a page left
 * and entered again still sees cluster changes, and what the engine holds per connection (a live tail, a group
 * watch) is asked for again on the new socket.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { App } from 'vue';
import type { ClusterChange, LiveRecords, RecordPage } from '@core/api/api';
import type { ClusterState, PartitionPage, TopicDetails } from '@core/cluster/types';
import { useClusterStore } from '../../../renderer/src/stores/cluster';
import { useGroupLagStore } from '../../../renderer/src/stores/group-lag';
import { useMessagesStore } from '../../../renderer/src/stores/messages';
import { useMessageSearchStore } from '../../../renderer/src/stores/message-search';
import { useTopicDetailStore } from '../../../renderer/src/stores/topic-detail';
import { useTopicsStore } from '../../../renderer/src/stores/topics';
import { connectedPinia, fakeTransport, mountPage, type FakeTransport } from '../support/fake-transport';

const cluster = (topics: number): ClusterState =>
  ({ clusterId: 'c1', brokers: [], topics, partitions: topics, controller: 0 }) as unknown as ClusterState;
const topic = (name: string): TopicDetails =>
  ({ name, partitions: 1, replicationFactor: 1, internal: false, configs: [] }) as unknown as TopicDetails;
const page = (t: string): PartitionPage => ({
  topic: t,
  filter: 'all',
  offset: 0,
  total: 1,
  matching: 1,
  problems: 0,
  partitions: [],
});
const emptyRecords: RecordPage = { records: [], partitions: [], lower: [], upper: [] } as unknown as RecordPage;

function engine(): FakeTransport {
  let watch = 0;
  return fakeTransport({
    getServerInfo: () => ({ product: 'Noticeboard', transport: 'websocket' }),
    getCluster: () => cluster(1),
    listTopics: () => [],
    getMetricsHistory: () => [],
    getTopic: (i) => topic(String(i.name)),
    listPartitionPage: (i) => page(String(i.topic)),
    listPartitions: () => [{ partition: 0 }],
    readRecordPage: () => emptyRecords,
    watchRecords: () => ({ subscriptionId: `w${++watch}` }),
    unwatchRecords: () => null,
    watchGroup: () => ({ subscriptionId: `g${++watch}` }),
    unwatchGroup: () => null,
    describeGroup: (i) => ({ groupId: i.groupId, state: 'Stable', members: [], lag: { totalLag: 0, partitions: [] } }),
    getLagHistory: () => ({ total: [], partitions: [] }),
    startSearch: () => ({ searchId: 's1', state: 'running', scanned: 0, total: 10, matches: 0, skipped: [] }),
    getSearchResults: () => ({
      status: { searchId: 's1', state: 'running', scanned: 1, total: 10, matches: 0 },
      matches: [],
    }),
    stopSearch: () => ({ searchId: 's1', state: 'stopped', scanned: 1, total: 10, matches: 0, skipped: [] }),
  });
}

function change(topics: string[]): ClusterChange {
  return { cluster: cluster(1), topics } as unknown as ClusterChange;
}

/** Drops the link and brings it back, as serve mode restarting under an open tab does. */
function reconnect(t: FakeTransport): void {
  t.setStatus('closed');
  t.setStatus('connecting');
  t.setStatus('open');
}

let apps: App[] = [];
afterEach(() => {
  for (const a of apps) a.unmount();
  apps = [];
});

describe('store subscriptions', () => {
  it('keeps reloading a topic on cluster changes after its page was left and entered again', async () => {
    const t = engine();
    connectedPinia(t);
    const enter = () => {
      const app = mountPage(() => useTopicDetailStore().open('orders'));
      apps.push(app);
      return app;
    };
    enter().unmount();
    apps = [];
    enter();
    await vi.waitFor(() => expect(t.callsOf('getTopic').length).toBe(2));
    t.emit('cluster', change(['orders']));
    await vi.waitFor(() => expect(t.callsOf('getTopic').length).toBe(3), { timeout: 10_000 });
    // A change naming another topic does not reload this one.
    t.emit('cluster', change(['payments']));
    t.emit('cluster', change(['orders']));
    await vi.waitFor(() => expect(t.callsOf('getTopic').length).toBe(4), { timeout: 10_000 });
    expect(t.callsOf('getTopic').every((i) => i.name === 'orders')).toBe(true);
  });

  it('keeps the topic list and cluster summary live after the page that first used them is gone', async () => {
    const t = engine();
    const { connection } = connectedPinia(t);
    mountPage(() => {
      useTopicsStore();
      useClusterStore();
    }).unmount();
    const clusterStore = useClusterStore();
    t.emit('cluster', { cluster: cluster(7), topics: ['x'] } as unknown as ClusterChange);
    expect(clusterStore.state?.topics).toBe(7);
    const listed = t.callsOf('listTopics').length;
    await vi.waitFor(() => expect(t.callsOf('listTopics').length).toBe(listed + 1), { timeout: 10_000 });
    // A reconnect reads both again.
    const before = t.callsOf('getCluster').length;
    reconnect(t);
    await vi.waitFor(() => expect(connection.generation).toBe(2));
    await vi.waitFor(() => expect(t.callsOf('getCluster').length).toBe(before + 1));
  });

  it('hands events to listeners registered before the connection existed', async () => {
    const t = engine();
    const { connection } = connectedPinia(t);
    const seen: number[] = [];
    connection.on('metrics', (m) => seen.push(m.time));
    t.emit('metrics', { time: 5 } as never);
    reconnect(t);
    t.emit('metrics', { time: 6 } as never);
    expect(seen).toEqual([5, 6]);
  });

  it('watches the live tail again after a reconnect and shows what arrives on the new watch', async () => {
    const t = engine();
    connectedPinia(t);
    const messages = useMessagesStore();
    apps.push(mountPage(() => void messages.open('orders')));
    await vi.waitFor(() => expect(t.callsOf('readRecordPage').length).toBe(1));
    await messages.setLive(true);
    expect(t.callsOf('watchRecords')).toEqual([{ topic: 'orders' }]);
    reconnect(t);
    await vi.waitFor(() => expect(t.callsOf('watchRecords').length).toBe(2));
    await vi.waitFor(() => expect(t.callsOf('readRecordPage').length).toBe(3));
    expect(messages.live).toBe(true);
    const second = 'w2';
    const live: LiveRecords = {
      subscriptionId: second,
      skipped: 0,
      records: [
        {
          topic: 'orders',
          partition: 0,
          offset: 41,
          timestamp: 1000,
          timestampType: 'CreateTime',
          key: null,
          value: btoa('after the restart'),
          headers: [],
          sizeInBytes: 20,
        },
      ],
    } as LiveRecords;
    t.emit('records', live);
    expect(messages.rows.map((r) => r.valuePreview.text)).toEqual(['after the restart']);
    // Records of the watch that ended with the old socket are not shown.
    t.emit('records', { ...live, subscriptionId: 'w1', records: [{ ...live.records[0]!, offset: 7 }] });
    expect(messages.rows).toHaveLength(1);
  });

  it('watches the open group again after a reconnect', async () => {
    const t = engine();
    const { connection } = connectedPinia(t);
    await vi.waitFor(() => expect(connection.generation).toBe(1));
    const lag = useGroupLagStore();
    const app = mountPage(() => lag.open('billing'));
    apps.push(app);
    await vi.waitFor(() => expect(t.callsOf('describeGroup').length).toBe(1));
    reconnect(t);
    await vi.waitFor(() => expect(t.callsOf('watchGroup')).toEqual([{ groupId: 'billing' }, { groupId: 'billing' }]));
  });

  it('says a running search ended with the connection that started it', async () => {
    const t = engine();
    connectedPinia(t);
    const search = useMessageSearchStore();
    search.pattern = 'needle';
    await search.start('orders', null);
    expect(search.running).toBe(true);
    reconnect(t);
    await vi.waitFor(() => expect(search.status?.state).toBe('failed'));
    expect(search.status?.error).toMatch(/connection .* dropped/);
    await search.clear();
  });

  it('is offline while the link is down and says so in `online`', async () => {
    const t = engine();
    const { connection } = connectedPinia(t);
    expect(connection.online).toBe(true);
    t.setStatus('closed');
    expect(connection.online).toBe(false);
    t.setStatus('open');
    expect(connection.online).toBe(true);
  });
});
