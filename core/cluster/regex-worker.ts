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
 * - The worker sees only field bytes: the scan decodes batches on the main
 *   thread (LevelDB reads and codecs live there) and sends the fields in
 *   scope as one buffer with end offsets, whose memory moves to the worker
 *   (transferred, not copied). The worker posts the index of each record
 *   with a matching field as soon as it finds it, then that the job is done:
 *   a scan stopped inside a job keeps the matches found before the record
 *   that held it up.
 * - Its source is a string evaluated by worker_threads, not a file, so the
 *   bundled builds (serve, Electron) need no extra entry point.
 * - The worker's heap is capped: a pattern cannot make it take the machine's
 *   memory, only fail the search that started it.
 */
import { Worker } from 'node:worker_threads';

/** The fields of a run of records: field i is data[fieldEnds[i-1] .. fieldEnds[i]), record r has fields [recordEnds[r-1], recordEnds[r]). */
export interface FieldJob {
  data: Uint8Array;
  fieldEnds: Uint32Array;
  recordEnds: Uint32Array;
}

const WORKER_HEAP_MB = 128;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.source, workerData.flags);
parentPort.on('message', (job) => {
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
});
`;

/** A job the worker holds: the hits it reported so far, and whether it is done. */
export class JobProgress {
  readonly hits: number[] = [];
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

  constructor(source: string, flags: string) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { source, flags },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: { seq: number; hit?: number; done?: true; error?: string }) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      if (m.hit !== undefined) p.hits.push(m.hit);
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

  /** Starts testing a job's fields (its buffers move to the worker); the progress lists the matching records' indexes. */
  test(job: FieldJob): JobProgress {
    const progress = new JobProgress();
    if (this.failure) {
      progress.error = this.failure;
      return progress;
    }
    const seq = this.seq++;
    this.pending.set(seq, progress);
    const transfer = [job.data.buffer, job.fieldEnds.buffer, job.recordEnds.buffer].filter(
      (b): b is ArrayBuffer => b instanceof ArrayBuffer,
    );
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

/** Where a matcher puts the fields of a record for the worker. */
export interface FieldSink {
  addBytes(b: Uint8Array): void;
  addString(s: string): void;
}

const INITIAL_JOB_BYTES = 64 * 1024;
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
