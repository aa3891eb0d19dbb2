/** The link to the engine: which transport, whether it is up, and what is on the other end. */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import type { ApiClient, EventName, EventPayload, ServerInfo } from '@core/api/api';
import type { Connection, ConnectionStatus } from '@core/api/client';
import { connectToEngine } from '../api/connect';

export const useConnectionStore = defineStore('connection', () => {
  const connection = shallowRef<Connection | null>(null);
  const status = ref<ConnectionStatus>('connecting');
  const problem = ref<'no-token' | null>(null);
  const serverInfo = ref<ServerInfo | null>(null);
  /** Bumped on every (re)connect so stores reload what they show. */
  const generation = ref(0);

  function connect(): void {
    if (connection.value) return;
    const result = connectToEngine();
    if (!result.ok) {
      problem.value = result.reason;
      status.value = 'closed';
      return;
    }
    const conn = markRaw(result.connection);
    connection.value = conn;
    status.value = conn.transport.status();
    conn.transport.onStatus((s) => {
      status.value = s;
      if (s === 'open') void onOpen();
    });
    if (status.value === 'open') void onOpen();
  }

  async function onOpen(): Promise<void> {
    try {
      serverInfo.value = await api().getServerInfo();
    } catch {
      // The page still works without it; Settings shows what is missing.
    }
    generation.value++;
  }

  function api(): ApiClient {
    if (!connection.value) throw new Error('Not connected');
    return connection.value.api;
  }

  function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return connection.value ? connection.value.on(event, listener) : () => {};
  }

  return { status, problem, serverInfo, generation, connect, api, on };
});
