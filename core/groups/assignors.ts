/**
 * Partition assignors of the consumer protocol (protocol type "consumer"):
 * the group leader runs one over every member's subscription and hands the
 * result to SyncGroup. The coordinator never runs them; it only stores and
 * forwards the bytes. Names and results match the Java client's, so a group
 * mixing the engine's consumers with Java ones agrees on the outcome:
 *
 * - range: per topic, the members subscribed to it, sorted, get consecutive
 *   ranges; the first `partitions % members` get one extra.
 * - roundrobin: every subscribed partition, sorted by topic then index, goes
 *   to the next member (in sorted order, circularly) subscribed to its topic.
 *
 * Members sort as Java's MemberInfo does: members with a group.instance.id
 * first, by instance id, then the rest by member id. Static members thus keep
 * the same positions (and partitions) across restarts.
 *
 * The subscription and assignment bytes are the ConsumerProtocolSubscription
 * and ConsumerProtocolAssignment structs, encoded by core/protocol.
 */
import {
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
} from '../protocol/consumer-protocol';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: string[];
  userData: Buffer | null;
}

export interface PartitionAssignor {
  readonly name: string;
  /** Returns every member's partitions (members with none get an empty list). */
  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    members: readonly MemberSubscription[],
  ): Map<string, TopicPartitions[]>;
}

/** Versions written (readers accept every version core/protocol knows). */
const SUBSCRIPTION_VERSION = 1;
const ASSIGNMENT_VERSION = 1;

export function encodeSubscription(topics: readonly string[], userData: Buffer | null = null): Buffer {
  return encodeConsumerSubscription(SUBSCRIPTION_VERSION, { topics: [...topics], userData, ownedPartitions: [] });
}

export function decodeSubscription(buf: Buffer): { topics: string[]; userData: Buffer | null } {
  const s = decodeConsumerSubscription(buf);
  return { topics: s.topics, userData: s.userData };
}

export function encodeAssignment(partitions: readonly TopicPartitions[], userData: Buffer | null = null): Buffer {
  return encodeConsumerAssignment(ASSIGNMENT_VERSION, {
    assignedPartitions: partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] })),
    userData,
  });
}

/** An empty buffer (what a member gets when the leader assigned it nothing) decodes to no partitions. */
export function decodeAssignment(buf: Buffer): TopicPartitions[] {
  if (buf.length === 0) return [];
  return decodeConsumerAssignment(buf).assignedPartitions.map((p) => ({ topic: p.topic, partitions: p.partitions }));
}

function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) {
    if (a.groupInstanceId !== b.groupInstanceId) return a.groupInstanceId < b.groupInstanceId ? -1 : 1;
  } else if (a.groupInstanceId !== null) return -1;
  else if (b.groupInstanceId !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

function emptyResult(members: readonly MemberSubscription[]): Map<string, Map<string, number[]>> {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

function flatten(result: Map<string, Map<string, number[]>>): Map<string, TopicPartitions[]> {
  const out = new Map<string, TopicPartitions[]>();
  for (const [member, byTopic] of result) {
    out.set(
      member,
      [...byTopic]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([topic, partitions]) => ({ topic, partitions })),
    );
  }
  return out;
}

export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    members: readonly MemberSubscription[],
  ): Map<string, TopicPartitions[]> {
    const result = emptyResult(members);
    const topics = new Set(members.flatMap((m) => m.topics));
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic);
      if (!count) continue; // unknown topic: nothing to hand out
      const subscribers = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = i * per + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        if (length === 0) return;
        result.get(m.memberId)!.set(
          topic,
          Array.from({ length }, (_, k) => start + k),
        );
      });
    }
    return flatten(result);
  }
}

export class RoundRobinAssignor implements PartitionAssignor {
  readonly name = 'roundrobin';

  assign(
    partitionsPerTopic: ReadonlyMap<string, number>,
    members: readonly MemberSubscription[],
  ): Map<string, TopicPartitions[]> {
    const result = emptyResult(members);
    const sorted = [...members].sort(compareMembers);
    const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionsPerTopic.get(t)).sort();
    let next = 0;
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < count; p++) {
        // Advance circularly to the next member subscribed to this topic (one exists: the topic came from a
        // subscription).
        while (!sorted[next % sorted.length]!.topics.includes(topic)) next++;
        const m = sorted[next % sorted.length]!;
        next++;
        const byTopic = result.get(m.memberId)!;
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push(p);
      }
    }
    return flatten(result);
  }
}

export const ASSIGNORS: Record<string, PartitionAssignor> = {
  range: new RangeAssignor(),
  roundrobin: new RoundRobinAssignor(),
};

export type AssignorName = 'range' | 'roundrobin';
