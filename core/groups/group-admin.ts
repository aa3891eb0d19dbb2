/**
 * Group administration as kafka-consumer-groups.sh offers it, for the GUI and
 * the API layer: list, describe (members, assignments, lag), delete, reset
 * offsets, delete offsets. Errors are thrown as KafkaError with a message
 * that says what to do.
 *
 * Rules:
 * - A group is deleted only when it has no members (NON_EMPTY_GROUP otherwise).
 * - Offsets are reset only while the group has no active member (NON_EMPTY_GROUP,
 *   as the Kafka tool refuses), to: earliest (log start), latest (high
 *   watermark), a timestamp (the first offset at or after it, or the high
 *   watermark when none), an absolute offset, or a shift of the committed
 *   offset (from the log start when nothing is committed). Every target is
 *   clamped to [log start, high watermark], as the Kafka tool does. A dry run
 *   returns the same plan and commits nothing.
 * - Without a topic list, a reset covers every topic the group has offsets for.
 */
import { KafkaError, errorNameOf } from '../errors';
import type { Cluster } from '../cluster/cluster';
import { decodeAssignment, decodeSubscription, type TopicPartitions } from './assignors';
import type { GroupCoordinator } from './group-coordinator';
import { computeGroupLag, topicOffsets, type GroupLag, type PartitionLag } from './lag';
import type { GroupState } from './types';

export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** Selected protocol (assignor) of the current generation; '' when none. */
  protocol: string;
  members: number;
  coordinator: number;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded for consumer groups; empty otherwise or while rebalancing. */
  assignment: TopicPartitions[];
  subscription: string[];
}

/**
 * A member as described to people: a consumer group's member has its
 * subscription and assignment decoded from the consumer protocol's bytes;
 * bytes that are not that protocol's (or another protocol type) leave them
 * empty. The remote cluster's groups (core/remote/remote-groups.ts) use it too.
 */
export function describeMember(
  m: Pick<MemberDescription, 'memberId' | 'groupInstanceId' | 'clientId' | 'clientHost'>,
  consumer: boolean,
  metadata: Buffer,
  assignmentBytes: Buffer,
): MemberDescription {
  let assignment: TopicPartitions[] = [];
  let subscription: string[] = [];
  if (consumer) {
    try {
      assignment = decodeAssignment(assignmentBytes);
    } catch {
      /* not the consumer protocol's bytes */
    }
    try {
      subscription = metadata.length > 0 ? decodeSubscription(metadata).topics : [];
    } catch {
      /* idem */
    }
  }
  return {
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment,
    subscription,
  };
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocol: string;
  generationId: number;
  leader: string;
  coordinator: number;
  members: MemberDescription[];
  lag: GroupLag;
}

export type OffsetResetSpec =
  | { type: 'earliest' }
  | { type: 'latest' }
  | { type: 'timestamp'; timestamp: number }
  | { type: 'offset'; offset: number }
  | { type: 'shift'; by: number };

export interface ResetOffsetsOptions {
  groupId: string;
  to: OffsetResetSpec;
  /** Topics (and optionally partitions) to reset; omitted: every topic with a committed offset. */
  topics?: Array<{ topic: string; partitions?: number[] }>;
  dryRun?: boolean;
}

export interface OffsetResetPlan {
  topic: string;
  partition: number;
  previousOffset: number | null;
  newOffset: number;
}

export class GroupAdmin {
  constructor(
    private readonly cluster: Cluster,
    private readonly coordinator: GroupCoordinator,
  ) {}

  async listGroups(): Promise<GroupSummary[]> {
    const r = await this.coordinator.listGroups();
    if (r.errorCode !== 0) throw new KafkaError(errorNameOf(r.errorCode), r.errorMessage ?? undefined);
    return r.groups.map((g) => {
      const group = this.coordinator.loadedGroup(g.groupId);
      return {
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: group?.protocolName ?? '',
        members: group?.members.size ?? 0,
        coordinator: this.coordinator.shards.list[this.coordinator.shards.partitionFor(g.groupId)]?.leader ?? -1,
      };
    });
  }

  private async group(groupId: string) {
    const group = await this.coordinator.groupOf(groupId);
    if (!group || group.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} does not exist`);
    return group;
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const group = await this.group(groupId);
    const consumer = group.protocolType === 'consumer';
    const members = group.memberList().map((m) => describeMember(m, consumer, m.metadata, m.assignment));
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocol: group.protocolName ?? '',
      generationId: group.generationId,
      leader: group.leaderId ?? '',
      coordinator: await this.coordinatorOf(groupId),
      members,
      lag: computeGroupLag(this.cluster, group),
    };
  }

  private async coordinatorOf(groupId: string): Promise<number> {
    const r = await this.coordinator.findCoordinator(groupId);
    return r.errorCode === 0 ? r.nodeId : -1;
  }

  async lag(groupId: string): Promise<GroupLag> {
    return computeGroupLag(this.cluster, await this.group(groupId));
  }

  async deleteGroup(groupId: string): Promise<void> {
    const [r] = await this.coordinator.deleteGroups([groupId]);
    if (r!.errorCode !== 0) throw new KafkaError(errorNameOf(r!.errorCode), r!.errorMessage ?? undefined);
  }

  /** Deletes the committed offsets of a topic (all its partitions, or those given). */
  async deleteOffsets(groupId: string, topic: string, partitions?: number[]): Promise<void> {
    let list = partitions;
    if (!list) {
      const offs = topicOffsets(this.cluster, topic);
      if (!offs) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${topic} does not exist`);
      list = offs.map((_, i) => i);
    }
    const r = await this.coordinator.deleteOffsets({
      groupId,
      partitions: list.map((partition) => ({ topic, partition })),
    });
    if (r.errorCode !== 0) throw new KafkaError(errorNameOf(r.errorCode), r.errorMessage ?? undefined);
    const bad = r.partitions.find((p) => p.errorCode !== 0);
    if (bad) throw new KafkaError(errorNameOf(bad.errorCode), bad.errorMessage ?? undefined);
  }

  async resetOffsets(opts: ResetOffsetsOptions): Promise<OffsetResetPlan[]> {
    if (!opts || typeof opts !== 'object' || !opts.to)
      throw new KafkaError('INVALID_REQUEST', 'resetOffsets needs {groupId, to, topics?, dryRun?}');
    const group = await this.coordinator.groupOf(opts.groupId);
    if (group && group.state !== 'Empty' && group.state !== 'Dead') {
      throw new KafkaError(
        'NON_EMPTY_GROUP',
        `Offsets of group ${opts.groupId} can only be reset while it has no active members; it is ${group.state} ` +
          `with ${group.members.size} member(s). Stop its consumers first.`,
      );
    }
    const targets = this.resetTargets(opts, group?.offsets);
    const plan: OffsetResetPlan[] = [];
    for (const { topic, partition } of targets) {
      const offs = topicOffsets(this.cluster, topic)![partition]!;
      const previous = group?.offsets.find(topic, partition)?.offset ?? null;
      let target: number;
      const to = opts.to;
      switch (to.type) {
        case 'earliest':
          target = offs.logStartOffset;
          break;
        case 'latest':
          target = offs.highWatermark;
          break;
        case 'offset':
          if (!Number.isSafeInteger(to.offset))
            throw new KafkaError('INVALID_REQUEST', `Offset must be an integer; got ${to.offset}`);
          target = to.offset;
          break;
        case 'shift':
          if (!Number.isSafeInteger(to.by))
            throw new KafkaError('INVALID_REQUEST', `Shift must be an integer; got ${to.by}`);
          target = (previous ?? offs.logStartOffset) + to.by;
          break;
        case 'timestamp': {
          if (!Number.isFinite(to.timestamp))
            throw new KafkaError(
              'INVALID_TIMESTAMP',
              `Timestamp must be a number of milliseconds; got ${to.timestamp}`,
            );
          const found = await this.cluster.listOffsets(topic, partition, { timestamp: to.timestamp });
          target = found.offset >= 0 ? found.offset : offs.highWatermark;
          break;
        }
        default:
          throw new KafkaError(
            'INVALID_REQUEST',
            `Unknown reset type ${(to as { type: unknown }).type}; use earliest, latest, timestamp, offset or shift`,
          );
      }
      plan.push({
        topic,
        partition,
        previousOffset: previous,
        newOffset: Math.min(Math.max(target, offs.logStartOffset), offs.highWatermark),
      });
    }
    if (opts.dryRun || plan.length === 0) return plan;
    const r = await this.coordinator.commitOffsets({
      groupId: opts.groupId,
      generationId: -1,
      memberId: '',
      offsets: plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.newOffset })),
    });
    const bad = r.partitions.find((p) => p.errorCode !== 0);
    if (bad) {
      const name = errorNameOf(bad.errorCode);
      throw new KafkaError(
        name,
        name === 'UNKNOWN_MEMBER_ID'
          ? `Group ${opts.groupId} gained members during the reset; stop its consumers and retry`
          : `Resetting ${bad.topic}-${bad.partition} failed: ${bad.errorMessage ?? name}`,
      );
    }
    return plan;
  }

  private resetTargets(
    opts: ResetOffsetsOptions,
    offsets: Map<string, Map<number, unknown>> | undefined,
  ): Array<{ topic: string; partition: number }> {
    const out: Array<{ topic: string; partition: number }> = [];
    if (!opts.topics) {
      for (const [topic, byPartition] of offsets ?? []) {
        const offs = topicOffsets(this.cluster, topic);
        if (!offs) continue; // offsets of a deleted topic: nothing to reset to
        for (const partition of byPartition.keys()) if (partition < offs.length) out.push({ topic, partition });
      }
      if (out.length === 0)
        throw new KafkaError(
          'INVALID_REQUEST',
          `Group ${opts.groupId} has no committed offsets; name the topics to reset`,
        );
    } else {
      for (const t of opts.topics) {
        const offs = topicOffsets(this.cluster, t?.topic);
        if (!offs) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${t?.topic} does not exist`);
        for (const partition of t.partitions ?? offs.map((_, i) => i)) {
          if (!Number.isInteger(partition) || partition < 0 || partition >= offs.length) {
            throw new KafkaError(
              'UNKNOWN_TOPIC_OR_PARTITION',
              `Topic ${t.topic} has no partition ${partition} (it has ${offs.length})`,
            );
          }
          out.push({ topic: t.topic, partition });
        }
      }
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }
}

export type { PartitionLag, GroupLag };
