/** The workload simulator's status: read on (re)connect, then kept current by `workload` events. */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { WorkloadStatus } from '@core/api/api';
import { useConnectionStore } from './connection';

export const useWorkloadStore = defineStore('workload', () => {
  const connection = useConnectionStore();
  const status = shallowRef<WorkloadStatus | null>(null);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      status.value = await connection.api().getWorkload();
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** Takes a status a command returned, unless a newer event already arrived. */
  function apply(s: WorkloadStatus): void {
    status.value = s;
  }

  connection.on('workload', (s) => {
    status.value = s;
  });
  watch(
    () => connection.generation,
    () => void load(),
    { immediate: connection.generation > 0 },
  );

  return { status, error, load, apply };
});
