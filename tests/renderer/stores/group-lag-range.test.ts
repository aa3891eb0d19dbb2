/**
 * The lag chart's range: 5 minutes or 1 hour of history per group, asked of the engine when the range changes, and
 * kept bounded while the page stays open (one point a second for the last 5 minutes, one per 10 s before that, none
 * older than the range).
 */
import { describe, expect, it, vi } from 'vitest';
import type { GroupLagUpdate, LagPointTuple } from '@core/api/api';
import { useGroupLagStore } from '../../../renderer/src/stores/group-lag';
import { COARSE_MS, FINE_MS, lagRangeLabel, trimLagPoints } from '../../../renderer/src/stores/lag-window';
import { connectedPinia, fakeTransport, mountPage } from '../support/fake-transport';

const NOW = 1_800_000_000_000;
/** One point a second from `from` ms before NOW up to NOW. */
const everySecond = (fromMs: number): LagPointTuple[] =>
  Array.from({ length: fromMs / 1000 + 1 }, (_, i) => [NOW - fromMs + i * 1000, i] as LagPointTuple);

describe('trimLagPoints', () => {
  it('keeps every point of the last 5 minutes and one per 10 s before, within the range', () => {
    const points = everySecond(2 * 3600_000);
    trimLagPoints(points, NOW, 3600_000);
    expect(points[0]![0]).toBe(NOW - 3600_000);
    const fine = points.filter((p) => p[0] >= NOW - FINE_MS);
    const coarse = points.filter((p) => p[0] < NOW - FINE_MS);
    expect(fine).toHaveLength(FINE_MS / 1000 + 1);
    expect(coarse).toHaveLength((3600_000 - FINE_MS) / COARSE_MS);
    for (let i = 1; i < coarse.length; i++) expect(coarse[i]![0] - coarse[i - 1]![0]).toBe(COARSE_MS);
  });

  it('leaves a thinned series as it is when trimmed again (points do not disappear as they age)', () => {
    const points = everySecond(3600_000);
    trimLagPoints(points, NOW, 3600_000);
    const before = points.map((p) => p[0]);
    trimLagPoints(points, NOW, 3600_000);
    expect(points.map((p) => p[0])).toEqual(before);
  });

  it('with the 5 minute range drops everything older than 5 minutes', () => {
    const points = everySecond(3600_000);
    trimLagPoints(points, NOW, 300_000);
    expect(points).toHaveLength(301);
    expect(points[0]![0]).toBe(NOW - 300_000);
  });

  it('names the ranges as the switch shows them', () => {
    expect([lagRangeLabel(300), lagRangeLabel(3600)]).toEqual(['5 min', '1 h']);
  });
});

describe('group lag store range', () => {
  it('reads 5 minutes of history, then an hour when asked, and keeps live points within the hour', async () => {
    const history = (seconds: number) => {
      const points = everySecond(seconds * 1000).filter((p) => p[0] < NOW - 1000);
      return {
        groupId: 'billing',
        intervalMs: 1000,
        total: points,
        partitions: [{ topic: 't', partition: 0, points }],
      };
    };
    const t = fakeTransport({
      getServerInfo: () => ({ product: 'Noticeboard', transport: 'websocket' }),
      getCluster: () => ({ clusterId: 'c', brokers: [], topics: 0 }),
      watchGroup: () => ({ subscriptionId: 'g1' }),
      unwatchGroup: () => null,
      describeGroup: () => ({ groupId: 'billing', state: 'Empty', members: [], lag: { totalLag: 0, partitions: [] } }),
      getLagHistory: (i) => history(Number(i.seconds)),
    });
    const { connection } = connectedPinia(t);
    await vi.waitFor(() => expect(connection.generation).toBe(1));
    const lag = useGroupLagStore();
    const app = mountPage(() => lag.open('billing'));
    try {
      await vi.waitFor(() => expect(lag.total.length).toBeGreaterThan(0));
      expect(t.callsOf('getLagHistory')).toEqual([{ groupId: 'billing', seconds: 300 }]);
      expect(lag.total[0]![0]).toBe(NOW - 300_000);

      await lag.setRange(3600);
      expect(t.callsOf('getLagHistory').at(-1)).toEqual({ groupId: 'billing', seconds: 3600 });
      expect(lag.rangeSeconds).toBe(3600);
      expect(lag.total[0]![0]).toBe(NOW - 3600_000);
      // The watch goes on: no second watchGroup for a range change.
      expect(t.callsOf('watchGroup')).toHaveLength(1);

      const update = (time: number, l: number): GroupLagUpdate => ({
        subscriptionId: 'g1',
        groupId: 'billing',
        time,
        group: {
          groupId: 'billing',
          lag: { totalLag: l, partitions: [{ topic: 't', partition: 0, lag: l }] },
        } as unknown as GroupLagUpdate['group'],
      });
      t.emit('groupLag', update(NOW, 5));
      expect(lag.total.at(-1)).toEqual([NOW, 5]);
      // An hour later than the history's start the old points are gone and the series stays bounded.
      t.emit('groupLag', update(NOW + 1800_000, 7));
      expect(lag.total[0]![0]).toBeGreaterThanOrEqual(NOW + 1800_000 - 3600_000);
      const s = [...lag.series.values()][0]!;
      expect(s.points.length).toBeLessThanOrEqual(FINE_MS / 1000 + 3600_000 / COARSE_MS);

      await lag.setRange(300);
      expect(t.callsOf('getLagHistory').at(-1)).toEqual({ groupId: 'billing', seconds: 300 });
      expect(lag.total[0]![0]).toBe(NOW - 300_000);
    } finally {
      app.unmount();
    }
  });
});
