/**
 * The replica map, sized by topics rather than partitions. Two parts:
 * - every topic's replica summary (getReplicaSummary: per broker, leaders /
 *   in sync / out of sync / offline, and the topic's under-replicated and
 *   offline partitions), kept current by the `partitions` events, which carry
 *   the new summary of each topic they touch;
 * - the partitions of one open topic, a page at a time (listPartitionPage),
 *   patched in place by the states an event carries, and re-read when an
 *   event names the topic in `resync` (too many of its partitions changed to
 *   send) or when the page lists only problems (membership may have changed).
 * So a cluster of 10,000 partitions costs one summary per topic plus one page,
 * never every partition. Everything is reloaded on reconnect, and the
 * summaries when the cluster's partition count no longer matches what they
 * add up to (a safety net for anything an event could not say).
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { BrokerReplicaCounts, PartitionsChange, TopicReplicaSummary } from '@core/api/api';
import type { PartitionFilter, PartitionPage, PartitionState } from '@core/cluster/types';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

/** How long a replica that just changed is marked as changed. */
const FLASH_MS = 2000;
/** Partitions per page of an open topic's map (the table is virtualised; a page is what travels). */
export const REPLICA_PAGE_SIZE = 200;

type Role = '' | 'offline' | 'leader' | 'in-sync' | 'out-of-sync';
const role = (p: PartitionState, b: number): Role =>
  !p.replicas.includes(b)
    ? ''
    : p.offlineReplicas.includes(b)
      ? 'offline'
      : p.leader === b
        ? 'leader'
        : p.isr.includes(b)
          ? 'in-sync'
          : 'out-of-sync';
/** Brokers whose replica of the partition has another role in `after` than in `before`. */
const changedBrokers = (before: PartitionState, after: PartitionState) =>
  [...new Set([...before.replicas, ...after.replicas])].filter((b) => role(before, b) !== role(after, b));

export type BrokerTotals = Omit<BrokerReplicaCounts, 'brokerId'>;

export const useReplicaMapStore = defineStore('replicaMap', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const byTopic = shallowRef(new Map<string, TopicReplicaSummary>());
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);

  /** The topic whose partitions are paged, and its page. */
  const topic = ref<string | null>(null);
  const page = shallowRef<PartitionPage | null>(null);
  const pageOffset = ref(0);
  const filter = ref<PartitionFilter>('all');
  const pageLoading = ref(false);
  const pageError = ref<string | null>(null);
  /** Replicas changed a moment ago (partition index -> brokers, with when), of the open topic; drawn highlighted. */
  const recent = shallowRef(new Map<number, { at: number; brokers: Set<number> }>());

  const summaries = computed(() =>
    [...byTopic.value.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)),
  );
  /** Per broker, its replicas of every topic (internal ones included) by role. */
  const brokerTotals = computed(() => {
    const out = new Map<number, BrokerTotals>();
    for (const t of byTopic.value.values()) {
      for (const b of t.brokers) {
        const c = out.get(b.brokerId) ?? { leaders: 0, inSync: 0, outOfSync: 0, offline: 0 };
        c.leaders += b.leaders;
        c.inSync += b.inSync;
        c.outOfSync += b.outOfSync;
        c.offline += b.offline;
        out.set(b.brokerId, c);
      }
    }
    return out;
  });
  const partitionTotal = computed(() => [...byTopic.value.values()].reduce((n, t) => n + t.partitions, 0));
  const partitions = computed(() => page.value?.partitions ?? []);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const all = await connection.api().getReplicaSummary({ includeInternal: true });
      byTopic.value = new Map(all.map((t) => [t.topic, t]));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  let flashTimer: ReturnType<typeof setTimeout> | null = null;
  /** Marks the replicas whose role differs between the old and new states of the open topic's partitions. */
  function flash(before: Map<number, PartitionState>, after: PartitionState[]): void {
    const now = Date.now();
    const flashes = new Map([...recent.value].filter(([, r]) => now - r.at < FLASH_MS));
    let any = false;
    for (const p of after) {
      const old = before.get(p.partition);
      const changed = old ? changedBrokers(old, p) : [];
      if (changed.length) {
        flashes.set(p.partition, { at: now, brokers: new Set(changed) });
        any = true;
      }
    }
    if (!any) return;
    recent.value = flashes;
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      const t = Date.now();
      recent.value = new Map([...recent.value].filter(([, r]) => t - r.at < FLASH_MS));
    }, FLASH_MS + 50);
  }

  let pageSeq = 0;
  async function loadPage(): Promise<void> {
    const want = topic.value;
    if (!want) return;
    const mine = ++pageSeq;
    pageLoading.value = true;
    try {
      const p = await connection
        .api()
        .listPartitionPage({ topic: want, offset: pageOffset.value, limit: REPLICA_PAGE_SIZE, filter: filter.value });
      if (mine !== pageSeq) return;
      const before = page.value?.topic === want ? page.value : null;
      page.value = p;
      if (before) flash(new Map(before.partitions.map((x) => [x.partition, x])), p.partitions);
      pageError.value = null;
      // The page ran past the end (partitions stopped matching the filter): show the last one there is.
      if (p.partitions.length === 0 && p.matching > 0 && pageOffset.value > 0) {
        pageOffset.value = Math.floor((p.matching - 1) / REPLICA_PAGE_SIZE) * REPLICA_PAGE_SIZE;
        void loadPage();
      }
    } catch (err) {
      if (mine !== pageSeq) return;
      pageError.value = (err as Error).message;
    } finally {
      if (mine === pageSeq) pageLoading.value = false;
    }
  }

  /** Pages the partitions of `name` (null: none), from its first page, keeping the filter. */
  function openTopic(name: string | null): void {
    if (name === topic.value) return;
    topic.value = name;
    page.value = null;
    pageOffset.value = 0;
    recent.value = new Map();
    pageError.value = null;
    pageSeq++;
    if (name) void loadPage();
  }

  /** Shows the open topic's partitions from `offset` (a multiple of the page size), of those `only` keeps. */
  function showPage(offset: number, only: PartitionFilter = filter.value): void {
    pageOffset.value = only === filter.value ? Math.max(0, offset) : 0;
    filter.value = only;
    void loadPage();
  }

  let pageTimer: ReturnType<typeof setTimeout> | null = null;
  function reloadPageSoon(): void {
    pageTimer ??= setTimeout(() => {
      pageTimer = null;
      void loadPage();
    }, 200);
  }

  function apply(change: PartitionsChange): void {
    if (!loaded.value) return;
    if (change.deletedTopics.length || change.topics.length) {
      const next = new Map(byTopic.value);
      for (const name of change.deletedTopics) next.delete(name);
      for (const t of change.topics) next.set(t.topic, t);
      byTopic.value = next;
    }
    const open = topic.value;
    if (!open || !page.value) return;
    if (change.deletedTopics.includes(open) && !byTopic.value.has(open)) {
      page.value = { ...page.value, total: 0, matching: 0, problems: 0, partitions: [] };
      return;
    }
    const mine = change.partitions.filter((p) => p.topic === open);
    if (change.resync.includes(open) || (filter.value === 'problems' && mine.length > 0)) {
      reloadPageSoon();
      return;
    }
    if (mine.length === 0) return;
    const rows = new Map(page.value.partitions.map((p) => [p.partition, p]));
    const shown = mine.filter((p) => rows.has(p.partition));
    if (shown.length) flash(rows, shown);
    for (const p of shown) rows.set(p.partition, p);
    page.value = { ...page.value, partitions: page.value.partitions.map((p) => rows.get(p.partition)!) };
  }

  /** Whether the replica of `p` (of the open topic) on `broker` changed role a moment ago. */
  function isRecent(p: { topic: string; partition: number }, broker: number): boolean {
    return p.topic === topic.value && (recent.value.get(p.partition)?.brokers.has(broker) ?? false);
  }

  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  function reloadSoon(): void {
    reloadTimer ??= setTimeout(() => {
      reloadTimer = null;
      void load();
    }, 300);
  }

  connection.on('partitions', apply);
  watch(
    () => connection.generation,
    () => {
      void load();
      void loadPage();
    },
    { immediate: connection.generation > 0 },
  );
  watch(
    () => cluster.state?.partitions,
    (n) => {
      if (loaded.value && !loading.value && n !== undefined && n !== partitionTotal.value) reloadSoon();
    },
  );

  return {
    summaries,
    brokerTotals,
    loaded,
    loading,
    error,
    load,
    topic,
    page,
    partitions,
    pageOffset,
    filter,
    pageLoading,
    pageError,
    openTopic,
    showPage,
    isRecent,
  };
});
