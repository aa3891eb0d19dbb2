/**
 * One client connection to one broker: framing, in-order responses and
 * backpressure.
 *
 * - Framing: socket chunks go through FrameSplitter (int32 size + body). A
 *   size above socket.request.max.bytes, or negative, closes the connection
 *   (the stream cannot be resynchronised) and is logged.
 * - Requests are started in arrival order as soon as they are complete, so a
 *   long-polling Fetch does not hold back a Heartbeat behind it; responses
 *   still go out in request order (Kafka guarantees that per connection):
 *   each request takes a slot, and slots are written from the head as they
 *   complete.
 * - Frames are zero-copy views of the socket's chunks. Node allocates a fresh
 *   buffer for every socket read and never reuses it, so a frame (and a
 *   produce request's record batches within it) can be kept by the engine.
 * - Backpressure: while too many requests are unanswered, or the client does
 *   not read its responses (socket buffer above a threshold), the connection
 *   stops reading. Only that connection waits; nothing here blocks the loop.
 * - Idle connections: after connections.max.idle.ms (Kafka: 10 minutes)
 *   without a byte read or written, the connection closes, as in Kafka,
 *   unless the broker is still working on one of its requests (a long
 *   Fetch wait is not the client's silence).
 * - Unfinished frames: a request frame must be whole within
 *   requestFrameTimeoutMs of its first byte, or the connection closes; a
 *   client trickling bytes could otherwise hold it open and its buffer
 *   forever. The clock does not run while this side has stopped reading.
 * - Idle closes are normal (info); refusals are warnings, which the
 *   listeners' default log throttles per type (log-throttle.ts), so a
 *   scanner or fuzzer cannot flood it.
 */
import type { Socket } from 'node:net';
import { FrameSplitter, ProtocolDecodeError } from '../protocol/index';
import type { ConnectionState, ServerContext } from './context';
import type { Outcome, Router } from './router';

/** Unanswered requests per connection before reading pauses (Kafka clients keep at most 5 in flight). */
const MAX_PENDING_REQUESTS = 64;
/** Unwritten response bytes per connection before reading pauses. */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

interface Slot {
  outcome: Outcome | null;
}

let nextConnectionId = 1;
const EMPTY = Buffer.alloc(0);

export class Connection {
  readonly state: ConnectionState;
  private readonly splitter: FrameSplitter;
  private readonly slots: Slot[] = [];
  private paused = false;
  /** Complete frames received but not started yet (while overloaded), from index `next`. */
  private backlog: Buffer[] = [];
  private next = 0;
  private pumping = false;
  private closed = false;
  private closing = false;
  private frameTimer: NodeJS.Timeout | null = null;
  onClose: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly brokerId: number,
    private readonly server: ServerContext,
    private readonly router: Router,
  ) {
    const host = socket.remoteAddress ?? 'unknown';
    this.state = {
      id: nextConnectionId++,
      brokerId,
      remote: `${host}:${socket.remotePort ?? 0}`,
      clientHost: `/${host}`,
      clientId: null,
      authenticated: server.sasl === null,
      principal: null,
      sasl: null,
      orderedProduceTail: Promise.resolve(),
    };
    this.splitter = new FrameSplitter(server.options.maxRequestBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => {
      if (!this.closing) this.log('warn', 'socket-error', `socket error: ${err.message}`);
      this.destroy();
    });
    socket.on('close', () => this.destroy());
    socket.setTimeout(server.options.connectionsMaxIdleMs, () => this.onIdle());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private log(
    level: 'info' | 'warn' | 'error',
    type: Parameters<ServerContext['options']['log']>[0]['type'],
    message: string,
    extra: { apiKey?: number; apiVersion?: number } = {},
  ): void {
    try {
      this.server.options.log({
        level,
        type,
        brokerId: this.brokerId,
        remote: this.state.remote,
        clientId: this.state.clientId,
        message,
        ...extra,
      });
    } catch {
      // A failing logger must not take the connection down.
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    let frames: Buffer[];
    try {
      frames = this.splitter.push(chunk);
    } catch (err) {
      const oversized = err instanceof ProtocolDecodeError && /exceeds the maximum/.test(err.message);
      this.log(
        'warn',
        oversized ? 'oversized' : 'malformed',
        (oversized ? 'request larger than socket.request.max.bytes' : 'bad frame size') +
          `: ${(err as Error).message}; closing the connection`,
      );
      this.destroy();
      return;
    }
    this.watchFrame(frames.length > 0);
    if (frames.length === 0) return;
    if (this.backlog.length === 0) this.backlog = frames;
    else for (const f of frames) this.backlog.push(f);
    this.pump();
  }

  /** Starts the unfinished-frame clock when a frame begins, stops it when none is pending. */
  private watchFrame(completedSome: boolean): void {
    if (this.splitter.pendingBytes === 0) {
      this.clearFrameTimer();
      return;
    }
    if (this.frameTimer !== null && !completedSome) return;
    this.clearFrameTimer();
    this.frameTimer = setTimeout(() => this.onFrameTimeout(), this.server.options.requestFrameTimeoutMs);
    this.frameTimer.unref();
  }

  private clearFrameTimer(): void {
    if (this.frameTimer !== null) clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }

  private onFrameTimeout(): void {
    this.frameTimer = null;
    if (this.closed || this.closing) return;
    if (this.paused) {
      // Not reading is this side's doing: give the client its time once reading resumes.
      this.watchFrame(true);
      return;
    }
    const pending = this.splitter.pendingBytes;
    this.log(
      'warn',
      'frame-timeout',
      `a request frame stayed unfinished for ${this.server.options.requestFrameTimeoutMs} ms ` +
        `(${pending} bytes received); closing the connection`,
    );
    this.destroy();
  }

  private onIdle(): void {
    if (this.closed || this.closing) return;
    // A request the broker is still working on (a Fetch waiting for data) is not the client's idleness.
    if (this.slots.some((s) => s.outcome === null)) return;
    this.log(
      'info',
      'idle',
      `no traffic for connections.max.idle.ms (${this.server.options.connectionsMaxIdleMs} ms); closing the connection`,
    );
    this.destroy();
  }

  private get overloaded(): boolean {
    return this.slots.length >= MAX_PENDING_REQUESTS || this.socket.writableLength > MAX_UNSENT_BYTES;
  }

  /** Starts received requests in order while the connection is not overloaded; otherwise stops reading. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.next < this.backlog.length && !this.closed && !this.closing) {
        if (this.overloaded) {
          if (!this.paused) {
            this.paused = true;
            this.socket.pause();
          }
          return;
        }
        const frame = this.backlog[this.next]!;
        this.backlog[this.next++] = EMPTY;
        this.onFrame(frame);
      }
      this.backlog = [];
      this.next = 0;
    } finally {
      this.pumping = false;
    }
  }

  private onFrame(frame: Buffer): void {
    const slot: Slot = { outcome: null };
    this.slots.push(slot);
    let result: Outcome | Promise<Outcome>;
    try {
      result = this.router.handle(this.state, frame);
    } catch (err) {
      result = { chunks: null, close: true };
      this.log('error', 'handler-error', `unexpected failure: ${(err as Error).stack ?? String(err)}`);
    }
    if (result instanceof Promise) {
      result.then(
        (o) => this.complete(slot, o),
        (err: unknown) => {
          this.log('error', 'handler-error', `unexpected failure: ${(err as Error)?.stack ?? String(err)}`);
          this.complete(slot, { chunks: null, close: true });
        },
      );
    } else {
      this.complete(slot, result);
    }
  }

  private complete(slot: Slot, outcome: Outcome): void {
    slot.outcome = outcome;
    if (this.closed) return;
    this.flush();
  }

  private flush(): void {
    let corked = false;
    while (this.slots.length > 0 && this.slots[0]!.outcome !== null) {
      const { chunks, close } = this.slots.shift()!.outcome!;
      if (chunks && chunks.length > 0 && !this.closed) {
        if (!corked && (chunks.length > 1 || this.slots.length > 0)) {
          this.socket.cork();
          corked = true;
        }
        for (const c of chunks) this.socket.write(c);
      }
      if (close) {
        if (corked) this.socket.uncork();
        this.end();
        return;
      }
    }
    if (corked) this.socket.uncork();
    this.maybeResume();
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.closing || this.pumping) return;
    if (this.slots.length < MAX_PENDING_REQUESTS / 2 && this.socket.writableLength <= MAX_UNSENT_BYTES / 2) {
      this.pump();
      if (this.next === 0 && this.backlog.length === 0) {
        this.paused = false;
        this.socket.resume();
      }
    }
  }

  /** Closes after what was written so far has been flushed. */
  private end(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.socket.end(() => this.destroy());
    // A client that never reads would keep the socket half-open forever.
    setTimeout(() => this.destroy(), 5000).unref();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearFrameTimer();
    this.slots.length = 0;
    this.backlog = [];
    this.next = 0;
    this.socket.destroy();
    this.onClose?.();
  }
}
