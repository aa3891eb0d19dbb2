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
  batchTotalSize,
  isControlBatch,
} from '../record';
import { compileFilter, FilterSyntaxError, UNKNOWN, type CompiledFilter } from './filter-expression';
import { FieldJobBuilder, RegexWorker, type JobProgress } from './regex-worker';
import { decodeBatch, PartitionScan, timestampTypeOf, type ScanMatch } from './partition-scan';
import type { RecordScanOptions, ScanOutcome, ScanSource } from './record-search';

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

/** A record waiting in a regex job: decided already (true/false) or waiting for its slots' answers. */
type Waiting = ScanMatch & { decided: boolean | null; slots: number[] };

/** Scans a topic for the records a filter expression keeps (opts.query.pattern is the expression). */
export async function scanFiltered(source: ScanSource, opts: RecordScanOptions): Promise<ScanOutcome> {
  const filter = compileFilterQuery(opts.query.pattern);
  const scan = new PartitionScan(source, opts);
  const direction = scan.direction;

  // Patterns run in workers the deadline (or a stop) terminates.
  const workers = filter.regexes.map((re) => new RegexWorker(re.source, re.flags));
  const builders = filter.regexes.map(() => new FieldJobBuilder());
  let waiting: Waiting[] = [];
  let jobBytes = 0;
  if (workers.length > 0) scan.watch();

  /**
   * Sends the waiting records' operands to the workers and reports the job's
   * matches in order; false once the scan must end.
   */
  const settle = async (): Promise<boolean> => {
    if (waiting.length === 0) return true;
    const job = waiting;
    waiting = [];
    jobBytes = 0;
    const runs: Array<JobProgress | null> = builders.map((b, i) => (b.records > 0 ? workers[i]!.test(b.take()) : null));
    for (const run of runs) {
      while (run && !run.done) {
        if (run.error) throw run.error;
        if (scan.halt) {
          scan.end = scan.halt;
          return false;
        }
        await Promise.race([run.changed(), scan.halted]);
      }
    }
    const hits = runs.map((run) => new Set(run?.hits ?? []));
    for (const w of job) {
      const keep =
        w.decided !== null
          ? w.decided
          : filter.evaluate(w.r, w.partition, (slot) => w.slots[slot] !== -1 && hits[slot]!.has(w.slots[slot]!)) ===
            true;
      if (keep && !scan.found(w)) return false;
    }
    return true;
  };

  const offer = (t: ScanMatch): boolean => {
    if (waiting.length === 0) {
      const v = filter.evaluate(t.r, t.partition);
      if (v !== UNKNOWN) return v ? scan.found(t) : true;
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

  const batch = async (partition: number, batch: Buffer, from: number, to: number): Promise<boolean> => {
    const base = batchBaseOffset(batch);
    const last = batchLastOffset(batch);
    const lo = Math.max(base, from);
    const hi = Math.min(last, to - 1);
    if (hi < lo) return true;
    scan.scanned += hi - lo + 1;
    if (isControlBatch(batch)) return true;
    if (batchCompression(batch) === 0 && !mayMatch(batch.subarray(HEADER_SIZE, batchTotalSize(batch)))) return true;
    const records = await decodeBatch(batch);
    const timestampType = timestampTypeOf(batch);
    const n = records.length;
    for (let k = 0; k < n; k++) {
      const r = records[direction === 'backward' ? n - 1 - k : k]!;
      if (r.offset < lo || r.offset > hi) continue;
      if (!offer({ partition, r, timestampType })) return false;
    }
    if (jobBytes >= JOB_BYTES && !(await settle())) return false;
    return true;
  };

  return scan.run({
    batch,
    // The chunk's buffers may be reused by the next read: settle what waits on them first.
    chunkDone: settle,
    drain: settle,
    close: () => Promise.all(workers.map((w) => w.terminate())),
  });
}
