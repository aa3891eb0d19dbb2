/**
 * The saved connections and the one in use. Switching sends `selectConnection` and bumps the link's
 * `generation`, the signal every store already reloads on (stores/connection.ts), so pages show the new cluster
 * without a page reload.
 *
 * Rules:
 * - The server's choice is per session, and a WebSocket reconnect is a new session: the connection in use is sent
 *   again before the stores reload (the link's reconnect hook).
 * - A connection removed elsewhere (or a failed select) falls back to the Local sandbox.
 * - Secrets are sent once, in add/edit, and never come back: the list shows only hasPassword / hasKey.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { SANDBOX_CONNECTION_ID, type ConnectionSummary, type ConnectionTest, type MethodInput } from '@core/api/api';
import { useConnectionStore } from './connection';

export const useConnectionsStore = defineStore('connections', () => {
  const link = useConnectionStore();
  const list = ref<ConnectionSummary[]>([]);
  const selectedId = ref<string>(SANDBOX_CONNECTION_ID);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const switching = ref(false);

  const current = computed<ConnectionSummary | null>(
    () => list.value.find((c) => c.id === selectedId.value) ?? list.value[0] ?? null,
  );
  /** True on any connection but the embedded sandbox: chaos and the workload simulator are hidden there. */
  const isRemote = computed(() => selectedId.value !== SANDBOX_CONNECTION_ID);
  const readOnly = computed(() => current.value?.readOnly === true);

  async function load(): Promise<void> {
    try {
      const r = await link.api().listConnections();
      list.value = r.connections;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  async function select(id: string): Promise<void> {
    if (switching.value) return;
    switching.value = true;
    try {
      await link.api().selectConnection({ id });
      selectedId.value = id;
      link.generation++; // every store reloads for the new connection
    } finally {
      switching.value = false;
    }
  }

  async function add(input: MethodInput<'addConnection'>): Promise<ConnectionSummary> {
    const saved = await link.api().addConnection(input);
    await load();
    return saved;
  }

  async function edit(input: MethodInput<'editConnection'>): Promise<ConnectionSummary> {
    const saved = await link.api().editConnection(input);
    await load();
    // The open client was closed and reopens with the new settings: what pages show must come from it.
    if (input.id === selectedId.value) link.generation++;
    return saved;
  }

  async function remove(id: string): Promise<void> {
    await link.api().removeConnection({ id });
    const wasCurrent = id === selectedId.value;
    if (wasCurrent) selectedId.value = SANDBOX_CONNECTION_ID;
    await load();
    if (wasCurrent) link.generation++;
  }

  function test(input: MethodInput<'testConnection'>): Promise<ConnectionTest> {
    return link.api().testConnection(input);
  }

  // A new session (first connect or reconnect) starts on the sandbox: ask for ours again before stores reload.
  link.beforeReload(async () => {
    if (selectedId.value === SANDBOX_CONNECTION_ID) return;
    try {
      await link.api().selectConnection({ id: selectedId.value });
    } catch {
      selectedId.value = SANDBOX_CONNECTION_ID;
    }
  });
  watch(
    () => link.generation,
    () => void load(),
    { immediate: link.generation > 0 },
  );

  return {
    list,
    selectedId,
    current,
    isRemote,
    readOnly,
    loaded,
    error,
    switching,
    load,
    select,
    add,
    edit,
    remove,
    test,
  };
});
