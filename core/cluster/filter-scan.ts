/**
 * The scan behind filter expressions (filter-expression.ts): reads a topic's
 * stored batches as the record search does (record-search.ts: same range,
 * order, cooperative slices, time budget, stop signal, skipped partitions)
 * and keeps the records for which the expression holds.
 *
 * Rules a reader cannot see in the code below:
 * - An uncompressed batch whose records section lacks one of the
 *   expression's needles (literal text every match must hold) is skipped
 *   undecoded. Needles from JSON paths are not trusted on a batch holding a
 *   backslash, since JSON may spell any character as an escape.
 * - JSON is parsed only for records that reach a JSON path, once per record.
 * - `matches` runs in RegexWorkers (one per pattern), never here: records the
 *   expression cannot decide without a pattern wait in a job with their
 *   operands; records after them in scan order wait too, so matches are
 *   reported in scan order. The job goes to the workers when it is large or
 *   the chunk ends, and the scan waits for the answers (or its deadline, which
 *   terminates the workers: matches reported so far are kept).
 */
import { KafkaError } from '../errors';
import {
  HEADER_SIZE,
  batchBaseOffset,
  batchCompression,
  batchLastOffset,
  batchTimestampType,
  batchTotalSize,
  decodeRecords,
  decodeRecordsSync,
  hasSyncCodec,
  isControlBatch,
  type DecodedRecord as BatchRecord,
} from '../record';
import { compileFilter, FilterSyntaxError, UNKNOWN, type CompiledFilter } from './filter-expression';
import { FieldJobBuilder, RegexWorker, type JobProgress } from './regex-worker';
import type { RecordScanOptions, ScanEnd, ScanOutcome, ScanProgress, ScanSource } from './record-search';
import type { DecodedRecord } from './types';

const DEFAULT_MAX_MATCHES = 500;
const DEFAULT_TIME_BUDGET_MS = 60_000;
const SLICE_MS = 8;
/** Operand bytes (all patterns together) a job collects before it goes to the workers. */
const JOB_BYTES = 512 * 1024;
const BACKSLASH = 0x5c;

/** Compiles a filter, turning a syntax fault into the API's INVALID_REQUEST with the column in its message. */
export function compileFilterQuery(expression: string): CompiledFilter {
  try {
    return compileFilter(expression);
  } catch (err) {
    if (err instanceof FilterSyntaxError)
      throw new KafkaError('INVALID_REQUEST', `Filter: ${err.message}`, { field: 'pattern' });
    throw err;
  }
}

interface Cursor {
  partition: number;
  from: number;
  to: number;
  it: AsyncIterator<Buffer[]>;
}

type Timestamped = { partition: number; r: BatchRecord; timestampType: DecodedRecord['timestampType'] };
/** A record waiting in a regex job: decided already (true/false) or waiting for its slots' answers. */
type Waiting = Timestamped & { decided: boolean | null; slots: number[] };

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function decode(batch: Buffer): BatchRecord[] | Promise<BatchRecord[]> {
  const codec = batchCompression(batch);
  return codec === 0 || hasSyncCodec(codec) ? decodeRecordsSync(batch) : decodeRecords(batch);
}

/** Scans a topic for the records a filter expression keeps (opts.query.pattern is the expression). */
export async function scanFiltered(source: ScanSource, opts: RecordScanOptions): Promise<ScanOutcome> {
  const filter = compileFilterQuery(opts.query.pattern);
  const direction = opts.direction ?? 'backward';
  if (direction !== 'forward' && direction !== 'backward')
    throw new KafkaError('INVALID_REQUEST', `direction must be 'forward' or 'backward'; got ${String(direction)}`);
  const maxMatches = opts.maxMatches ?? DEFAULT_MAX_MATCHES;
  if (!Number.isInteger(maxMatches) || maxMatches < 1)
    throw new KafkaError('INVALID_REQUEST', `maxMatches must be a positive integer; got ${maxMatches}`);
  const budget = opts.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const interval = opts.progressIntervalMs ?? 100;
  const count = source.partitionCount(opts.topic);
  let indexes: number[];
  if (opts.partition === undefined) indexes = Array.from({ length: count }, (_, i) => i);
  else if (Number.isInteger(opts.partition) && opts.partition >= 0 && opts.partition < count)
    indexes = [opts.partition];
  else
    throw new KafkaError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `Partition ${opts.partition} of topic ${opts.topic} does not exist (it has ${count})`,
    );

  const started = performance.now();
  const skipped: ScanOutcome['skipped'] = [];
  const cursors: Cursor[] = [];
  let total = 0;
  for (const index of indexes) {
    const p = source.open(opts.topic, index);
    if (!p) {
      skipped.push({ partition: index, reason: 'no running broker holds a replica of it' });
      continue;
    }
    const from = p.logStartOffset;
    const to = p.highWatermark;
    if (to <= from) continue;
    total += to - from;
    cursors.push({ partition: index, from, to, it: p.chunks(from, to, direction) });
  }

  let scanned = 0;
  let matches = 0;
  let end: ScanEnd | null = null;
  let sliceStart = performance.now();
  let lastProgress = sliceStart;
  const progress = (): ScanProgress => ({
    scanned,
    total,
    matches,
    elapsedMs: Math.round(performance.now() - started),
  });
  const topic = opts.topic;
  const found = ({ partition, r, timestampType }: Timestamped): boolean => {
    matches++;
    opts.onMatch?.({
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType,
      key: r.key,
      value: r.value,
      headers: r.headers,
      sizeInBytes: r.sizeInBytes,
    });
    if (matches >= maxMatches) {
      end = 'limit';
      return false;
    }
    return true;
  };

  // Patterns run in workers the deadline (or a stop) terminates.
  const workers = filter.regexes.map((re) => new RegexWorker(re.source, re.flags));
  const builders = filter.regexes.map(() => new FieldJobBuilder());
  let waiting: Waiting[] = [];
  let jobBytes = 0;
  let halt: ScanEnd | null = null;
  let stopWaiting: (why: ScanEnd) => void = () => undefined;
  const halted = new Promise<ScanEnd>((resolve) => (stopWaiting = resolve));
  const stop = (why: ScanEnd) => {
    halt ??= why;
    stopWaiting(halt);
  };
  const onAbort = () => stop('stopped');
  let deadline: NodeJS.Timeout | null = null;
  if (workers.length > 0) {
    deadline = setTimeout(() => stop('timeout'), Math.max(0, budget - (performance.now() - started)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  }

  /** Sends the waiting records' operands to the workers and reports the job's matches in order; false once the scan must end. */
  const settle = async (): Promise<boolean> => {
    if (waiting.length === 0) return true;
    const job = waiting;
    waiting = [];
    jobBytes = 0;
    const runs: Array<JobProgress | null> = builders.map((b, i) => (b.records > 0 ? workers[i]!.test(b.take()) : null));
    for (const run of runs) {
      while (run && !run.done) {
        if (run.error) throw run.error;
        if (halt) {
          end = halt;
          return false;
        }
        await Promise.race([run.changed(), halted]);
      }
    }
    const hits = runs.map((run) => new Set(run?.hits ?? []));
    for (const w of job) {
      const keep =
        w.decided !== null
          ? w.decided
          : filter.evaluate(w.r, w.partition, (slot) => w.slots[slot] !== -1 && hits[slot]!.has(w.slots[slot]!)) ===
            true;
      if (keep && !found(w)) return false;
    }
    return true;
  };

  const offer = (t: Timestamped): boolean => {
    if (waiting.length === 0) {
      const v = filter.evaluate(t.r, t.partition);
      if (v !== UNKNOWN) return v ? found(t) : true;
    } else {
      const v = filter.evaluate(t.r, t.partition);
      if (v === false) return true;
      if (v === true) {
        waiting.push({ ...t, decided: true, slots: [] });
        return true;
      }
    }
    // Undecided: its operands go to the workers, one "record" per slot so each answer is that slot's.
    const operands = filter.regexOperands(t.r, t.partition);
    const slots = operands.map((text, i) => {
      if (text === null) return -1;
      const b = builders[i]!;
      b.addString(text);
      b.endRecord();
      jobBytes += text.length;
      return b.records - 1;
    });
    waiting.push({ ...t, decided: null, slots });
    return true;
  };

  const needles = filter.needles;
  const mayMatch = (records: Buffer): boolean => {
    if (needles.length === 0) return true;
    if (filter.needlesFromJson && records.indexOf(BACKSLASH) >= 0) return true;
    for (const n of needles) if (records.indexOf(n) < 0) return false;
    return true;
  };

  const scanBatch = async (partition: number, batch: Buffer, from: number, to: number): Promise<boolean> => {
    const base = batchBaseOffset(batch);
    const last = batchLastOffset(batch);
    const lo = Math.max(base, from);
    const hi = Math.min(last, to - 1);
    if (hi < lo) return true;
    scanned += hi - lo + 1;
    if (isControlBatch(batch)) return true;
    if (batchCompression(batch) === 0 && !mayMatch(batch.subarray(HEADER_SIZE, batchTotalSize(batch)))) return true;
    const records = await decode(batch);
    const timestampType = batchTimestampType(batch) === 1 ? 'LogAppendTime' : 'CreateTime';
    const n = records.length;
    for (let k = 0; k < n; k++) {
      const r = records[direction === 'backward' ? n - 1 - k : k]!;
      if (r.offset < lo || r.offset > hi) continue;
      if (!offer({ partition, r, timestampType })) return false;
    }
    if (jobBytes >= JOB_BYTES && !(await settle())) return false;
    return true;
  };

  try {
    let active = cursors.slice();
    while (active.length > 0 && end === null) {
      const next: Cursor[] = [];
      for (const c of active) {
        if (opts.signal?.aborted) {
          end = 'stopped';
          break;
        }
        let step: IteratorResult<Buffer[]>;
        try {
          step = await c.it.next();
        } catch (err) {
          skipped.push({ partition: c.partition, reason: (err as Error).message });
          continue;
        }
        if (step.done) continue;
        next.push(c);
        for (const batch of step.value) {
          if (!(await scanBatch(c.partition, batch, c.from, c.to))) break;
          if (halt) {
            end = halt;
            break;
          }
          const now = performance.now();
          if (now - started > budget) {
            end = 'timeout';
            break;
          }
          if (now - sliceStart >= SLICE_MS) {
            if (opts.onProgress && now - lastProgress >= interval) {
              lastProgress = now;
              opts.onProgress(progress());
            }
            await yieldToLoop();
            if (opts.signal?.aborted) {
              end = 'stopped';
              break;
            }
            sliceStart = performance.now();
          }
        }
        // The chunk's buffers may be reused by the next read: settle what waits on them first.
        if (end === null && !(await settle())) break;
        if (end !== null) break;
      }
      active = next;
    }
    if (end === null) await settle();
  } finally {
    if (deadline) clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(cursors.map((c) => c.it.return?.().catch(() => undefined)));
  }
  return { ...progress(), end: end ?? 'done', skipped };
}
