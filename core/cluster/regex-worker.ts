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
 * - Field jobs (FieldJobBuilder) are the other kind: fields a caller has
 *   already decoded, one buffer with end offsets, each record reported by its
 *   index. Filter expressions use them (filter-scan.ts): their `matches`
 *   tests values the expression picked out (a JSON path, a header), not
 *   whole records.
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

/**
 * The fields of a run of records: field i is data[fieldEnds[i-1] .. fieldEnds[i]), record r has fields
 * [recordEnds[r-1], recordEnds[r]).
 */
export interface FieldJob {
  data: Uint8Array;
  fieldEnds: Uint32Array;
  recordEnds: Uint32Array;
}

/** Which fields of a record a batch job tests, and the order records of one batch are tested in. */
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
const { key: inKey, value: inValue, headers: inHeaders, backward } = workerData.scope || {};
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
function fieldJob(job) {
  try {
    const buf = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
    const fieldEnds = job.fieldEnds;
    const recordEnds = job.recordEnds;
    let f = 0;
    let start = 0;
    for (let r = 0; r < recordEnds.length; r++) {
      let hit = false;
      for (const last = recordEnds[r]; f < last; f++) {
        const end = fieldEnds[f];
        if (!hit && re.test(buf.toString('utf8', start, end))) hit = true;
        start = end;
      }
      if (hit) parentPort.postMessage({ seq: job.seq, hit: r });
    }
    parentPort.postMessage({ seq: job.seq, done: true });
  } catch (err) {
    parentPort.postMessage({ seq: job.seq, error: String(err && err.message || err) });
  }
}
parentPort.on('message', (job) => {
  if (job.fieldEnds) return fieldJob(job);
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
  /** Field jobs: the indexes of the matching records. */
  readonly hits: number[] = [];
  /** Batch jobs: matching records as [batch index in the job, record index in the batch]. */
  readonly batchHits: Array<[number, number]> = [];
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

  /** `scope` is needed for batch jobs only. */
  constructor(source: string, flags: string, scope: WorkerScope | null = null) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { source, flags, scope },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    this.worker.on(
      'message',
      (m: { seq: number; hit?: number; b?: number; r?: number; done?: true; error?: string }) => {
        const p = this.pending.get(m.seq);
        if (!p) return;
        if (m.hit !== undefined) p.hits.push(m.hit);
        else if (m.b !== undefined) p.batchHits.push([m.b, m.r!]);
        else {
          this.pending.delete(m.seq);
          if (m.error !== undefined) p.error = new Error(`The regular expression failed: ${m.error}`);
          else p.done = true;
        }
        p.notify();
      },
    );
    this.worker.on('error', (err) => this.fail(new Error(`The regular expression failed: ${err.message}`)));
    this.worker.on('exit', () => this.fail(new Error('The search worker ended')));
    // A scan that is dropped without terminate() must not keep the process alive.
    this.worker.unref();
  }

  /** Starts testing a job's records (its buffers move to the worker); the progress lists the matching records. */
  test(job: BatchJob | FieldJob): JobProgress {
    const progress = new JobProgress();
    if (this.failure) {
      progress.error = this.failure;
      return progress;
    }
    const seq = this.seq++;
    this.pending.set(seq, progress);
    const buffers = 'meta' in job ? [job.data, job.meta] : [job.data, job.fieldEnds, job.recordEnds];
    const transfer = buffers.map((b) => b.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
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

/** Where a matcher puts the fields of a record for the worker. */
export interface FieldSink {
  addBytes(b: Uint8Array): void;
  addString(s: string): void;
}

const MAX_ENCODED_NAMES = 1024;

/** Collects the fields of records into FieldJobs, written straight into the buffer that moves to the worker. */
export class FieldJobBuilder implements FieldSink {
  private buf = Buffer.from(new ArrayBuffer(INITIAL_JOB_BYTES));
  private bytes = 0;
  private fieldEnds: Uint32Array = new Uint32Array(1024);
  private fields = 0;
  private recordEnds: Uint32Array = new Uint32Array(256);
  private recordCount = 0;
  private readonly encoded = new Map<string, Buffer>();

  get records(): number {
    return this.recordCount;
  }

  get size(): number {
    return this.bytes;
  }

  addBytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    let at = this.bytes;
    // Most fields are short: a loop beats set()'s fixed cost there.
    if (n < 64) for (let i = 0; i < n; i++) buf[at++] = b[i]!;
    else {
      buf.set(b, at);
      at += n;
    }
    this.bytes = at;
    this.endField();
  }

  /** Header names repeat from record to record: their UTF-8 bytes are encoded once. */
  addString(s: string): void {
    let b = this.encoded.get(s);
    if (b === undefined) {
      b = Buffer.from(s, 'utf8');
      if (this.encoded.size >= MAX_ENCODED_NAMES) this.encoded.clear();
      this.encoded.set(s, b);
    }
    this.addBytes(b);
  }

  /** Closes the record whose fields were added since the last call. */
  endRecord(): void {
    if (this.recordCount === this.recordEnds.length) this.recordEnds = grown(this.recordEnds);
    this.recordEnds[this.recordCount++] = this.fields;
  }

  /** The job so far (its own memory, transferable), and a fresh start. */
  take(): FieldJob {
    const job = {
      data: new Uint8Array(this.buf.buffer, 0, this.bytes),
      fieldEnds: this.fieldEnds.subarray(0, this.fields),
      recordEnds: this.recordEnds.subarray(0, this.recordCount),
    };
    this.buf = Buffer.from(new ArrayBuffer(Math.max(INITIAL_JOB_BYTES, this.buf.length)));
    this.bytes = 0;
    this.fieldEnds = new Uint32Array(this.fieldEnds.length);
    this.fields = 0;
    this.recordEnds = new Uint32Array(this.recordEnds.length);
    this.recordCount = 0;
    return job;
  }

  private endField(): void {
    if (this.fields === this.fieldEnds.length) this.fieldEnds = grown(this.fieldEnds);
    this.fieldEnds[this.fields++] = this.bytes;
  }

  private room(n: number): void {
    if (this.bytes + n <= this.buf.length) return;
    const next = Buffer.from(new ArrayBuffer(Math.max(this.buf.length * 2, this.bytes + n)));
    this.buf.copy(next, 0, 0, this.bytes);
    this.buf = next;
  }
}

function grown(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}
