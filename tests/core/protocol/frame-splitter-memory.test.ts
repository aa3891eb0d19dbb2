/**
 * FrameSplitter's memory under a trickle: 1,000,000 one-byte chunks (what a
 * client sending one-byte TCP segments produces) cost about a byte of heap
 * per byte, not a Buffer object per byte, and the frame comes out intact.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FrameSplitter } from '../../../core/protocol/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heap = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('FrameSplitter fed one byte at a time', () => {
  it('holds 1,000,000 pending bytes in a few MB and hands out the exact frame', () => {
    const size = 1_000_000;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31) & 0xff;
    const head = Buffer.alloc(4);
    head.writeInt32BE(size);
    const stream = Buffer.concat([head, body]);
    const splitter = new FrameSplitter();

    const before = heap();
    let early = 0;
    for (let i = 0; i < stream.length - 1; i++) {
      // A fresh buffer per chunk, as a socket hands them out.
      early += splitter.push(Buffer.alloc(1, stream[i]!)).length;
    }
    expect(early).toBe(0);
    const held = heap() - before;
    console.log(
      `one-byte chunks: ${stream.length - 1} pending bytes held in ${(held / 1024 / 1024).toFixed(1)} MB of heap ` +
        `(${(held / (stream.length - 1)).toFixed(2)} bytes per byte)`,
    );
    expect(splitter.pendingBytes).toBe(stream.length - 1 - 4);
    // Kept as Buffer objects they would take ~100 bytes each; a little over one is allowed for the growing tails.
    expect(held / (stream.length - 1)).toBeLessThan(4);

    const frames = splitter.push(Buffer.alloc(1, stream[stream.length - 1]!));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.equals(body)).toBe(true);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('splits frames correctly across any mix of small and large chunks', () => {
    const frames = Array.from({ length: 200 }, (_, i) => Buffer.alloc((i * 977) % 9000, i));
    const stream = Buffer.concat(
      frames.flatMap((f) => {
        const h = Buffer.alloc(4);
        h.writeInt32BE(f.length);
        return [h, f];
      }),
    );
    const splitter = new FrameSplitter();
    const out: Buffer[] = [];
    let at = 0;
    let step = 0;
    while (at < stream.length) {
      const n = [1, 3, 7, 4096, 5000, 100, 65536, 2][step++ % 8]!;
      out.push(...splitter.push(Buffer.from(stream.subarray(at, at + n))));
      at += n;
    }
    expect(out.length).toBe(frames.length);
    out.forEach((f, i) => expect(f.equals(frames[i]!), `frame ${i}`).toBe(true));
    // Frames handed out earlier are never overwritten by later input.
    expect(out[1]!.equals(frames[1]!)).toBe(true);
  });
});
