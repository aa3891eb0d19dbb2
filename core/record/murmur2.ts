/**
 * The Java client's default partitioner hash. Keyed records must land on the
 * partition a Java (or librdkafka "murmur2_random", or kafkajs) producer would
 * pick, otherwise the same key is spread over two partitions depending on
 * which client wrote it and per-key ordering is lost.
 *
 * Facts: MurmurHash2 32-bit, seed 0x9747b28c, little-endian 4-byte blocks,
 * result is a signed Java int; toPositive masks the sign bit rather than
 * taking Math.abs, so -2^31 maps to 0 like in Java.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

export function murmur2(key: Uint8Array | string): number {
  const data = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const length = data.length;
  let h = SEED ^ length;
  const blocksEnd = length & ~3;
  for (let i = 0; i < blocksEnd; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[blocksEnd + 2] << 16;
  if (tail >= 2) h ^= data[blocksEnd + 1] << 8;
  if (tail >= 1) {
    h ^= data[blocksEnd];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export function partitionForKey(key: Uint8Array | string, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}
