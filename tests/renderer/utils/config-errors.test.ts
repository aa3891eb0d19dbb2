/**
 * Which config an engine refusal is about, so the config editor shows the reason beside it: the field the API
 * names, else the one a Kafka broker's own message names (a remote cluster gives no field).
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../core/api/client';
import { configNamedBy } from '../../../renderer/src/utils/configs';

describe('configNamedBy', () => {
  it('takes the field the API names', () => {
    const err = new ApiError({
      code: 42,
      errorName: 'INVALID_REQUEST',
      message: 'anything',
      field: 'log.retention.ms',
    });
    expect(configNamedBy(err)).toBe('log.retention.ms');
  });

  it("finds the config in a Kafka broker's words when there is no field", () => {
    const invalid = new Error('Invalid value -5 for configuration log.retention.ms: Value must be at least -1');
    expect(configNamedBy(invalid)).toBe('log.retention.ms');
    const fixed = new Error('Cannot update these configs dynamically: Set(log.dirs, broker.id)');
    expect(configNamedBy(fixed)).toBe('log.dirs');
  });

  it('names none when the message names none', () => {
    expect(configNamedBy(new Error('Broker 4 is not running'))).toBeNull();
    expect(configNamedBy('not an error')).toBeNull();
  });
});
