/**
 * The start time as typed: ISO text in the local zone or UTC, with its own offset, or epoch milliseconds;
 * anything else is refused in words naming the field at fault, never moved to a nearby time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatStartTime,
  fromPickerValue,
  parseStartTime,
  toPickerValue,
  utcOffsetLabel,
} from '../../../renderer/src/utils/time-input';

// A zone with daylight saving time, so the spring-forward gap and the changing offset are checked.
beforeAll(() => {
  process.env.TZ = 'Europe/Berlin';
});

const ok = (text: string, zone: 'local' | 'utc' = 'local') => {
  const r = parseStartTime(text, zone);
  expect(r.error).toBeNull();
  return r.value;
};
const why = (text: string, zone: 'local' | 'utc' = 'local') => {
  const r = parseStartTime(text, zone);
  expect(r.value).toBeNull();
  return r.error;
};

describe('parseStartTime', () => {
  it('reads a time without a zone in the chosen zone: Berlin is one hour ahead of UTC in winter', () => {
    expect(ok('2025-01-31 14:05:00.000', 'utc')).toBe(Date.UTC(2025, 0, 31, 14, 5));
    expect(ok('2025-01-31 14:05:00.000', 'local')).toBe(Date.UTC(2025, 0, 31, 13, 5));
    expect(ok('2025-07-01T14:05', 'local')).toBe(Date.UTC(2025, 6, 1, 12, 5));
  });

  it('takes seconds and milliseconds as optional, and a date alone as its midnight', () => {
    expect(ok('2025-01-31T14:05:07', 'utc')).toBe(Date.UTC(2025, 0, 31, 14, 5, 7));
    expect(ok('2025-01-31 14:05:07.25', 'utc')).toBe(Date.UTC(2025, 0, 31, 14, 5, 7, 250));
    expect(ok('2025-01-31', 'utc')).toBe(Date.UTC(2025, 0, 31));
  });

  it('takes an explicit Z or offset as that instant whatever zone is chosen', () => {
    const at = Date.UTC(2025, 0, 31, 14, 5);
    expect(ok('2025-01-31T14:05:00Z', 'local')).toBe(at);
    expect(ok('2025-01-31T16:05:00+02:00', 'local')).toBe(at);
    expect(ok('2025-01-31T08:35:00-0530', 'utc')).toBe(at);
    expect(parseStartTime('2025-01-31T14:05Z', 'local').absolute).toBe(true);
    expect(parseStartTime('2025-01-31T14:05', 'local').absolute).toBe(false);
  });

  it('reads 12 or more digits as milliseconds since 1970', () => {
    expect(ok('1738332300000')).toBe(1738332300000);
    expect(parseStartTime('1738332300000', 'local').absolute).toBe(true);
  });

  it('refuses ten digits, saying they look like seconds and giving the milliseconds', () => {
    expect(why('1738332300')).toMatch(/too short for milliseconds.*the milliseconds are 1738332300000/);
    expect(why('2025')).toMatch(/too short for milliseconds/);
  });

  it('refuses dates that do not exist instead of rolling them over, naming the field', () => {
    expect(why('2025-02-29 10:00')).toBe('February 2025 has no day 29: it has 28 days.');
    expect(ok('2024-02-29 10:00', 'utc')).toBe(Date.UTC(2024, 1, 29, 10));
    expect(why('2025-13-01')).toBe('Month 13 does not exist: months are 1 to 12.');
    expect(why('2025-01-31 24:00')).toBe('Hour 24 does not exist: hours are 0 to 23.');
    expect(why('2025-01-31 10:60')).toBe('Minute 60 does not exist: minutes are 0 to 59.');
    expect(why('2025-01-31 10:00:61')).toBe('Second 61 does not exist: seconds are 0 to 59.');
    expect(why('2025-01-31T10:00+15:00')).toMatch(/not a time zone offset/);
  });

  it('refuses a local time skipped when the clocks moved forward, but takes it in UTC', () => {
    expect(why('2025-03-30 02:30')).toMatch(/does not exist in your time zone \(Europe\/Berlin\)/);
    expect(ok('2025-03-30 02:30', 'utc')).toBe(Date.UTC(2025, 2, 30, 2, 30));
    expect(ok('2025-03-30 03:30', 'local')).toBe(Date.UTC(2025, 2, 30, 1, 30));
  });

  it('refuses text, empty input and times before 1970 in words', () => {
    expect(why('yesterday')).toMatch(/^“yesterday” is not a time\. Type a time such as/);
    expect(why('  ')).toMatch(/^Enter a start time/);
    expect(why('1969-12-31 23:00', 'utc')).toMatch(/before 1970/);
    expect(why('99999999999999999999')).toMatch(/later than any time/);
  });
});

describe('formatStartTime', () => {
  it('writes a time that reads back to the same instant in either zone', () => {
    const at = Date.UTC(2025, 6, 1, 12, 5, 7, 9);
    expect(formatStartTime(at, 'utc')).toBe('2025-07-01 12:05:07.009');
    expect(formatStartTime(at, 'local')).toBe('2025-07-01 14:05:07.009');
    for (const zone of ['utc', 'local'] as const) expect(ok(formatStartTime(at, zone), zone)).toBe(at);
  });

  it('labels the local offset as it is on that day (daylight saving time)', () => {
    expect(utcOffsetLabel(Date.UTC(2025, 0, 1))).toBe('UTC+01:00');
    expect(utcOffsetLabel(Date.UTC(2025, 6, 1))).toBe('UTC+02:00');
  });
});

describe('picker values', () => {
  it('shows a local picker the UTC wall clock and reads its answer back as UTC', () => {
    const at = Date.UTC(2025, 0, 31, 14, 5);
    const shown = toPickerValue(at, 'utc');
    expect(new Date(shown).getHours()).toBe(14);
    expect(fromPickerValue(shown, 'utc')).toBe(at);
    expect(toPickerValue(at, 'local')).toBe(at);
    expect(fromPickerValue(at, 'local')).toBe(at);
  });
});
