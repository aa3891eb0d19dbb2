/**
 * One consumer group under Kafka's classic group protocol: its members, the
 * generation, the selected protocol, its committed offsets, and the timers
 * that drive rebalances. The coordinator owns the I/O (group-coordinator.ts);
 * this file owns the rules.
 *
 * States (Kafka's names) and moves:
 *   Empty --join--> PreparingRebalance --all known members rejoined, or the
 *   rebalance timeout--> CompletingRebalance --leader's SyncGroup stored-->
 *   Stable; any membership change (join, leave, session expiry, metadata
 *   change of the leader) in CompletingRebalance/Stable goes back to
 *   PreparingRebalance; a rebalance ending with no member goes to Empty;
 *   deletion and coordinator moves go to Dead.
 * Rules:
 * - A first join with an empty member id and no instance id gets
 *   MEMBER_ID_REQUIRED plus a generated id when `requireKnownMemberId`
 *   (JoinGroup v4+); the member then rejoins with it. It is "pending" until
 *   then and expires after its session timeout.
 * - The first member added becomes leader; a leader that leaves is replaced
 *   by another member. The leader alone receives the member list.
 * - A rebalance completes when every known member has rejoined and no member
 *   is pending, or when the rebalance timeout (the largest of the members')
 *   passes; members that did not rejoin are then removed. The first
 *   rebalance of an Empty group waits group.initial.rebalance.delay.ms,
 *   extended while members keep arriving, up to the rebalance timeout.
 * - Each completed join bumps the generation. SyncGroup, Heartbeat and
 *   OffsetCommit from another generation get ILLEGAL_GENERATION, from an
 *   unknown member UNKNOWN_MEMBER_ID; Heartbeat during PreparingRebalance
 *   gets REBALANCE_IN_PROGRESS, which tells the member to rejoin.
 * - A member that sends nothing for its session timeout is removed, except
 *   while it waits in JoinGroup or SyncGroup (the rebalance timeout bounds
 *   those).
 * - Static members (group.instance.id): a restarted member rejoining with
 *   the same instance id replaces its old member id and, in a Stable group,
 *   keeps its assignment without a rebalance. The old id is then fenced
 *   (FENCED_INSTANCE_ID).
 * - The assignment is stored (GroupMetadataValue) before any member sees
 *   it, so a new coordinator resumes the same generation.
 */
import { randomUUID } from 'node:crypto';
import { KafkaError, type ErrorName } from '../errors';
import { EMPTY, Member, result, sameProtocols, subscribedTopicsOf, syncResult } from './member';
import { OffsetTable } from './offset-table';
import type { GroupMetadataValue } from './offsets-log';
import type {
  GroupState,
  HeartbeatRequest,
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  LeaveGroupResponse,
  SyncGroupRequest,
  SyncGroupResponse,
} from './types';

export interface GroupConfig {
  /** group.initial.rebalance.delay.ms (Kafka: 3000). */
  initialRebalanceDelayMs: number;
  /** group.max.size (Kafka: unlimited). */
  maxGroupSize: number;
}

/** What a group needs from its coordinator. */
export interface GroupHost {
  readonly config: GroupConfig;
  now(): number;
  /** Writes the group's metadata (with these assignments) to the log; resolves once durable, or throws a KafkaError. */
  storeGroup(group: Group, assignments: Map<string, Buffer>): Promise<void>;
  /** A topic's partition count as the cluster has it now, or null if it does not exist. */
  partitionCount(topic: string): number | null;
}

export class Group {
  state: GroupState = 'Empty';
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  currentStateTimestamp: number;
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined, with their expiry timers. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly staticMembers = new Map<string, string>();
  /** Committed offsets by topic then partition. */
  readonly offsets = new OffsetTable();
  /** Topics the members subscribe to (consumer protocol), as of the last completed join. */
  subscribedTopics: Set<string> | null = null;
  /**
   * Those topics' partition counts when the generation formed: what its assignment could cover. A topic that
   * grows past this needs a rebalance; its first sighting by the coordinator (partition events of a topic created
   * just before the join) does not.
   */
  private partitionsAtJoin = new Map<string, number>();
  private joinTimer: NodeJS.Timeout | null = null;
  private initialDelayActive = false;
  private newMemberAdded = false;

  constructor(
    readonly groupId: string,
    private readonly host: GroupHost,
  ) {
    this.currentStateTimestamp = host.now();
  }

  // ---- loading and storing -----------------------------------------------------------

  /** Rebuilds a group from its stored metadata: Stable with its members (their sessions start now), or Empty. */
  static fromStored(groupId: string, host: GroupHost, v: GroupMetadataValue | null): Group {
    const g = new Group(groupId, host);
    if (!v) return g;
    g.protocolType = v.protocolType === '' ? null : v.protocolType;
    g.generationId = v.generationId;
    g.protocolName = v.protocolName;
    g.leaderId = v.leaderId;
    g.currentStateTimestamp = v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : host.now();
    for (const s of v.members) {
      const m = new Member(
        s.memberId,
        s.groupInstanceId,
        s.clientId,
        s.clientHost,
        s.sessionTimeoutMs,
        s.rebalanceTimeoutMs,
        g.protocolType ?? '',
        [{ name: v.protocolName ?? '', metadata: s.subscription }],
      );
      m.assignment = s.assignment;
      g.members.set(m.memberId, m);
      if (m.groupInstanceId) g.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    if (g.members.size > 0) {
      g.state = 'Stable';
      if (!g.leaderId || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value ?? null;
      for (const m of g.members.values()) g.touch(m);
      g.subscribedTopics = subscribedTopicsOf(g.protocolType, g.protocolName, g.members.values());
      g.notePartitionsAtJoin();
    }
    return g;
  }

  private currentAssignments(): Map<string, Buffer> {
    return new Map([...this.members].map(([id, m]) => [id, m.assignment]));
  }

  // ---- queries ---------------------------------------------------------------------------

  get isEmpty(): boolean {
    return this.state === 'Empty';
  }

  /** The member's stored metadata and assignment, for DescribeGroups. */
  memberList(): Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }> {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: m.metadataFor(this.protocolName),
      assignment: m.assignment,
    }));
  }

  isStaticMemberFenced(memberId: string, groupInstanceId: string | null | undefined): boolean {
    if (!groupInstanceId) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /**
   * Why an OffsetCommit from this member and generation must be refused, or null to accept it (Kafka's
   * doCommitOffsets).
   */
  commitError(
    generationId: number,
    memberId: string,
    groupInstanceId: string | null | undefined,
  ): { errorCode: number; errorMessage: string | null } | null {
    if (this.state === 'Dead') return result('COORDINATOR_NOT_AVAILABLE', `Group ${this.groupId} is being removed`);
    if (this.isStaticMemberFenced(memberId, groupInstanceId))
      return result(
        'FENCED_INSTANCE_ID',
        `Instance ${groupInstanceId} of group ${this.groupId} has a newer member id than ${memberId}`,
      );
    if (generationId < 0 && this.state === 'Empty') return null; // a commit outside group management
    if (this.state === 'CompletingRebalance')
      return result('REBALANCE_IN_PROGRESS', `Group ${this.groupId} is rebalancing; rejoin before committing`);
    if (!this.members.has(memberId))
      return result(
        'UNKNOWN_MEMBER_ID',
        `Member ${memberId === '' ? "''" : memberId} is not in group ${this.groupId} (state ${this.state})`,
      );
    if (generationId !== this.generationId)
      return result(
        'ILLEGAL_GENERATION',
        `Generation ${generationId} is not the group's current generation ${this.generationId}`,
      );
    this.touch(this.members.get(memberId)!);
    return null;
  }

  // ---- JoinGroup ---------------------------------------------------------------------------

  private joinResponse(name: ErrorName, memberId: string, message?: string): JoinGroupResponse {
    return {
      ...result(name, message),
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      skipAssignment: false,
      memberId,
      members: [],
    };
  }

  private supportsProtocols(protocolType: string, protocols: JoinGroupRequest['protocols']): boolean {
    if (!protocolType || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => [...this.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  join(req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const memberId = req.memberId ?? '';
    if (this.state === 'Dead')
      return Promise.resolve(
        this.joinResponse(
          'COORDINATOR_NOT_AVAILABLE',
          memberId,
          `Group ${this.groupId} is being removed; find the coordinator again`,
        ),
      );
    if (!this.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(
        this.joinResponse(
          'INCONSISTENT_GROUP_PROTOCOL',
          memberId,
          this.members.size === 0
            ? 'A member must name a protocol type and at least one protocol'
            : `Group ${this.groupId} uses protocol type ${this.protocolType} ` +
                'with protocols no member of this request supports',
        ),
      );
    }
    const instanceId = req.groupInstanceId ?? null;
    if (memberId === '') {
      if (instanceId) {
        const existing = this.staticMembers.get(instanceId);
        if (existing !== undefined) return this.replaceStaticMember(existing, req);
      }
      if (this.members.size + this.pending.size >= this.host.config.maxGroupSize) {
        return Promise.resolve(
          this.joinResponse(
            'GROUP_MAX_SIZE_REACHED',
            '',
            `Group ${this.groupId} already has ${this.members.size} members (group.max.size)`,
          ),
        );
      }
      const newId = `${instanceId ?? req.clientId ?? 'member'}-${randomUUID()}`;
      if (!instanceId && req.requireKnownMemberId !== false) {
        this.pending.set(newId, this.unref(setTimeout(() => this.removePending(newId), req.sessionTimeoutMs)));
        return Promise.resolve(this.joinResponse('MEMBER_ID_REQUIRED', newId, 'Join again with the member id given'));
      }
      return this.addMemberAndRebalance(newId, req);
    }
    if (this.pending.has(memberId)) return this.addMemberAndRebalance(memberId, req);
    const member = this.members.get(memberId);
    if (!member)
      return Promise.resolve(
        this.joinResponse('UNKNOWN_MEMBER_ID', memberId, `Member ${memberId} is not in group ${this.groupId}`),
      );
    if (this.isStaticMemberFenced(memberId, instanceId)) {
      return Promise.resolve(
        this.joinResponse(
          'FENCED_INSTANCE_ID',
          memberId,
          `Instance ${instanceId} of group ${this.groupId} has a newer member id`,
        ),
      );
    }
    switch (this.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, req);
      case 'CompletingRebalance':
        if (sameProtocols(member.protocols, req.protocols)) {
          // A duplicate join (the response was lost): answer with the current generation again.
          this.touch(member);
          return Promise.resolve(this.joinedResponse(member));
        }
        return this.updateMemberAndRebalance(member, req);
      case 'Stable':
        if (memberId === this.leaderId || !sameProtocols(member.protocols, req.protocols))
          return this.updateMemberAndRebalance(member, req);
        this.touch(member);
        return Promise.resolve(this.joinedResponse(member));
      default:
        return Promise.resolve(
          this.joinResponse(
            'UNKNOWN_MEMBER_ID',
            memberId,
            `Member ${memberId} is not in group ${this.groupId} (state ${this.state})`,
          ),
        );
    }
  }

  private joinedResponse(member: Member, skipAssignment = false): JoinGroupResponse {
    const isLeader = member.memberId === this.leaderId;
    return {
      ...result('NONE'),
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      skipAssignment,
      memberId: member.memberId,
      members:
        isLeader && !skipAssignment
          ? [...this.members.values()].map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              metadata: m.metadataFor(this.protocolName),
            }))
          : [],
    };
  }

  private awaitJoin(member: Member): Promise<JoinGroupResponse> {
    if (member.joinWaiter)
      member.joinWaiter(
        this.joinResponse(
          'REBALANCE_IN_PROGRESS',
          member.memberId,
          'A newer JoinGroup from this member replaced this one',
        ),
      );
    return new Promise<JoinGroupResponse>((resolve) => {
      member.joinWaiter = resolve;
    });
  }

  private addMemberAndRebalance(memberId: string, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const timer = this.pending.get(memberId);
    if (timer) clearTimeout(timer);
    this.pending.delete(memberId);
    const member = new Member(
      memberId,
      req.groupInstanceId ?? null,
      req.clientId ?? '',
      req.clientHost ?? '',
      req.sessionTimeoutMs,
      req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
      req.protocolType,
      req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    );
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    if (member.groupInstanceId) this.staticMembers.set(member.groupInstanceId, memberId);
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = memberId;
    this.newMemberAdded = true;
    const p = this.awaitJoin(member);
    this.touch(member);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
    return p;
  }

  private updateMemberAndRebalance(member: Member, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs ?? req.sessionTimeoutMs;
    if (req.clientId !== undefined) member.clientId = req.clientId;
    if (req.clientHost !== undefined) member.clientHost = req.clientHost;
    const p = this.awaitJoin(member);
    this.touch(member);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
    return p;
  }

  /** A static member restarted: its new member id takes the old one's place (and, when Stable, its assignment). */
  private async replaceStaticMember(oldId: string, req: JoinGroupRequest): Promise<JoinGroupResponse> {
    const member = this.members.get(oldId)!;
    const newId = `${req.groupInstanceId}-${randomUUID()}`;
    const fenced = (r: 'join' | 'sync') =>
      `Instance ${req.groupInstanceId} rejoined as ${newId}; member ${oldId} is fenced (${r})`;
    member.joinWaiter?.(this.joinResponse('FENCED_INSTANCE_ID', oldId, fenced('join')));
    member.joinWaiter = null;
    member.syncWaiter?.(syncResult('FENCED_INSTANCE_ID', fenced('sync')));
    member.syncWaiter = null;
    const before = {
      protocols: member.protocols,
      clientId: member.clientId,
      clientHost: member.clientHost,
      session: member.sessionTimeoutMs,
      rebalance: member.rebalanceTimeoutMs,
    };
    const wasLeader = this.leaderId === oldId;
    this.renameMember(member, oldId, newId);
    const changed = !sameProtocols(before.protocols, req.protocols);
    member.clientId = req.clientId ?? member.clientId;
    member.clientHost = req.clientHost ?? member.clientHost;
    switch (this.state) {
      case 'Stable': {
        if (changed) return this.updateMemberAndRebalance(member, req);
        member.sessionTimeoutMs = req.sessionTimeoutMs;
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs ?? req.sessionTimeoutMs;
        this.touch(member);
        const generation = this.generationId;
        try {
          await this.host.storeGroup(this, this.currentAssignments());
        } catch (err) {
          // Not stored: undo, so the old member id stays valid as Kafka does.
          if (this.members.get(newId) === member) {
            this.renameMember(member, newId, oldId);
            Object.assign(member, {
              protocols: before.protocols,
              clientId: before.clientId,
              clientHost: before.clientHost,
              sessionTimeoutMs: before.session,
              rebalanceTimeoutMs: before.rebalance,
            });
          }
          const e = err instanceof KafkaError ? err : new KafkaError('UNKNOWN_SERVER_ERROR', String(err));
          return this.joinResponse(e.errorName, '', e.message);
        }
        if (this.generationId !== generation || !this.members.has(newId))
          return this.joinResponse('REBALANCE_IN_PROGRESS', newId, 'The group rebalanced meanwhile; join again');
        return this.joinedResponse(member, wasLeader);
      }
      case 'CompletingRebalance':
        return this.updateMemberAndRebalance(member, req);
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, req);
      default:
        return this.joinResponse(
          'UNKNOWN_MEMBER_ID',
          '',
          `Group ${this.groupId} has no member for instance ${req.groupInstanceId}`,
        );
    }
  }

  private renameMember(member: Member, from: string, to: string): void {
    this.members.delete(from);
    member.memberId = to;
    this.members.set(to, member);
    if (member.groupInstanceId) this.staticMembers.set(member.groupInstanceId, to);
    if (this.leaderId === from) this.leaderId = to;
  }

  // ---- rebalancing ---------------------------------------------------------------------

  private maybePrepareRebalance(): void {
    if (this.state === 'Stable' || this.state === 'CompletingRebalance' || this.state === 'Empty')
      this.prepareRebalance();
  }

  private notePartitionsAtJoin(): void {
    this.partitionsAtJoin = new Map();
    for (const t of this.subscribedTopics ?? []) this.partitionsAtJoin.set(t, this.host.partitionCount(t) ?? 0);
  }

  /** Whether a subscribed topic now has more partitions than this generation was formed with. */
  outgrew(topic: string, partitions: number): boolean {
    return this.subscribedTopics?.has(topic) === true && partitions > (this.partitionsAtJoin.get(topic) ?? 0);
  }

  /** Starts a rebalance now (also used when a subscribed topic gains partitions). */
  requestRebalance(): void {
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance')
      this.failSyncWaiters(
        'REBALANCE_IN_PROGRESS',
        'A member joined or left while the assignment was being handed out; rejoin',
      );
    const wasEmpty = this.state === 'Empty';
    this.transition('PreparingRebalance');
    const rebalanceTimeout = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    this.clearJoinTimer();
    const delay = this.host.config.initialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // Let more members arrive before the first generation (Kafka's InitialDelayedJoin).
      this.initialDelayActive = true;
      this.newMemberAdded = false;
      this.armInitialDelay(Math.min(delay, rebalanceTimeout), Math.max(0, rebalanceTimeout - delay));
    } else {
      this.joinTimer = this.unref(setTimeout(() => this.completeJoin(), rebalanceTimeout));
    }
  }

  private armInitialDelay(delay: number, remaining: number): void {
    this.joinTimer = this.unref(
      setTimeout(() => {
        if (this.newMemberAdded && remaining > 0) {
          this.newMemberAdded = false;
          const next = Math.min(this.host.config.initialRebalanceDelayMs, remaining);
          this.armInitialDelay(next, remaining - next);
          return;
        }
        this.initialDelayActive = false;
        this.completeJoin();
      }, delay),
    );
  }

  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.initialDelayActive) return;
    if (this.pending.size > 0) return;
    for (const m of this.members.values()) if (!m.joinWaiter) return;
    this.completeJoin();
  }

  private completeJoin(): void {
    this.clearJoinTimer();
    this.initialDelayActive = false;
    if (this.state !== 'PreparingRebalance') return;
    // Members that did not rejoin in time are out (static ones too).
    for (const m of [...this.members.values()]) if (!m.joinWaiter) this.removeMember(m);
    this.generationId++;
    this.currentStateTimestamp = this.host.now();
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.subscribedTopics = null;
      this.transition('Empty');
      void this.host.storeGroup(this, new Map()).catch(() => undefined);
      return;
    }
    this.protocolName = this.selectProtocol();
    if (!this.leaderId || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value ?? null;
    this.subscribedTopics = subscribedTopicsOf(this.protocolType, this.protocolName, this.members.values());
    this.notePartitionsAtJoin();
    this.transition('CompletingRebalance');
    for (const m of this.members.values()) {
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      m.assignment = EMPTY;
      this.touch(m);
      waiter(this.joinedResponse(m));
    }
  }

  /** Every member votes for its most preferred protocol that all members support; most votes wins. */
  private selectProtocol(): string {
    const all = [...this.members.values()];
    const candidates = all[0]!.protocols
      .map((p) => p.name)
      .filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of all) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  private transition(state: GroupState): void {
    this.state = state;
    this.currentStateTimestamp = this.host.now();
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup ------------------------------------------------

  sync(req: SyncGroupRequest): Promise<SyncGroupResponse> {
    const fail = (name: ErrorName, message?: string): Promise<SyncGroupResponse> =>
      Promise.resolve(syncResult(name, message));
    if (this.state === 'Dead') return fail('COORDINATOR_NOT_AVAILABLE', `Group ${this.groupId} is being removed`);
    const member = this.members.get(req.memberId);
    if (!member) return fail('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not in group ${this.groupId}`);
    if (this.isStaticMemberFenced(req.memberId, req.groupInstanceId))
      return fail('FENCED_INSTANCE_ID', `Instance ${req.groupInstanceId} has a newer member id`);
    if (req.generationId !== this.generationId)
      return fail(
        'ILLEGAL_GENERATION',
        `Generation ${req.generationId} is not the group's current generation ${this.generationId}`,
      );
    if (
      (req.protocolType && req.protocolType !== this.protocolType) ||
      (req.protocolName && req.protocolName !== this.protocolName)
    ) {
      return fail('INCONSISTENT_GROUP_PROTOCOL', `The group uses ${this.protocolType}/${this.protocolName}`);
    }
    switch (this.state) {
      case 'PreparingRebalance':
        return fail('REBALANCE_IN_PROGRESS', 'The group is rebalancing; rejoin');
      case 'Stable':
        this.touch(member);
        return Promise.resolve({
          ...result('NONE'),
          protocolType: this.protocolType,
          protocolName: this.protocolName,
          assignment: member.assignment,
        });
      case 'CompletingRebalance': {
        const p = new Promise<SyncGroupResponse>((resolve) => {
          member.syncWaiter?.(
            syncResult('REBALANCE_IN_PROGRESS', 'A newer SyncGroup from this member replaced this one'),
          );
          member.syncWaiter = resolve;
        });
        this.touch(member);
        if (req.memberId === this.leaderId) this.storeAssignment(req.assignments);
        return p;
      }
      default:
        return fail('UNKNOWN_MEMBER_ID', `Group ${this.groupId} is ${this.state}`);
    }
  }

  private storeAssignment(list: SyncGroupRequest['assignments']): void {
    const assignments = new Map<string, Buffer>();
    for (const id of this.members.keys()) assignments.set(id, EMPTY);
    for (const a of list) if (this.members.has(a.memberId)) assignments.set(a.memberId, a.assignment);
    const generation = this.generationId;
    this.host.storeGroup(this, assignments).then(
      () => {
        if (this.state !== 'CompletingRebalance' || this.generationId !== generation) return;
        this.transition('Stable');
        for (const m of this.members.values()) {
          m.assignment = assignments.get(m.memberId) ?? EMPTY;
          const w = m.syncWaiter;
          m.syncWaiter = null;
          w?.({
            ...result('NONE'),
            protocolType: this.protocolType,
            protocolName: this.protocolName,
            assignment: m.assignment,
          });
        }
      },
      (err: unknown) => {
        if (this.state !== 'CompletingRebalance' || this.generationId !== generation) return;
        const e = err instanceof KafkaError ? err : new KafkaError('UNKNOWN_SERVER_ERROR', String(err));
        this.failSyncWaiters(e.errorName, `The assignment could not be stored: ${e.message}`);
        this.prepareRebalance();
      },
    );
  }

  private failSyncWaiters(name: ErrorName, message: string): void {
    for (const m of this.members.values()) {
      m.assignment = EMPTY;
      const w = m.syncWaiter;
      m.syncWaiter = null;
      w?.(syncResult(name, message));
    }
  }

  heartbeat(req: HeartbeatRequest): HeartbeatResponse {
    if (this.state === 'Dead') return result('COORDINATOR_NOT_AVAILABLE', `Group ${this.groupId} is being removed`);
    if (this.isStaticMemberFenced(req.memberId, req.groupInstanceId))
      return result('FENCED_INSTANCE_ID', `Instance ${req.groupInstanceId} has a newer member id`);
    const member = this.members.get(req.memberId);
    if (!member || this.state === 'Empty')
      return result('UNKNOWN_MEMBER_ID', `Member ${req.memberId} is not in group ${this.groupId}`);
    if (req.generationId !== this.generationId)
      return result(
        'ILLEGAL_GENERATION',
        `Generation ${req.generationId} is not the group's current generation ${this.generationId}`,
      );
    this.touch(member);
    if (this.state === 'PreparingRebalance')
      return result('REBALANCE_IN_PROGRESS', `Group ${this.groupId} is rebalancing; rejoin`);
    return result('NONE');
  }

  leave(req: LeaveGroupRequest): LeaveGroupResponse {
    if (this.state === 'Dead')
      return { ...result('COORDINATOR_NOT_AVAILABLE', `Group ${this.groupId} is being removed`), members: [] };
    const members = req.members.map((m) => {
      const instanceId = m.groupInstanceId ?? null;
      const out = (name: ErrorName, message?: string) => ({
        memberId: m.memberId,
        groupInstanceId: instanceId,
        ...result(name, message),
      });
      let memberId = m.memberId;
      if (memberId === '' && instanceId) {
        const found = this.staticMembers.get(instanceId);
        if (found === undefined)
          return out('UNKNOWN_MEMBER_ID', `No member of group ${this.groupId} has instance id ${instanceId}`);
        memberId = found;
      } else if (this.isStaticMemberFenced(memberId, instanceId)) {
        return out('FENCED_INSTANCE_ID', `Instance ${instanceId} has a newer member id than ${memberId}`);
      }
      if (this.pending.has(memberId)) {
        this.removePending(memberId);
        return out('NONE');
      }
      const member = this.members.get(memberId);
      if (!member) return out('UNKNOWN_MEMBER_ID', `Member ${memberId} is not in group ${this.groupId}`);
      this.removeMemberAndUpdate(member);
      return out('NONE');
    });
    return { ...result('NONE'), members };
  }

  // ---- sessions --------------------------------------------------------------------------

  /** Restarts the member's session timer (any request from it counts as a heartbeat). */
  private touch(member: Member): void {
    if (member.timer) clearTimeout(member.timer);
    member.timer = this.unref(setTimeout(() => this.onSessionExpired(member), member.sessionTimeoutMs));
  }

  private onSessionExpired(member: Member): void {
    if (this.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup or SyncGroup is waiting on the group, not gone; the rebalance timeout bounds it.
    if (member.joinWaiter || member.syncWaiter) {
      this.touch(member);
      return;
    }
    this.removeMemberAndUpdate(member);
  }

  private removePending(memberId: string): void {
    const t = this.pending.get(memberId);
    if (t) clearTimeout(t);
    this.pending.delete(memberId);
    this.tryCompleteJoin();
  }

  private removeMember(member: Member): void {
    if (member.timer) clearTimeout(member.timer);
    member.timer = null;
    const gone = `Member ${member.memberId} was removed from group ${this.groupId}`;
    member.joinWaiter?.(this.joinResponse('UNKNOWN_MEMBER_ID', member.memberId, gone));
    member.joinWaiter = null;
    member.syncWaiter?.(syncResult('UNKNOWN_MEMBER_ID', gone));
    member.syncWaiter = null;
    this.members.delete(member.memberId);
    if (member.groupInstanceId && this.staticMembers.get(member.groupInstanceId) === member.memberId)
      this.staticMembers.delete(member.groupInstanceId);
    if (this.leaderId === member.memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  private removeMemberAndUpdate(member: Member): void {
    this.removeMember(member);
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    // The remaining members may all be waiting already (or none remain): complete now rather than at the timeout.
    this.tryCompleteJoin();
  }

  // ---- endings -------------------------------------------------------------------------------

  /**
   * Dead: every waiting member is answered with `name`, every timer stops. Used for deletion and for coordinator moves.
   */
  markDead(name: ErrorName, message: string): void {
    this.clearJoinTimer();
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const m of this.members.values()) {
      if (m.timer) clearTimeout(m.timer);
      m.timer = null;
      m.joinWaiter?.(this.joinResponse(name, m.memberId, message));
      m.joinWaiter = null;
      m.syncWaiter?.(syncResult(name, message));
      m.syncWaiter = null;
    }
    this.transition('Dead');
  }

  private clearJoinTimer(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
  }

  private unref(t: NodeJS.Timeout): NodeJS.Timeout {
    t.unref();
    return t;
  }
}
