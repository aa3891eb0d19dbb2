/**
 * The topic list, reloaded when a cluster change names topics or metadata (at most twice a second), and while a
 * page asks for it (watchActivity) each topic's live figures: messages in per second, last append and the groups
 * reading it, one listTopicActivity call for every topic every ACTIVITY_MS (summaries the engine keeps, never the
 * partitions of each topic).
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { TopicActivityRow } from '@core/api/api';
import type { TopicSummary } from '@core/cluster/types';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

export const ACTIVITY_MS = 2000;

export const useTopicsStore = defineStore('topics', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const topics = ref<TopicSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const includeInternal = ref(false);
  /** By topic name; empty until the first listTopicActivity answer. */
  const activity = shallowRef(new Map<string, TopicActivityRow>());
  let activityTimer: ReturnType<typeof setInterval> | null = null;
  let watchers = 0;

  async function loadActivity(): Promise<void> {
    try {
      const rows = await connection.api().listTopicActivity({ includeInternal: includeInternal.value });
      activity.value = new Map(rows.map((r) => [r.topic, r]));
    } catch {
      // The columns keep their last figures; the list itself reports connection trouble.
    }
  }

  /** Keeps `activity` fresh until the returned function is called (a page's unmount). */
  function watchActivity(): () => void {
    watchers++;
    if (!activityTimer) {
      void loadActivity();
      activityTimer = setInterval(() => void loadActivity(), ACTIVITY_MS);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--watchers === 0 && activityTimer) {
        clearInterval(activityTimer);
        activityTimer = null;
      }
    };
  }

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
  watch(includeInternal, () => {
    void load();
    if (activityTimer) void loadActivity();
  });
  watch(
    () => connection.generation,
    () => {
      void load();
      if (activityTimer) void loadActivity();
    },
    { immediate: connection.generation > 0 },
  );

  return { topics, loaded, error, includeInternal, activity, load, watchActivity };
});
