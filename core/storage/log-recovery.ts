/**
 * Reads what recovery needs of many partition logs of one store at once:
 * the replica state ('R'), producer state ('P'), segment records ('S') and
 * the last data key ('D') of each (see keys.ts; partition-log.ts applies them).
 *
 * Why it exists: a broker with thousands of replicas used to open each log
 * with its own gets and iterators, about seven LevelDB round trips a log
 * through libuv's pool, one after another; at 2,000 partitions rf=3 that was
 * most of a reopen. Here the cost does not grow with round trips per log:
 * - 'R' and 'P' values: one getMany per READ_CHUNK logs;
 * - 'S' records: one forward iterator over the segment prefix, read in
 *   chunks; it seeks only to skip keys of partitions not asked for, so the
 *   partitions of a store are read in a few round trips, not one each;
 * - last 'D' key: one hasMany per READ_CHUNK logs checks that the batch each
 *   last segment claims is there (readLastData says when a log needs more:
 *   one reverse seek of its own). That check is what notices a segment
 *   record claiming more than the data holds (an interrupted truncation, or
 *   data LevelDB lost).
 */
import type { BrokerStore } from './broker-store';
import { PREFIX_DATA, PREFIX_SEGMENT, PartitionKeys } from './keys';
import type { SegmentJson } from './log-segment';

/** Logs per getMany call. */
const READ_CHUNK = 1000;
/** Segment records per iterator round trip. */
const SEGMENT_CHUNK = 512;

/** What a log's recovery reads from the store. */
export interface LogHead {
  state: Buffer | undefined;
  producers: Buffer | undefined;
  segments: SegmentJson[];
  /** The last offset of the last stored batch, or -1 when the log holds no batch. */
  lastDataOffset: number;
}

/** The 21-byte prefix (kind + topic id + partition) of a partition key, as a comparable string. */
function tpOf(key: Buffer): string {
  return key.toString('latin1', 1, 21);
}

export async function readLogHeads(store: BrokerStore, keys: PartitionKeys[]): Promise<LogHead[]> {
  const heads: LogHead[] = keys.map(() => ({
    state: undefined,
    producers: undefined,
    segments: [],
    lastDataOffset: -1,
  }));
  if (keys.length === 0) return heads;
  for (let i = 0; i < keys.length; i += READ_CHUNK) {
    const chunk = keys.slice(i, i + READ_CHUNK);
    const [states, producers] = await Promise.all([
      store.db.getMany(chunk.map((k) => k.replicaState)),
      store.db.getMany(chunk.map((k) => k.producerState)),
    ]);
    chunk.forEach((_, j) => {
      heads[i + j]!.state = states[j];
      heads[i + j]!.producers = producers[j];
    });
  }
  // Ascending by key: the order the segment scan meets the partitions in.
  const tps = keys.map((k) => tpOf(k.segment(0)));
  const order = keys.map((_, i) => i).sort((a, b) => (tps[a]! < tps[b]! ? -1 : tps[a]! > tps[b]! ? 1 : 0));
  await readSegments(store, keys, tps, order, heads);
  await readLastData(store, keys, heads);
  return heads;
}

async function readSegments(
  store: BrokerStore,
  keys: PartitionKeys[],
  tps: string[],
  order: number[],
  heads: LogHead[],
): Promise<void> {
  const it = store.db.iterator<Buffer, Buffer>({
    gte: Buffer.from([PREFIX_SEGMENT]),
    lt: Buffer.from([PREFIX_SEGMENT + 1]),
  });
  try {
    let next = 0;
    it.seek(keys[order[0]!]!.segment(0));
    scan: for (;;) {
      const chunk = await it.nextv(SEGMENT_CHUNK);
      if (chunk.length === 0) return;
      for (const [key, value] of chunk) {
        const tp = tpOf(key);
        while (next < order.length && tps[order[next]!]! < tp) next++;
        if (next === order.length) return;
        if (tps[order[next]!] === tp) {
          heads[order[next]!]!.segments.push(JSON.parse(value.toString()) as SegmentJson);
        } else {
          // Keys of a partition not asked for: skip to the next one that is.
          it.seek(keys[order[next]!]!.segment(0));
          continue scan;
        }
      }
    }
  } finally {
    await it.close().catch(() => undefined);
  }
}

/**
 * The last data key of each log. A log whose last segment holds batches must
 * have the key of that segment's last offset: hasMany checks all of those
 * keys together (LevelDB seeks; no value is read). Only a log whose check
 * fails (a segment claiming more than the data holds) or whose last segment
 * is empty (the data below may legitimately be gone) needs its own reverse
 * seek. A log with no segment record has never stored a batch: appends
 * write the batch and its segment record in one write.
 */
async function readLastData(store: BrokerStore, keys: PartitionKeys[], heads: LogHead[]): Promise<void> {
  const claimed: number[] = [];
  const toSeek: number[] = [];
  heads.forEach((head, i) => {
    const last = head.segments[head.segments.length - 1];
    if (!last) return;
    if (last.batches > 0 && last.lastOffset >= last.baseOffset) claimed.push(i);
    else toSeek.push(i);
  });
  for (let c = 0; c < claimed.length; c += READ_CHUNK) {
    const chunk = claimed.slice(c, c + READ_CHUNK);
    const found = await store.db.hasMany(
      chunk.map((i) => keys[i]!.data(heads[i]!.segments[heads[i]!.segments.length - 1]!.lastOffset)),
    );
    chunk.forEach((i, j) => {
      if (found[j]) heads[i]!.lastDataOffset = heads[i]!.segments[heads[i]!.segments.length - 1]!.lastOffset;
      else toSeek.push(i);
    });
  }
  if (toSeek.length === 0) return;
  const it = store.db.keys<Buffer>({
    gte: Buffer.from([PREFIX_DATA]),
    lt: Buffer.from([PREFIX_DATA + 1]),
    reverse: true,
  });
  try {
    for (const i of toSeek) {
      const range = keys[i]!.dataRange();
      it.seek(range.lte);
      const [key] = await it.nextv(1);
      if (key !== undefined && Buffer.compare(key, range.gte) >= 0)
        heads[i]!.lastDataOffset = PartitionKeys.lastOffsetOfDataKey(key);
    }
  } finally {
    await it.close().catch(() => undefined);
  }
}
