/**
 * Splits a byte stream (socket chunks) into Kafka frames: int32 big-endian
 * size, then that many bytes. Frames are handed out without their size
 * prefix; a frame lying inside one chunk is a zero-copy view of it, one that
 * spans chunks is copied once.
 */
import { ProtocolDecodeError } from './errors';

/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

export class FrameSplitter {
  private chunks: Buffer[] = [];
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
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) break;
        const head = this.take(4);
        const size = head.readInt32BE(0);
        if (size < 0) throw new ProtocolDecodeError(`negative frame size ${size}`);
        if (size > this.maxFrameSize) throw new ProtocolDecodeError(`frame size ${size} exceeds the maximum ${this.maxFrameSize}`);
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (n === 0) return Buffer.alloc(0);
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
