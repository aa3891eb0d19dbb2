/**
 * The partition-scan driver shared by the text/regex search (record-search.ts)
 * and the filter scan (filter-scan.ts): it checks the options, fixes the range,
 * and walks the partitions' stored batches, handing each batch to the scan's
 * own `batch` step. What it owns, for both:
 * - The range is fixed when the scan starts: every chosen partition from its
 *   log start to its high watermark at that moment (`total`).
 * - Partitions take turns chunk by chunk (round robin), in the scan's direction.
 * - Cooperative: it yields to the event loop every SLICE_MS, and reports
 *   progress at most every `progressIntervalMs` meanwhile.
 * - Bounded: it ends at `maxMatches` (counted by `found`), at the time budget,
 *   when the AbortSignal fires, or when a halt (the deadline or the stop signal
 *   of `watch()`, which worker-backed scans arm) is raised.
 * - A partition that cannot be read (no running replica, or a read that
 *   fails mid-scan) goes to `skipped` and the scan goes on.
 */
import { KafkaError } from '../errors';
import {
  batchCompression,
  batchTimestampType,
  decodeRecords,
  decodeRecordsSync,
  hasSyncCodec,
  type DecodedRecord as BatchRecord,
} from '../record';
import type { RecordScanOptions, ScanEnd, ScanOutcome, ScanProgress, ScanSource } from './record-search';
import type { DecodedRecord } from './types';

const DEFAULT_MAX_MATCHES = 500;
const DEFAULT_TIME_BUDGET_MS = 60_000;
/** How long the scan may hold the event loop before it lets other work run. */
const SLICE_MS = 8;

/** A kept record, with what `onMatch` needs besides the record. */
export type ScanMatch = { partition: number; r: BatchRecord; timestampType: DecodedRecord['timestampType'] };

/** What a scan does at each step; each step that returns false ends the scan (it has set `end` or raised a halt). */
export interface ScanSteps {
  /** Scans one stored batch, limited to the offsets [from, to). */
  batch(partition: number, batch: Buffer, from: number, to: number): Promise<boolean>;
  /** After each chunk of one partition (the next read may reuse the chunk's buffers). */
  chunkDone?(): Promise<boolean>;
  /** When every partition has been read to its end and the scan has not ended otherwise. */
  drain?(): Promise<unknown>;
  /** Always, before the partitions' readers close (workers are terminated here). */
  close?(): Promise<unknown>;
}

interface Cursor {
  partition: number;
  from: number;
  to: number;
  it: AsyncIterator<Buffer[]>;
}

export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Decodes a batch, synchronously where its codec allows. */
export function decodeBatch(batch: Buffer): BatchRecord[] | Promise<BatchRecord[]> {
  const codec = batchCompression(batch);
  return codec === 0 || hasSyncCodec(codec) ? decodeRecordsSync(batch) : decodeRecords(batch);
}

export const timestampTypeOf = (batch: Buffer): DecodedRecord['timestampType'] =>
  batchTimestampType(batch) === 1 ? 'LogAppendTime' : 'CreateTime';

/** One scan's state, shared with its steps: counters, how it ended, and the halt its workers' waits race. */
export class PartitionScan {
  readonly direction: 'forward' | 'backward';
  readonly maxMatches: number;
  readonly budget: number;
  readonly started: number;
  readonly skipped: ScanOutcome['skipped'] = [];
  total = 0;
  scanned = 0;
  matches = 0;
  end: ScanEnd | null = null;
  /** Raised by the deadline or the stop signal once `watch()` armed them. */
  halt: ScanEnd | null = null;
  /** Resolves with the halt when one is raised: what a wait for a worker races. */
  readonly halted: Promise<ScanEnd>;
  private stopWaiting: (why: ScanEnd) => void = () => undefined;
  private deadline: NodeJS.Timeout | null = null;
  private readonly onAbort = () => this.stop('stopped');
  private readonly cursors: Cursor[] = [];

  constructor(
    source: ScanSource,
    private readonly opts: RecordScanOptions,
  ) {
    const direction = opts.direction ?? 'backward';
    if (direction !== 'forward' && direction !== 'backward')
      throw new KafkaError('INVALID_REQUEST', `direction must be 'forward' or 'backward'; got ${String(direction)}`);
    this.direction = direction;
    const maxMatches = opts.maxMatches ?? DEFAULT_MAX_MATCHES;
    if (!Number.isInteger(maxMatches) || maxMatches < 1)
      throw new KafkaError('INVALID_REQUEST', `maxMatches must be a positive integer; got ${maxMatches}`);
    this.maxMatches = maxMatches;
    this.budget = opts.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
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
    this.halted = new Promise<ScanEnd>((resolve) => (this.stopWaiting = resolve));
    this.started = performance.now();
    for (const index of indexes) {
      const p = source.open(opts.topic, index);
      if (!p) {
        this.skipped.push({ partition: index, reason: 'no running broker holds a replica of it' });
        continue;
      }
      const from = p.logStartOffset;
      const to = p.highWatermark;
      if (to <= from) continue;
      this.total += to - from;
      this.cursors.push({ partition: index, from, to, it: p.chunks(from, to, direction) });
    }
  }

  progress(): ScanProgress {
    return {
      scanned: this.scanned,
      total: this.total,
      matches: this.matches,
      elapsedMs: Math.round(performance.now() - this.started),
    };
  }

  /** Counts a match and reports it; returns false once the scan must end (the limit is reached). */
  found({ partition, r, timestampType }: ScanMatch): boolean {
    this.matches++;
    this.opts.onMatch?.({
      topic: this.opts.topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType,
      key: r.key,
      value: r.value,
      headers: r.headers,
      sizeInBytes: r.sizeInBytes,
    });
    if (this.matches >= this.maxMatches) {
      this.end = 'limit';
      return false;
    }
    return true;
  }

  /** Raises a halt (the first one sticks) and wakes whatever waits on `halted`. */
  stop(why: ScanEnd): void {
    this.halt ??= why;
    this.stopWaiting(this.halt);
  }

  /** Arms the deadline and the stop signal as halts: for scans that wait on workers a running test cannot leave. */
  watch(): void {
    this.deadline = setTimeout(
      () => this.stop('timeout'),
      Math.max(0, this.budget - (performance.now() - this.started)),
    );
    this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Walks every partition with `steps`; resolves when the scan ends (never rejects for an unreadable partition). */
  async run(steps: ScanSteps): Promise<ScanOutcome> {
    const { opts, budget } = this;
    const interval = opts.progressIntervalMs ?? 100;
    let sliceStart = performance.now();
    let lastProgress = sliceStart;
    try {
      let active = this.cursors.slice();
      while (active.length > 0 && this.end === null) {
        const next: Cursor[] = [];
        for (const c of active) {
          if (opts.signal?.aborted) {
            this.end = 'stopped';
            break;
          }
          let step: IteratorResult<Buffer[]>;
          try {
            step = await c.it.next();
          } catch (err) {
            this.skipped.push({ partition: c.partition, reason: (err as Error).message });
            continue;
          }
          if (step.done) continue;
          next.push(c);
          for (const batch of step.value) {
            if (!(await steps.batch(c.partition, batch, c.from, c.to))) break;
            if (this.halt) {
              this.end = this.halt;
              break;
            }
            const now = performance.now();
            if (now - this.started > budget) {
              this.end = 'timeout';
              break;
            }
            if (now - sliceStart >= SLICE_MS) {
              if (opts.onProgress && now - lastProgress >= interval) {
                lastProgress = now;
                opts.onProgress(this.progress());
              }
              await yieldToLoop();
              if (opts.signal?.aborted) {
                this.end = 'stopped';
                break;
              }
              sliceStart = performance.now();
            }
          }
          if (this.end === null && steps.chunkDone && !(await steps.chunkDone())) break;
          if (this.end !== null) break;
        }
        active = next;
      }
      if (this.end === null) await steps.drain?.();
    } finally {
      if (this.deadline) clearTimeout(this.deadline);
      opts.signal?.removeEventListener('abort', this.onAbort);
      await steps.close?.();
      await Promise.all(this.cursors.map((c) => c.it.return?.().catch(() => undefined)));
    }
    return { ...this.progress(), end: this.end ?? 'done', skipped: this.skipped };
  }
}
