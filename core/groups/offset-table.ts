/**
 * A group's committed offsets in memory: topic -> partition -> offset. It is
 * a cache of what __consumer_offsets holds for the group; entries change only
 * after the matching record (or tombstone) is written.
 */
import type { OffsetAndMetadata } from './offsets-log';

export class OffsetTable extends Map<string, Map<number, OffsetAndMetadata>> {
  /** Bumped by every change made through put/remove (what the lag sampler compares to skip an unchanged group). */
  version = 0;

  find(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.get(topic)?.get(partition);
  }

  put(topic: string, partition: number, v: OffsetAndMetadata): void {
    this.version++;
    let m = this.get(topic);
    if (!m) this.set(topic, (m = new Map()));
    m.set(partition, v);
  }

  remove(topic: string, partition: number): void {
    const m = this.get(topic);
    if (!m) return;
    this.version++;
    m.delete(partition);
    if (m.size === 0) this.delete(topic);
  }

  get count(): number {
    let n = 0;
    for (const m of this.values()) n += m.size;
    return n;
  }
}

/**
 * Offsets past offsets.retention.minutes (Kafka 2.1+): an Empty group with
 * a protocol expires all of them counted from when it became Empty; a group
 * without group management counts from each commit; a Stable consumer group
 * only those of topics it no longer subscribes to, from each commit. Other
 * states expire nothing.
 */
export function expiredOffsets(
  g: {
    state: string;
    protocolType: string | null;
    currentStateTimestamp: number;
    subscribedTopics: Set<string> | null;
    offsets: OffsetTable;
  },
  now: number,
  retentionMs: number,
): Array<{ topic: string; partition: number }> {
  const out: Array<{ topic: string; partition: number }> = [];
  let base: ((o: OffsetAndMetadata) => number) | null = null;
  if (g.state === 'Empty') base = g.protocolType !== null ? () => g.currentStateTimestamp : (o) => o.commitTimestamp;
  else if (g.state === 'Stable' && g.subscribedTopics) base = (o) => o.commitTimestamp;
  if (!base) return out;
  for (const [topic, byPartition] of g.offsets) {
    if (g.state === 'Stable' && g.subscribedTopics!.has(topic)) continue;
    for (const [partition, o] of byPartition) if (base(o) + retentionMs <= now) out.push({ topic, partition });
  }
  return out;
}
