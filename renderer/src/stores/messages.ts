/**
 * The message browser: which topic and partition, where to start, the page
 * on screen, paging, and the live tail.
 *
 * A page comes from readRecordPage with each key and value cut to a preview;
 * the detail panel reads one record whole. Paging needs no history: the
 * engine says which offsets a page covers per partition, and the page before
 * or after is read from there. "Latest" shows newest first, every other
 * start oldest first; Next continues the list downwards either way.
 *
 * The live tail keeps the newest LIVE_LIMIT messages (newest first) and
 * drops older ones, so a busy topic cannot grow the page without bound.
 * It subscribes again after every reconnect (the engine's watch ended with the old socket) and rereads the
 * newest page, so what was missed while disconnected is on screen too.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { LiveRecords, MethodInput, RecordDto, RecordPage } from '@core/api/api';
import { PREVIEW_BYTES, toRow, type MessageRow } from '../components/messages/bytes';
import { describeError } from '../composables/useAction';
import { useConnectionStore } from './connection';

type ReadStartInput = MethodInput<'readRecordPage'>['start'];

export type StartMode = 'latest' | 'earliest' | 'offset' | 'timestamp';
export type DisplayOrder = 'newest' | 'oldest';

export const PAGE_SIZES = [50, 100, 200, 500] as const;
export const LIVE_LIMIT = 1000;
/** Messages that may be ticked at once: what one export or copy of a selection takes (the API's limit). */
export const MAX_TICKED = 10_000;

export interface TickedMessage {
  partition: number;
  offset: number;
}

/** A live record cut to a preview here, as the engine does for pages, so the live buffer stays small. */
function capLive(r: RecordDto): RecordDto {
  const cut = (b64: string | null): [string | null, number | undefined] => {
    if (b64 === null) return [null, undefined];
    const keep = 4 * Math.ceil(PREVIEW_BYTES / 3);
    if (b64.length <= keep) return [b64, undefined];
    const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
    return [b64.slice(0, keep), (b64.length / 4) * 3 - pad];
  };
  const [key, keyFull] = cut(r.key);
  const [value, valueFull] = cut(r.value);
  if (keyFull === undefined && valueFull === undefined) return r;
  return {
    ...r,
    key,
    value,
    truncated: {
      ...(keyFull !== undefined ? { key: keyFull } : {}),
      ...(valueFull !== undefined ? { value: valueFull } : {}),
    },
  };
}

export const useMessagesStore = defineStore('messages', () => {
  const connection = useConnectionStore();

  const topic = ref('');
  /** null: every partition, merged by timestamp. */
  const partition = ref<number | null>(null);
  const partitionCount = ref(0);
  const startMode = ref<StartMode>('latest');
  const startOffset = ref<number | null>(null);
  const startTimestamp = ref<number | null>(null);
  const pageSize = ref<number>(100);

  const rows = shallowRef<MessageRow[]>([]);
  const page = shallowRef<RecordPage | null>(null);
  const order = ref<DisplayOrder>('newest');
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Milliseconds the last read took, from asking to having the rows. */
  const readMs = ref<number | null>(null);
  /** What the page on screen was read for, to say so when it is empty. */
  const shownStart = ref<{ mode: StartMode | 'page'; offset?: number; timestamp?: number }>({ mode: 'latest' });

  const live = ref(false);
  const liveSkipped = ref(0);
  const liveReceived = ref(0);
  let liveSubscription: string | null = null;
  let liveOff: (() => void) | null = null;
  let liveQueue: LiveRecords[] | null = null;

  /**
   * Messages ticked in the table, by row id ("partition:offset"), kept across pages, searches and views of the
   * topic until cleared or another topic opens; an export or copy of "the messages ticked" takes them.
   */
  const ticked = shallowRef<ReadonlyMap<string, TickedMessage>>(new Map());
  const tickProblem = ref<string | null>(null);

  let seq = 0;

  const hw = (p: number) => page.value?.partitions.find((x) => x.partition === p)?.highWatermark ?? 0;
  const logStart = (p: number) => page.value?.partitions.find((x) => x.partition === p)?.logStartOffset ?? 0;
  const canOlder = computed(
    () => !live.value && !!page.value && page.value.lower.some((l) => l.offset > logStart(l.partition)),
  );
  const canNewer = computed(
    () => !live.value && !!page.value && page.value.upper.some((u) => u.offset < hw(u.partition)),
  );
  const canNext = computed(() => (order.value === 'newest' ? canOlder.value : canNewer.value));
  const canPrev = computed(() => (order.value === 'newest' ? canNewer.value : canOlder.value));
  /** Partitions of the last read that no running broker holds: their messages are missing, not absent. */
  const offline = computed(() => page.value?.offline ?? []);
  /** Messages in the partitions shown, log start to high watermark, as of the last read. */
  const totalMessages = computed(
    () => page.value?.partitions.reduce((n, p) => n + Math.max(0, p.highWatermark - p.logStartOffset), 0) ?? null,
  );

  async function open(name: string): Promise<void> {
    if (topic.value === name) return;
    await setLive(false);
    topic.value = name;
    partition.value = null;
    startMode.value = 'latest';
    startOffset.value = null;
    startTimestamp.value = null;
    rows.value = [];
    page.value = null;
    error.value = null;
    partitionCount.value = 0;
    clearTicked();
    const mine = ++seq;
    void connection
      .api()
      .listPartitions({ topic: name })
      .then(
        (ps) => {
          if (topic.value === name) partitionCount.value = ps.length;
        },
        () => undefined,
      );
    await read({ type: 'latest' }, 'backward', 'newest', { mode: 'latest' }, mine);
  }

  async function read(
    start: ReadStartInput,
    direction: 'forward' | 'backward',
    display: DisplayOrder,
    what: typeof shownStart.value,
    mine = ++seq,
  ): Promise<void> {
    loading.value = true;
    const t0 = performance.now();
    try {
      const p = await connection.api().readRecordPage({
        topic: topic.value,
        partition: partition.value ?? undefined,
        start,
        direction,
        limit: pageSize.value,
        maxValueBytes: PREVIEW_BYTES,
      });
      if (mine !== seq) return;
      const got = p.records.map(toRow);
      // A forward read comes oldest first, a backward one newest first.
      if ((direction === 'backward') !== (display === 'newest')) got.reverse();
      rows.value = got;
      page.value = p;
      order.value = display;
      shownStart.value = what;
      error.value = null;
      readMs.value = Math.round(performance.now() - t0);
    } catch (err) {
      if (mine !== seq) return;
      error.value = describeError(err).detail;
      rows.value = [];
      page.value = null;
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Reads the first page for the start chosen in the toolbar. */
  async function load(): Promise<void> {
    await setLive(false);
    switch (startMode.value) {
      case 'latest':
        return read({ type: 'latest' }, 'backward', 'newest', { mode: 'latest' });
      case 'earliest':
        return read({ type: 'earliest' }, 'forward', 'oldest', { mode: 'earliest' });
      case 'offset': {
        const offset = Math.max(0, Math.floor(startOffset.value ?? 0));
        return read({ type: 'offset', offset }, 'forward', 'oldest', { mode: 'offset', offset });
      }
      case 'timestamp': {
        const timestamp = Math.floor(startTimestamp.value ?? Date.now());
        return read({ type: 'timestamp', timestamp }, 'forward', 'oldest', { mode: 'timestamp', timestamp });
      }
    }
  }

  function older(): Promise<void> {
    if (!page.value) return Promise.resolve();
    return read({ type: 'positions', positions: page.value.lower }, 'backward', order.value, { mode: 'page' });
  }

  function newer(): Promise<void> {
    if (!page.value) return Promise.resolve();
    return read({ type: 'positions', positions: page.value.upper }, 'forward', order.value, { mode: 'page' });
  }

  const nextPage = () => (order.value === 'newest' ? older() : newer());
  const prevPage = () => (order.value === 'newest' ? newer() : older());

  function onLive(payload: LiveRecords): void {
    if (liveQueue) {
      liveQueue.push(payload);
      return;
    }
    if (payload.subscriptionId !== liveSubscription) return;
    liveSkipped.value += payload.skipped;
    liveReceived.value += payload.records.length;
    const fresh = payload.records.map((r) => toRow(capLive(r)));
    fresh.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset);
    const next = fresh.concat(rows.value);
    rows.value = next.length > LIVE_LIMIT ? next.slice(0, LIVE_LIMIT) : next;
  }

  /** Turns the live tail on (the newest page first, then new messages on top) or off. */
  async function setLive(on: boolean): Promise<void> {
    if (on === live.value) return;
    if (!on) {
      live.value = false;
      liveOff?.();
      liveOff = null;
      const id = liveSubscription;
      liveSubscription = null;
      if (id)
        await connection
          .api()
          .unwatchRecords({ subscriptionId: id })
          .catch(() => undefined);
      return;
    }
    live.value = true;
    liveSkipped.value = 0;
    liveReceived.value = 0;
    liveOff = connection.on('records', onLive);
    await subscribeLive();
  }

  /** Asks the engine for new records of the topic shown, then reads the newest page under them. */
  async function subscribeLive(): Promise<void> {
    liveQueue = [];
    try {
      const { subscriptionId } = await connection
        .api()
        .watchRecords({ topic: topic.value, partition: partition.value ?? undefined });
      liveSubscription = subscriptionId;
    } catch (err) {
      error.value = describeError(err).detail;
      liveQueue = null;
      await setLive(false);
      return;
    }
    await read({ type: 'latest' }, 'backward', 'newest', { mode: 'latest' });
    const queued = liveQueue ?? [];
    liveQueue = null;
    // Records that arrived while the page was read may already be on it.
    const shown = new Set(rows.value.map((r) => r.id));
    for (const q of queued)
      onLive({ ...q, records: q.records.filter((r) => !shown.has(`${r.partition}:${r.offset}`)) });
  }

  // A watch ends with the socket it was made on: after a reconnect the tail asks again (the store's own scope, so
  // this holds whichever page turned the tail on).
  watch(
    () => connection.generation,
    () => {
      if (!live.value || !topic.value) return;
      liveSubscription = null;
      void subscribeLive();
    },
  );

  /**
   * The table's ticks changed: `visible` are the rows it shows, `checked` the ids it has ticked now. Rows not
   * shown keep their tick. More than MAX_TICKED is refused, in words, and nothing changes.
   */
  function tick(visible: ReadonlyArray<{ id: string } & TickedMessage>, checked: Iterable<string>): void {
    const on = new Set(checked);
    const next = new Map(ticked.value);
    for (const r of visible) {
      if (on.has(r.id)) next.set(r.id, { partition: r.partition, offset: r.offset });
      else next.delete(r.id);
    }
    if (next.size > MAX_TICKED) {
      tickProblem.value =
        `At most ${MAX_TICKED.toLocaleString('en-US')} messages can be ticked at once; ` +
        "export a range or a search's matches instead.";
      return;
    }
    tickProblem.value = null;
    ticked.value = next;
  }

  function clearTicked(): void {
    if (ticked.value.size > 0) ticked.value = new Map();
    tickProblem.value = null;
  }

  /**
   * Leaves the topic. The topic is forgotten before the live tail is unsubscribed (which waits for the engine),
   * so a page opening the same topic at once reads it afresh instead of taking the old page for its own.
   */
  async function close(): Promise<void> {
    seq++;
    topic.value = '';
    await setLive(false);
  }

  /**
   * A message was just produced from the browser: the newest page on screen reads again so it shows it. Any
   * other view (an offset, a time, a page further on) stays as the person left it; a live tail gets it anyway.
   */
  function produced(): Promise<void> {
    if (live.value || !topic.value || shownStart.value.mode !== 'latest') return Promise.resolve();
    return read({ type: 'latest' }, 'backward', 'newest', { mode: 'latest' });
  }

  return {
    topic,
    partition,
    partitionCount,
    startMode,
    startOffset,
    startTimestamp,
    pageSize,
    rows,
    page,
    order,
    loading,
    error,
    readMs,
    shownStart,
    totalMessages,
    offline,
    live,
    liveSkipped,
    liveReceived,
    canNext,
    canPrev,
    canOlder,
    canNewer,
    open,
    load,
    read,
    older,
    newer,
    nextPage,
    prevPage,
    setLive,
    close,
    produced,
    ticked,
    tickProblem,
    tick,
    clearTicked,
  };
});
