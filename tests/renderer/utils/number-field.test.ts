/** Number fields accept a value or say why not; they never change what was typed into something else. */
import { describe, expect, it } from 'vitest';
import { checkNumber, useNumberField } from '../../../renderer/src/utils/number-field';

const partitions = { min: 1, max: 10_000, integer: true, maxReason: "the cluster's partition limit" };

describe('checkNumber', () => {
  it('accepts numbers in range, with separators and exponents', () => {
    expect(checkNumber('12', partitions)).toEqual({ value: 12, error: null });
    expect(checkNumber(' 10,000 ', partitions)).toEqual({ value: 10_000, error: null });
    expect(checkNumber('1e3', partitions)).toEqual({ value: 1000, error: null });
    expect(checkNumber('2.5', { min: 0, max: 1000 })).toEqual({ value: 2.5, error: null });
  });

  it('refuses a value over the maximum instead of clamping it, saying the limit and why', () => {
    expect(checkNumber('100000', partitions)).toEqual({
      value: null,
      error: "100,000 is more than 10,000, the cluster's partition limit. Enter a whole number from 1 to 10,000",
    });
    expect(checkNumber('1e9', { min: 0, max: 100_000 }).error).toBe(
      '1,000,000,000 is more than 100,000. Enter a number from 0 to 100,000',
    );
  });

  it('refuses text, fractions where whole numbers are needed, and values under the minimum', () => {
    expect(checkNumber('abc', partitions).error).toBe('“abc” is not a number. Enter a whole number from 1 to 10,000');
    expect(checkNumber('1.5', { min: 0, integer: true }).error).toBe(
      '1.5 is not a whole number. Enter a whole number of at least 0',
    );
    expect(checkNumber('3', { min: 6, integer: true, minReason: 'the topic has 6 now' }).error).toBe(
      '3 is less than 6, the topic has 6 now. Enter a whole number of at least 6',
    );
    expect(checkNumber('-', partitions).value).toBeNull();
    expect(checkNumber('0x10', partitions).error).toMatch(/is not a number/);
  });

  it('says what to enter when empty, unless the field is optional', () => {
    expect(checkNumber('', partitions).error).toBe('Enter a whole number from 1 to 10,000');
    expect(checkNumber('', { ...partitions, optional: true })).toEqual({ value: null, error: null });
  });
});

describe('useNumberField', () => {
  it('keeps the text as typed and exposes only accepted values', () => {
    const f = useNumberField(3, partitions);
    expect(f.value.value).toBe(3);
    f.text.value = '100000';
    expect(f.text.value).toBe('100000');
    expect(f.value.value).toBeNull();
    expect(f.error.value).toMatch(/more than 10,000/);
    f.set(8);
    expect(f.text.value).toBe('8');
    expect(f.error.value).toBeNull();
  });
});
