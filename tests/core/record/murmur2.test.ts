import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '../../../core/record/murmur2';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

describe('murmur2 matches the Java client', () => {
  // Values the Java client's Utils.murmur2 returns for these UTF-8 keys.
  const known: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['', 275646681],
  ];
  for (const [key, hash] of known) {
    it(`hashes ${JSON.stringify(key)} to ${hash}`, () => {
      expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
      expect(murmur2(key)).toBe(hash);
    });
  }

  it('agrees with kafkajs on many random keys of every tail length', () => {
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      const key = Buffer.alloc(next() % 67);
      for (let j = 0; j < key.length; j++) key[j] = next() & 0xff;
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });
});

describe('partitionForKey', () => {
  it('masks the sign bit rather than taking the absolute value', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-(2 ** 31))).toBe(0);
    expect(toPositive(5)).toBe(5);
  });

  it('is toPositive(murmur2(key)) % numPartitions', () => {
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
    for (const n of [1, 3, 12, 100]) {
      const p = partitionForKey('some-key', n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
    }
  });
});
