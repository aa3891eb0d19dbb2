/**
 * The consumer groups list: loaded on (re)connect, then replaced by the
 * engine's `groups` event (once a second while anything changed), so
 * states, member counts and lag stay current without polling.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { GroupOverview } from '@core/api/api';
import { useConnectionStore } from './connection';

export const useGroupsStore = defineStore('groups', () => {
  const connection = useConnectionStore();
  const groups = shallowRef<GroupOverview[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      groups.value = await connection.api().listGroups();
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  connection.on('groups', (u) => {
    groups.value = u.groups;
    error.value = null;
    loaded.value = true;
  });
  watch(
    () => connection.generation,
    () => void load(),
    { immediate: connection.generation > 0 },
  );

  return { groups, loaded, error, load };
});
