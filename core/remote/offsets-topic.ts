/**
 * What Kafka keeps about a consumer group only in `__consumer_offsets`: when each offset was committed, and the
 * group's generation, protocol and leader. OffsetFetch and DescribeGroups carry none of these, so a remote view
 * reads them from the topic itself, as kafka-consumer-groups' offsets formatter would, when the user may read it.
 *
 * Rules:
 * - The group's partition is Kafka's (Java hashCode of the group id modulo the topic's partitions).
 * - Only the tail is read: at most TAIL_RECORDS offsets before the high watermark and TAIL_BYTES of batches, so
 *   a busy cluster's offsets topic is never read whole. The latest record per key wins; a tombstone removes.
 * - A later read of the same group continues where the last one stopped (`previous`), so a page that describes
 *   the group every few seconds reads only what was written since.
 * - Anything not seen in that tail is unknown (null), never guessed; an unreadable topic (no such topic, not
 *   authorised, offline) makes everything unknown and says why in `unreadable`.
 */
import { asKafkaError } from '../errors';
import { decodeRecords } from '../record';
import {
  OFFSETS_TOPIC,
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  partitionForGroup,
} from '../groups/offsets-log';
import { fetchBatches, type FetchedBatches, type RecordsContext } from './records';

export const TAIL_RECORDS = 100_000;
export const TAIL_BYTES = 16 * 1024 * 1024;

export interface GroupHistory {
  /** Commit time (ms since the epoch) by `${topic}\u0000${partition}`; a partition missing here is unknown. */
  commitTimes: Map<string, number>;
  /** From the group's latest GroupMetadata record in the tail; null when it was not there. */
  generationId: number | null;
  protocol: string | null;
  leader: string | null;
  /** Why nothing could be read, in words; null when the tail was read. */
  unreadable: string | null;
  /** Where the next read of this group continues. */
  next: { partition: number; offset: number } | null;
}

const nothing = (unreadable: string | null): GroupHistory => ({
  commitTimes: new Map(),
  generationId: null,
  protocol: null,
  leader: null,
  unreadable,
  next: null,
});

export async function readGroupHistory(
  ctx: RecordsContext,
  groupId: string,
  previous: GroupHistory | null = null,
): Promise<GroupHistory> {
  const topic = ctx.snapshot().topics.get(OFFSETS_TOPIC);
  if (!topic || topic.partitions.length === 0)
    return nothing(`the cluster has no readable ${OFFSETS_TOPIC} topic, which holds commit times and generations`);
  const partition = partitionForGroup(groupId, topic.partitions.length);
  const known = topic.partitions[partition]!;
  let end = known.highWatermark;
  let offset = Math.max(known.logStartOffset, end - TAIL_RECORDS);
  const resume = previous?.next?.partition === partition && previous.next.offset >= known.logStartOffset;
  const out: GroupHistory = resume
    ? { ...previous, commitTimes: new Map(previous.commitTimes), unreadable: null }
    : nothing(null);
  if (resume) offset = Math.max(offset, previous.next!.offset);
  let bytes = 0;
  try {
    // The snapshot's high watermark may be a few seconds old: each answer says where the partition ends now.
    for (let first = true; first || (offset < end && bytes < TAIL_BYTES); first = false) {
      const f = (await fetchBatches(ctx, OFFSETS_TOPIC, partition, offset)) as FetchedBatches & { next: number };
      end = f.highWatermark;
      for (const b of f.batches) {
        bytes += b.length;
        for (const r of await decodeRecords(b)) {
          if (r.offset < offset || r.key === null) continue;
          const k = decodeKey(r.key);
          if (!k || k.group !== groupId) continue;
          if (k.type === 'offset') {
            const id = `${k.topic}\u0000${k.partition}`;
            if (r.value === null) out.commitTimes.delete(id);
            else out.commitTimes.set(id, decodeOffsetValue(r.value).commitTimestamp);
          } else if (r.value === null) {
            out.generationId = out.protocol = out.leader = null;
          } else {
            const g = decodeGroupValue(r.value);
            out.generationId = g.generationId;
            out.protocol = g.protocolName;
            out.leader = g.leaderId;
          }
        }
      }
      if (f.next <= offset) break;
      offset = f.next;
    }
    out.next = { partition, offset };
    return out;
  } catch (err) {
    return nothing(`${OFFSETS_TOPIC} could not be read: ${asKafkaError(err).message}`);
  }
}
