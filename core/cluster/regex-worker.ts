/**
 * Runs a user's regular expression off the event loop, in a worker thread
 * that can be stopped at any instant.
 *
 * Rules a reader cannot see in the code below:
 * - JavaScript's RegExp engine backtracks: one pattern against one value can
 *   run for minutes ((a|aa)+$ against 43 `a`s and a `!`), and a running test
 *   cannot be interrupted from inside the thread running it. So the broker's
 *   event loop never tests a user pattern; this worker does, and the scan
 *   that owns it terminates it at its deadline or when stopped. Terminating
 *   a thread is the only interruption that always works.
 * - The worker gets record batches' records sections, not decoded fields:
 *   the scan copies each batch's stored records bytes (decompressed on the
 *   main thread when the batch is compressed, since the codecs are native
 *   modules loaded there) into one buffer whose memory moves to the worker
 *   (transferred, not copied again), with each batch's offsets. The worker
 *   parses the records itself (the magic v2 record layout, record-batch.ts)
 *   and tests the fields in scope, so the main thread decodes nothing for a
 *   record that does not match. It posts each match as (batch, record index)
 *   as soon as it finds it, then that the job is done: a scan stopped inside
 *   a job keeps the matches found before the record that held it up.
 * - A records section that does not parse fails the job with the reason, as
 *   decoding the batch on the main thread would have failed the scan.
 * - Its source is a string evaluated by worker_threads, not a file, so the
 *   bundled builds (serve, Electron) need no extra entry point.
 * - The worker's heap is capped: a pattern cannot make it take the machine's
 *   memory, only fail the search that started it.
 */
import { Worker } from 'node:worker_threads';

/** Per batch in a job: where its records section lies in `data`, and which offsets are in range. */
const META_FIELDS = 6;

/**
 * The records sections of a run of batches, back to back in `data`; `meta`
 * holds per batch [start, end, baseOffset, firstOffset, lastOffset, recordCount]
 * (firstOffset..lastOffset: the records in the scan's range).
 */
export interface BatchJob {
  data: Uint8Array;
  meta: Float64Array;
}

/** Which fields of a record are tested, and the order records of one batch are tested in. */
export interface WorkerScope {
  key: boolean;
  value: boolean;
  headers: boolean;
  backward: boolean;
}

const WORKER_HEAP_MB = 128;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.source, workerData.flags);
const { key: inKey, value: inValue, headers: inHeaders, backward } = workerData.scope;
// The smallest record body: attributes, timestamp and offset deltas, key and value lengths, header count.
const MIN_LENGTH = 6;
let buf;
let pos = 0;
function varint(end) {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) throw new Error('a varint runs past the record');
    const b = buf[pos++];
    v += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return v % 2 === 1 ? -(v + 1) / 2 : v / 2;
    mul *= 128;
  }
  throw new Error('a varint is longer than 5 bytes');
}
function skipVarlong(end) {
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Error('a varlong runs past the record');
    if ((buf[pos++] & 0x80) === 0) return;
  }
  throw new Error('a varlong is longer than 10 bytes');
}
const test = (s, n, end) => {
  if (s + n > end) throw new Error('a field runs past its record');
  return re.test(buf.toString('utf8', s, s + n));
};
function matches(start, end) {
  pos = start + 1;
  skipVarlong(end);
  varint(end);
  const kl = varint(end);
  const ks = pos;
  if (kl > 0) pos += kl;
  const vl = varint(end);
  const vs = pos;
  if (vl > 0) pos += vl;
  if (inValue && vl >= 0 && test(vs, vl, end)) return true;
  if (inKey && kl >= 0 && test(ks, kl, end)) return true;
  if (inHeaders) {
    const hc = varint(end);
    for (let h = 0; h < hc; h++) {
      const hkl = varint(end);
      if (hkl < 0) throw new Error('a header key has length ' + hkl);
      if (test(pos, hkl, end)) return true;
      pos += hkl;
      const hvl = varint(end);
      if (hvl >= 0) {
        if (test(pos, hvl, end)) return true;
        pos += hvl;
      }
    }
  }
  return false;
}
parentPort.on('message', (job) => {
  const seq = job.seq;
  const meta = job.meta;
  buf = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
  const starts = [];
  const ends = [];
  const offsets = [];
  for (let b = 0; b * ${META_FIELDS} < meta.length; b++) {
    const m = b * ${META_FIELDS};
    const start = meta[m], end = meta[m + 1], base = meta[m + 2], lo = meta[m + 3], hi = meta[m + 4], count = meta[m + 5];
    try {
      starts.length = ends.length = offsets.length = 0;
      let p = start;
      for (let i = 0; i < count; i++) {
        pos = p;
        const length = varint(end);
        if (length < MIN_LENGTH || pos + length > end) throw new Error('record ' + i + ' declares length ' + length);
        const recordEnd = pos + length;
        starts.push(pos);
        ends.push(recordEnd);
        pos++;
        skipVarlong(recordEnd);
        offsets.push(base + varint(recordEnd));
        p = recordEnd;
      }
      const n = starts.length;
      for (let k = 0; k < n; k++) {
        const r = backward ? n - 1 - k : k;
        if (offsets[r] < lo || offsets[r] > hi) continue;
        if (matches(starts[r], ends[r])) parentPort.postMessage({ seq, b, r });
      }
    } catch (err) {
      parentPort.postMessage({ seq, error: 'the record batch at offset ' + base + ' does not decode: ' + (err && err.message || err) });
      return;
    }
  }
  parentPort.postMessage({ seq, done: true });
});
`;

/** A job the worker holds: the hits it reported so far, and whether it is done. */
export class JobProgress {
  /** Matching records as [batch index in the job, record index in the batch]. */
  readonly hits: Array<[number, number]> = [];
  done = false;
  error: Error | null = null;
  private wake: (() => void) | null = null;

  /** Resolves at the job's next message (a hit, its end or a failure). */
  changed(): Promise<void> {
    if (this.done || this.error) return Promise.resolve();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export class RegexWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, JobProgress>();
  private seq = 0;
  private failure: Error | null = null;
  private ended = false;

  constructor(source: string, flags: string, scope: WorkerScope) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { source, flags, scope },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: { seq: number; b?: number; r?: number; done?: true; error?: string }) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      if (m.b !== undefined) p.hits.push([m.b, m.r!]);
      else {
        this.pending.delete(m.seq);
        if (m.error !== undefined) p.error = new Error(`The regular expression failed: ${m.error}`);
        else p.done = true;
      }
      p.notify();
    });
    this.worker.on('error', (err) => this.fail(new Error(`The regular expression failed: ${err.message}`)));
    this.worker.on('exit', () => this.fail(new Error('The search worker ended')));
    // A scan that is dropped without terminate() must not keep the process alive.
    this.worker.unref();
  }

  /** Starts testing a job's records (its buffers move to the worker); the progress lists the matching records. */
  test(job: BatchJob): JobProgress {
    const progress = new JobProgress();
    if (this.failure) {
      progress.error = this.failure;
      return progress;
    }
    const seq = this.seq++;
    this.pending.set(seq, progress);
    const transfer = [job.data.buffer, job.meta.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    this.worker.postMessage({ seq, ...job }, [...new Set(transfer)]);
    return progress;
  }

  /** Stops the worker at once, even in the middle of a test; pending tests reject. */
  async terminate(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.fail(new Error('The search worker was stopped'));
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) {
      p.error ??= this.failure;
      p.notify();
    }
    this.pending.clear();
  }
}

const INITIAL_JOB_BYTES = 64 * 1024;

/** Collects batches' records sections into BatchJobs, copied straight into the buffer that moves to the worker. */
export class BatchJobBuilder {
  private buf = Buffer.from(new ArrayBuffer(INITIAL_JOB_BYTES));
  private bytes = 0;
  private meta = new Float64Array(64 * META_FIELDS);
  private count = 0;

  get batches(): number {
    return this.count;
  }

  get size(): number {
    return this.bytes;
  }

  /** Adds one batch: its (decompressed) records section, base offset, the offsets in range and its record count. */
  add(records: Uint8Array, baseOffset: number, lo: number, hi: number, recordCount: number): void {
    const n = records.length;
    if (this.bytes + n > this.buf.length) {
      const next = Buffer.from(new ArrayBuffer(Math.max(this.buf.length * 2, this.bytes + n)));
      this.buf.copy(next, 0, 0, this.bytes);
      this.buf = next;
    }
    this.buf.set(records, this.bytes);
    if ((this.count + 1) * META_FIELDS > this.meta.length) {
      const m = new Float64Array(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    const at = this.count++ * META_FIELDS;
    const meta = this.meta;
    meta[at] = this.bytes;
    meta[at + 1] = this.bytes + n;
    meta[at + 2] = baseOffset;
    meta[at + 3] = lo;
    meta[at + 4] = hi;
    meta[at + 5] = recordCount;
    this.bytes += n;
  }

  /** The job so far (its own memory, transferable), and a fresh start. */
  take(): BatchJob {
    const job = {
      data: new Uint8Array(this.buf.buffer, 0, this.bytes),
      meta: this.meta.slice(0, this.count * META_FIELDS),
    };
    this.buf = Buffer.from(new ArrayBuffer(Math.max(INITIAL_JOB_BYTES, this.buf.length)));
    this.bytes = 0;
    this.count = 0;
    return job;
  }
}
