/** The topic list, reloaded when a cluster change names topics or metadata (at most twice a second). */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { TopicSummary } from '@core/cluster/types';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

export const useTopicsStore = defineStore('topics', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const topics = ref<TopicSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const includeInternal = ref(false);

  async function load(): Promise<void> {
    try {
      topics.value = await connection.api().listTopics({ includeInternal: includeInternal.value });
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  function reloadSoon(): void {
    timer ??= setTimeout(() => {
      timer = null;
      void load();
    }, 500);
  }

  watch(() => cluster.changeCount, reloadSoon);
  watch(includeInternal, () => void load());
  watch(
    () => connection.generation,
    () => void load(),
    { immediate: connection.generation > 0 },
  );

  return { topics, loaded, error, includeInternal, load };
});
