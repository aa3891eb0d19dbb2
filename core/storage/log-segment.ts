/**
 * A log segment is a contiguous offset range of one partition's batches plus
 * the figures retention needs (size, newest timestamp, age). Segments own no
 * data of their own: their batches are the 'D' keys in [baseOffset, lastOffset],
 * so dropping a segment is one range delete and never reads a record.
 */
import { FORMAT_VERSION } from './keys';

export interface SegmentJson {
  v: number;
  baseOffset: number;
  lastOffset: number;
  sizeBytes: number;
  maxTimestamp: number;
  createdAt: number;
  batches: number;
}

export class LogSegment {
  constructor(
    readonly baseOffset: number,
    /** Last offset of the last batch; baseOffset - 1 while empty. */
    public lastOffset: number,
    public sizeBytes: number,
    public maxTimestamp: number,
    readonly createdAt: number,
    public batches: number,
  ) {}

  static empty(baseOffset: number, now: number): LogSegment {
    return new LogSegment(baseOffset, baseOffset - 1, 0, -1, now, 0);
  }

  static fromJson(j: SegmentJson): LogSegment {
    return new LogSegment(j.baseOffset, j.lastOffset, j.sizeBytes, j.maxTimestamp, j.createdAt, j.batches);
  }

  get isEmpty(): boolean {
    return this.batches === 0;
  }

  add(lastOffset: number, size: number, maxTimestamp: number): void {
    this.lastOffset = lastOffset;
    this.sizeBytes += size;
    this.batches += 1;
    if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
  }

  toValue(): Buffer {
    const j: SegmentJson = {
      v: FORMAT_VERSION,
      baseOffset: this.baseOffset,
      lastOffset: this.lastOffset,
      sizeBytes: this.sizeBytes,
      maxTimestamp: this.maxTimestamp,
      createdAt: this.createdAt,
      batches: this.batches,
    };
    return Buffer.from(JSON.stringify(j));
  }
}
