/**
 * LevelDB key layout of one broker's store (`<dataDir>/broker-<id>/`).
 *
 * Keys are binary and sort bytewise; integers are big-endian unsigned so that
 * key order is numeric order. A topic is identified by its 16-byte topic id,
 * never by name, so a topic deleted and re-created under the same name can
 * never see the old data.
 *
 *   'V'                                    store format    -> JSON {v}
 *   'I'                                    incarnation     -> JSON {v, incarnationId} (see broker-checkpoint.ts)
 *   'M' offset(8)                          metadata log    -> JSON metadata record {v, type, ...}
 *   'N' offset(8) part(1) [index(4)]       metadata snapshot (header, records, end marker; metadata-snapshot.ts)
 *   'D' topicId(16) partition(4) last(8)   record batch    -> the batch bytes exactly as the wire carries them
 *   'S' topicId(16) partition(4) base(8)   log segment     -> JSON {v, baseOffset, lastOffset, sizeBytes, maxTimestamp,
 * createdAt, batches}
 *   'R' topicId(16) partition(4)           replica state   -> JSON {v, logStartOffset, highWatermark, epochs,
 * cleanedTo}
 *   'P' topicId(16) partition(4)           producer state  -> JSON {v, producers}
 *
 * Record batches are keyed by their LAST offset: the batch that holds offset X
 * is the first key >= D|tp|X, found by one iterator seek. A batch value is
 * the raw magic-v2 batch; its magic byte is the value's format version.
 * Every JSON value carries `v` (currently 1).
 */

export const FORMAT_VERSION = 1;

/**
 * The one spelling of a partition's in-memory name, `topicId:partition` (topic id in base64url, as the metadata
 * image holds it): the key of a broker's replica map and of its high-watermark checkpoint. Every layer builds it
 * here, so the replica map and the checkpoint can never disagree on a name.
 */
export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

const TP_LEN = 1 + 16 + 4;

export const PREFIX_METADATA = 0x4d; // 'M'
export const PREFIX_SNAPSHOT = 0x4e; // 'N'
export const PREFIX_DATA = 0x44; // 'D'
export const PREFIX_SEGMENT = 0x53; // 'S'
export const PREFIX_REPLICA = 0x52; // 'R'
export const PREFIX_PRODUCER = 0x50; // 'P'
export const KEY_FORMAT = Buffer.from('V');
export const KEY_INCARNATION = Buffer.from('I');

function writeUint64(buf: Buffer, value: number, pos: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x100000000), pos);
  buf.writeUInt32BE(value >>> 0, pos + 4);
}

export function readUint64(buf: Buffer, pos: number): number {
  return buf.readUInt32BE(pos) * 0x100000000 + buf.readUInt32BE(pos + 4);
}

/** Prefix + topic id + partition; the first 21 bytes of every per-partition key. */
function tpKey(prefix: number, topicId: Buffer, partition: number, extra: number): Buffer {
  const key = Buffer.allocUnsafe(TP_LEN + extra);
  key[0] = prefix;
  topicId.copy(key, 1, 0, 16);
  key.writeUInt32BE(partition, 17);
  return key;
}

/** Builds the keys of one partition; one instance per PartitionLog avoids re-copying the topic id. */
export class PartitionKeys {
  private readonly dataPrefix: Buffer;
  private readonly segmentPrefix: Buffer;
  readonly replicaState: Buffer;
  readonly producerState: Buffer;

  constructor(topicId: Buffer, partition: number) {
    this.dataPrefix = tpKey(PREFIX_DATA, topicId, partition, 0);
    this.segmentPrefix = tpKey(PREFIX_SEGMENT, topicId, partition, 0);
    this.replicaState = tpKey(PREFIX_REPLICA, topicId, partition, 0);
    this.producerState = tpKey(PREFIX_PRODUCER, topicId, partition, 0);
  }

  data(lastOffset: number): Buffer {
    const key = Buffer.allocUnsafe(TP_LEN + 8);
    this.dataPrefix.copy(key, 0);
    writeUint64(key, lastOffset, TP_LEN);
    return key;
  }

  segment(baseOffset: number): Buffer {
    const key = Buffer.allocUnsafe(TP_LEN + 8);
    this.segmentPrefix.copy(key, 0);
    writeUint64(key, baseOffset, TP_LEN);
    return key;
  }

  /** Range bounds covering every data key of the partition. */
  dataRange(): { gte: Buffer; lte: Buffer } {
    return { gte: this.data(0), lte: this.data(Number.MAX_SAFE_INTEGER) };
  }

  segmentRange(): { gte: Buffer; lte: Buffer } {
    return { gte: this.segment(0), lte: this.segment(Number.MAX_SAFE_INTEGER) };
  }

  static lastOffsetOfDataKey(key: Buffer): number {
    return readUint64(key, TP_LEN);
  }
}

export function metadataKey(offset: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = PREFIX_METADATA;
  writeUint64(key, offset, 1);
  return key;
}

export function metadataRange(fromOffset = 0): { gte: Buffer; lte: Buffer } {
  return { gte: metadataKey(fromOffset), lte: metadataKey(Number.MAX_SAFE_INTEGER) };
}

export function metadataOffsetOfKey(key: Buffer): number {
  return readUint64(key, 1);
}

/** Parts of a metadata snapshot, in key order: header, records, end marker. */
export const SNAPSHOT_HEADER = 0;
export const SNAPSHOT_RECORD = 1;
export const SNAPSHOT_END = 2;

/** A key of the metadata snapshot taken at `offset` (`index` only for records). */
export function snapshotKey(offset: number, part: number, index = 0): Buffer {
  const key = Buffer.allocUnsafe(part === SNAPSHOT_RECORD ? 14 : 10);
  key[0] = PREFIX_SNAPSHOT;
  writeUint64(key, offset, 1);
  key[9] = part;
  if (part === SNAPSHOT_RECORD) key.writeUInt32BE(index, 10);
  return key;
}

/** Every key of the snapshot at `offset`, or of all snapshots. */
export function snapshotRange(offset?: number): { gte: Buffer; lt: Buffer } {
  if (offset === undefined) return { gte: Buffer.from([PREFIX_SNAPSHOT]), lt: Buffer.from([PREFIX_SNAPSHOT + 1]) };
  return { gte: snapshotKey(offset, SNAPSHOT_HEADER), lt: snapshotKey(offset + 1, SNAPSHOT_HEADER) };
}

/** Offset, part and record index of a snapshot key. */
export function parseSnapshotKey(key: Buffer): { offset: number; part: number; index: number } {
  return { offset: readUint64(key, 1), part: key[9]!, index: key.length >= 14 ? key.readUInt32BE(10) : 0 };
}

/** Every key of one topic (all partitions, all kinds) for deleting a topic. */
export function topicRanges(topicId: Buffer): Array<{ gte: Buffer; lt: Buffer }> {
  return [PREFIX_DATA, PREFIX_SEGMENT, PREFIX_REPLICA, PREFIX_PRODUCER].map((prefix) => {
    const gte = Buffer.alloc(17);
    gte[0] = prefix;
    topicId.copy(gte, 1, 0, 16);
    const lt = Buffer.alloc(17 + 4, 0xff);
    lt[0] = prefix;
    topicId.copy(lt, 1, 0, 16);
    return { gte, lt };
  });
}
