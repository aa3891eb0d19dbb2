/**
 * Message search from the browser: the engine scans (startSearch), this
 * store shows its progress from `searchProgress` events and fetches the
 * matches as their count grows. Events carry counts only and may be dropped
 * when the connection lags, so while a search runs the store also asks for
 * its status once a second; nothing is lost either way.
 *
 * A search goes on past the first page: the engine keeps every match (up to
 * MAX_MATCHES) and the store shows one page of PAGE_SIZE at a time. Filter
 * mode sends a filter expression (checked as it is typed with checkFilter, its
 * fault shown at its column); matches of text and regex searches are marked in
 * keys, values and headers.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { FilterCheck, SearchStatus } from '@core/api/api';
import { PREVIEW_BYTES, markHeaders, previewAround, toRow, type MessageRow } from '../components/messages/bytes';
import { describeError } from '../composables/useAction';
import { useConnectionStore } from './connection';

export type SearchScope = 'key' | 'value' | 'headers';

/** Matches a search keeps; the engine stops there. */
export const MAX_MATCHES = 1_000_000;
/** Matches shown per page. */
export const PAGE_SIZE = 1000;
const POLL_MS = 1000;
const CHECK_DELAY_MS = 200;

export const useMessageSearchStore = defineStore('messageSearch', () => {
  const connection = useConnectionStore();

  const pattern = ref('');
  /** The topic the search box was last used for. */
  const forTopic = ref('');
  const mode = ref<'text' | 'regex' | 'filter'>('text');
  const caseSensitive = ref(false);
  const scopes = ref<SearchScope[]>(['key', 'value', 'headers']);

  const status = ref<SearchStatus | null>(null);
  const results = shallowRef<MessageRow[]>([]);
  /** Why the last search could not start (a bad pattern, an unknown topic): shown next to the box. */
  const error = ref<string | null>(null);
  const starting = ref(false);
  /** The current page of matches (0-based). */
  const page = ref(0);
  /** Matches on the shown page that were deleted since the scan found them. */
  const gone = ref(0);
  /** The last check of the filter expression being typed (null while none is known). */
  const filterCheck = ref<FilterCheck | null>(null);
  /** The expression `filterCheck` is about. */
  const checkedExpression = ref('');
  /** The pattern of the last text or regex search, to mark matches in the detail panel. */
  const marker = shallowRef<RegExp | null>(null);
  const pages = computed(() => Math.max(1, Math.ceil((status.value?.matches ?? 0) / PAGE_SIZE)));

  const running = computed(() => status.value?.state === 'running');
  /** Whether the page shows search results rather than the browser's pages. */
  const active = computed(() => status.value !== null);

  /** Which fields the last search looked in, so only those are marked. */
  let markIn: SearchScope[] = [];

  function markRow(r: MessageRow): MessageRow {
    const re = marker.value;
    if (!re) return r;
    return {
      ...r,
      keyPreview: markIn.includes('key')
        ? previewAround(r.keyPreview, r.key, r.truncated?.key !== undefined, re)
        : r.keyPreview,
      valuePreview: markIn.includes('value')
        ? previewAround(r.valuePreview, r.value, r.truncated?.value !== undefined, re)
        : r.valuePreview,
      headersMark: markIn.includes('headers') ? markHeaders(r.headers, re) : undefined,
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
        const onPage = page.value;
        const have = results.value.length;
        if (have >= PAGE_SIZE) return;
        try {
          const r = await connection.api().getSearchResults({
            searchId: s.searchId,
            from: onPage * PAGE_SIZE + have + gone.value,
            limit: PAGE_SIZE - have,
          });
          if (status.value?.searchId !== s.searchId || page.value !== onPage) return;
          if (r.matches.length > 0) results.value = results.value.concat(r.matches.map((m) => markRow(toRow(m))));
          gone.value += r.gone ?? 0;
          take(r.status);
          const shown = onPage * PAGE_SIZE + results.value.length + gone.value;
          if (results.value.length + gone.value < PAGE_SIZE && shown < r.status.matches) again = true;
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
    if (pattern.value.length === 0)
      return mode.value === 'filter' ? 'Type a filter expression' : 'Type something to search for';
    if (mode.value === 'filter') {
      const c = filterCheck.value;
      return c && !c.ok && checkedExpression.value === pattern.value ? `${c.message} (column ${c.column})` : null;
    }
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
        ...(mode.value === 'filter' ? {} : { caseSensitive: caseSensitive.value, scopes: scopes.value }),
        maxMatches: MAX_MATCHES,
        maxValueBytes: PREVIEW_BYTES,
      });
      status.value = s;
      results.value = [];
      page.value = 0;
      gone.value = 0;
      markIn = [...scopes.value];
      try {
        const source = mode.value === 'regex' ? pattern.value : pattern.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        marker.value = mode.value === 'filter' ? null : new RegExp(source, caseSensitive.value ? '' : 'i');
      } catch {
        marker.value = null;
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

  /** Shows page `p` of the matches (0-based). */
  async function showPage(p: number): Promise<void> {
    if (!status.value || p < 0 || p >= pages.value || p === page.value) return;
    page.value = p;
    results.value = [];
    gone.value = 0;
    await fetchMatches();
  }

  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  /** Checks the filter expression being typed (debounced); the fault shows inline at its column. */
  function checkFilterSoon(): void {
    if (checkTimer) clearTimeout(checkTimer);
    const expression = pattern.value;
    if (mode.value !== 'filter' || expression.trim() === '') {
      filterCheck.value = null;
      return;
    }
    checkTimer = setTimeout(() => {
      checkTimer = null;
      connection
        .api()
        .checkFilter({ expression })
        .then(
          (c) => {
            if (pattern.value !== expression) return;
            filterCheck.value = c;
            checkedExpression.value = expression;
            if (c.ok && error.value) error.value = null;
          },
          () => undefined,
        );
    }, CHECK_DELAY_MS);
  }

  /** Stops a running search and goes back to browsing. */
  async function clear(): Promise<void> {
    stopPolling();
    const s = status.value;
    status.value = null;
    results.value = [];
    page.value = 0;
    gone.value = 0;
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
    page,
    pages,
    gone,
    filterCheck,
    checkedExpression,
    marker,
    /** The marker for header names and values: set when the last search looked in headers. */
    headerMarker: computed(() => (status.value && markIn.includes('headers') ? marker.value : null)),
    start,
    stop,
    clear,
    showPage,
    checkFilterSoon,
  };
});
