/**
 * The broker the broker detail page shows: its detail (getBrokerDetail: state, log dir, rates, one page of its
 * replicas) read again every REFRESH_MS while open (its rates change every second) and on reconnect. A broker may
 * hold thousands of replicas: only the page shown travels. Its configs are BrokerConfigs.vue's (two levels, edited).
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { BrokerDetail, BrokerPartitionRole } from '@core/api/api';
import { useConnectionStore } from './connection';

export const REFRESH_MS = 2000;
export const BROKER_PAGE_SIZE = 50;

export const useBrokerDetailStore = defineStore('brokerDetail', () => {
  const connection = useConnectionStore();
  const brokerId = ref<number | null>(null);
  const detail = shallowRef<BrokerDetail | null>(null);
  const error = ref<string | null>(null);
  const role = ref<BrokerPartitionRole | 'all'>('all');
  const offset = ref(0);
  const pageSize = ref(BROKER_PAGE_SIZE);
  let timer: ReturnType<typeof setInterval> | null = null;
  let seq = 0;

  async function load(): Promise<void> {
    const id = brokerId.value;
    if (id === null) return;
    const mine = ++seq;
    try {
      const d = await connection
        .api()
        .getBrokerDetail({ broker: id, role: role.value, offset: offset.value, limit: pageSize.value });
      if (mine !== seq || id !== brokerId.value) return;
      detail.value = d;
      error.value = null;
    } catch (err) {
      if (mine === seq) error.value = (err as Error).message;
    }
  }

  /** Shows broker `id`, refreshed every REFRESH_MS until close(). */
  function open(id: number): void {
    if (brokerId.value !== id) {
      detail.value = null;
      offset.value = 0;
      role.value = 'all';
    }
    brokerId.value = id;
    void load();
    if (!timer) timer = setInterval(() => void load(), REFRESH_MS);
  }

  function close(): void {
    if (timer) clearInterval(timer);
    timer = null;
    brokerId.value = null;
    seq++;
  }

  /** Another page, or another role (leader, follower, all: back to the first page). */
  function setPage(next: { role?: BrokerPartitionRole | 'all'; offset?: number; pageSize?: number }): Promise<void> {
    if (next.role !== undefined && next.role !== role.value) {
      role.value = next.role;
      offset.value = 0;
    }
    if (next.pageSize !== undefined) pageSize.value = next.pageSize;
    if (next.offset !== undefined) offset.value = next.offset;
    return load();
  }

  // A reconnect (or another connection selected) reads everything again.
  watch(
    () => connection.generation,
    () => {
      if (brokerId.value === null) return;
      void load();
    },
  );

  return {
    brokerId,
    detail,
    error,
    role,
    offset,
    pageSize,
    open,
    close,
    setPage,
  };
});
