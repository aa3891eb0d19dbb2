/** Throughput samples for the live chart: the server's history on (re)connect, then one tick a second. */
import { defineStore } from 'pinia';
import { computed, shallowRef, watch } from 'vue';
import type { MetricsSample } from '@core/api/api';
import { useConnectionStore } from './connection';

const WINDOW = 300;

export const useMetricsStore = defineStore('metrics', () => {
  const connection = useConnectionStore();
  // Replaced, not mutated, so the chart sees one change per tick without deep watching.
  const samples = shallowRef<MetricsSample[]>([]);
  const latest = computed(() => samples.value[samples.value.length - 1] ?? null);

  async function loadHistory(): Promise<void> {
    try {
      samples.value = await connection.api().getMetricsHistory({ seconds: WINDOW });
    } catch {
      samples.value = [];
    }
  }

  connection.on('metrics', (s) => {
    const next = samples.value.length >= WINDOW ? samples.value.slice(1) : samples.value.slice();
    next.push(s);
    samples.value = next;
  });
  watch(
    () => connection.generation,
    () => void loadHistory(),
    { immediate: connection.generation > 0 },
  );

  return { samples, latest };
});
