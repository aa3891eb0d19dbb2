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
 *   log start) to min(to, high watermark) at that moment.
 */
import { isUtf8 } from 'node:buffer';
import { KafkaError } from '../errors';
import type { DecodedRecord } from '../cluster/types';
import type { ClusterPort } from './engine-port';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportSpec {
  topic: string;
  /** The partitions to export; all when omitted. */
  partitions?: number[];
  /** First offset (default each partition's log start). */
  from?: number;
  /** Offset to stop before (default each partition's high watermark). */
  to?: number;
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

/** One record as a JSON Lines line (with its newline); written by hand, as JSON.stringify of an object costs twice as much. */
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

/** Checks a spec against the topic; returns each partition's [from, to) and the record count to expect at most. */
export function planExport(
  c: ClusterPort,
  spec: ExportSpec,
): { ranges: Array<{ partition: number; from: number; to: number }>; total: number } {
  if (spec.format !== 'jsonl' && spec.format !== 'csv')
    throw new KafkaError('INVALID_REQUEST', `format must be jsonl or csv; got ${String(spec.format)}`, {
      field: 'format',
    });
  const states = c.partitions(spec.topic);
  const chosen = spec.partitions ?? states.map((s) => s.partition);
  const ranges = chosen.map((p) => {
    const s = states[p];
    if (!Number.isInteger(p) || !s)
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${p} of topic ${spec.topic} does not exist (it has ${states.length})`,
        { field: 'partition' },
      );
    const from = Math.max(spec.from ?? 0, s.logStartOffset);
    const to = Math.min(spec.to ?? Number.MAX_SAFE_INTEGER, s.highWatermark);
    return { partition: p, from, to: Math.max(from, to) };
  });
  return { ranges, total: ranges.reduce((n, r) => n + (r.to - r.from), 0) };
}

/** The export as text chunks (about 1 MB each), partition after partition in offset order; stops when `signal` fires. */
export async function* exportChunks(
  c: ClusterPort,
  spec: ExportSpec,
  signal?: AbortSignal,
  onProgress?: (records: number) => void,
): AsyncGenerator<string> {
  const { ranges } = planExport(c, spec);
  const line = spec.format === 'jsonl' ? jsonLine : csvRow;
  let chunk = spec.format === 'csv' ? CSV_HEADER : '';
  let count = 0;
  for (const { partition, from, to } of ranges) {
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
        if (r.corrupt !== undefined) continue;
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

/** An export spec from a download URL's query (topic, partition (repeatable), from, to, format). */
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
  return {
    topic,
    partitions: partitions.length > 0 ? partitions : undefined,
    from: int('from'),
    to: int('to'),
    format,
  };
}
