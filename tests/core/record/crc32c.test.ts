/** The portable CRC-32C the record layer falls back to agrees with the native addon, in one go and in pieces. */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cPortable } from '../../../core/record/crc32c';
import { seededRandom } from '../../helpers/random';

describe('crc32c', () => {
  it('gives the standard check value', () => {
    expect(crc32cPortable(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cPortable(new Uint8Array(0))).toBe(0);
  });

  it('matches the native addon on random data, whole and continued piece by piece', () => {
    const random = seededRandom(32);
    for (let n = 0; n < 200; n++) {
      const data = Buffer.from(Array.from({ length: Math.floor(random() * 3000) }, () => Math.floor(random() * 256)));
      const whole = nativeCrc32c(data);
      expect(crc32cPortable(data)).toBe(whole);
      const cut = Math.floor(random() * data.length);
      expect(crc32cPortable(data.subarray(cut), crc32cPortable(data.subarray(0, cut)))).toBe(whole);
    }
  });
});
