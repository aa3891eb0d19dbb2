/**
 * Message search from the browser: the engine scans (startSearch), this
 * store shows its progress from `searchProgress` events and fetches the
 * matches as their count grows. Events carry counts only and may be dropped
 * when the connection lags, so while a search runs the store also asks for
 * its status once a second; nothing is lost either way.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { SearchStatus } from '@core/api/api';
import { PREVIEW_BYTES, previewAround, toRow, type MessageRow } from '../components/messages/bytes';
import { describeError } from '../composables/useAction';
import { useConnectionStore } from './connection';

export type SearchScope = 'key' | 'value' | 'headers';

/** Matches a search keeps; the engine stops there. */
export const MAX_MATCHES = 1000;
const POLL_MS = 1000;

export const useMessageSearchStore = defineStore('messageSearch', () => {
  const connection = useConnectionStore();

  const pattern = ref('');
  /** The topic the search box was last used for. */
  const forTopic = ref('');
  const mode = ref<'text' | 'regex'>('text');
  const caseSensitive = ref(false);
  const scopes = ref<SearchScope[]>(['key', 'value', 'headers']);

  const status = ref<SearchStatus | null>(null);
  const results = shallowRef<MessageRow[]>([]);
  /** Why the last search could not start (a bad pattern, an unknown topic): shown next to the box. */
  const error = ref<string | null>(null);
  const starting = ref(false);

  const running = computed(() => status.value?.state === 'running');
  /** Whether the page shows search results rather than the browser's pages. */
  const active = computed(() => status.value !== null);

  /** The pattern of the running search as a local RegExp, to mark matches in the previews. */
  let marker: RegExp | null = null;

  function markRow(r: MessageRow): MessageRow {
    if (!marker) return r;
    return {
      ...r,
      keyPreview: previewAround(r.keyPreview, r.key, r.truncated?.key !== undefined, marker),
      valuePreview: previewAround(r.valuePreview, r.value, r.truncated?.value !== undefined, marker),
    };
  }
  let fetching: Promise<void> | null = null;
  let again = false;
  let poll: ReturnType<typeof setInterval> | null = null;

  /** Keeps the more advanced of two reports of the same search (events and replies may cross). */
  function take(s: SearchStatus): void {
    const cur = status.value;
    if (!cur || cur.searchId !== s.searchId) return;
    if (cur.state !== 'running' && s.state === 'running') return;
    if (s.state === 'running' && s.scanned < cur.scanned) return;
    status.value = s;
    if (s.state !== 'running') stopPolling();
  }

  async function fetchMatches(): Promise<void> {
    if (fetching) {
      again = true;
      return fetching;
    }
    fetching = (async () => {
      do {
        again = false;
        const s = status.value;
        if (!s) return;
        try {
          const r = await connection.api().getSearchResults({ searchId: s.searchId, from: results.value.length });
          if (status.value?.searchId !== s.searchId) return;
          if (r.matches.length > 0) results.value = results.value.concat(r.matches.map((m) => markRow(toRow(m))));
          take(r.status);
          if (results.value.length < r.status.matches) again = true;
        } catch (err) {
          if (status.value?.searchId === s.searchId) error.value = describeError(err).detail;
          return;
        }
      } while (again);
    })().finally(() => {
      fetching = null;
    });
    return fetching;
  }

  function onProgress(s: SearchStatus): void {
    if (status.value?.searchId !== s.searchId) return;
    take(s);
    if (s.matches > results.value.length || s.state !== 'running') void fetchMatches();
  }

  function stopPolling(): void {
    if (poll) clearInterval(poll);
    poll = null;
  }

  /** A client-side check first, so a typo shows at once; the engine checks again and has the last word. */
  function localProblem(): string | null {
    if (pattern.value.length === 0) return 'Type something to search for';
    if (scopes.value.length === 0) return 'Choose at least one of key, value and headers';
    if (mode.value === 'regex') {
      try {
        new RegExp(pattern.value);
      } catch (err) {
        return (err as Error).message;
      }
    }
    return null;
  }

  connection.on('searchProgress', onProgress);
  // A search belongs to the connection that started it: after a reconnect it is gone, and the page says so.
  watch(
    () => connection.generation,
    () => {
      const s = status.value;
      if (!s || s.state !== 'running') return;
      stopPolling();
      status.value = { ...s, state: 'failed', error: 'The connection to Noticeboard dropped; search again' };
    },
  );

  async function start(topic: string, partition: number | null): Promise<void> {
    error.value = localProblem();
    if (error.value) return;
    await clear();
    starting.value = true;
    try {
      const s = await connection.api().startSearch({
        topic,
        partition: partition ?? undefined,
        pattern: pattern.value,
        mode: mode.value,
        caseSensitive: caseSensitive.value,
        scopes: scopes.value,
        maxMatches: MAX_MATCHES,
        maxValueBytes: PREVIEW_BYTES,
      });
      status.value = s;
      results.value = [];
      try {
        const source = mode.value === 'regex' ? pattern.value : pattern.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        marker =
          scopes.value.includes('key') || scopes.value.includes('value')
            ? new RegExp(source, caseSensitive.value ? '' : 'i')
            : null;
      } catch {
        marker = null;
      }
      poll = setInterval(() => void fetchMatches(), POLL_MS);
    } catch (err) {
      error.value = describeError(err).detail;
    } finally {
      starting.value = false;
    }
  }

  async function stop(): Promise<void> {
    const s = status.value;
    if (!s || s.state !== 'running') return;
    try {
      take(await connection.api().stopSearch({ searchId: s.searchId }));
    } catch (err) {
      error.value = describeError(err).detail;
    }
  }

  /** Stops a running search and goes back to browsing. */
  async function clear(): Promise<void> {
    stopPolling();
    const s = status.value;
    status.value = null;
    results.value = [];
    if (s?.state === 'running')
      await connection
        .api()
        .stopSearch({ searchId: s.searchId })
        .catch(() => undefined);
  }

  return {
    forTopic,
    pattern,
    mode,
    caseSensitive,
    scopes,
    status,
    results,
    error,
    starting,
    running,
    active,
    start,
    stop,
    clear,
  };
});
