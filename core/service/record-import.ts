/**
 * Import of JSON Lines into a topic: the lines record-export.ts writes (so an
 * export imports back to the same keys, values, headers, and optionally
 * partitions and timestamps), read from a file in two passes: the first checks
 * every line and counts (that is the dry run), the second writes.
 *
 * Rules a reader cannot see in the code below:
 * - A line is a JSON object with "key" and "value" (strings or null; base64
 *   when "keyEncoding" / "valueEncoding" is "base64"), optional "headers"
 *   ([{"key","value","encoding"?}]), optional "partition" and "timestamp".
 *   Other fields ("offset", "timestampType") are ignored: the topic assigns
 *   offsets. Blank lines are skipped and not counted.
 * - With keepPartitions a line's partition is used (it must exist in the
 *   topic; a line without one is bad); without it the producer's rule picks
 *   (murmur2 of the key, keyless records spread: counted as "by the producer").
 * - With keepTimestamps a line's timestamp is used (a line without one gets
 *   the time of the write); without it every record gets the time of the write.
 * - Nothing is written when a line is bad, unless skipBadLines: then the bad
 *   lines are left out and named in the report. The first MAX_BAD_LINES bad
 *   lines are listed with their line number and why; all are counted.
 * - Writing goes in produce calls of up to WRITE_RECORDS records / WRITE_BYTES
 *   bytes, acks all, in file order; should the engine refuse one (a record too
 *   large for the topic), the import stops and says how many records were written.
 */
import { createReadStream } from 'node:fs';
import { KafkaError, asKafkaError } from '../errors';
import { partitionForKey } from '../record';
import type { ProduceRecord } from '../cluster/types';
import type { ImportReport } from '../api/api';
import type { ClusterPort } from './engine-port';

export interface ImportOptions {
  topic: string;
  /** Use each line's "partition" (default false: the producer's rule). */
  keepPartitions?: boolean;
  /** Use each line's "timestamp" (default false: the time of the write). */
  keepTimestamps?: boolean;
  /** Write the good lines and leave the bad ones out (default false: a bad line stops the import before any write). */
  skipBadLines?: boolean;
  /** Only check and count. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Lines read so far (pass 1) / records written so far (pass 2). */
  onProgress?: (p: { phase: 'check' | 'write'; lines: number; written: number }) => void;
}

export type { ImportReport };

export const MAX_BAD_LINES = 100;
const WRITE_RECORDS = 5000;
const WRITE_BYTES = 4 * 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class BadLine extends Error {}

function bytes(v: unknown, encoding: unknown, what: string): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new BadLine(`${what} must be a string or null; got ${typeof v}`);
  if (encoding === undefined || encoding === null || encoding === 'utf8') return Buffer.from(v, 'utf8');
  if (encoding !== 'base64')
    throw new BadLine(`${what}'s encoding must be "base64" or "utf8"; got ${JSON.stringify(encoding)}`);
  if (!BASE64.test(v)) throw new BadLine(`${what} is marked base64 but is not valid base64`);
  return Buffer.from(v, 'base64');
}

/** One line as a record to produce, or a BadLine saying why not. */
export function parseImportLine(line: string, keepPartitions: boolean, keepTimestamps: boolean, partitions: number) {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (err) {
    throw new BadLine(`not JSON (${(err as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BadLine('not a JSON object');
  const r = o as Record<string, unknown>;
  if (!('key' in r) && !('value' in r)) throw new BadLine('has neither "key" nor "value"');
  const rec: ProduceRecord & { headers: Array<{ key: string; value: Buffer | null }> } = {
    key: bytes(r.key, r.keyEncoding, 'key'),
    value: bytes(r.value, r.valueEncoding, 'value'),
    headers: [],
  };
  if (r.headers !== undefined && r.headers !== null) {
    if (!Array.isArray(r.headers)) throw new BadLine('"headers" must be an array of {"key","value"}');
    r.headers.forEach((h: unknown, i) => {
      if (typeof h !== 'object' || h === null) throw new BadLine(`header ${i} is not an object`);
      const hh = h as Record<string, unknown>;
      if (typeof hh.key !== 'string') throw new BadLine(`header ${i} needs a string "key"`);
      rec.headers.push({ key: hh.key, value: bytes(hh.value, hh.encoding, `header ${JSON.stringify(hh.key)}`) });
    });
  }
  if (keepPartitions) {
    const p = r.partition;
    if (p === undefined) throw new BadLine('has no "partition" (keep partitions is on)');
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= partitions)
      throw new BadLine(`partition ${JSON.stringify(p)} does not exist (the topic has ${partitions})`);
    rec.partition = p;
  }
  if (keepTimestamps && r.timestamp !== undefined && r.timestamp !== null) {
    const t = r.timestamp;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0)
      throw new BadLine(`timestamp must be milliseconds since 1970; got ${JSON.stringify(t)}`);
    rec.timestamp = t;
  }
  return rec;
}

/** The lines of a file with their 1-based numbers (CRLF or LF), read in chunks. */
async function* linesOf(path: string, signal?: AbortSignal): AsyncGenerator<[number, string]> {
  let rest = '';
  let n = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    if (signal?.aborted) return;
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      n++;
      yield [n, text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl)];
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield [n + 1, rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

/** Checks the file, then (unless a dry run, or bad lines not skipped) writes it; returns what was found and done. */
export async function importJsonLines(c: ClusterPort, path: string, opts: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const states = c.partitions(opts.topic);
  const keepPartitions = opts.keepPartitions === true;
  const keepTimestamps = opts.keepTimestamps === true;
  const report: ImportReport = {
    topic: opts.topic,
    dryRun: opts.dryRun === true,
    records: 0,
    perPartition: [],
    badLines: 0,
    bad: [],
    written: 0,
    cancelled: false,
    elapsedMs: 0,
  };
  const counts = new Map<number | null, number>();
  const badSet = new Set<number>();
  let lines = 0;
  for await (const [n, line] of linesOf(path, opts.signal)) {
    lines = n;
    if (line.trim() === '') continue;
    try {
      const r = parseImportLine(line, keepPartitions, keepTimestamps, states.length);
      const p = r.partition ?? (r.key ? partitionForKey(r.key as Buffer, states.length) : null);
      counts.set(p, (counts.get(p) ?? 0) + 1);
      report.records++;
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      report.badLines++;
      badSet.add(n);
      if (report.bad.length < MAX_BAD_LINES) report.bad.push({ line: n, reason: err.message });
    }
    if (n % 10_000 === 0) opts.onProgress?.({ phase: 'check', lines: n, written: 0 });
  }
  opts.onProgress?.({ phase: 'check', lines, written: 0 });
  report.perPartition = [...counts]
    .map(([partition, records]) => ({ partition, records }))
    .sort((a, b) => (a.partition ?? Infinity) - (b.partition ?? Infinity));
  const done = () => ((report.elapsedMs = Math.round(performance.now() - started)), report);
  if (opts.signal?.aborted) return ((report.cancelled = true), done());
  if (report.dryRun || report.records === 0) return done();
  if (report.badLines > 0 && opts.skipBadLines !== true) {
    const first = report.bad.slice(0, 3).map((b) => `line ${b.line}: ${b.reason}`);
    throw new KafkaError(
      'INVALID_RECORD',
      `${report.badLines.toLocaleString('en')} bad line${report.badLines === 1 ? '' : 's'}, nothing was written ` +
        `(${first.join('; ')}${report.badLines > 3 ? '; …' : ''}). Fix them, or choose to skip bad lines`,
      { field: 'file' },
    );
  }

  let pending: ProduceRecord[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const now = Date.now();
    for (const r of pending) r.timestamp ??= now;
    try {
      await c.produce(opts.topic, pending, { acks: -1 });
    } catch (err) {
      const e = asKafkaError(err);
      throw new KafkaError(
        e.errorName,
        `${e.message}; the import stopped after ${report.written.toLocaleString('en')} of ` +
          `${report.records.toLocaleString('en')} records were written`,
      );
    }
    report.written += pending.length;
    opts.onProgress?.({ phase: 'write', lines, written: report.written });
    pending = [];
    pendingBytes = 0;
  };
  for await (const [n, line] of linesOf(path, opts.signal)) {
    if (badSet.has(n) || line.trim() === '') continue;
    pending.push(parseImportLine(line, keepPartitions, keepTimestamps, states.length));
    pendingBytes += line.length;
    if (pending.length >= WRITE_RECORDS || pendingBytes >= WRITE_BYTES) await flush();
  }
  if (opts.signal?.aborted) report.cancelled = true;
  else await flush();
  return done();
}
