/**
 * Splits a byte stream (socket chunks) into Kafka frames: int32 big-endian
 * size, then that many bytes. Frames are handed out without their size
 * prefix; a frame lying inside one chunk is a zero-copy view of it, one that
 * spans chunks is copied once.
 */
import { ProtocolDecodeError } from './errors';

/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

/** Chunks shorter than this are copied into a shared growing buffer instead of being kept as Buffer objects. */
const COALESCE_BELOW = 4096;
const FIRST_TAIL_BYTES = 256;
const MAX_TAIL_BYTES = 64 * 1024;

/**
 * Memory: a socket chunk is a Buffer object of about 100 bytes of its own,
 * so a client trickling one-byte TCP segments would cost ~100 bytes of heap
 * per byte if chunks were kept. Small chunks that arrive while bytes are
 * pending (a frame split over many reads) are therefore appended to a
 * tail buffer (append-only: frames already handed out as views of it are
 * never overwritten), which doubles up to 64 KiB before a fresh one starts;
 * large chunks are kept as they are. Consumed chunks are dropped from the
 * front by index, not by shifting the array.
 */
export class FrameSplitter {
  /** Pending chunks are chunks[head..]; the tail's unconsumed bytes come after them. */
  private chunks: Buffer[] = [];
  private head = 0;
  private tail: Buffer | null = null;
  private tailStart = 0;
  private tailEnd = 0;
  private buffered = 0;
  private frameSize = -1;

  constructor(readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Bytes received but not yet handed out as frames. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the frames it completes (possibly none). Throws
   * ProtocolDecodeError for a negative size or one above `maxFrameSize`; the
   * stream cannot be resynchronised after that.
   */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    if (chunk.length > 0) {
      // With nothing pending the chunk is kept as it is, so whole frames in it stay zero-copy views.
      if (chunk.length < COALESCE_BELOW && this.buffered > 0) this.append(chunk);
      else {
        this.seal();
        this.chunks.push(chunk);
      }
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) break;
        const head = this.take(4);
        const size = head.readInt32BE(0);
        if (size < 0) throw new ProtocolDecodeError(`negative frame size ${size}`);
        if (size > this.maxFrameSize)
          throw new ProtocolDecodeError(`frame size ${size} exceeds the maximum ${this.maxFrameSize}`);
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  /** Copies a small chunk after the tail's bytes, starting a larger tail when it is full. */
  private append(chunk: Buffer): void {
    if (this.tail === null || this.tailEnd + chunk.length > this.tail.length) {
      this.seal();
      const grown = Math.min(MAX_TAIL_BYTES, Math.max(FIRST_TAIL_BYTES, (this.tail?.length ?? 0) * 2));
      this.tail = Buffer.allocUnsafeSlow(Math.max(grown, chunk.length));
      this.tailStart = this.tailEnd = 0;
    }
    chunk.copy(this.tail, this.tailEnd);
    this.tailEnd += chunk.length;
  }

  /** Moves the tail's unconsumed bytes into the chunk list (before a large chunk, or a new tail, is added). */
  private seal(): void {
    if (this.tail !== null && this.tailEnd > this.tailStart) {
      this.chunks.push(this.tail.subarray(this.tailStart, this.tailEnd));
      this.tailStart = this.tailEnd;
    }
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    if (n === 0) return Buffer.alloc(0);
    if (this.head === this.chunks.length) {
      // Everything pending is in the tail: a view of it.
      const out = this.tail!.subarray(this.tailStart, this.tailStart + n);
      this.tailStart += n;
      return out;
    }
    const first = this.chunks[this.head]!;
    if (first.length >= n) {
      if (first.length === n) this.drop();
      else this.chunks[this.head] = first.subarray(n);
      return first.subarray(0, n);
    }
    this.seal();
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.drop();
      else this.chunks[this.head] = c.subarray(k);
    }
    return out;
  }

  private drop(): void {
    this.chunks[this.head++] = EMPTY;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
