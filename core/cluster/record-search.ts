/**
 * Message search: scans a topic's stored record batches for text or a
 * regular expression in record keys, values and headers, inside the engine,
 * so a million messages never travel to the UI.
 *
 * Rules a reader cannot see in the code below:
 * - The range is fixed when the scan starts: every chosen partition from its
 *   log start to its high watermark at that moment. Records appended later
 *   are not scanned; `total` never moves. `scanned` counts offsets covered
 *   (as `total` does), so compacted gaps count as scanned.
 * - Batches are read raw, from the partition's leader (or any running
 *   replica while it has none). A batch is decoded only when its record
 *   bytes may hold a match: case-sensitive text is looked for with one
 *   Buffer.indexOf over the batch's records section, case-insensitive ASCII
 *   text with one latin1 regular-expression pass; a batch without a hit is
 *   skipped undecoded. Regular expressions (and non-ASCII case-insensitive
 *   text) test each field in scope, decoded as UTF-8.
 * - Newest first by default ('backward'): partitions are read from their
 *   high watermark down, records within a batch newest first, and the
 *   partitions take turns chunk by chunk, so the first matches a person sees
 *   are recent ones from every partition.
 * - Cooperative: the scan yields to the event loop every few milliseconds,
 *   so the engine keeps serving producers, consumers and the UI meanwhile.
 * - Bounded: a scan ends at `maxMatches`, at its time budget, or when its
 *   AbortSignal fires, and the budget holds to a few milliseconds.
 * - User patterns never run on the event loop: JavaScript's RegExp engine
 *   backtracks, so one test can take minutes ((a|aa)+$ on 43 `a`s and a
 *   `!`) and cannot be interrupted. A regex scan hands the batches' records
 *   (copied, decompressed where needed) to a worker thread (regex-worker.ts)
 *   that parses and tests them, and decodes here only the batches holding a
 *   match; the scan
 *   terminates the worker at its deadline or when stopped; matches already
 *   answered are kept, and the scan ends 'timeout' or 'stopped'. Patterns
 *   that visibly nest unbounded repetition ((a+)+, (\w*)*) are still
 *   refused up front, as a courtesy (they would only time out), not as the
 *   protection. Text search stays on the event loop: its tests are
 *   Buffer.indexOf or an escaped literal, never a user pattern.
 * - A partition that cannot be read (no running replica, or its replica
 *   goes offline mid-scan) is reported in `skipped` and the scan goes on.
 */
import { KafkaError } from '../errors';
import {
  HEADER_SIZE,
  batchBaseOffset,
  batchCompression,
  batchLastOffset,
  batchTotalSize,
  RECORDS_COUNT,
  decompress,
  decompressSync,
  hasSyncCodec,
  isControlBatch,
  type DecodedRecord as BatchRecord,
} from '../record';
import { decodeBatch, PartitionScan, timestampTypeOf } from './partition-scan';
import { BatchJobBuilder, RegexWorker, type JobProgress } from './regex-worker';
import type { ReadableReplicas } from './replica-access';
import type { Partition } from './partition';
import type { DecodedRecord } from './types';

export type SearchScope = 'key' | 'value' | 'headers';

export interface RecordSearchQuery {
  /** The text or pattern to look for, or the filter expression (filter-expression.ts), 1 to 1000 characters. */
  pattern: string;
  /** 'filter' scans run in filter-scan.ts (Cluster.scanRecords picks); compileSearch takes text and regex. */
  mode: 'text' | 'regex' | 'filter';
  /** Default false. */
  caseSensitive?: boolean;
  /** Where to look; default all three. `headers` covers header names and values. */
  scopes?: SearchScope[];
}

export interface ScanProgress {
  scanned: number;
  total: number;
  matches: number;
  elapsedMs: number;
}

export type ScanEnd = 'done' | 'stopped' | 'limit' | 'timeout';

export interface ScanOutcome extends ScanProgress {
  end: ScanEnd;
  /** Partitions that could not be read, with why. */
  skipped: Array<{ partition: number; reason: string }>;
}

export interface RecordScanOptions {
  topic: string;
  /** One partition, or every partition when omitted. */
  partition?: number;
  query: RecordSearchQuery;
  /** 'backward' (default) scans newest first; 'forward' oldest first. */
  direction?: 'forward' | 'backward';
  /** Stop after this many matches (default 500). */
  maxMatches?: number;
  /** Stop after this long (default 60 s). */
  timeBudgetMs?: number;
  signal?: AbortSignal;
  /** Called at most every `progressIntervalMs` (default 100) while scanning, not at the end. */
  onProgress?: (p: ScanProgress) => void;
  progressIntervalMs?: number;
  /** Called for every match, in scan order. The record's buffers are views into the batch: copy what you keep. */
  onMatch?: (r: DecodedRecord) => void;
}

export const MAX_PATTERN_LENGTH = 1000;
const CHUNK_BYTES = 2 * 1024 * 1024;
/**
 * Field bytes per message to the regex worker, and messages in flight: the
 * worker tests one while the next is built.
 */
const JOB_BYTES = 512 * 1024;
const JOBS_IN_FLIGHT = 4;

// ---------------------------------------------------------------------------
// Matching

export interface RecordMatcher {
  /** False when a batch's (uncompressed) records section cannot contain a match. */
  mayMatch(records: Buffer): boolean;
  matches(r: BatchRecord): boolean;
  /** Set for a user's regular expression: its tests run in a RegexWorker, never on the event loop. */
  regex: { source: string; flags: string } | null;
  /** The fields `matches` tests (what the worker tests for a regex). */
  scopes: { key: boolean; value: boolean; headers: boolean };
}

function invalid(message: string): KafkaError {
  return new KafkaError('INVALID_REQUEST', message);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/**
 * Refuses patterns whose repeated group itself contains unbounded
 * repetition (star height above one): (a+)+, (\d*x)*, (?:a|b+){2,}. Such
 * patterns can backtrack exponentially, and a running test cannot be stopped.
 * Character classes and escapes are skipped; the check errs on the side of
 * refusing, and its message says how to rewrite.
 */
export function nestedRepetition(pattern: string): string | null {
  // One frame per open group: start index and whether it holds unbounded repetition.
  const stack: Array<{ start: number; unbounded: boolean }> = [{ start: 0, unbounded: false }];
  // What the next quantifier applies to: a group that closed just before it (with its flag), or a plain atom.
  let lastGroup: { start: number; unbounded: boolean } | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i++;
      lastGroup = null;
      continue;
    }
    if (ch === '[') {
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      lastGroup = null;
      continue;
    }
    if (ch === '(') {
      stack.push({ start: i, unbounded: false });
      lastGroup = null;
      continue;
    }
    if (ch === ')') {
      if (stack.length === 1) {
        lastGroup = null;
        continue;
      }
      lastGroup = stack.pop()!;
      // Repetition inside a group is repetition inside every group around it.
      if (lastGroup.unbounded) stack[stack.length - 1]!.unbounded = true;
      continue;
    }
    let unboundedQuantifier = false;
    let quantifier = false;
    if (ch === '*' || ch === '+') {
      quantifier = true;
      unboundedQuantifier = true;
    } else if (ch === '?') quantifier = lastGroup !== null || (i > 0 && pattern[i - 1] !== '(');
    else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (m) {
        quantifier = true;
        unboundedQuantifier = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 32);
        i += m[0].length - 1;
      }
    }
    if (quantifier) {
      if (unboundedQuantifier && lastGroup?.unbounded) {
        return pattern.slice(lastGroup.start, i + 1);
      }
      if (unboundedQuantifier) stack[stack.length - 1]!.unbounded = true;
      lastGroup = null;
      continue;
    }
    lastGroup = null;
  }
  return null;
}

/** Compiles a query into a matcher; throws INVALID_REQUEST for an empty query, a bad or unsafe pattern, or no scope. */
export function compileSearch(query: RecordSearchQuery): RecordMatcher {
  if (!query || typeof query.pattern !== 'string') throw invalid('A search needs a pattern');
  const { pattern } = query;
  if (pattern.length === 0) throw invalid('Type something to search for');
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw invalid(`The search text is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH} are allowed`);
  if (query.mode !== 'text' && query.mode !== 'regex')
    throw invalid(`mode must be 'text' or 'regex'; got ${String(query.mode)}`);
  const scopes = new Set<SearchScope>(query.scopes ?? ['key', 'value', 'headers']);
  if (scopes.size === 0) throw invalid('Choose at least one of key, value and headers to search in');
  for (const s of scopes)
    if (s !== 'key' && s !== 'value' && s !== 'headers') throw invalid(`Unknown search scope ${String(s)}`);
  const caseSensitive = query.caseSensitive ?? false;

  let bytesTest: (b: Buffer) => boolean;
  let stringTest: (s: string) => boolean;
  let mayMatch: (records: Buffer) => boolean = () => true;
  let regex: RecordMatcher['regex'] = null;

  if (query.mode === 'text' && caseSensitive) {
    const needle = Buffer.from(pattern, 'utf8');
    bytesTest = (b) => b.indexOf(needle) >= 0;
    stringTest = (s) => s.includes(pattern);
    mayMatch = (records) => records.indexOf(needle) >= 0;
  } else if (query.mode === 'text' && isAscii(pattern)) {
    // ASCII text ignoring case: latin1 keeps one character per byte, so byte
    // offsets and string indexes agree and no UTF-8 decoding is needed.
    const re = new RegExp(escapeRegExp(pattern), 'i');
    bytesTest = (b) => re.test(b.toString('latin1'));
    stringTest = (s) => re.test(s);
    mayMatch = (records) => re.test(records.toString('latin1'));
  } else {
    let re: RegExp;
    if (query.mode === 'text') {
      re = new RegExp(escapeRegExp(pattern), 'iu');
    } else {
      const nested = nestedRepetition(pattern);
      if (nested) {
        throw invalid(
          `The pattern repeats a group that itself repeats (${nested}), which can take exponential time ` +
            'on some messages. Rewrite it without the nested repetition, for example (ab)+ instead of (a+b)+',
        );
      }
      try {
        re = new RegExp(pattern, caseSensitive ? '' : 'i');
      } catch (err) {
        throw invalid(
          `Invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
        );
      }
      regex = { source: re.source, flags: re.flags };
    }
    bytesTest = (b) => re.test(b.toString('utf8'));
    stringTest = (s) => re.test(s);
  }

  const inKey = scopes.has('key');
  const inValue = scopes.has('value');
  const inHeaders = scopes.has('headers');
  return {
    mayMatch,
    regex,
    scopes: { key: inKey, value: inValue, headers: inHeaders },
    matches(r) {
      if (inValue && r.value !== null && bytesTest(r.value)) return true;
      if (inKey && r.key !== null && bytesTest(r.key)) return true;
      if (inHeaders) {
        for (const h of r.headers) {
          if (stringTest(h.key)) return true;
          if (h.value !== null && bytesTest(h.value)) return true;
        }
      }
      return false;
    },
  };
}

// ---------------------------------------------------------------------------
// Where batches come from

export interface ScanPartition {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  /** Raw batches overlapping [from, to), in chunks, oldest first ('forward') or newest first ('backward'). */
  chunks(from: number, to: number, direction: 'forward' | 'backward'): AsyncIterator<Buffer[]>;
}

export interface ScanSource {
  partitionCount(topic: string): number;
  /** The replica to read, or null when no running broker holds one. */
  open(topic: string, partition: number): ScanPartition | null;
}

/** The engine's partitions as a scan source: the leader, or any running replica while there is none. */
export function clusterScanSource(cluster: ReadableReplicas): ScanSource {
  return {
    partitionCount: (topic) => cluster.topicImage(topic).partitions.length,
    open(topic, index) {
      const p = cluster.readableReplica(topic, index);
      if (!p) return null;
      const log = p.log;
      return {
        partition: index,
        logStartOffset: log.logStartOffset,
        highWatermark: log.highWatermark,
        chunks: (from, to, direction) =>
          direction === 'forward' ? forwardChunks(p, from, to) : backwardChunks(p, from, to),
      };
    },
  };
}

async function* forwardChunks(p: Partition, from: number, to: number): AsyncGenerator<Buffer[]> {
  const log = p.log;
  let offset = from;
  while (offset < to) {
    const batches = await log.read(Math.max(offset, log.logStartOffset), CHUNK_BYTES, to);
    if (batches.length === 0) return;
    yield batches;
    offset = batchLastOffset(batches[batches.length - 1]!) + 1;
  }
}

async function* backwardChunks(p: Partition, from: number, to: number): AsyncGenerator<Buffer[]> {
  // Batches are keyed by their last offset: walking keys down from the top
  // reaches the batch holding `to - 1` after at most the few above it.
  let chunk: Buffer[] = [];
  let bytes = 0;
  for await (const batch of p.log.batchesBetween(from, Number.MAX_SAFE_INTEGER, true)) {
    if (batchBaseOffset(batch) >= to) continue;
    chunk.push(batch);
    bytes += batch.length;
    if (bytes >= CHUNK_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}

// ---------------------------------------------------------------------------
// The scan

/**
 * A batch's records section as stored, decompressed when the batch is
 * compressed: what the regex worker parses. A batch whose header does not
 * hold together goes through decodeBatch(), which says why in its error.
 */
async function recordsSection(batch: Buffer): Promise<Buffer> {
  const size = batch.length >= HEADER_SIZE ? batchTotalSize(batch) : -1;
  if (size < HEADER_SIZE || size > batch.length) {
    await decodeBatch(batch);
    throw new KafkaError('CORRUPT_MESSAGE', 'The record batch is shorter than its header says');
  }
  const codec = batchCompression(batch);
  const payload = batch.subarray(HEADER_SIZE, size);
  if (codec === 0) return payload;
  return hasSyncCodec(codec) ? decompressSync(codec, payload) : decompress(codec, payload);
}

/** Scans a topic for a query; resolves when the scan ends (never rejects for an unreadable partition). */
export async function scanRecords(source: ScanSource, opts: RecordScanOptions): Promise<ScanOutcome> {
  const matcher = compileSearch(opts.query);
  const scan = new PartitionScan(source, opts);
  const direction = scan.direction;

  // A regular expression's tests run in a worker the deadline (or a stop) terminates.
  const worker = matcher.regex
    ? new RegexWorker(matcher.regex.source, matcher.regex.flags, {
        ...matcher.scopes,
        backward: direction === 'backward',
      })
    : null;
  const builder = new BatchJobBuilder();
  // A job remembers its stored batches, in the order the worker has them: a hit's batch is decoded then.
  type JobBatch = { partition: number; batch: Buffer };
  let jobBatches: JobBatch[] = [];
  let jobOffsets = 0;
  const inFlight: Array<{ progress: JobProgress; batches: JobBatch[]; offsets: number }> = [];
  if (worker) scan.watch();

  const dispatch = (): void => {
    if (builder.batches === 0) {
      scan.scanned += jobOffsets;
    } else {
      inFlight.push({ progress: worker!.test(builder.take()), batches: jobBatches, offsets: jobOffsets });
      jobBatches = [];
    }
    jobOffsets = 0;
  };

  /** Takes the oldest job's matches as the worker reports them, until it is done; false once the scan must end. */
  const settle = async (): Promise<boolean> => {
    const job = inFlight.shift()!;
    const { progress } = job;
    let taken = 0;
    let decodedOf = -1;
    let decoded: BatchRecord[] = [];
    for (;;) {
      while (taken < progress.batchHits.length) {
        const [b, index] = progress.batchHits[taken++]!;
        const { partition, batch } = job.batches[b]!;
        if (b !== decodedOf) {
          decoded = await decodeBatch(batch);
          decodedOf = b;
        }
        if (!scan.found({ partition, r: decoded[index]!, timestampType: timestampTypeOf(batch) })) return false;
      }
      if (scan.halt) {
        scan.end = scan.halt;
        return false;
      }
      if (progress.error) throw progress.error;
      if (progress.done) break;
      await Promise.race([progress.changed(), scan.halted]);
    }
    scan.scanned += job.offsets;
    return true;
  };

  /** Scans one batch; returns false once the scan must end. */
  const batch = async (partition: number, batch: Buffer, from: number, to: number): Promise<boolean> => {
    const base = batchBaseOffset(batch);
    const last = batchLastOffset(batch);
    const lo = Math.max(base, from);
    const hi = Math.min(last, to - 1);
    if (hi < lo) return true;
    if (worker) jobOffsets += hi - lo + 1;
    else scan.scanned += hi - lo + 1;
    if (isControlBatch(batch)) return true;
    const codec = batchCompression(batch);
    if (codec === 0 && !matcher.mayMatch(batch.subarray(HEADER_SIZE, batchTotalSize(batch)))) return true;
    if (worker) {
      builder.add(await recordsSection(batch), batchBaseOffset(batch), lo, hi, batch.readInt32BE(RECORDS_COUNT));
      jobBatches.push({ partition, batch });
      if (builder.size >= JOB_BYTES) {
        dispatch();
        if (inFlight.length >= JOBS_IN_FLIGHT && !(await settle())) return false;
      }
      return true;
    }
    const records = await decodeBatch(batch);
    const timestampType = timestampTypeOf(batch);
    const n = records.length;
    for (let k = 0; k < n; k++) {
      const r = records[direction === 'backward' ? n - 1 - k : k]!;
      if (r.offset < lo || r.offset > hi) continue;
      if (matcher.matches(r) && !scan.found({ partition, r, timestampType })) return false;
    }
    return true;
  };

  return scan.run({
    batch,
    drain: async () => {
      if (!worker) return;
      dispatch();
      while (inFlight.length > 0 && (await settle()));
    },
    close: async () => worker?.terminate(),
  });
}

/** The engine's entry point: scans a topic of `cluster`. */
export function scanClusterRecords(cluster: ReadableReplicas, opts: RecordScanOptions): Promise<ScanOutcome> {
  return scanRecords(clusterScanSource(cluster), opts);
}
