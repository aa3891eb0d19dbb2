/**
 * The topic open in the detail page: its summary, configs and every
 * partition's state (describeTopic), reloaded when a cluster change names the
 * topic or touches brokers (at most every 400 ms, so a busy producer does not
 * turn the page into a reload loop).
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { TopicDescription } from '@core/cluster/types';
import { ApiError } from '@core/api/client';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

export const useTopicDetailStore = defineStore('topicDetail', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const name = ref<string | null>(null);
  const topic = shallowRef<TopicDescription | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const notFound = ref(false);

  let seq = 0;
  async function load(): Promise<void> {
    const want = name.value;
    if (!want) return;
    const mine = ++seq;
    loading.value = true;
    try {
      const t = await connection.api().describeTopic({ name: want });
      if (mine !== seq) return;
      topic.value = t;
      error.value = null;
      notFound.value = false;
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION') {
        notFound.value = true;
        topic.value = null;
        error.value = null;
      } else {
        error.value = (err as Error).message;
      }
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Shows `topicName`; keeps the old description while the same topic reloads. */
  function open(topicName: string): void {
    if (name.value !== topicName) {
      name.value = topicName;
      topic.value = null;
      notFound.value = false;
      error.value = null;
    }
    void load();
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  function reloadSoon(): void {
    timer ??= setTimeout(() => {
      timer = null;
      void load();
    }, 400);
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    watch(() => cluster.changeCount, () => {
      if (!name.value) return;
      const topics = cluster.lastChangedTopics;
      // An empty list means a broker-only change, which can take replicas offline.
      if (topics.length === 0 || topics.includes(name.value)) reloadSoon();
    });
    watch(() => connection.generation, () => void load());
  }

  return { name, topic, loading, error, notFound, open, load, start };
});
