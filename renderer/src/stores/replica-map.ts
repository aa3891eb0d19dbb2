/**
 * Every partition of the cluster, for the replica maps: loaded once with
 * listAllPartitions, then kept current by the engine's `partitions` events
 * (only the partitions that changed travel). Reloaded in full on reconnect,
 * and when the cluster's partition count no longer matches what is held (a
 * safety net for anything an event could not say).
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { PartitionsChange } from '@core/api/api';
import type { PartitionState } from '@core/cluster/types';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

const keyOf = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;
/** How long a replica that just changed is marked as changed. */
const FLASH_MS = 2000;

export const useReplicaMapStore = defineStore('replicaMap', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const byKey = shallowRef(new Map<string, PartitionState>());
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Replicas changed by a recent event (partition key -> brokers, with when); drawn highlighted for a moment. */
  const recent = shallowRef(new Map<string, { at: number; brokers: Set<number> }>());

  const partitions = computed(() =>
    [...byKey.value.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    ),
  );

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const all = await connection.api().listAllPartitions({ includeInternal: true });
      byKey.value = new Map(all.map((p) => [keyOf(p), p]));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
      loaded.value = true;
    }
  }

  const role = (p: PartitionState, b: number) =>
    !p.replicas.includes(b)
      ? ''
      : p.offlineReplicas.includes(b)
        ? 'offline'
        : p.leader === b
          ? 'leader'
          : p.isr.includes(b)
            ? 'in-sync'
            : 'out-of-sync';

  let flashTimer: ReturnType<typeof setTimeout> | null = null;
  function apply(change: PartitionsChange): void {
    if (!loaded.value) return;
    const next = new Map(byKey.value);
    if (change.deletedTopics.length) {
      const gone = new Set(change.deletedTopics);
      for (const [k, p] of next) if (gone.has(p.topic)) next.delete(k);
    }
    const now = Date.now();
    const flashes = new Map([...recent.value].filter(([, r]) => now - r.at < FLASH_MS));
    for (const p of change.partitions) {
      const k = keyOf(p);
      const before = next.get(k);
      if (before) {
        const changed = [...new Set([...before.replicas, ...p.replicas])].filter((b) => role(before, b) !== role(p, b));
        if (changed.length) flashes.set(k, { at: now, brokers: new Set(changed) });
      }
      next.set(k, p);
    }
    byKey.value = next;
    recent.value = flashes;
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      const t = Date.now();
      recent.value = new Map([...recent.value].filter(([, r]) => t - r.at < FLASH_MS));
    }, FLASH_MS + 50);
  }

  /** Whether the replica of `p` on `broker` changed role a moment ago. */
  function isRecent(p: { topic: string; partition: number }, broker: number): boolean {
    return recent.value.get(keyOf(p))?.brokers.has(broker) ?? false;
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
    () => void load(),
    { immediate: connection.generation > 0 },
  );
  watch(
    () => cluster.state?.partitions,
    (n) => {
      if (loaded.value && !loading.value && n !== undefined && n !== byKey.value.size) reloadSoon();
    },
  );

  return { partitions, loaded, loading, error, load, isRecent };
});
