/**
 * Export of stored records to JSON Lines or CSV, streamed: the records of a
 * topic's partitions between two offsets are read from the engine a chunk at
 * a time and turned into text chunks, so an export of millions of messages
 * never holds more than one chunk. Serve mode streams it as an HTTP download
 * (core/host/ws-server.ts, GET /api/export, token-guarded).
 *
 * Rules a reader cannot see in the code below:
 * - A JSON Lines line is one record: {"partition","offset","timestamp",
 *   "timestampType","key","value","headers":[{"key","value"}]}; key, value and
 *   header values are UTF-8 text, or base64 with "keyEncoding" /
 *   "valueEncoding" / a header's "encoding" set to "base64" when the bytes are
 *   not valid UTF-8, so nothing is lost. null stays null.
 * - CSV (RFC 4180, CRLF) has the columns partition, offset, timestamp,
 *   timestamp_type, key, key_encoding, value, value_encoding, headers (the
 *   headers array as JSON).
 * - The range is fixed when the export starts: each partition from max(from,
 *   log start) to min(to, high watermark) at that moment; a timestamp range
 *   narrows it to [first offset at or after fromTimestamp, first offset at or
 *   after toTimestamp), which is exact when a partition's timestamps grow with
 *   its offsets (producers' clocks may disagree: the bounds are offsets).
 * - A selection or a search exports exactly those records; a search runs to
 *   its end first (at most MAX_SEARCH_EXPORT_MATCHES matches, 10 minutes) so
 *   the count is known before the first byte, and a search that cannot finish
 *   is refused in words rather than cut silently.
 * - Offline partitions are refused by name; control batches (transaction
 *   markers) are not messages and are left out; a damaged stored batch is
 *   left out whole (record-export-format.ts checks it before writing).
 * - Engine ports that give raw batches (Cluster.recordBatches) are formatted
 *   from the batch bytes (record-export-format.ts); others (a remote cluster)
 *   through readRecords and jsonLine / csvRow, with the same output.
 */
import { isUtf8 } from 'node:buffer';
import { KafkaError } from '../errors';
import { batchBaseOffset } from '../record';
import type { DecodedRecord, PartitionState } from '../cluster/types';
import type { SearchScope } from '../cluster/record-search';
import type { ClusterPort } from './engine-port';
import { batchToCsv, batchToJsonLines, ChunkWriter, recordsSectionOf, type BatchWindow } from './record-export-format';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportSpec {
  topic: string;
  /** The partitions to export; all when omitted. */
  partitions?: number[];
  /** First offset (default each partition's log start). */
  from?: number;
  /** Offset to stop before (default each partition's high watermark). */
  to?: number;
  /** Only records at or after this time (the first offset with a timestamp at or after it, per partition). */
  fromTimestamp?: number;
  /** Only records before this time (stops at the first offset with a timestamp at or after it). */
  toTimestamp?: number;
  /** Exactly these messages (the browser's selection); `partitions` is then ignored. */
  selection?: Array<{ partition: number; offset: number }>;
  /** Only a search's matches (text, regex or filter expression, as the browser's search takes them). */
  search?: { pattern: string; mode: 'text' | 'regex' | 'filter'; caseSensitive?: boolean; scopes?: SearchScope[] };
  format: ExportFormat;
}

const READ_LIMIT = 5000;
const CHUNK_CHARS = 1 << 20;

function field(b: Buffer | null): { text: string | null; base64: boolean } {
  if (b === null) return { text: null, base64: false };
  return isUtf8(b) ? { text: b.toString('utf8'), base64: false } : { text: b.toString('base64'), base64: true };
}

function headersJson(r: DecodedRecord): Array<{ key: string; value: string | null; encoding?: 'base64' }> {
  return r.headers.map((h) => {
    const v = field(h.value);
    return v.base64 ? { key: h.key, value: v.text, encoding: 'base64' } : { key: h.key, value: v.text };
  });
}

/**
 * One record as a JSON Lines line (with its newline); written by hand, as JSON.stringify of an object costs twice as
 * much.
 */
export function jsonLine(r: DecodedRecord): string {
  const key = field(r.key);
  const value = field(r.value);
  let headers = '[';
  for (let i = 0; i < r.headers.length; i++) {
    const h = r.headers[i]!;
    const v = field(h.value);
    headers += `${i > 0 ? ',' : ''}{"key":${JSON.stringify(h.key)},"value":${v.text === null ? 'null' : JSON.stringify(v.text)}${v.base64 ? ',"encoding":"base64"' : ''}}`;
  }
  headers += ']';
  return (
    `{"partition":${r.partition},"offset":${r.offset},"timestamp":${r.timestamp},"timestampType":"${r.timestampType}",` +
    `"key":${key.text === null ? 'null' : JSON.stringify(key.text)},"value":${value.text === null ? 'null' : JSON.stringify(value.text)},` +
    `"headers":${headers}${key.base64 ? ',"keyEncoding":"base64"' : ''}${value.base64 ? ',"valueEncoding":"base64"' : ''}}\n`
  );
}

export const CSV_HEADER = 'partition,offset,timestamp,timestamp_type,key,key_encoding,value,value_encoding,headers\r\n';

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One record as a CSV row (with its CRLF). */
export function csvRow(r: DecodedRecord): string {
  const key = field(r.key);
  const value = field(r.value);
  const enc = (f: { text: string | null; base64: boolean }) =>
    f.text === null ? 'null' : f.base64 ? 'base64' : 'utf8';
  return (
    [
      String(r.partition),
      String(r.offset),
      String(r.timestamp),
      r.timestampType,
      csvCell(key.text ?? ''),
      enc(key),
      csvCell(value.text ?? ''),
      enc(value),
      csvCell(JSON.stringify(headersJson(r))),
    ].join(',') + '\r\n'
  );
}

export interface ExportRange {
  partition: number;
  from: number;
  to: number;
  /** A selection or a search's matches: only these offsets of [from, to), ascending. */
  offsets?: number[];
}

export interface ExportPlan {
  ranges: ExportRange[];
  /** Records to expect at most (exactly, for a selection or a search). */
  total: number;
}

/** The most matches a search export collects before it starts writing (offsets kept in memory: 8 bytes each). */
export const MAX_SEARCH_EXPORT_MATCHES = 5_000_000;
const SEARCH_EXPORT_BUDGET_MS = 10 * 60_000;

function checkTimestamp(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new KafkaError('INVALID_REQUEST', `${name} must be a whole number of milliseconds; got ${String(v)}`, {
      field: name,
    });
  return v;
}

/** The first offset of a partition whose timestamp is at or after `t` (the high watermark when none is). */
async function offsetAtTime(c: ClusterPort, topic: string, s: PartitionState, t: number): Promise<number> {
  const [first] = await c.readRecords({
    topic,
    partition: s.partition,
    start: { type: 'timestamp', timestamp: t },
    limit: 1,
  });
  return first ? first.offset : s.highWatermark;
}

/**
 * Checks a spec against the topic and fixes what to export: each partition's [from, to), and for a selection
 * or a search the offsets themselves (a search runs here, to its end, before anything is written). Offline
 * partitions are refused by name rather than exported as empty.
 */
export async function planExport(c: ClusterPort, spec: ExportSpec, signal?: AbortSignal): Promise<ExportPlan> {
  if (!spec || typeof spec !== 'object' || typeof spec.topic !== 'string' || spec.topic === '')
    throw new KafkaError('INVALID_REQUEST', 'An export needs a topic', { field: 'topic' });
  if (spec.format !== 'jsonl' && spec.format !== 'csv')
    throw new KafkaError('INVALID_REQUEST', `format must be jsonl or csv; got ${String(spec.format)}`, {
      field: 'format',
    });
  const fromTs = checkTimestamp(spec.fromTimestamp, 'fromTimestamp');
  const toTs = checkTimestamp(spec.toTimestamp, 'toTimestamp');
  const states = c.partitions(spec.topic);
  const picked = new Map<number, number[]>();
  if (spec.selection !== undefined) {
    if (!Array.isArray(spec.selection) || spec.selection.length === 0)
      throw new KafkaError('INVALID_REQUEST', 'A selection export needs at least one message', { field: 'selection' });
    for (const m of spec.selection) {
      if (!m || !Number.isSafeInteger(m.offset) || m.offset < 0 || !Number.isInteger(m.partition))
        throw new KafkaError(
          'INVALID_REQUEST',
          `A selected message needs a partition and an offset; got ${JSON.stringify(m)}`,
          {
            field: 'selection',
          },
        );
      let list = picked.get(m.partition);
      if (!list) picked.set(m.partition, (list = []));
      list.push(m.offset);
    }
  }
  const chosen =
    spec.selection !== undefined ? [...picked.keys()] : (spec.partitions ?? states.map((s) => s.partition));
  const ranges: ExportRange[] = [];
  for (const p of chosen) {
    const s = states[p];
    if (!Number.isInteger(p) || !s)
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${p} of topic ${spec.topic} does not exist (it has ${states.length})`,
        { field: 'partition' },
      );
    if (s.readable === false)
      throw new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `Partition ${p} of topic ${spec.topic} is offline (no running broker holds a replica): ` +
          'start its brokers, or export the other partitions',
        { field: 'partition' },
      );
    let from = Math.max(spec.from ?? 0, s.logStartOffset);
    let to = Math.min(spec.to ?? Number.MAX_SAFE_INTEGER, s.highWatermark);
    if (fromTs !== undefined) from = Math.max(from, await offsetAtTime(c, spec.topic, s, fromTs));
    if (toTs !== undefined) to = Math.min(to, await offsetAtTime(c, spec.topic, s, toTs));
    to = Math.max(from, to);
    const list = picked.get(p);
    if (list) {
      const offsets = [...new Set(list)].filter((o) => o >= from && o < to).sort((a, b) => a - b);
      if (offsets.length > 0) ranges.push({ partition: p, from: offsets[0]!, to: offsets.at(-1)! + 1, offsets });
    } else ranges.push({ partition: p, from, to });
  }
  if (spec.search !== undefined) return planSearch(c, spec, ranges, signal);
  ranges.sort((a, b) => a.partition - b.partition);
  const total = ranges.reduce((n, r) => n + (r.offsets ? r.offsets.length : r.to - r.from), 0);
  return { ranges, total };
}

/** A search's matches within the ranges, found by the engine's scan (text, regex or filter expression). */
async function planSearch(
  c: ClusterPort,
  spec: ExportSpec,
  ranges: ExportRange[],
  signal?: AbortSignal,
): Promise<ExportPlan> {
  if (!c.scanRecords)
    throw new KafkaError('INVALID_REQUEST', 'This connection cannot search, so it cannot export a search', {
      field: 'search',
    });
  const q = spec.search!;
  if (!q || typeof q.pattern !== 'string' || !['text', 'regex', 'filter'].includes(q.mode))
    throw new KafkaError('INVALID_REQUEST', 'A search export needs a pattern and a mode (text, regex or filter)', {
      field: 'search',
    });
  const out: ExportRange[] = [];
  let total = 0;
  for (const r of ranges) {
    if (r.to <= r.from) continue;
    const offsets: number[] = [];
    const only = r.offsets ? new Set(r.offsets) : null;
    const outcome = await c.scanRecords({
      topic: spec.topic,
      partition: r.partition,
      query: { pattern: q.pattern, mode: q.mode, caseSensitive: q.caseSensitive, scopes: q.scopes },
      direction: 'forward',
      maxMatches: MAX_SEARCH_EXPORT_MATCHES - total,
      timeBudgetMs: SEARCH_EXPORT_BUDGET_MS,
      signal,
      onMatch: (m) => {
        if (m.offset >= r.from && m.offset < r.to && (!only || only.has(m.offset))) offsets.push(m.offset);
      },
    });
    if (outcome.end === 'timeout' || outcome.end === 'limit')
      throw new KafkaError(
        'INVALID_REQUEST',
        outcome.end === 'limit'
          ? `The search matches more than ${MAX_SEARCH_EXPORT_MATCHES.toLocaleString('en')} messages: ` +
              'narrow it to export'
          : 'The search did not finish in 10 minutes: narrow it (a partition, an offset range) to export',
        { field: 'search' },
      );
    if (signal?.aborted) break;
    total += offsets.length;
    if (offsets.length > 0) out.push({ partition: r.partition, from: offsets[0]!, to: offsets.at(-1)! + 1, offsets });
  }
  return { ranges: out, total };
}

/** A membership test over ascending offsets, for offsets asked in ascending order (one pointer, no set). */
function ascendingMember(offsets: number[]): (o: number) => boolean {
  let i = 0;
  return (o) => {
    while (i < offsets.length && offsets[i]! < o) i++;
    return i < offsets.length && offsets[i] === o;
  };
}

/**
 * The export as byte chunks (about 1 MB each), partition after partition in offset order; stops when `signal`
 * fires. From the engine's stored batches when the port gives them (record-export-format.ts), else through
 * readRecords (a remote cluster).
 */
export async function* exportChunks(
  c: ClusterPort,
  spec: ExportSpec,
  plan: ExportPlan,
  signal?: AbortSignal,
  onProgress?: (records: number) => void,
): AsyncGenerator<Buffer> {
  if (!c.recordBatches) {
    for await (const text of exportChunksDecoded(c, spec, plan, signal, onProgress)) yield Buffer.from(text, 'utf8');
    return;
  }
  const w = new ChunkWriter();
  const scratch = new ChunkWriter(true);
  const csv = spec.format === 'csv';
  if (csv) w.ascii(CSV_HEADER);
  let count = 0;
  for (const range of plan.ranges) {
    const { partition, from, to } = range;
    if (to <= from) continue;
    const it = c.recordBatches(spec.topic, partition, from, to);
    if (!it)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `Partition ${partition} of topic ${spec.topic} went offline`);
    const win: BatchWindow = { from, to, keep: range.offsets ? ascendingMember(range.offsets) : undefined };
    let past = false;
    while (!past) {
      if (signal?.aborted) return void (await it.return?.());
      const next = await it.next();
      if (next.done) break;
      for (const batch of next.value) {
        if (batchBaseOffset(batch) >= to) {
          past = true;
          break;
        }
        let data: Buffer;
        try {
          const section = recordsSectionOf(batch);
          data = section instanceof Promise ? await section : section;
          count += csv
            ? batchToCsv(w, scratch, batch, data, partition, win)
            : batchToJsonLines(w, batch, data, partition, win);
        } catch {
          // A damaged stored batch is checked whole before any of its records is written, and left out
          // (the browser shows it as unreadable), so the rest of the partition still exports.
          continue;
        }
      }
      if (past) await it.return?.();
      if (w.readyBytes > 0) {
        for (const b of w.take(false)) yield b;
        onProgress?.(count);
      }
    }
  }
  for (const b of w.take(true)) yield b;
  onProgress?.(count);
}

/** The decoded path: readRecords a chunk at a time, lines by jsonLine / csvRow. */
async function* exportChunksDecoded(
  c: ClusterPort,
  spec: ExportSpec,
  plan: ExportPlan,
  signal?: AbortSignal,
  onProgress?: (records: number) => void,
): AsyncGenerator<string> {
  const line = spec.format === 'jsonl' ? jsonLine : csvRow;
  let chunk = spec.format === 'csv' ? CSV_HEADER : '';
  let count = 0;
  for (const range of plan.ranges) {
    const { partition, from, to } = range;
    const keep = range.offsets ? ascendingMember(range.offsets) : () => true;
    let offset = from;
    while (offset < to) {
      if (signal?.aborted) return;
      const records = await c.readRecords({
        topic: spec.topic,
        partition,
        start: { type: 'offset', offset },
        limit: Math.min(READ_LIMIT, to - offset),
      });
      if (records.length === 0) break;
      for (const r of records) {
        if (r.offset >= to) break;
        if (r.corrupt !== undefined || !keep(r.offset)) continue;
        chunk += line(r);
        count++;
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
          onProgress?.(count);
        }
      }
      offset = records[records.length - 1]!.offset + 1;
    }
  }
  if (chunk.length > 0) yield chunk;
  onProgress?.(count);
}

/**
 * An export spec from a download URL's query: topic, partition (repeatable), from, to, fromTimestamp, toTimestamp,
 * select=partition:offset (repeatable), search with mode / caseSensitive=1 / scope (repeatable), format.
 */
export function exportSpecFromQuery(q: URLSearchParams): ExportSpec {
  const topic = q.get('topic');
  if (!topic) throw new KafkaError('INVALID_REQUEST', 'An export needs a topic', { field: 'topic' });
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw new KafkaError('INVALID_REQUEST', `${name} must be a whole number of at least 0; got ${v}`, {
        field: name,
      });
    return Number(v);
  };
  const partitions = q.getAll('partition').map((v) => {
    if (!/^\d+$/.test(v))
      throw new KafkaError('INVALID_REQUEST', `partition must be a whole number; got ${v}`, { field: 'partition' });
    return Number(v);
  });
  const format = (q.get('format') ?? 'jsonl') as ExportFormat;
  const selected = q.getAll('select').map((v) => {
    const m = /^(\d+):(\d+)$/.exec(v);
    if (!m)
      throw new KafkaError('INVALID_REQUEST', `select must be partition:offset; got ${v}`, { field: 'selection' });
    return { partition: Number(m[1]), offset: Number(m[2]) };
  });
  const pattern = q.get('search');
  const ts = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v))
      throw new KafkaError('INVALID_REQUEST', `${name} must be milliseconds since 1970; got ${v}`, { field: name });
    return Number(v);
  };
  return {
    topic,
    partitions: partitions.length > 0 ? partitions : undefined,
    from: int('from'),
    to: int('to'),
    fromTimestamp: ts('fromTimestamp'),
    toTimestamp: ts('toTimestamp'),
    selection: selected.length > 0 ? selected : undefined,
    search:
      pattern === null
        ? undefined
        : {
            pattern,
            mode: (q.get('mode') ?? 'text') as 'text' | 'regex' | 'filter',
            caseSensitive: q.get('caseSensitive') === '1',
            scopes: q.getAll('scope').length > 0 ? (q.getAll('scope') as SearchScope[]) : undefined,
          },
    format,
  };
}
