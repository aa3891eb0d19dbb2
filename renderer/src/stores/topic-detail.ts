/**
 * The topic open in the detail page: its summary and configs (getTopic), and
 * one page of its partitions' states (listPartitionPage), both reloaded when
 * a cluster change names the topic or touches brokers (at most every 400 ms,
 * so a busy producer does not turn the page into a reload loop). Partitions
 * travel a page at a time: a topic of 10,000 partitions would otherwise send
 * megabytes on every reload.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { PartitionFilter, PartitionPage, TopicDetails } from '@core/cluster/types';
import { ApiError } from '@core/api/client';
import { useClusterStore } from './cluster';
import { useConnectionStore } from './connection';

/** Partitions per page of the partitions table. */
const PAGE_SIZE = 100;

export const useTopicDetailStore = defineStore('topicDetail', () => {
  const connection = useConnectionStore();
  const cluster = useClusterStore();
  const name = ref<string | null>(null);
  const topic = shallowRef<TopicDetails | null>(null);
  /** The partitions table's page: its states and the counts to page on. */
  const page = shallowRef<PartitionPage | null>(null);
  const pageSize = ref(PAGE_SIZE);
  const pageOffset = ref(0);
  const filter = ref<PartitionFilter>('all');
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
      const api = connection.api();
      const [t, p] = await Promise.all([
        api.getTopic({ name: want }),
        api.listPartitionPage({ topic: want, offset: pageOffset.value, limit: pageSize.value, filter: filter.value }),
      ]);
      if (mine !== seq) return;
      topic.value = t;
      page.value = p;
      // The page ran past the end (partitions stopped matching the filter): show the last one there is.
      if (p.partitions.length === 0 && p.matching > 0 && pageOffset.value > 0) {
        pageOffset.value = Math.floor((p.matching - 1) / pageSize.value) * pageSize.value;
        void load();
      }
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
      page.value = null;
      pageOffset.value = 0;
      filter.value = 'all';
      notFound.value = false;
      error.value = null;
    }
    void load();
  }

  /** Shows the partitions from `offset` (a multiple of the page size), of those `only` keeps. */
  function showPartitions(offset: number, only: PartitionFilter = filter.value, size = pageSize.value): void {
    pageOffset.value = filter.value === only ? Math.max(0, offset) : 0;
    filter.value = only;
    pageSize.value = size;
    void load();
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  function reloadSoon(): void {
    timer ??= setTimeout(() => {
      timer = null;
      void load();
    }, 400);
  }

  watch(
    () => cluster.changeCount,
    () => {
      if (!name.value) return;
      const topics = cluster.lastChangedTopics;
      // An empty list means a broker-only change, which can take replicas offline.
      if (topics.length === 0 || topics.includes(name.value)) reloadSoon();
    },
  );
  watch(
    () => connection.generation,
    () => void load(),
  );

  return {
    name,
    topic,
    page,
    pageSize,
    pageOffset,
    filter,
    loading,
    error,
    notFound,
    open,
    load,
    showPartitions,
  };
});
