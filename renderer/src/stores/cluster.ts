/**
 * The cluster summary and its brokers, kept current by the engine's `cluster` events.
 *
 * Every store subscribes in its setup function, never in an action: a `watch()` made in an action called from a
 * page belongs to that page's scope and stops when the page is left, while the store lives on believing it is
 * subscribed. The setup runs once, in the store's own scope, the first time any page uses the store.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { ClusterState } from '@core/cluster/types';
import { useConnectionStore } from './connection';

export const useClusterStore = defineStore('cluster', () => {
  const connection = useConnectionStore();
  const state = ref<ClusterState | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Topics named by the latest change, for views that show one topic. */
  const lastChangedTopics = ref<string[]>([]);
  const changeCount = ref(0);

  const brokers = computed(() => state.value?.brokers ?? []);
  const brokersUp = computed(() => brokers.value.filter((b) => b.status === 'running').length);
  const controller = computed(() => brokers.value.find((b) => b.isController) ?? null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      state.value = await connection.api().getCluster();
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  // In the store's own scope (not a page's), so they last as long as the app: see the header of stores/cluster.ts.
  connection.on('cluster', (change) => {
    state.value = change.cluster;
    lastChangedTopics.value = change.topics;
    changeCount.value++;
  });
  watch(
    () => connection.generation,
    () => void load(),
    { immediate: connection.generation > 0 },
  );

  return { state, loading, error, brokers, brokersUp, controller, lastChangedTopics, changeCount, load };
});
