/**
 * Consumer groups of a remote cluster, as core/groups' GroupAdmin shows
 * them: list, describe (members, assignments, lag), delete, delete offsets,
 * reset offsets; and a bounded lag sampler.
 *
 * Rules (the same as GroupAdmin's where the GUI sees them):
 * - The list asks every broker (each lists the groups it coordinates) with
 *   ListGroups, then DescribeGroups for those groups on that broker.
 * - Lag = high watermark - committed offset (never below 0); with nothing
 *   committed it counts from the log start (`lagFrom: 'logStart'`). The
 *   partitions of a group are those it committed offsets for plus those
 *   assigned to its members. Offsets come from the metadata snapshot (a few
 *   seconds old at most; a described group's topics are polled every
 *   second), committed offsets from OffsetFetch, kept for COMMITTED_TTL_MS
 *   so that listing 1,000 groups every second does not send 1,000 requests:
 *   the list fetches them with one OffsetFetch per broker (v8+), and the
 *   lag of a just-listed group uses the list's description.
 * - Offsets are reset only while the group has no active member
 *   (NON_EMPTY_GROUP), clamped to [log start, high watermark], committed
 *   with OffsetCommit as an admin (generation -1, no member); a dry run
 *   commits nothing. Earliest, latest and timestamps are asked of the
 *   leaders afresh.
 * - describeGroup adds what only __consumer_offsets holds (offsets-topic.ts): commit times, generation, leader;
 *   without it they stay unknown (null, -1, ''). The lag sampler's lag() does not read it.
 * - Coordinators are found with FindCoordinator and kept per group; a
 *   NOT_COORDINATOR answer finds it again (client.retry).
 * - The lag sampler records only the groups being looked at (described or
 *   named with sampleLagOf), at most `maxGroups` (the least recently looked
 *   at is dropped), every `intervalMs`, keeping the last 360 samples.
 */
import { KafkaError, errorNameOf } from '../errors';
import {
  describeMember,
  type GroupDescription,
  type GroupSummary,
  type MemberDescription,
  type OffsetResetPlan,
  type ResetOffsetsOptions,
} from '../groups/group-admin';
import type { GroupLag, LagHistory, PartitionLag } from '../groups/lag';
import { GROUP_STATES, type GroupState } from '../groups/types';
import { API_KEYS } from '../protocol/index';
import { check, type KafkaClient } from './client';
import { leadersOf, listOffsets, type Snapshot } from './metadata-cache';
import { readGroupHistory, type GroupHistory } from './offsets-topic';
import type { RecordsContext } from './records';

const COMMITTED_TTL_MS = 2000;
const HISTORY_POINTS = 360;

type Described = {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocol: string;
  members: MemberDescription[];
  coordinator: number;
};

interface Committed {
  at: number;
  offsets: Map<string, { offset: number; metadata: string | null }>;
}

const stateOf = (s: string): GroupState =>
  (GROUP_STATES as readonly string[]).includes(s)
    ? (s as GroupState)
    : s === 'Assigning' || s === 'Reconciling'
      ? 'CompletingRebalance'
      : 'Dead';

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export interface GroupsContext {
  client: KafkaClient;
  snapshot(): Snapshot;
  touch(topic: string): void;
  /** Reads of `__consumer_offsets` for commit times, generation and leader (offsets-topic.ts). */
  records?: RecordsContext;
}

export class RemoteGroupAdmin {
  private readonly coordinators = new Map<string, number>();
  private readonly committed = new Map<string, Committed>();
  /** What `__consumer_offsets` said of each described group, continued on the next describe. */
  private readonly histories = new Map<string, GroupHistory>();
  /** Descriptions from the last list, for the lag of each listed group (the API asks right after listing). */
  private readonly described = new Map<string, { at: number; d: Awaited<ReturnType<RemoteGroupAdmin['group']>> }>();

  constructor(private readonly ctx: GroupsContext) {}

  private get client(): KafkaClient {
    return this.ctx.client;
  }

  private async coordinator(groupId: string, fresh = false): Promise<number> {
    const known = this.coordinators.get(groupId);
    if (known !== undefined && !fresh && this.client.brokers.has(known)) return known;
    const conn = await this.client.any();
    const { version, body } = await conn.call(API_KEYS.FindCoordinator, () => ({
      key: groupId,
      keyType: 0,
      coordinatorKeys: [groupId],
    }));
    const c = version >= 4 ? body.coordinators[0] : body;
    if (!c) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `No coordinator for group ${groupId}`);
    check(c.errorCode, `Finding the coordinator of group ${groupId}`, c.errorMessage);
    if (!this.client.brokers.has(c.nodeId)) await this.client.metadata([]);
    this.coordinators.set(groupId, c.nodeId);
    return c.nodeId;
  }

  /** Runs a request against the group's coordinator, finding it again when it moved. */
  private atCoordinator<T>(groupId: string, op: (nodeId: number) => Promise<T>): Promise<T> {
    let fresh = false;
    return this.client.retry(
      async () => op(await this.coordinator(groupId, fresh)),
      async () => {
        fresh = true;
        await this.client.metadata([]);
      },
    );
  }

  private toMembers(
    protocolType: string,
    members: Array<{
      memberId: string;
      groupInstanceId: string | null;
      clientId: string;
      clientHost: string;
      memberMetadata: Buffer;
      memberAssignment: Buffer;
    }>,
  ): MemberDescription[] {
    const consumer = protocolType === 'consumer';
    return members.map((m) => describeMember(m, consumer, m.memberMetadata, m.memberAssignment));
  }

  private async describeAt(
    nodeId: number,
    groupIds: string[],
  ): Promise<Array<Described & { generationId: number; leader: string; errorCode: number }>> {
    const conn = await this.client.connection(nodeId);
    const { body } = await conn.call(API_KEYS.DescribeGroups, () => ({
      groups: groupIds,
      includeAuthorizedOperations: false,
    }));
    return body.groups.map((g) => ({
      groupId: g.groupId,
      errorCode: g.errorCode,
      state: stateOf(g.groupState),
      protocolType: g.protocolType,
      protocol: g.protocolData,
      members: this.toMembers(g.protocolType, g.members),
      coordinator: nodeId,
      // DescribeGroups carries neither; the GUI shows them only when known.
      generationId: -1,
      leader: '',
    }));
  }

  async listGroups(): Promise<GroupSummary[]> {
    const out: GroupSummary[] = [];
    await Promise.all(
      [...this.client.brokers.keys()].map(async (nodeId) => {
        const conn = await this.client.connection(nodeId);
        const { body } = await conn.call(API_KEYS.ListGroups, () => ({ statesFilter: [], typesFilter: [] }));
        check(body.errorCode, `Listing the groups of broker ${nodeId}`);
        if (body.groups.length === 0) return;
        for (const g of body.groups) this.coordinators.set(g.groupId, nodeId);
        const described = await this.describeAt(
          nodeId,
          body.groups.map((g) => g.groupId),
        );
        const at = performance.now();
        await this.prefetchCommitted(
          nodeId,
          body.groups.map((g) => g.groupId),
        ).catch(() => undefined);
        for (const d of described) {
          if (d.errorCode !== 0 || d.state === 'Dead') continue;
          this.described.set(d.groupId, { at, d });
          out.push({
            groupId: d.groupId,
            state: d.state,
            protocolType: d.protocolType,
            protocol: d.protocol,
            members: d.members.length,
            coordinator: nodeId,
          });
        }
      }),
    );
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  private async group(groupId: string) {
    const d = await this.atCoordinator(groupId, async (nodeId) => {
      const [g] = await this.describeAt(nodeId, [groupId]);
      if (!g) throw new KafkaError('UNKNOWN_SERVER_ERROR', `DescribeGroups answered nothing for ${groupId}`);
      check(g.errorCode, `Group ${groupId}`);
      return g;
    });
    return d;
  }

  private async committedOffsets(groupId: string, fresh: boolean): Promise<Committed['offsets']> {
    const c = this.committed.get(groupId);
    if (c && !fresh && performance.now() - c.at < COMMITTED_TTL_MS) return c.offsets;
    const offsets = await this.atCoordinator(groupId, async (nodeId) => {
      const conn = await this.client.connection(nodeId);
      const { version, body } = await conn.call(API_KEYS.OffsetFetch, () => ({
        groupId,
        topics: null,
        groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }],
        requireStable: false,
      }));
      const g = version >= 8 ? body.groups[0] : { errorCode: body.errorCode, topics: body.topics };
      if (!g) throw new KafkaError('UNKNOWN_SERVER_ERROR', `OffsetFetch answered nothing for ${groupId}`);
      check(g.errorCode, `Committed offsets of group ${groupId}`);
      const map: Committed['offsets'] = new Map();
      for (const t of g.topics)
        for (const p of t.partitions)
          if (p.errorCode === 0 && p.committedOffset >= 0)
            map.set(key(t.name, p.partitionIndex), { offset: p.committedOffset, metadata: p.metadata });
      return map;
    });
    this.committed.set(groupId, { at: performance.now(), offsets });
    return offsets;
  }

  /**
   * Committed offsets of many groups of one coordinator in one OffsetFetch (v8+, KIP-709), so listing
   * 1,000 groups costs a request per broker; older brokers get one request per group, through the cache.
   */
  private async prefetchCommitted(nodeId: number, groupIds: string[]): Promise<void> {
    const conn = await this.client.connection(nodeId);
    let version: number;
    try {
      version = conn.version(API_KEYS.OffsetFetch);
    } catch {
      return;
    }
    if (version < 8) return;
    const body = await conn.request(API_KEYS.OffsetFetch, version, {
      groups: groupIds.map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: null })),
      requireStable: false,
    });
    const at = performance.now();
    for (const g of body.groups) {
      if (g.errorCode !== 0) continue;
      const offsets: Committed['offsets'] = new Map();
      for (const t of g.topics)
        for (const p of t.partitions)
          if (p.errorCode === 0 && p.committedOffset >= 0)
            offsets.set(key(t.name, p.partitionIndex), { offset: p.committedOffset, metadata: p.metadata });
      this.committed.set(g.groupId, { at, offsets });
    }
  }

  private computeLag(
    groupId: string,
    state: GroupState,
    members: MemberDescription[],
    committed: Committed['offsets'],
  ): GroupLag {
    const snap = this.ctx.snapshot();
    const owners = new Map<string, MemberDescription>();
    if (state === 'Stable')
      for (const m of members)
        for (const tp of m.assignment) for (const p of tp.partitions) owners.set(key(tp.topic, p), m);
    const keys = new Set<string>([...committed.keys(), ...owners.keys()]);
    const partitions: PartitionLag[] = [];
    for (const k of keys) {
      const [topic, ps] = k.split('\u0000') as [string, string];
      const partition = Number(ps);
      const t = snap.topics.get(topic);
      if (!t) continue; // topic deleted: its committed offsets lag nothing
      const p = t.partitions[partition];
      const c = committed.get(k);
      const owner = owners.get(k);
      const logStart = p?.logStartOffset ?? 0;
      const hw = p?.highWatermark ?? 0;
      const base = c ? c.offset : logStart;
      partitions.push({
        topic,
        partition,
        committedOffset: c ? c.offset : null,
        // OffsetFetch does not carry when an offset was committed; describeGroup reads it from __consumer_offsets.
        commitTimestamp: null,
        metadata: c ? c.metadata : null,
        logStartOffset: logStart,
        logEndOffset: hw,
        highWatermark: hw,
        lag: Math.max(0, hw - base),
        lagFrom: c ? 'committed' : 'logStart',
        memberId: owner?.memberId ?? null,
        clientId: owner?.clientId ?? null,
        host: owner?.clientHost ?? null,
        offline: !p || p.leader < 0,
      });
    }
    partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return { groupId, state, totalLag: partitions.reduce((n, p) => n + p.lag, 0), partitions };
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const g = await this.group(groupId);
    if (g.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} does not exist`);
    const committed = await this.committedOffsets(groupId, true);
    const lag = this.computeLag(groupId, g.state, g.members, committed);
    for (const t of new Set(lag.partitions.map((p) => p.topic))) this.ctx.touch(t);
    const h = this.ctx.records
      ? await readGroupHistory(this.ctx.records, groupId, this.histories.get(groupId) ?? null)
      : null;
    if (h) {
      this.histories.set(groupId, h);
      for (const p of lag.partitions)
        p.commitTimestamp = p.committedOffset === null ? null : (h.commitTimes.get(key(p.topic, p.partition)) ?? null);
    }
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol || (h?.protocol ?? ''),
      // -1 and '' say unknown: DescribeGroups carries neither, only __consumer_offsets does.
      generationId: h?.generationId ?? g.generationId,
      leader: h?.leader ?? g.leader,
      coordinator: g.coordinator,
      members: g.members,
      lag,
    };
  }

  async lag(groupId: string): Promise<GroupLag> {
    const cached = this.described.get(groupId);
    const g = cached && performance.now() - cached.at < COMMITTED_TTL_MS ? cached.d : await this.group(groupId);
    if (g.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} does not exist`);
    return this.computeLag(groupId, g.state, g.members, await this.committedOffsets(groupId, false));
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.atCoordinator(groupId, async (nodeId) => {
      const conn = await this.client.connection(nodeId);
      const { body } = await conn.call(API_KEYS.DeleteGroups, () => ({ groupsNames: [groupId] }));
      const r = body.results[0];
      if (r) check(r.errorCode, `Deleting group ${groupId}`);
    });
    this.committed.delete(groupId);
    this.described.delete(groupId);
  }

  async deleteOffsets(groupId: string, topic: string, partitions?: number[]): Promise<void> {
    const t = this.ctx.snapshot().topics.get(topic);
    const list = partitions ?? t?.partitions.map((p) => p.partition);
    if (!list) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${topic} does not exist`);
    await this.atCoordinator(groupId, async (nodeId) => {
      const conn = await this.client.connection(nodeId);
      const { body } = await conn.call(API_KEYS.OffsetDelete, () => ({
        groupId,
        topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex })) }],
      }));
      check(body.errorCode, `Deleting offsets of group ${groupId}`);
      for (const rt of body.topics)
        for (const p of rt.partitions) check(p.errorCode, `Deleting the offset of ${topic}-${p.partitionIndex}`);
    });
    this.committed.delete(groupId);
  }

  async resetOffsets(opts: ResetOffsetsOptions): Promise<OffsetResetPlan[]> {
    if (!opts || typeof opts !== 'object' || !opts.to)
      throw new KafkaError('INVALID_REQUEST', 'resetOffsets needs {groupId, to, topics?, dryRun?}');
    const groupId = opts.groupId;
    let state: GroupState = 'Dead';
    let members = 0;
    try {
      const g = await this.group(groupId);
      state = g.state;
      members = g.members.length;
    } catch (e) {
      if (!(e instanceof KafkaError) || e.errorName !== 'GROUP_ID_NOT_FOUND') throw e;
    }
    if (state !== 'Empty' && state !== 'Dead')
      throw new KafkaError(
        'NON_EMPTY_GROUP',
        `Offsets of group ${groupId} can only be reset while it has no active members; ` +
          `it is ${state} with ${members} member(s). Stop its consumers first.`,
      );
    const committed = state === 'Dead' ? new Map() : await this.committedOffsets(groupId, true);
    const snap = this.ctx.snapshot();
    const targets: Array<{ topic: string; partition: number }> = [];
    if (!opts.topics) {
      for (const k of committed.keys()) {
        const [topic, ps] = k.split('\u0000') as [string, string];
        const t = snap.topics.get(topic);
        if (t && Number(ps) < t.partitions.length) targets.push({ topic, partition: Number(ps) });
      }
      if (targets.length === 0)
        throw new KafkaError('INVALID_REQUEST', `Group ${groupId} has no committed offsets; name the topics to reset`);
    } else {
      for (const tp of opts.topics) {
        const t = snap.topics.get(tp?.topic);
        if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${tp?.topic} does not exist`);
        for (const partition of tp.partitions ?? t.partitions.map((p) => p.partition)) {
          if (!Number.isInteger(partition) || partition < 0 || partition >= t.partitions.length)
            throw new KafkaError(
              'UNKNOWN_TOPIC_OR_PARTITION',
              `Topic ${tp.topic} has no partition ${partition} (it has ${t.partitions.length})`,
            );
          targets.push({ topic: tp.topic, partition });
        }
      }
    }
    targets.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    const to = opts.to;
    if (
      (to.type === 'offset' && !Number.isSafeInteger(to.offset)) ||
      (to.type === 'shift' && !Number.isSafeInteger(to.by))
    )
      throw new KafkaError('INVALID_REQUEST', `${to.type === 'offset' ? 'Offset' : 'Shift'} must be an integer`);
    if (to.type === 'timestamp' && !Number.isFinite(to.timestamp))
      throw new KafkaError('INVALID_TIMESTAMP', `Timestamp must be a number of milliseconds; got ${to.timestamp}`);
    if (!['earliest', 'latest', 'offset', 'shift', 'timestamp'].includes(to.type))
      throw new KafkaError(
        'INVALID_REQUEST',
        `Unknown reset type ${(to as { type: unknown }).type}; use earliest, latest, timestamp, offset or shift`,
      );
    // Fresh offsets from the leaders: earliest and latest always (the clamp), the timestamp's when asked.
    const chosen = targets.map(({ topic, partition }) => ({
      name: topic,
      partitions: [snap.topics.get(topic)!.partitions[partition]!],
    }));
    const byLeader = leadersOf(
      chosen.map((c) => ({ name: c.name, topicId: '', internal: false, cleanupPolicy: '', partitions: c.partitions })),
    );
    const [earliest, latest, atTime] = await Promise.all([
      listOffsets(this.client, byLeader, -2),
      listOffsets(this.client, byLeader, -1),
      to.type === 'timestamp' ? listOffsets(this.client, byLeader, to.timestamp) : Promise.resolve(null),
    ]);
    const plan: OffsetResetPlan[] = targets.map(({ topic, partition }) => {
      const k = key(topic, partition);
      const lo = earliest.get(k);
      const hi = latest.get(k);
      if (!lo || !hi || lo.errorCode !== 0 || hi.errorCode !== 0)
        throw new KafkaError(
          errorNameOf(lo?.errorCode || hi?.errorCode || 5),
          `Offsets of ${topic}-${partition} are not available (no leader?)`,
        );
      const previous = committed.get(k)?.offset ?? null;
      let target: number;
      switch (to.type) {
        case 'earliest':
          target = lo.offset;
          break;
        case 'latest':
          target = hi.offset;
          break;
        case 'offset':
          target = to.offset;
          break;
        case 'shift':
          target = (previous ?? lo.offset) + to.by;
          break;
        case 'timestamp': {
          const f = atTime?.get(k);
          target = f && f.errorCode === 0 && f.offset >= 0 ? f.offset : hi.offset;
          break;
        }
      }
      return {
        topic,
        partition,
        previousOffset: previous,
        newOffset: Math.min(Math.max(target, lo.offset), hi.offset),
      };
    });
    if (opts.dryRun || plan.length === 0) return plan;
    await this.atCoordinator(groupId, async (nodeId) => {
      const conn = await this.client.connection(nodeId);
      const byTopic = new Map<string, OffsetResetPlan[]>();
      for (const p of plan) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
      const { body } = await conn.call(API_KEYS.OffsetCommit, () => ({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [...byTopic].map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({
            partitionIndex: p.partition,
            committedOffset: p.newOffset,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: '',
          })),
        })),
      }));
      for (const t of body.topics)
        for (const p of t.partitions) {
          if (p.errorCode === 0) continue;
          const name = errorNameOf(p.errorCode);
          throw new KafkaError(
            name,
            name === 'UNKNOWN_MEMBER_ID'
              ? `Group ${groupId} gained members during the reset; stop its consumers and retry`
              : `Resetting ${t.name}-${p.partitionIndex} failed: ${name}`,
          );
        }
    });
    this.committed.delete(groupId);
    return plan;
  }
}

/** Lag over time for the groups being looked at (see the rules above). */
export class RemoteLagSampler {
  private readonly looked = new Map<string, number>();
  private readonly series = new Map<string, LagHistory>();
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;

  constructor(
    private readonly admin: RemoteGroupAdmin,
    readonly intervalMs: number,
    private readonly maxGroups: number,
  ) {}

  start(): void {
    if (this.timer || this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Samples this group from now on; the least recently looked-at group beyond maxGroups is dropped. */
  lookAt(groupId: string): void {
    this.looked.delete(groupId);
    this.looked.set(groupId, Date.now());
    while (this.looked.size > this.maxGroups) {
      const oldest = this.looked.keys().next().value as string;
      this.looked.delete(oldest);
      for (const [k, s] of this.series) if (s.groupId === oldest) this.series.delete(k);
    }
  }

  get sampledGroups(): string[] {
    return [...this.looked.keys()];
  }

  /** One round; public so tests can drive it. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const time = Date.now();
      await Promise.all(
        [...this.looked.keys()].map(async (groupId) => {
          let lag: GroupLag;
          try {
            lag = await this.admin.lag(groupId);
          } catch {
            return; // gone or its coordinator moving: the next round tries again
          }
          for (const p of lag.partitions) {
            const k = `${groupId}\u0000${p.topic}\u0000${p.partition}`;
            let s = this.series.get(k);
            if (!s) this.series.set(k, (s = { groupId, topic: p.topic, partition: p.partition, points: [] }));
            s.points.push({ time, lag: p.lag });
            if (s.points.length > HISTORY_POINTS) s.points.splice(0, s.points.length - HISTORY_POINTS);
          }
        }),
      );
    } finally {
      this.sampling = false;
    }
  }

  history(groupId: string, filter: { topic?: string; partition?: number } = {}): LagHistory[] {
    const out: LagHistory[] = [];
    for (const s of this.series.values()) {
      if (s.groupId !== groupId) continue;
      if (filter.topic !== undefined && s.topic !== filter.topic) continue;
      if (filter.partition !== undefined && s.partition !== filter.partition) continue;
      out.push({ ...s, points: [...s.points] });
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }
}
