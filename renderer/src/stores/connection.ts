/**
 * The link to the engine: which transport, whether it is up, and what is on the other end.
 *
 * Rules the other stores rely on:
 * - `on()` may be called before there is a connection (stores subscribe in their setup, which runs once per
 *   app): listeners are kept here and fed by the one transport listener attached on connect, so they outlive
 *   every page and every reconnect.
 * - `generation` is bumped after every (re)connect; stores reload what they show, and anything the engine
 *   holds per connection (a live tail, a group watch) is asked for again, since it ended with the old socket.
 * - While the socket is down, `online` is false: pages grey what they show (it is as of the last update) and
 *   disable commands. A socket that keeps failing is checked against the server (`/api?token=`): a 401 means
 *   the token is not this server's (`problem` 'bad-token'), and the page says where the right URL is.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { ApiClient, EventName, EventPayload, ServerInfo } from '@core/api/api';
import type { Connection, ConnectionStatus } from '@core/api/client';
import { checkToken, connectToEngine } from '../api/connect';

export type ConnectionProblem = 'no-token' | 'bad-token' | null;

/** Failed connection attempts in a row after which the token is checked. */
const CHECK_AFTER_FAILURES = 2;

export const useConnectionStore = defineStore('connection', () => {
  const connection = shallowRef<Connection | null>(null);
  const status = ref<ConnectionStatus>('connecting');
  const problem = ref<ConnectionProblem>(null);
  const serverInfo = ref<ServerInfo | null>(null);
  /** Bumped on every (re)connect so stores reload what they show. */
  const generation = ref(0);
  /** Whether calls can reach the engine now; what is shown while false is as of the last update. */
  const online = computed(() => status.value === 'open');
  /** When the link last went down (epoch ms), while it is down; null while up. */
  const offlineSince = ref<number | null>(null);

  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  /** Run after every (re)connect, before stores reload (stores/connections.ts re-selects its connection). */
  const reloadHooks: Array<() => Promise<void>> = [];
  let failures = 0;
  let checking = false;

  /** Connects once; `provided` replaces the transport picked from the page (tests pass a fake one). */
  function connect(provided?: Connection): void {
    if (connection.value) return;
    let conn: Connection;
    if (provided) conn = provided;
    else {
      const result = connectToEngine();
      if (!result.ok) {
        problem.value = result.reason;
        status.value = 'closed';
        return;
      }
      conn = result.connection;
    }
    conn = markRaw(conn);
    connection.value = conn;
    conn.transport.onEvent((event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload);
    });
    status.value = conn.transport.status();
    conn.transport.onStatus((s) => {
      status.value = s;
      if (s === 'open') offlineSince.value = null;
      else offlineSince.value ??= Date.now();
      if (s === 'open') void onOpen();
      else if (s === 'closed') void onFailure();
    });
    if (status.value === 'open') void onOpen();
  }

  async function onOpen(): Promise<void> {
    failures = 0;
    if (problem.value === 'bad-token') problem.value = null;
    try {
      serverInfo.value = await api().getServerInfo();
    } catch {
      // The page still works without it; Settings shows what is missing.
    }
    for (const hook of reloadHooks) await hook().catch(() => undefined);
    generation.value++;
  }

  async function onFailure(): Promise<void> {
    failures++;
    if (failures < CHECK_AFTER_FAILURES || checking || connection.value?.transport.kind !== 'websocket') return;
    checking = true;
    try {
      const verdict = await checkToken();
      if (verdict === 'wrong') problem.value = 'bad-token';
      else if (verdict === 'valid' && problem.value === 'bad-token') problem.value = null;
    } finally {
      checking = false;
    }
  }

  function api(): ApiClient {
    if (!connection.value) throw new Error('Not connected');
    return connection.value.api;
  }

  function on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  function beforeReload(hook: () => Promise<void>): void {
    reloadHooks.push(hook);
  }

  return { status, online, offlineSince, problem, serverInfo, generation, connect, api, on, beforeReload };
});
