/**
 * The coordinator's request and response shapes. They follow Kafka's
 * JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * ListGroups, DescribeGroups, DeleteGroups, OffsetDelete and FindCoordinator
 * messages field for field (flattened where Kafka nests by topic), so the
 * wire server maps them one to one, and the engine's own consumer uses the
 * very same calls.
 *
 * Protocol errors come back as `errorCode` (Kafka's code from core/errors)
 * with `errorMessage` saying why, never as a thrown error: a JoinGroup
 * answered with MEMBER_ID_REQUIRED still carries the member id, and commits
 * carry one code per partition.
 */

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

/** Where a request arrived. Given by the wire server; in-process callers leave it out. */
export interface RequestContext {
  /**
   * The broker the request was sent to: if it does not coordinate the group
   * the answer is NOT_COORDINATOR, and while it is loading the group the
   * answer is COORDINATOR_LOAD_IN_PROGRESS (in-process callers wait instead).
   */
  brokerId?: number;
}

export interface ErrorResult {
  errorCode: number;
  errorMessage: string | null;
}

export interface JoinGroupRequest {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
  sessionTimeoutMs: number;
  /** Defaults to the session timeout (JoinGroup v0 had no rebalance timeout). */
  rebalanceTimeoutMs?: number;
  clientId?: string;
  clientHost?: string;
  reason?: string | null;
  /**
   * JoinGroup v4+: a first join (empty member id, no instance id) is answered
   * with MEMBER_ID_REQUIRED and a generated id, and the member joins again
   * with it. Versions below 4 set false. Default true.
   */
  requireKnownMemberId?: boolean;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse extends ErrorResult {
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  /** JoinGroup v9: the leader rejoined as a static member and must not compute a new assignment. */
  skipAssignment: boolean;
  memberId: string;
  /** Every member's metadata for the selected protocol, for the leader only. */
  members: JoinGroupMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  /** SyncGroup v5+: checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment for every member; empty for followers. */
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface SyncGroupResponse extends ErrorResult {
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

export type HeartbeatResponse = ErrorResult;

export interface LeaveGroupRequest {
  groupId: string;
  /** LeaveGroup v3+ batches members; older versions send one member id. */
  members: Array<{ memberId: string; groupInstanceId?: string | null; reason?: string | null }>;
}

export interface LeaveGroupResponse extends ErrorResult {
  members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number; errorMessage: string | null }>;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface OffsetCommitEntry extends TopicPartition {
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 (with member id '') for a commit outside group management (admin tools, simple consumers). */
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  offsets: OffsetCommitEntry[];
}

export interface OffsetCommitResponse {
  partitions: Array<TopicPartition & ErrorResult>;
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has an offset for. */
  partitions: TopicPartition[] | null;
}

export interface FetchedOffset extends TopicPartition, ErrorResult {
  /** -1 when nothing is committed. */
  offset: number;
  leaderEpoch: number;
  metadata: string;
  /** When it was committed; -1 when nothing is. Not on the wire; for the admin view. */
  commitTimestamp: number;
}

export interface OffsetFetchResponse extends ErrorResult {
  offsets: FetchedOffset[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: GroupState;
}

export interface ListGroupsResponse extends ErrorResult {
  groups: ListedGroup[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's metadata for the selected protocol; empty unless the group is Stable (as Kafka). */
  memberMetadata: Buffer;
  /** Its assignment; empty unless the group is Stable. */
  memberAssignment: Buffer;
}

export interface DescribedGroup extends ErrorResult {
  groupId: string;
  groupState: GroupState;
  protocolType: string;
  /** The selected protocol (assignor name for consumer groups) once the group is Stable. */
  protocolData: string;
  generationId: number;
  leader: string;
  members: DescribedMember[];
}

export interface DeleteGroupResult extends ErrorResult {
  groupId: string;
}

export interface OffsetDeleteRequest {
  groupId: string;
  partitions: TopicPartition[];
}

export interface OffsetDeleteResponse extends ErrorResult {
  partitions: Array<TopicPartition & ErrorResult>;
}

export interface FindCoordinatorResponse extends ErrorResult {
  key: string;
  nodeId: number;
  host: string;
  port: number;
}

/**
 * Where time-dependent group code reads the time: the engine consumer's poll deadline and auto-commit interval,
 * the lag sampler's sample times. Date by default; tests inject one they move by hand. Timers only decide when
 * the clock is looked at, as in the workload simulator.
 */
export interface GroupsClock {
  now(): number;
}
