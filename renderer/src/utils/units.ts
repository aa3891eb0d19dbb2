/**
 * How numbers read in the UI: counts with thousands separators, sizes in
 * B/KB/MB/GB (binary multiples, as disks and Kafka's byte configs count),
 * durations in words. One locale for every number, so columns line up and a
 * test can read them back.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return integer.format(n);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 0 → "0 B", 21600 → "21.1 KB", 1073741824 → "1.0 GB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const sign = n < 0 ? '-' : '';
  return i === 0 ? `${sign}${integer.format(v)} B` : `${sign}${oneDecimal.format(v)} ${BYTE_UNITS[i]}`;
}

const DURATIONS: Array<[number, string]> = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** 604800000 → "7 days", 90000 → "1.5 minutes", 250 → "250 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${integer.format(ms)} ms`;
  for (const [size, unit] of DURATIONS) {
    if (ms >= size) {
      const v = ms / size;
      const rounded = Math.round(v * 10) / 10;
      const n = Number.isInteger(rounded) ? integer.format(rounded) : oneDecimal.format(rounded);
      return `${n} ${unit}${rounded === 1 ? '' : 's'}`;
    }
  }
  return `${integer.format(ms)} ms`;
}

const LONG_MAX = '9223372036854775807';

/**
 * A config value in words, when its name says what it measures: "7 days" for
 * retention.ms, "1.0 GB" for segment.bytes, "no limit" for -1. Null when the
 * raw value says it all.
 */
export function describeConfigValue(name: string, value: string): string | null {
  const v = value.trim();
  if (!/^-?\d+$/.test(v)) return null;
  if (v === LONG_MAX) return name.endsWith('.ms') ? 'never' : 'no limit';
  const n = Number(v);
  if (name.endsWith('.ms')) return n === -1 ? 'forever' : n < 0 ? null : formatDuration(n);
  if (name.endsWith('.bytes')) return n === -1 ? 'no limit' : n < 0 ? null : formatBytes(n);
  if (Math.abs(n) >= 10_000) return formatCount(n);
  return null;
}

/** "1 partition", "3 partitions". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
