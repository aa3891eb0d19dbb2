/**
 * A point in time as a person types it for "start at timestamp", read in the
 * time zone they chose (the browser's local zone or UTC) and refused in words
 * when it is not a time; never moved to a nearby time.
 *
 * Accepted:
 * - ISO 8601 date and time, `T` or a space between: 2025-01-31 14:05, 2025-01-31T14:05:07.250;
 *   seconds and milliseconds optional; a date alone means its midnight. Without a zone it is read
 *   in the chosen zone; with `Z` or `+02:00` / `-0530` it is that instant whatever the zone.
 * - Milliseconds since 1970 (12 or more digits). Fewer digits look like seconds (or a year), so
 *   they are refused with the milliseconds they may have meant rather than read as 1970.
 *
 * Refused with the field at fault: month 13, 31 February, hour 24, a negative or too-large time,
 * and a local time that does not exist because clocks moved forward that night.
 */

export type TimeZoneChoice = 'local' | 'utc';

export interface TimeParse {
  value: number | null;
  error: string | null;
  /** The text named its own zone (Z, an offset) or was milliseconds: switching zones does not change its instant. */
  absolute: boolean;
}

/**
 * The largest timestamp Kafka and the API take (ListOffsets and record timestamps are int64, JS numbers are safe to
 * 2^53).
 */
const MAX_MS = Number.MAX_SAFE_INTEGER;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

const EXAMPLE =
  'Type a time such as 2025-01-31 14:05:00.000 (seconds and milliseconds optional), or milliseconds since 1970';

function fail(error: string): TimeParse {
  return { value: null, error, absolute: false };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Reads `text` as a start time in `zone`; the value in epoch milliseconds, or why it is not a time. */
export function parseStartTime(text: string, zone: TimeZoneChoice): TimeParse {
  const t = text.trim();
  if (t === '') return fail(`Enter a start time. ${EXAMPLE}.`);
  if (/^\d+$/.test(t)) {
    if (t.length < 12) {
      const asSeconds = Number(t) * 1000;
      const hint = t.length === 10 ? ` If it is seconds since 1970, the milliseconds are ${asSeconds}.` : '';
      return fail(
        `“${t}” is too short for milliseconds since 1970 (they have 12 or 13 digits today).${hint} ${EXAMPLE}.`,
      );
    }
    const ms = Number(t);
    if (!Number.isSafeInteger(ms) || ms > MAX_MS) return fail(`“${t}” is later than any time a record can carry.`);
    return { value: ms, error: null, absolute: true };
  }
  const m = ISO.exec(t);
  if (!m) return fail(`“${t}” is not a time. ${EXAMPLE}.`);
  const [year, month, day] = [+m[1]!, +m[2]!, +m[3]!];
  const [hour, minute, second] = [+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
  const milli = +(m[7] ?? '0').padEnd(3, '0');
  if (month < 1 || month > 12) return fail(`Month ${month} does not exist: months are 1 to 12.`);
  const days = daysIn(year, month);
  if (day < 1 || day > days) return fail(`${MONTHS[month - 1]} ${year} has no day ${day}: it has ${days} days.`);
  if (hour > 23) return fail(`Hour ${hour} does not exist: hours are 0 to 23.`);
  if (minute > 59) return fail(`Minute ${minute} does not exist: minutes are 0 to 59.`);
  if (second > 59) return fail(`Second ${second} does not exist: seconds are 0 to 59.`);
  const zoneText = m[8];
  let ms: number;
  if (zoneText) {
    let offset = 0;
    if (zoneText.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zoneText)!;
      const [oh, om] = [+z[2]!, +z[3]!];
      if (oh > 14 || om > 59) return fail(`${zoneText} is not a time zone offset: offsets go from -14:00 to +14:00.`);
      offset = (z[1] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
    }
    ms = Date.UTC(year, month - 1, day, hour, minute, second, milli) - offset;
  } else if (zone === 'utc') {
    ms = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  } else {
    const d = new Date(year, month - 1, day, hour, minute, second, milli);
    d.setFullYear(year); // years 0-99 would otherwise mean 1900-1999
    if (d.getHours() !== hour || d.getMinutes() !== minute || d.getDate() !== day)
      return fail(
        `${t} does not exist in your time zone (${localZoneName()}): the clocks moved forward over it. ` +
          `Pick a time after the change, or switch to UTC.`,
      );
    ms = d.getTime();
  }
  if (ms < 0) return fail(`${t} is before 1970: record timestamps start at 1970-01-01 00:00 UTC.`);
  if (ms > MAX_MS) return fail(`${t} is later than any time a record can carry.`);
  return { value: ms, error: null, absolute: zoneText !== undefined };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `ms` as 2025-01-31 14:05:00.000 in `zone`: the form parseStartTime reads back to the same instant. */
export function formatStartTime(ms: number, zone: TimeZoneChoice): string {
  const d = new Date(ms);
  const u = zone === 'utc';
  const [y, mo, da] = u
    ? [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()]
    : [d.getFullYear(), d.getMonth(), d.getDate()];
  const [h, mi, s, mil] = u
    ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  return `${pad(y, 4)}-${pad(mo + 1)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}.${pad(mil, 3)}`;
}

/** The browser's zone by name (Europe/Berlin), or "local time" where the browser does not say. */
export function localZoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  } catch {
    return 'local time';
  }
}

/** The local zone's offset from UTC at `ms`, as UTC+01:00 (it changes with daylight saving time). */
export function utcOffsetLabel(ms: number): string {
  const minutes = -new Date(ms).getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * A date picker shows and returns local wall-clock times. To pick in UTC it is given the instant whose local
 * wall clock reads what UTC reads at `ms` (toPickerValue), and what it returns is read back the same way.
 */
export function toPickerValue(ms: number, zone: TimeZoneChoice): number {
  if (zone === 'local') return ms;
  const d = new Date(ms);
  const local = new Date(
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
  local.setFullYear(d.getUTCFullYear());
  return local.getTime();
}

export function fromPickerValue(picked: number, zone: TimeZoneChoice): number {
  if (zone === 'local') return picked;
  const d = new Date(picked);
  const t = new Date(0);
  t.setUTCFullYear(d.getFullYear(), d.getMonth(), d.getDate());
  t.setUTCHours(d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
  return t.getTime();
}
