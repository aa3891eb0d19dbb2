/**
 * GroupCoordinator: Kafka's group and offset APIs over the embedded cluster.
 * One object serves every broker: each request is routed to the shard
 * (shards.ts) of `abs(hash(groupId)) % partitions` of `__consumer_offsets`,
 * which the leader of that partition serves. The wire server passes the
 * broker a request reached (`ctx.brokerId`) and gets NOT_COORDINATOR when it
 * is the wrong one, exactly as from a real cluster.
 *
 * Rules owned here (the group's own rules are in group.ts):
 * - Group ids must be non-empty (INVALID_GROUP_ID); session timeouts must lie
 *   within group.min/max.session.timeout.ms (INVALID_SESSION_TIMEOUT).
 * - OffsetCommit: unknown topics or partitions get UNKNOWN_TOPIC_OR_PARTITION,
 *   metadata over offset.metadata.max.bytes OFFSET_METADATA_TOO_LARGE; the
 *   rest are written together with acks=all and become visible to
 *   OffsetFetch only once written. Generation -1 with member id '' commits
 *   outside group management (and creates the group when new); otherwise
 *   the member and generation must be current (see Group.commitError).
 * - Offsets expire after offsets.retention.minutes (offset-table.ts);
 *   an Empty group left with no offsets is then removed.
 * - Deleting a group writes tombstones for its offsets and metadata, and is
 *   refused while it has members (NON_EMPTY_GROUP).
 * - A subscribed topic gaining partitions starts a rebalance of the groups
 *   subscribed to it (Java consumers would notice it on their own; the
 *   coordinator makes every client, the engine's included, see it at once).
 */
import { ERRORS, KafkaError, asKafkaError, type ErrorName } from '../errors';
import type { Cluster } from '../cluster/cluster';
import type { PartitionState } from '../cluster/types';
import { Group } from './group';
import { expiredOffsets } from './offset-table';
import {
  OFFSETS_TOPIC,
  encodeGroupKey,
  encodeOffsetKey,
  encodeOffsetValue,
  type OffsetAndMetadata,
} from './offsets-log';
import { Shards, type Shard, type ShardOptions } from './shards';
import type {
  DeleteGroupResult,
  DescribedGroup,
  ErrorResult,
  FetchedOffset,
  FindCoordinatorResponse,
  GroupState,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
  RequestContext,
  SyncGroupRequest,
  SyncGroupResponse,
  TopicPartition,
} from './types';

export interface GroupCoordinatorOptions extends Partial<ShardOptions> {
  /** group.min.session.timeout.ms (Kafka: 6000). */
  minSessionTimeoutMs?: number;
  /** group.max.session.timeout.ms (Kafka: 1800000). */
  maxSessionTimeoutMs?: number;
  /** offsets.retention.minutes, in ms (Kafka: 7 days). */
  offsetsRetentionMs?: number;
  /** offsets.retention.check.interval.ms (Kafka: 600000). */
  offsetsRetentionCheckIntervalMs?: number;
  /** offset.metadata.max.bytes (Kafka: 4096). */
  offsetMetadataMaxBytes?: number;
}

type Resolved = Required<GroupCoordinatorOptions>;

export const DEFAULT_COORDINATOR_OPTIONS: Resolved = {
  offsetsTopicPartitions: 50,
  offsetsReplicationFactor: 3,
  commitTimeoutMs: 5000,
  loadTimeoutMs: 10_000,
  initialRebalanceDelayMs: 3000,
  maxGroupSize: Number.MAX_SAFE_INTEGER,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  now: Date.now,
};

const err = (name: ErrorName, message?: string): ErrorResult => ({
  errorCode: ERRORS[name].code,
  errorMessage: name === 'NONE' ? null : (message ?? ERRORS[name].text),
});
const fromError = (e: unknown): ErrorResult => {
  const k = asKafkaError(e);
  return { errorCode: k.code, errorMessage: k.message };
};
const OK = err('NONE');
const EMPTY = Buffer.alloc(0);

function validGroupId(groupId: unknown): groupId is string {
  return typeof groupId === 'string' && groupId.length > 0;
}

export class GroupCoordinator {
  readonly options: Resolved;
  readonly shards: Shards;
  private readonly partitionCounts = new Map<string, number>();
  private readonly grownTopics = new Set<string>();
  private grownTimer: NodeJS.Timeout | null = null;
  private readonly expiryTimer: NodeJS.Timeout;
  private readonly onPartition = (s: PartitionState): void => {
    try {
      this.shards.onPartitionState(s);
      if (s.topic !== OFFSETS_TOPIC) this.notePartitionCount(s.topic);
    } catch {
      // An event for a topic that vanished meanwhile: nothing to do.
    }
  };

  constructor(
    private readonly cluster: Cluster,
    opts: GroupCoordinatorOptions = {},
  ) {
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULT_COORDINATOR_OPTIONS, ...defined } as Resolved;
    this.shards = new Shards(cluster, this.options);
    for (const t of cluster.listTopics({ includeInternal: false })) this.partitionCounts.set(t.name, t.partitions);
    cluster.on('partition', this.onPartition);
    this.expiryTimer = setInterval(() => {
      void this.expireOffsets().catch((e: unknown) =>
        cluster.logger.warn('group-coordinator', 'Offset expiry failed', e),
      );
    }, this.options.offsetsRetentionCheckIntervalMs);
    this.expiryTimer.unref();
  }

  /** Loads the groups of every offsets partition that exists (call once after construction). */
  start(): Promise<void> {
    return this.shards.syncAll();
  }

  /** Closes timers and answers waiting members; call before `cluster.close()`. */
  close(): void {
    clearInterval(this.expiryTimer);
    if (this.grownTimer) clearTimeout(this.grownTimer);
    this.cluster.off('partition', this.onPartition);
    this.shards.close();
  }

  private async shard(groupId: string, ctx: RequestContext | undefined, create: boolean): Promise<Shard | null> {
    return this.shards.shardFor(groupId, ctx?.brokerId, create);
  }

  // ---- FindCoordinator -------------------------------------------------------------------

  async findCoordinator(groupId: string): Promise<FindCoordinatorResponse> {
    const none = { key: groupId, nodeId: -1, host: '', port: -1 };
    if (!validGroupId(groupId))
      return { ...none, ...err('INVALID_GROUP_ID', 'The group id must be a non-empty string') };
    try {
      const leader = await this.shards.coordinatorOf(groupId);
      if (leader < 0)
        return {
          ...none,
          ...err('COORDINATOR_NOT_AVAILABLE', `${OFFSETS_TOPIC}-${this.shards.partitionFor(groupId)} has no leader`),
        };
      const b = this.cluster.broker(leader);
      return { ...OK, key: groupId, nodeId: leader, host: this.cluster.host, port: b.port ?? -1 };
    } catch (e) {
      return { ...none, ...fromError(e) };
    }
  }

  // ---- membership ---------------------------------------------------------------------------

  async joinGroup(req: JoinGroupRequest, ctx?: RequestContext): Promise<JoinGroupResponse> {
    const memberId = typeof req?.memberId === 'string' ? req.memberId : '';
    const fail = (r: ErrorResult): JoinGroupResponse => ({
      ...r,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId,
      members: [],
    });
    if (!req || !validGroupId(req.groupId))
      return fail(err('INVALID_GROUP_ID', 'The group id must be a non-empty string'));
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.options;
    if (!Number.isInteger(req.sessionTimeoutMs) || req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) {
      return fail(
        err('INVALID_SESSION_TIMEOUT', `Session timeout ${req.sessionTimeoutMs} ms is outside ${min}..${max} ms`),
      );
    }
    if (
      req.rebalanceTimeoutMs !== undefined &&
      (!Number.isInteger(req.rebalanceTimeoutMs) || req.rebalanceTimeoutMs < 0)
    ) {
      return fail(
        err('INVALID_REQUEST', `Rebalance timeout must be a non-negative integer; got ${req.rebalanceTimeoutMs}`),
      );
    }
    if (
      typeof req.protocolType !== 'string' ||
      req.protocolType === '' ||
      !Array.isArray(req.protocols) ||
      req.protocols.length === 0
    ) {
      return fail(err('INCONSISTENT_GROUP_PROTOCOL', 'A member must name a protocol type and at least one protocol'));
    }
    let shard: Shard;
    try {
      shard = (await this.shard(req.groupId, ctx, true))!;
    } catch (e) {
      return fail(fromError(e));
    }
    let group = shard.groups.get(req.groupId);
    if (!group) {
      if (memberId !== '')
        return fail(err('UNKNOWN_MEMBER_ID', `Group ${req.groupId} does not exist, so member ${memberId} is unknown`));
      group = new Group(req.groupId, shard.host);
      shard.groups.set(req.groupId, group);
    }
    return group.join({ ...req, memberId });
  }

  async syncGroup(req: SyncGroupRequest, ctx?: RequestContext): Promise<SyncGroupResponse> {
    const fail = (r: ErrorResult): SyncGroupResponse => ({
      ...r,
      protocolType: null,
      protocolName: null,
      assignment: EMPTY,
    });
    if (!req || !validGroupId(req.groupId))
      return fail(err('INVALID_GROUP_ID', 'The group id must be a non-empty string'));
    try {
      const group = (await this.shard(req.groupId, ctx, false))?.groups.get(req.groupId);
      if (!group) return fail(err('UNKNOWN_MEMBER_ID', `Group ${req.groupId} does not exist`));
      return await group.sync({ ...req, assignments: Array.isArray(req.assignments) ? req.assignments : [] });
    } catch (e) {
      return fail(fromError(e));
    }
  }

  async heartbeat(req: HeartbeatRequest, ctx?: RequestContext): Promise<HeartbeatResponse> {
    if (!req || !validGroupId(req.groupId)) return err('INVALID_GROUP_ID', 'The group id must be a non-empty string');
    try {
      const group = (await this.shard(req.groupId, ctx, false))?.groups.get(req.groupId);
      if (!group) return err('UNKNOWN_MEMBER_ID', `Group ${req.groupId} does not exist`);
      return group.heartbeat(req);
    } catch (e) {
      return fromError(e);
    }
  }

  async leaveGroup(req: LeaveGroupRequest, ctx?: RequestContext): Promise<LeaveGroupResponse> {
    if (!req || !validGroupId(req.groupId))
      return { ...err('INVALID_GROUP_ID', 'The group id must be a non-empty string'), members: [] };
    try {
      const group = (await this.shard(req.groupId, ctx, false))?.groups.get(req.groupId);
      if (!group) return { ...err('UNKNOWN_MEMBER_ID', `Group ${req.groupId} does not exist`), members: [] };
      return group.leave({ groupId: req.groupId, members: Array.isArray(req.members) ? req.members : [] });
    } catch (e) {
      return { ...fromError(e), members: [] };
    }
  }

  // ---- offsets -------------------------------------------------------------------------------

  async commitOffsets(req: OffsetCommitRequest, ctx?: RequestContext): Promise<OffsetCommitResponse> {
    const offsets = Array.isArray(req?.offsets) ? req.offsets : [];
    const all = (r: ErrorResult): OffsetCommitResponse => ({
      partitions: offsets.map((o) => ({ topic: o.topic, partition: o.partition, ...r })),
    });
    if (!req || !validGroupId(req.groupId))
      return all(err('INVALID_GROUP_ID', 'The group id must be a non-empty string'));
    let shard: Shard;
    try {
      shard = (await this.shard(req.groupId, ctx, true))!;
    } catch (e) {
      return all(fromError(e));
    }
    const results: Array<ErrorResult | null> = offsets.map((o) => this.checkCommitEntry(o));
    const existing = shard.groups.get(req.groupId);
    const memberId = typeof req.memberId === 'string' ? req.memberId : '';
    let groupError: ErrorResult | null = null;
    if (!existing) {
      if (req.generationId >= 0)
        groupError = err(
          'ILLEGAL_GENERATION',
          `Group ${req.groupId} does not exist, so generation ${req.generationId} is not current`,
        );
    } else {
      groupError = existing.commitError(req.generationId, memberId, req.groupInstanceId ?? null);
    }
    if (groupError) return all(groupError);
    const now = this.options.now();
    const accepted: Array<{ i: number; value: OffsetAndMetadata }> = [];
    offsets.forEach((o, i) => {
      if (results[i]) return;
      accepted.push({
        i,
        value: { offset: o.offset, leaderEpoch: o.leaderEpoch ?? -1, metadata: o.metadata ?? '', commitTimestamp: now },
      });
    });
    if (accepted.length > 0) {
      try {
        await this.shards.append(
          shard,
          accepted.map(({ i, value }) => ({
            key: encodeOffsetKey(req.groupId, offsets[i]!.topic, offsets[i]!.partition),
            value: encodeOffsetValue(value),
          })),
          true,
        );
        let group = shard.groups.get(req.groupId);
        if (!group && shard.status === 'loaded' && req.generationId < 0) {
          group = new Group(req.groupId, shard.host);
          shard.groups.set(req.groupId, group);
        }
        // A group deleted or moved meanwhile keeps nothing in memory; the log still has the record, as in Kafka.
        if (group && group.state !== 'Dead')
          for (const { i, value } of accepted) group.offsets.put(offsets[i]!.topic, offsets[i]!.partition, value);
        for (const { i } of accepted) results[i] = OK;
      } catch (e) {
        const r = fromError(e);
        for (const { i } of accepted) results[i] = r;
      }
    }
    return { partitions: offsets.map((o, i) => ({ topic: o.topic, partition: o.partition, ...results[i]! })) };
  }

  private checkCommitEntry(o: OffsetCommitRequest['offsets'][number]): ErrorResult | null {
    if (!o || typeof o.topic !== 'string' || !Number.isInteger(o.partition))
      return err('UNKNOWN_TOPIC_OR_PARTITION', 'A commit needs a topic name and a partition index');
    const partitions = this.shards.topicPartitionCount(o.topic);
    if (partitions === null || o.partition < 0 || o.partition >= partitions) {
      return err(
        'UNKNOWN_TOPIC_OR_PARTITION',
        partitions === null
          ? `Topic ${o.topic} does not exist`
          : `Topic ${o.topic} has no partition ${o.partition} (it has ${partitions})`,
      );
    }
    // Kafka stores any offset: tools commit -1/-2 to mean "reset to latest/earliest"; readers treat negatives as none.
    if (!Number.isSafeInteger(o.offset) || o.offset < -2)
      return err('INVALID_REQUEST', `Offset must be an integer of at least -2; got ${o.offset}`);
    if (o.metadata && Buffer.byteLength(o.metadata) > this.options.offsetMetadataMaxBytes) {
      return err(
        'OFFSET_METADATA_TOO_LARGE',
        `Offset metadata is ${Buffer.byteLength(o.metadata)} bytes; offset.metadata.max.bytes is ` +
          `${this.options.offsetMetadataMaxBytes}`,
      );
    }
    return null;
  }

  async fetchOffsets(req: OffsetFetchRequest, ctx?: RequestContext): Promise<OffsetFetchResponse> {
    if (!req || !validGroupId(req.groupId))
      return { ...err('INVALID_GROUP_ID', 'The group id must be a non-empty string'), offsets: [] };
    const missing = (tp: TopicPartition): FetchedOffset => ({
      topic: tp.topic,
      partition: tp.partition,
      offset: -1,
      leaderEpoch: -1,
      metadata: '',
      commitTimestamp: -1,
      ...OK,
    });
    let group: Group | undefined;
    try {
      group = (await this.shard(req.groupId, ctx, false))?.groups.get(req.groupId);
    } catch (e) {
      return { ...fromError(e), offsets: [] };
    }
    if (!req.partitions) {
      const offsets: FetchedOffset[] = [];
      if (group) {
        for (const [topic, byPartition] of [...group.offsets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          for (const [partition, o] of [...byPartition].sort(([a], [b]) => a - b))
            offsets.push({ topic, partition, ...o, ...OK });
        }
      }
      return { ...OK, offsets };
    }
    return {
      ...OK,
      offsets: req.partitions.map((tp) => {
        const o = group?.offsets.find(tp.topic, tp.partition);
        return o ? { topic: tp.topic, partition: tp.partition, ...o, ...OK } : missing(tp);
      }),
    };
  }

  /** OffsetDelete: removes committed offsets, refused for topics an active consumer group subscribes to. */
  async deleteOffsets(req: OffsetDeleteRequest, ctx?: RequestContext): Promise<OffsetDeleteResponse> {
    const partitions = Array.isArray(req?.partitions) ? req.partitions : [];
    const whole = (r: ErrorResult): OffsetDeleteResponse => ({ ...r, partitions: [] });
    if (!req || !validGroupId(req.groupId))
      return whole(err('INVALID_GROUP_ID', 'The group id must be a non-empty string'));
    let shard: Shard | null;
    try {
      shard = await this.shard(req.groupId, ctx, false);
    } catch (e) {
      return whole(fromError(e));
    }
    const group = shard?.groups.get(req.groupId);
    if (!shard || !group || group.state === 'Dead')
      return whole(err('GROUP_ID_NOT_FOUND', `Group ${req.groupId} does not exist`));
    if (!group.isEmpty && group.protocolType !== 'consumer')
      return whole(err('NON_EMPTY_GROUP', `Group ${req.groupId} has members and does not use the consumer protocol`));
    const results = partitions.map((tp): ErrorResult => {
      const count = this.shards.topicPartitionCount(tp.topic);
      if (count === null || !Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition >= count)
        return err('UNKNOWN_TOPIC_OR_PARTITION', `Topic-partition ${tp.topic}-${tp.partition} does not exist`);
      if (!group.isEmpty && group.subscribedTopics?.has(tp.topic))
        return err(
          'GROUP_SUBSCRIBED_TO_TOPIC',
          `Group ${req.groupId} is subscribed to ${tp.topic}; stop its members first`,
        );
      return OK;
    });
    const toDelete = partitions.filter(
      (tp, i) => results[i]!.errorCode === 0 && group.offsets.find(tp.topic, tp.partition),
    );
    try {
      await this.shards.append(
        shard,
        toDelete.map((tp) => ({ key: encodeOffsetKey(req.groupId, tp.topic, tp.partition), value: null })),
        true,
      );
    } catch (e) {
      return whole(fromError(e));
    }
    for (const tp of toDelete) group.offsets.remove(tp.topic, tp.partition);
    return {
      ...OK,
      partitions: partitions.map((tp, i) => ({ topic: tp.topic, partition: tp.partition, ...results[i]! })),
    };
  }

  // ---- administration ----------------------------------------------------------------------

  /** ListGroups: every loaded group (of one broker when `ctx.brokerId` is given), optionally filtered by state. */
  async listGroups(opts: { states?: GroupState[] } = {}, ctx?: RequestContext): Promise<ListGroupsResponse> {
    let error: ErrorResult = OK;
    if (ctx?.brokerId === undefined) {
      await this.shards.syncAll();
    } else if (this.shards.list.some((s) => s.leader === ctx.brokerId && s.status === 'loading')) {
      error = err('COORDINATOR_LOAD_IN_PROGRESS', `Broker ${ctx.brokerId} is still loading groups`);
    }
    const states = opts.states && opts.states.length > 0 ? new Set(opts.states) : null;
    const groups = [];
    for (const { group } of this.shards.loadedGroups(ctx?.brokerId)) {
      if (group.state === 'Dead' || (states && !states.has(group.state))) continue;
      groups.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', groupState: group.state });
    }
    groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    return { ...error, groups };
  }

  /** DescribeGroups: an unknown group is reported as Dead with no error, as DescribeGroups v0-5 do. */
  async describeGroups(groupIds: string[], ctx?: RequestContext): Promise<DescribedGroup[]> {
    return Promise.all(
      groupIds.map(async (groupId): Promise<DescribedGroup> => {
        const base: DescribedGroup = {
          ...OK,
          groupId,
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          generationId: -1,
          leader: '',
          members: [],
        };
        if (!validGroupId(groupId))
          return { ...base, ...err('INVALID_GROUP_ID', 'The group id must be a non-empty string') };
        let group: Group | undefined;
        try {
          group = (await this.shard(groupId, ctx, false))?.groups.get(groupId);
        } catch (e) {
          return { ...base, ...fromError(e) };
        }
        if (!group) return base;
        const stable = group.state === 'Stable';
        return {
          ...base,
          groupState: group.state,
          protocolType: group.protocolType ?? '',
          protocolData: stable ? (group.protocolName ?? '') : '',
          generationId: group.generationId,
          leader: group.leaderId ?? '',
          members: group.memberList().map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: stable ? m.metadata : EMPTY,
            memberAssignment: stable ? m.assignment : EMPTY,
          })),
        };
      }),
    );
  }

  async deleteGroups(groupIds: string[], ctx?: RequestContext): Promise<DeleteGroupResult[]> {
    return Promise.all(
      groupIds.map(async (groupId): Promise<DeleteGroupResult> => {
        if (!validGroupId(groupId))
          return { groupId, ...err('INVALID_GROUP_ID', 'The group id must be a non-empty string') };
        try {
          const shard = await this.shard(groupId, ctx, false);
          const group = shard?.groups.get(groupId);
          if (!shard || !group || group.state === 'Dead')
            return { groupId, ...err('GROUP_ID_NOT_FOUND', `Group ${groupId} does not exist`) };
          if (!group.isEmpty) {
            return {
              groupId,
              ...err(
                'NON_EMPTY_GROUP',
                `Group ${groupId} has ${group.members.size} active member(s) (state ${group.state}); stop them, ` +
                  `or wait for their sessions to expire, before deleting it`,
              ),
            };
          }
          await this.removeGroup(shard, group);
          return { groupId, ...OK };
        } catch (e) {
          return { groupId, ...fromError(e) };
        }
      }),
    );
  }

  /** Tombstones a group's offsets and metadata, then forgets it; restores it if the write fails. */
  private async removeGroup(shard: Shard, group: Group): Promise<void> {
    const tombstones: Array<{ key: Buffer; value: null }> = [];
    for (const [topic, byPartition] of group.offsets)
      for (const p of byPartition.keys())
        tombstones.push({ key: encodeOffsetKey(group.groupId, topic, p), value: null });
    tombstones.push({ key: encodeGroupKey(group.groupId), value: null });
    shard.groups.delete(group.groupId);
    try {
      await this.shards.append(shard, tombstones, false);
    } catch (e) {
      if (!shard.groups.has(group.groupId) && shard.status === 'loaded') shard.groups.set(group.groupId, group);
      throw e;
    }
    group.markDead('COORDINATOR_NOT_AVAILABLE', `Group ${group.groupId} was deleted`);
  }

  /**
   * Removes offsets past their retention (see expiredOffsets in offset-table.ts), then
   * Empty groups left with nothing. Runs on offsets.retention.check.interval.ms;
   * returns the number of offsets removed.
   */
  async expireOffsets(): Promise<number> {
    const now = this.options.now();
    let removed = 0;
    for (const { shard, group } of [...this.shards.loadedGroups()]) {
      const expired = expiredOffsets(group, now, this.options.offsetsRetentionMs);
      try {
        if (expired.length > 0) {
          await this.shards.append(
            shard,
            expired.map((tp) => ({ key: encodeOffsetKey(group.groupId, tp.topic, tp.partition), value: null })),
            true,
          );
          for (const tp of expired) group.offsets.remove(tp.topic, tp.partition);
          removed += expired.length;
        }
        if (
          group.isEmpty &&
          group.offsets.count === 0 &&
          group.members.size === 0 &&
          shard.groups.get(group.groupId) === group
        )
          await this.removeGroup(shard, group);
      } catch (e) {
        // The shard moved or the write failed: the next run (or the new coordinator) retries.
        this.cluster.logger.warn('group-coordinator', `Expiring offsets of group ${group.groupId} failed`, e);
      }
    }
    return removed;
  }

  // ---- partition growth ------------------------------------------------------------------

  private notePartitionCount(topic: string): void {
    const count = this.shards.topicPartitionCount(topic);
    if (count === null) {
      this.partitionCounts.delete(topic);
      return;
    }
    const before = this.partitionCounts.get(topic) ?? 0;
    this.partitionCounts.set(topic, count);
    if (count <= before) return;
    // Partition records arrive one per event: gather them, then rebalance once.
    this.grownTopics.add(topic);
    this.grownTimer ??= setTimeout(() => {
      this.grownTimer = null;
      const topics = [...this.grownTopics].map((t) => [t, this.shards.topicPartitionCount(t) ?? 0] as const);
      this.grownTopics.clear();
      // Only groups whose generation was formed with fewer partitions: a group that joined after the topic was
      // created already covers them.
      for (const { group } of this.shards.loadedGroups()) {
        if (topics.some(([t, n]) => group.outgrew(t, n))) group.requestRebalance();
      }
    }, 0);
    this.grownTimer.unref();
  }

  // ---- in-memory views (lag, admin) --------------------------------------------------------

  /** A loaded group, without I/O (undefined while its shard is not loaded). */
  loadedGroup(groupId: string): Group | undefined {
    const shard = this.shards.list[this.shards.partitionFor(groupId)];
    return shard?.status === 'loaded' ? shard.groups.get(groupId) : undefined;
  }

  /** The group's shard, waiting for it to load; throws KafkaError. Null when the offsets topic does not exist. */
  async groupOf(groupId: string): Promise<Group | undefined> {
    if (!validGroupId(groupId)) throw new KafkaError('INVALID_GROUP_ID', 'The group id must be a non-empty string');
    return (await this.shard(groupId, undefined, false))?.groups.get(groupId);
  }

  loadedGroups(): Iterable<{ group: Group }> {
    return this.shards.loadedGroups();
  }
}
