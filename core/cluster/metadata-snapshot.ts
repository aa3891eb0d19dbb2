/**
 * Metadata snapshots (KRaft's idea): a broker's copy of the metadata log is
 * one snapshot, the image as records at an offset, plus the log records after
 * it. Replay starts from the newest valid snapshot, so neither replay nor the
 * store grows with the cluster's history.
 *
 * Format (version 1), in the broker's store under the 'N' prefix (keys.ts):
 *   'N' offset(8) 0x00            header      -> JSON {v, offset, lastEpoch, records, checksum}
 *   'N' offset(8) 0x01 index(4)   record i    -> JSON metadata record (as in the log, `e` = lastEpoch)
 *   'N' offset(8) 0x02            end marker  -> JSON {v, offset, lastEpoch, records, checksum}
 * `offset` is the snapshot's end offset: it holds the state after every
 * record below `offset` and the log continues at `offset` (KRaft's snapshot
 * id). `lastEpoch` is the controller epoch of record offset-1 (-1 for an
 * empty log); `records` counts the records; `checksum` is CRC-32C over the
 * record values' bytes in index order.
 *
 * A snapshot is valid only if header and end marker agree with each other and
 * with the records found (same count, contiguous indexes, same checksum) and
 * carry a version this build reads. Writing goes in batches of at most
 * SNAPSHOT_CHUNK records, header in the first and end marker in the last, so
 * a process killed part-way leaves a snapshot without end marker: it is
 * ignored (and deleted when the store is next synced), and replay falls back
 * to the previous valid snapshot plus the log after it.
 *
 * Retention (`pruneAfterSnapshot`): a store keeps its newest two valid
 * snapshots and the log records from the older of the two on, so the
 * fallback is always complete; everything older is range-deleted, and the
 * range compacted so no tombstones pile up (see `compactMetadata`).
 */
import { crc32c } from '../record/crc32c';
import {
  FORMAT_VERSION,
  metadataKey,
  metadataOffsetOfKey,
  metadataRange,
  parseSnapshotKey,
  snapshotKey,
  snapshotRange,
  SNAPSHOT_END,
  SNAPSHOT_HEADER,
  SNAPSHOT_RECORD,
} from '../storage/keys';
import type { BatchOp, BrokerStore } from '../storage/broker-store';
import type { MetadataRecord } from './metadata-image';

export const SNAPSHOT_VERSION = 1;
/** Records per LevelDB batch while writing a snapshot (bounds one write's size). */
export const SNAPSHOT_CHUNK = 1000;

export interface SnapshotHeader {
  v: number;
  offset: number;
  lastEpoch: number;
  records: number;
  checksum: number;
}

export interface Snapshot {
  header: SnapshotHeader;
  records: MetadataRecord[];
}

/** One broker store's metadata as replay sees it: its newest valid snapshot and the log after it. */
export interface StoreMetadataView {
  snapshot: Snapshot | null;
  /** Log records from the snapshot's offset (0 without one), contiguous; offsets are `start + i`. */
  tail: MetadataRecord[];
  /** Their JSON exactly as stored (for comparing copies). */
  tailJson: string[];
  /** Offsets of snapshots newer than the one used: torn or corrupt. */
  invalidSnapshots: number[];
  /** Log keys past a gap in the tail (never replayed). */
  strayLogKeys: boolean;
}

export function viewStart(v: StoreMetadataView): number {
  return v.snapshot?.header.offset ?? 0;
}

export function viewEnd(v: StoreMetadataView): number {
  return viewStart(v) + v.tail.length;
}

/** Epoch of the view's last record; -1 for an empty copy. */
export function viewLastEpoch(v: StoreMetadataView): number {
  if (v.tail.length > 0) return v.tail[v.tail.length - 1]!.e;
  return v.snapshot?.header.lastEpoch ?? -1;
}

/** Writes `records` as the snapshot at `offset`, header first and end marker last (see the module comment). */
export async function writeSnapshot(
  store: BrokerStore,
  offset: number,
  lastEpoch: number,
  bodies: readonly object[],
  chunk = SNAPSHOT_CHUNK,
): Promise<SnapshotHeader> {
  const values = bodies.map((b) => Buffer.from(JSON.stringify({ ...b, v: FORMAT_VERSION, e: lastEpoch })));
  let checksum = 0;
  for (const v of values) checksum = crc32c(v, checksum);
  const header: SnapshotHeader = { v: SNAPSHOT_VERSION, offset, lastEpoch, records: values.length, checksum };
  const headerValue = Buffer.from(JSON.stringify(header));
  // A leftover (torn) snapshot at the same offset must not mix with this one.
  await store.db.clear(snapshotRange(offset));
  let i = 0;
  do {
    const ops: BatchOp[] = [];
    if (i === 0) ops.push({ type: 'put', key: snapshotKey(offset, SNAPSHOT_HEADER), value: headerValue });
    const stop = Math.min(values.length, i + chunk);
    for (; i < stop; i++) ops.push({ type: 'put', key: snapshotKey(offset, SNAPSHOT_RECORD, i), value: values[i]! });
    if (i === values.length) ops.push({ type: 'put', key: snapshotKey(offset, SNAPSHOT_END), value: headerValue });
    await store.write(ops);
  } while (i < values.length);
  return header;
}

function parseHeader(value: Buffer | undefined): SnapshotHeader | null {
  if (!value) return null;
  try {
    const h = JSON.parse(value.toString()) as SnapshotHeader;
    const ints = [h.offset, h.lastEpoch, h.records, h.checksum].every((n) => Number.isInteger(n));
    return ints && h.v === SNAPSHOT_VERSION ? h : null;
  } catch {
    return null;
  }
}

function sameHeader(a: SnapshotHeader, b: SnapshotHeader): boolean {
  return (
    a.v === b.v &&
    a.offset === b.offset &&
    a.lastEpoch === b.lastEpoch &&
    a.records === b.records &&
    a.checksum === b.checksum
  );
}

/** Reads and checks the snapshot at `offset`; null if it is torn or corrupt. */
async function readSnapshot(store: BrokerStore, offset: number): Promise<Snapshot | null> {
  let header: SnapshotHeader | null = null;
  let end: SnapshotHeader | null = null;
  const records: MetadataRecord[] = [];
  let checksum = 0;
  try {
    for await (const [key, value] of store.db.iterator(snapshotRange(offset))) {
      const k = parseSnapshotKey(key);
      if (k.part === SNAPSHOT_HEADER) header = parseHeader(value);
      else if (k.part === SNAPSHOT_END) end = parseHeader(value);
      else if (k.part === SNAPSHOT_RECORD) {
        if (k.index !== records.length) return null;
        checksum = crc32c(value, checksum);
        records.push(JSON.parse(value.toString()) as MetadataRecord);
      }
    }
  } catch (err) {
    if (err instanceof SyntaxError) return null;
    throw err;
  }
  if (!header || !end || !sameHeader(header, end)) return null;
  if (header.offset !== offset || header.records !== records.length || header.checksum !== checksum) return null;
  return { header, records };
}

/** Offsets of the snapshots present (complete or not), newest first; reads keys only. */
async function snapshotOffsets(store: BrokerStore): Promise<number[]> {
  const offsets: number[] = [];
  for await (const key of store.db.keys(snapshotRange())) {
    const { offset } = parseSnapshotKey(key);
    if (offsets[offsets.length - 1] !== offset) offsets.push(offset);
  }
  return offsets.reverse();
}

/** The store's copy: newest valid snapshot plus the contiguous log after it (see StoreMetadataView). */
export async function readStoreView(store: BrokerStore): Promise<StoreMetadataView> {
  const invalidSnapshots: number[] = [];
  let snapshot: Snapshot | null = null;
  for (const offset of await snapshotOffsets(store)) {
    snapshot = await readSnapshot(store, offset);
    if (snapshot) break;
    invalidSnapshots.push(offset);
  }
  const start = snapshot?.header.offset ?? 0;
  const tail: MetadataRecord[] = [];
  const tailJson: string[] = [];
  let strayLogKeys = false;
  for await (const [key, value] of store.db.iterator(metadataRange(start))) {
    if (metadataOffsetOfKey(key) !== start + tail.length) {
      strayLogKeys = true;
      break;
    }
    const json = value.toString();
    tailJson.push(json);
    tail.push(JSON.parse(json) as MetadataRecord);
  }
  return { snapshot, tail, tailJson, invalidSnapshots, strayLogKeys };
}

/**
 * After the snapshot at `newest` was fully written: keeps it and the newest
 * valid snapshot before it with the log from that one on; range-deletes every
 * other snapshot and the log below the oldest snapshot kept.
 */
export async function pruneAfterSnapshot(store: BrokerStore, newest: number): Promise<void> {
  let previous: number | null = null;
  for (const offset of await snapshotOffsets(store)) {
    if (offset === newest) continue;
    if (previous === null && offset < newest && (await readSnapshot(store, offset))) previous = offset;
    else await store.db.clear(snapshotRange(offset));
  }
  await store.db.clear({ gte: metadataKey(0), lt: metadataKey(previous ?? newest) });
  await compactMetadata(store);
}

/**
 * Compacts the metadata keys after a range delete. LevelDB deletes are
 * tombstones until compaction, and a seek skips every tombstone between its
 * target and the next live key: partition logs without data seek past the
 * 'D' range into 'M', so without this every reopen after many snapshots spent
 * seconds stepping over deleted metadata records.
 */
async function compactMetadata(store: BrokerStore): Promise<void> {
  await store.db.compactRange(metadataKey(0), snapshotRange().lt);
}

/** Drops every snapshot of a store except the one at `keep` (after a snapshot was installed). */
export async function dropSnapshotsExcept(store: BrokerStore, keep: number): Promise<void> {
  for (const offset of await snapshotOffsets(store)) if (offset !== keep) await store.db.clear(snapshotRange(offset));
  await compactMetadata(store);
}

/** Deletes one snapshot (a torn or distrusted one). */
export async function deleteSnapshot(store: BrokerStore, offset: number): Promise<void> {
  await store.db.clear(snapshotRange(offset));
}

/** Metadata keys held by a store: log records and snapshot keys (for bounds in tests and the bench). */
export async function countMetadataKeys(store: BrokerStore): Promise<{ log: number; snapshot: number }> {
  let log = 0;
  let snapshot = 0;
  for await (const _ of store.db.keys(metadataRange(0))) log++;
  for await (const _ of store.db.keys(snapshotRange())) snapshot++;
  return { log, snapshot };
}
