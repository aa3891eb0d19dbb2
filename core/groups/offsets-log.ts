/**
 * The records of `__consumer_offsets`, in Kafka's own byte layout, so that a
 * real tool reading the topic (kafka-console-consumer with the offsets
 * formatter) decodes what the engine wrote, and the engine decodes what
 * Kafka 0.10+ brokers wrote.
 *
 * Every key and value is an int16 schema version followed by the fields in
 * their non-flexible encoding (strings: int16 length + UTF-8, nullable
 * strings: length -1 for null, bytes: int32 length, arrays: int32 count):
 *   OffsetCommitKey   v0/v1: group, topic, partition(int32)
 *   OffsetCommitValue v3:    offset(int64), leaderEpoch(int32), metadata, commitTimestamp(int64)
 *                     (v0: offset, metadata, commitTimestamp; v1: + expireTimestamp; v2: as v0)
 *   GroupMetadataKey  v2:    group
 *   GroupMetadataValue v3:   protocolType, generation(int32), protocol?, leader?, currentStateTimestamp(int64),
 *                            members[memberId, groupInstanceId?, clientId, clientHost,
 *                                    rebalanceTimeout(int32), sessionTimeout(int32), subscription, assignment]
 *                     (v0: no rebalanceTimeout, currentStateTimestamp, groupInstanceId; v1: + rebalanceTimeout;
 *                      v2: + currentStateTimestamp; v3: + groupInstanceId)
 * A record with a null value (a tombstone) deletes its key; compaction keeps
 * only the latest record per key, which is why the key carries everything
 * that identifies the entry.
 *
 * Loading replays a partition's records in offset order into LoadedState:
 * the latest record per key wins, tombstones remove.
 */
import { decodeRecords, isControlBatch, batchLastOffset } from '../record';
import type { PartitionLog } from '../storage/partition-log';

export const OFFSETS_TOPIC = '__consumer_offsets';

const OFFSET_KEY_VERSION = 1;
const OFFSET_VALUE_VERSION = 3;
const GROUP_KEY_VERSION = 2;
const GROUP_VALUE_VERSION = 3;

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetAndMetadata {
  offset: number;
  /** -1 when the committer did not say. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the selected protocol (the consumer's subscription). */
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataValue {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  currentStateTimestamp: number;
  members: StoredMember[];
}

export type OffsetsLogKey =
  { type: 'offset'; group: string; topic: string; partition: number } | { type: 'group'; group: string };

// ---- primitive writer/reader -------------------------------------------------

class Out {
  private readonly parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  int64(v: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(Math.trunc(v)));
    this.parts.push(b);
    return this;
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const s = Buffer.from(v, 'utf8');
    if (s.length > 0x7fff) throw new RangeError(`string of ${s.length} bytes is too long for an int16 length`);
    this.int16(s.length);
    this.parts.push(s);
    return this;
  }
  bytes(v: Buffer): this {
    this.int32(v.length);
    this.parts.push(v);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class In {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length)
      throw new RangeError(`offsets record truncated at byte ${this.pos} (needs ${n} more)`);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  string(): string {
    return this.nullableString() ?? '';
  }
  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) return Buffer.alloc(0);
    this.need(n);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return b;
  }
}

// ---- keys and values -------------------------------------------------------------

export function encodeOffsetKey(group: string, topic: string, partition: number): Buffer {
  return new Out().int16(OFFSET_KEY_VERSION).string(group).string(topic).int32(partition).done();
}

export function encodeGroupKey(group: string): Buffer {
  return new Out().int16(GROUP_KEY_VERSION).string(group).done();
}

export function encodeOffsetValue(v: OffsetAndMetadata): Buffer {
  return new Out()
    .int16(OFFSET_VALUE_VERSION)
    .int64(v.offset)
    .int32(v.leaderEpoch)
    .string(v.metadata)
    .int64(v.commitTimestamp)
    .done();
}

export function encodeGroupValue(v: GroupMetadataValue): Buffer {
  const out = new Out()
    .int16(GROUP_VALUE_VERSION)
    .string(v.protocolType)
    .int32(v.generationId)
    .string(v.protocolName)
    .string(v.leaderId)
    .int64(v.currentStateTimestamp)
    .int32(v.members.length);
  for (const m of v.members) {
    out
      .string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment);
  }
  return out.done();
}

/** Decodes a key; null for a version this engine does not know (such records are skipped). */
export function decodeKey(buf: Buffer): OffsetsLogKey | null {
  const r = new In(buf);
  const version = r.int16();
  if (version === 0 || version === 1)
    return { type: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { type: 'group', group: r.string() };
  return null;
}

export function decodeOffsetValue(buf: Buffer): OffsetAndMetadata {
  const r = new In(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new RangeError(`unknown OffsetCommitValue version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = r.int64();
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

export function decodeGroupValue(buf: Buffer): GroupMetadataValue {
  const r = new In(buf);
  const version = r.int16();
  if (version < 0 || version > 3) throw new RangeError(`unknown GroupMetadataValue version ${version}`);
  const protocolType = r.string();
  const generationId = r.int32();
  const protocolName = r.nullableString();
  const leaderId = r.nullableString();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = r.int32();
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.string();
    const groupInstanceId = version >= 3 ? r.nullableString() : null;
    const clientId = r.string();
    const clientHost = r.string();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = r.bytes();
    const assignment = r.bytes();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  return { protocolType, generationId, protocolName, leaderId, currentStateTimestamp, members };
}

// ---- loading ------------------------------------------------------------------------

/** What one offsets partition holds once replayed: per group, its metadata and committed offsets. */
export interface LoadedGroup {
  metadata: GroupMetadataValue | null;
  /** Keyed by `topic` then partition. */
  offsets: Map<string, Map<number, OffsetAndMetadata>>;
}

export interface LoadResult {
  groups: Map<string, LoadedGroup>;
  records: number;
  /** Records skipped because their key or value could not be decoded. */
  skipped: number;
  endOffset: number;
}

const LOAD_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Replays a replica's log from its start to `endOffset` (the log end offset
 * of a leader that was just elected: everything in it will become committed,
 * since followers truncate to the leader).
 */
export async function loadPartition(log: PartitionLog, endOffset: number): Promise<LoadResult> {
  const groups = new Map<string, LoadedGroup>();
  const res: LoadResult = { groups, records: 0, skipped: 0, endOffset };
  const entry = (g: string): LoadedGroup => {
    let e = groups.get(g);
    if (!e) groups.set(g, (e = { metadata: null, offsets: new Map() }));
    return e;
  };
  let offset = log.logStartOffset;
  while (offset < endOffset) {
    const batches = await log.read(offset, LOAD_CHUNK_BYTES, endOffset);
    if (batches.length === 0) break;
    for (const batch of batches) {
      offset = batchLastOffset(batch) + 1;
      if (isControlBatch(batch)) continue;
      for (const rec of await decodeRecords(batch)) {
        if (rec.offset >= endOffset) break;
        res.records++;
        let key: OffsetsLogKey | null = null;
        try {
          key = rec.key ? decodeKey(rec.key) : null;
        } catch {
          /* counted below */
        }
        if (!key) {
          res.skipped++;
          continue;
        }
        try {
          if (key.type === 'offset') {
            const g = entry(key.group);
            let byTopic = g.offsets.get(key.topic);
            if (rec.value === null) {
              byTopic?.delete(key.partition);
              if (byTopic && byTopic.size === 0) g.offsets.delete(key.topic);
            } else {
              const v = decodeOffsetValue(rec.value);
              if (!byTopic) g.offsets.set(key.topic, (byTopic = new Map()));
              byTopic.set(key.partition, v);
            }
          } else if (rec.value === null) {
            entry(key.group).metadata = null;
          } else {
            entry(key.group).metadata = decodeGroupValue(rec.value);
          }
        } catch {
          res.skipped++;
        }
      }
    }
  }
  // A group with neither metadata nor offsets was deleted.
  for (const [g, e] of groups) if (!e.metadata && e.offsets.size === 0) groups.delete(g);
  return res;
}

/**
 * Java's `Utils.abs(groupId.hashCode()) % partitions`: String.hashCode over
 * UTF-16 code units in int32 arithmetic, then the sign bit masked off (so
 * Integer.MIN_VALUE maps to 0). Kafka clients and tools compute the same.
 */
export function partitionForGroup(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % partitions;
}
