import { describe, expect, it } from 'vitest';
import { wrapPoints } from '../../../renderer/src/utils/wrap-points';

describe('where a long identifier may wrap', () => {
  it('after dots, dashes, underscores, slashes and colons, keeping every character', () => {
    expect(wrapPoints('leader.imbalance.check.interval.seconds')).toEqual([
      'leader.',
      'imbalance.',
      'check.',
      'interval.',
      'seconds',
    ]);
    expect(wrapPoints('DYNAMIC_DEFAULT_BROKER_CONFIG')).toEqual(['DYNAMIC_', 'DEFAULT_', 'BROKER_', 'CONFIG']);
    expect(wrapPoints('customer-orders.eu-west.v2').join('')).toBe('customer-orders.eu-west.v2');
    expect(wrapPoints('127.0.0.1:9092')).toEqual(['127.', '0.', '0.', '1:', '9092']);
  });

  it('between camel-case humps, never inside one', () => {
    expect(wrapPoints('RoundRobinAssigner')).toEqual(['Round', 'Robin', 'Assigner']);
    expect(wrapPoints('range')).toEqual(['range']);
    // A trailing separator is not a piece of its own.
    expect(wrapPoints('a.')).toEqual(['a.']);
  });
});
