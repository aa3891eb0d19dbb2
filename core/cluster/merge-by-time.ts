/**
 * The one rule for showing records of several partitions as one list by time (the engine's readRecords without
 * a partition, and the message browser's pages):
 *
 * - Each input is one partition's records in the order they were read: offset order, ascending when reading
 *   'forward' and descending when reading 'backward'. That order is kept: what a partition contributes to the
 *   result is always a contiguous run of its offsets, never reordered, even where producers' clocks disagree
 *   (CreateTime is the producer's word). A page boundary is then one offset per partition, so paging never
 *   skips or repeats a record.
 * - Across partitions it is a k-way merge of the inputs' heads: oldest first forward, newest first backward.
 * - Ties (equal timestamps) go to the lower partition, then to the offset that comes first in the direction read.
 *
 * A plain sort of all records by timestamp is not the same thing: it reorders a partition's records whose
 * timestamps go back in time, and a page cut from it is not one contiguous run per partition.
 */

export type ReadDirection = 'forward' | 'backward';

export interface TimedRecord {
  timestamp: number;
  partition: number;
  offset: number;
}

/**
 * Merges per-partition reads by time, up to `limit` records. `taken[i]` is how many records of `streams[i]`
 * the result holds (its first `taken[i]`, since each input's order is kept).
 */
export function mergeByTime<T extends TimedRecord>(
  streams: readonly (readonly T[])[],
  direction: ReadDirection,
  limit: number,
): { records: T[]; taken: number[] } {
  const backward = direction === 'backward';
  const taken = streams.map(() => 0);
  const records: T[] = [];
  /** Whether `a` goes before `b` in the merged list. */
  const before = (a: T, b: T): boolean => {
    if (a.timestamp !== b.timestamp) return backward ? a.timestamp > b.timestamp : a.timestamp < b.timestamp;
    if (a.partition !== b.partition) return a.partition < b.partition;
    return backward ? a.offset > b.offset : a.offset < b.offset;
  };
  while (records.length < limit) {
    let best = -1;
    for (let i = 0; i < streams.length; i++) {
      const head = streams[i]![taken[i]!];
      if (head !== undefined && (best < 0 || before(head, streams[best]![taken[best]!]!))) best = i;
    }
    if (best < 0) break;
    records.push(streams[best]![taken[best]!++]!);
  }
  return { records, taken };
}
