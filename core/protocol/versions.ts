/**
 * Version ranges as written in the Kafka message definitions:
 * "none", "3" (exactly 3), "3+" (3 and up), "0-11" (inclusive).
 */
export interface VersionRange {
  /** Lowest version in the range (inclusive); for "none", 1 with max 0 (empty). */
  readonly min: number;
  /** Highest version (inclusive); `Infinity` for an open range such as "3+". */
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = Object.freeze({ min: 1, max: 0 });

export function parseVersionRange(text: string | undefined): VersionRange {
  if (text === undefined) return NO_VERSIONS;
  const s = text.trim();
  if (s === '' || s === 'none') return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) {
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (max < min) throw new Error(`invalid version range "${text}"`);
    return { min, max };
  }
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`invalid version range "${text}"`);
}

export function inVersionRange(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

export function isEmptyRange(range: VersionRange): boolean {
  return range.max < range.min;
}
