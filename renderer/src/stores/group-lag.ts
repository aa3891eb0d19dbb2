/**
 * The consumer group a page is showing (the group detail page, or the
 * workload simulator's group): its description and its lag over time, total
 * and per partition, kept live by the engine's `groupLag` events.
 *
 * The lag series start from the engine's history (getLagHistory, the last
 * `rangeSeconds`: 5 minutes unless the page asks for an hour) and grow by one
 * point a second, trimmed and thinned to that range (lag-window.ts). They are arrays mutated in
 * place, and `version` counts the changes: a chart watching `version` redraws
 * once per update, with no copy of 100 partitions x 300 points each second.
 * A watch belongs to the connection, so a reconnect opens it again.
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef, watch } from 'vue';
import type { GroupDescription, GroupLagUpdate, LagPointTuple } from '@core/api/api';
import { ApiError } from '@core/api/client';
import { useConnectionStore } from './connection';
import { LAG_RANGES, trimLagPoints, type LagRange } from './lag-window';

/** The default range: the last 5 minutes. */
export const WINDOW_SECONDS: LagRange = LAG_RANGES[0];

export interface LagSeries {
  topic: string;
  partition: number;
  points: LagPointTuple[];
}

export const useGroupLagStore = defineStore('groupLag', () => {
  const connection = useConnectionStore();
  const groupId = ref<string | null>(null);
  const group = shallowRef<GroupDescription | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** The group does not exist (never did, or was deleted); the watch goes on and shows it if it appears. */
  const notFound = ref(false);
  /** Chart data, mutated in place; read it when `version` changes. */
  const total = markRaw<LagPointTuple[]>([]);
  const series = markRaw(new Map<string, LagSeries>());
  const version = ref(0);
  const lastUpdate = ref<number | null>(null);
  /** How far back the series reach, in seconds (one of LAG_RANGES). */
  const rangeSeconds = ref<LagRange>(WINDOW_SECONDS);

  let subscriptionId: string | null = null;
  let seq = 0;

  function clearSeries(): void {
    total.length = 0;
    series.clear();
    version.value++;
  }

  function append(u: GroupLagUpdate): void {
    const g = u.group;
    if (!g) return;
    const rangeMs = rangeSeconds.value * 1000;
    const trim = (points: LagPointTuple[]) => trimLagPoints(points, u.time, rangeMs);
    const last = total[total.length - 1];
    if (last && last[0] >= u.time) return;
    total.push([u.time, g.lag.totalLag]);
    trim(total);
    const seen = new Set<string>();
    for (const p of g.lag.partitions) {
      const key = `${p.topic}\u0000${p.partition}`;
      seen.add(key);
      let s = series.get(key);
      if (!s) series.set(key, (s = { topic: p.topic, partition: p.partition, points: [] }));
      s.points.push([u.time, p.lag]);
      trim(s.points);
    }
    for (const [key, s] of series) {
      if (!seen.has(key)) trim(s.points);
      if (s.points.length === 0) series.delete(key);
    }
    version.value++;
  }

  function onUpdate(u: GroupLagUpdate): void {
    if (u.subscriptionId !== subscriptionId) return;
    lastUpdate.value = u.time;
    if (u.group) {
      group.value = u.group;
      notFound.value = false;
      error.value = null;
      append(u);
    } else if (group.value) {
      group.value = null;
      notFound.value = true;
    }
  }

  async function load(id: string, mine: number): Promise<void> {
    const api = connection.api();
    loading.value = true;
    try {
      const w = await api.watchGroup({ groupId: id });
      if (mine !== seq) {
        void api.unwatchGroup({ subscriptionId: w.subscriptionId }).catch(() => undefined);
        return;
      }
      subscriptionId = w.subscriptionId;
      const range = rangeSeconds.value;
      const [d, h] = await Promise.all([
        api.describeGroup({ groupId: id }),
        api.getLagHistory({ groupId: id, seconds: range }),
      ]);
      if (mine !== seq) return;
      group.value = d;
      notFound.value = false;
      error.value = null;
      // The range changed meanwhile: setRange's own read fills the series.
      if (range !== rangeSeconds.value) return;
      clearSeries();
      total.push(...h.total);
      for (const p of h.partitions)
        series.set(`${p.topic}\u0000${p.partition}`, { topic: p.topic, partition: p.partition, points: p.points });
      version.value++;
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && err.errorName === 'GROUP_ID_NOT_FOUND') {
        notFound.value = true;
        group.value = null;
        error.value = null;
      } else {
        error.value = (err as Error).message;
      }
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Shows `id`, live; keeps what is shown when the same group is opened again (at the same range). */
  function open(id: string, range: LagRange = WINDOW_SECONDS): void {
    if (groupId.value === id && subscriptionId && rangeSeconds.value === range) return;
    close();
    rangeSeconds.value = range;
    groupId.value = id;
    void load(id, ++seq);
  }

  /** Stops watching (the page is left). */
  function close(): void {
    seq++;
    if (subscriptionId) {
      const sid = subscriptionId;
      subscriptionId = null;
      try {
        void connection
          .api()
          .unwatchGroup({ subscriptionId: sid })
          .catch(() => undefined);
      } catch {
        // Not connected: the watch ended with the connection.
      }
    }
    groupId.value = null;
    group.value = null;
    notFound.value = false;
    error.value = null;
    loading.value = false;
    lastUpdate.value = null;
    clearSeries();
  }

  /** Looks back `range` seconds instead: the history is read again from the engine, the watch stays. */
  async function setRange(range: LagRange): Promise<void> {
    if (range === rangeSeconds.value) return;
    rangeSeconds.value = range;
    const id = groupId.value;
    if (!id || !subscriptionId) return;
    const mine = seq;
    try {
      const h = await connection.api().getLagHistory({ groupId: id, seconds: range });
      if (mine !== seq || range !== rangeSeconds.value) return;
      clearSeries();
      total.push(...h.total);
      for (const p of h.partitions)
        series.set(`${p.topic}\u0000${p.partition}`, { topic: p.topic, partition: p.partition, points: p.points });
      version.value++;
    } catch (err) {
      if (mine === seq) error.value = (err as Error).message;
    }
  }

  /** Reads the description again now (after a reset or a delete). */
  async function refresh(): Promise<void> {
    const id = groupId.value;
    if (!id) return;
    try {
      group.value = await connection.api().describeGroup({ groupId: id });
      notFound.value = false;
    } catch (err) {
      if (err instanceof ApiError && err.errorName === 'GROUP_ID_NOT_FOUND') {
        group.value = null;
        notFound.value = true;
      }
    }
  }

  connection.on('groupLag', onUpdate);
  // A watch lives on one connection: after a reconnect, watch again.
  watch(
    () => connection.generation,
    () => {
      const id = groupId.value;
      if (!id) return;
      subscriptionId = null;
      void load(id, ++seq);
    },
  );

  return {
    groupId,
    group,
    loading,
    error,
    notFound,
    total,
    series,
    version,
    lastUpdate,
    rangeSeconds,
    open,
    close,
    refresh,
    setRange,
  };
});
