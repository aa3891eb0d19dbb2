/**
 * The broker detail store (a page of a broker's replicas, read again on a timer and after a page or role change)
 * and the topic list's live columns (one listTopicActivity call for all topics, polled only while a page watches),
 * on a fake transport; and the words the pages use for rates, times and an election's result.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PreferredElection } from '@core/cluster/types';
import { useBrokerDetailStore, REFRESH_MS } from '../../../renderer/src/stores/broker-detail';
import { ACTIVITY_MS, useTopicsStore } from '../../../renderer/src/stores/topics';
import { electionFailures, electionSummary } from '../../../renderer/src/utils/election';
import { formatAgo, formatRate } from '../../../renderer/src/utils/time-ago';
import { connectedPinia, fakeTransport } from '../support/fake-transport';

afterEach(() => vi.useRealTimers());

function engine() {
  return fakeTransport({
    getServerInfo: () => ({ product: 'Noticeboard', transport: 'websocket' }),
    getCluster: () => ({ clusterId: 'c', brokers: [], topics: 0 }),
    listTopics: () => [],
    getBrokerDetail: (i) => ({
      broker: { id: i.broker },
      throughput: null,
      logDir: { path: '', error: null, offline: false, totalBytes: 0, topics: [], otherTopics: 0 },
      replicas: { led: 1, followed: 1, outOfSync: 0, role: i.role, offset: i.offset, matching: 2, items: [] },
    }),
    describeBrokerConfigs: () => [],
    listTopicActivity: () => [{ topic: 'orders', messagesInPerSec: 5, lastAppendMs: 1, groups: ['billing'] }],
  });
}

describe('broker detail store', () => {
  it('reads the page asked for, again every REFRESH_MS while open, and stops when closed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = engine();
    const { connection } = connectedPinia(t);
    await vi.waitFor(() => expect(connection.generation).toBe(1));
    const store = useBrokerDetailStore();
    store.open(2);
    await vi.waitFor(() => expect(store.detail?.broker.id).toBe(2));
    expect(t.callsOf('getBrokerDetail')).toEqual([{ broker: 2, role: 'all', offset: 0, limit: 50 }]);
    // Its configs are the page's BrokerConfigs component's (two levels, edited), not the store's.
    expect(t.callsOf('describeBrokerConfigs')).toEqual([]);

    await store.setPage({ offset: 50 });
    await store.setPage({ role: 'leader' });
    expect(t.callsOf('getBrokerDetail').slice(1)).toEqual([
      { broker: 2, role: 'all', offset: 50, limit: 50 },
      // Another role starts at its first page.
      { broker: 2, role: 'leader', offset: 0, limit: 50 },
    ]);
    vi.advanceTimersByTime(REFRESH_MS);
    await vi.waitFor(() => expect(t.callsOf('getBrokerDetail')).toHaveLength(4));
    store.close();
    vi.advanceTimersByTime(REFRESH_MS * 3);
    expect(t.callsOf('getBrokerDetail')).toHaveLength(4);
  });
});

describe('topic activity', () => {
  it('polls listTopicActivity only while a page watches it, once for every topic', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = engine();
    const { connection } = connectedPinia(t);
    await vi.waitFor(() => expect(connection.generation).toBe(1));
    const topics = useTopicsStore();
    const stop = topics.watchActivity();
    await vi.waitFor(() => expect(topics.activity.get('orders')?.groups).toEqual(['billing']));
    vi.advanceTimersByTime(ACTIVITY_MS * 2);
    await vi.waitFor(() => expect(t.callsOf('listTopicActivity')).toHaveLength(3));
    stop();
    vi.advanceTimersByTime(ACTIVITY_MS * 3);
    expect(t.callsOf('listTopicActivity')).toHaveLength(3);
    expect(t.callsOf('listPartitions')).toEqual([]);
  });
});

describe('words', () => {
  it('says how long ago and how fast', () => {
    const now = 10_000_000;
    expect(formatAgo(now - 2000, now)).toBe('just now');
    expect(formatAgo(now - 42_000, now)).toBe('42 s ago');
    expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAgo(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(formatAgo(now - 2 * 86_400_000, now)).toBe('2 d ago');
    expect([formatRate(0), formatRate(2.345), formatRate(1234.4)]).toEqual(['0', '2.3', '1,234']);
  });

  it("sums up an election's result and says why each partition could not move", () => {
    const r: PreferredElection = {
      moved: [
        { topic: 'a', partition: 0, from: 1, to: 0 },
        { topic: 'a', partition: 3, from: 2, to: 0 },
      ],
      alreadyPreferred: 7,
      failed: [
        {
          topic: 'b',
          partition: 1,
          preferred: 2,
          errorName: 'PREFERRED_LEADER_NOT_AVAILABLE',
          reason: 'The preferred leader is not available: broker 2 is not running',
        },
      ],
    };
    expect(electionSummary(r)).toBe(
      '2 partitions moved to their preferred leader; 7 already led by it; 1 could not move.',
    );
    expect(electionFailures(r)).toEqual(['b-1 (preferred broker 2): broker 2 is not running']);
    expect(electionSummary({ moved: [], alreadyPreferred: 3, failed: [] })).toBe(
      'No partition needed to move; 3 already led by it.',
    );
  });
});
