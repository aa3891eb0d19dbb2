/**
 * Consumer-group APIs, mapped one to one onto the GroupCoordinator
 * (core/groups): FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups,
 * DeleteGroups and OffsetDelete.
 *
 * The coordinator serves every broker; each call passes the broker the
 * request reached, so a group's requests sent elsewhere get NOT_COORDINATOR
 * as from a real cluster. This module only reshapes Kafka's nested,
 * versioned bodies into the coordinator's flat requests and back.
 */
import { GROUP_STATES, type GroupState, type RequestContext as GroupRequestContext } from '../../groups/types';
import type { GroupCoordinator } from '../../groups/group-coordinator';
import { API_KEYS } from '../../protocol/index';
import { api, type ApiHandler, type RequestContext } from '../context';
import { codeOf } from '../error-codes';

const NOT_REQUESTED = -2147483648;
/** READ, DELETE, DESCRIBE (AclOperation 3, 6, 8): everything a group allows, with no authorizer. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

function coordinator(ctx: RequestContext): GroupCoordinator {
  return ctx.server.groups!;
}

function where(ctx: RequestContext): GroupRequestContext {
  return { brokerId: ctx.broker.id };
}

/** Groups nested by topic, in first-seen order. */
function byTopic<T extends { topic: string }, R>(
  items: T[],
  map: (item: T) => R,
): Array<{ name: string; partitions: R[] }> {
  const out = new Map<string, R[]>();
  for (const it of items) {
    let list = out.get(it.topic);
    if (!list) out.set(it.topic, (list = []));
    list.push(map(it));
  }
  return [...out].map(([name, partitions]) => ({ name, partitions }));
}

async function findOne(ctx: RequestContext, key: string, keyType: number) {
  if (keyType !== 0) {
    return {
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: codeOf('INVALID_REQUEST'),
      errorMessage: 'Only group coordinators exist here; transactions are not supported',
    };
  }
  const r = await coordinator(ctx).findCoordinator(key);
  if (r.errorCode !== 0)
    return { key, nodeId: -1, host: '', port: -1, errorCode: r.errorCode, errorMessage: r.errorMessage };
  const ep = ctx.server.endpoint(r.nodeId);
  if (!ep)
    return {
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: codeOf('COORDINATOR_NOT_AVAILABLE'),
      errorMessage: `The coordinator, broker ${r.nodeId}, is not listening`,
    };
  return { key, nodeId: r.nodeId, host: ep.host, port: ep.port, errorCode: 0, errorMessage: null };
}

export const groupHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    async handle(ctx, body) {
      if (ctx.apiVersion >= 4) {
        return {
          throttleTimeMs: 0,
          coordinators: await Promise.all(body.coordinatorKeys.map((k) => findOne(ctx, k, body.keyType))),
        };
      }
      const r = await findOne(ctx, body.key, ctx.apiVersion >= 1 ? body.keyType : 0);
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        nodeId: r.nodeId,
        host: r.host,
        port: r.port,
      };
    },
  }),
  api({
    apiKey: API_KEYS.JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const r = await coordinator(ctx).joinGroup(
        {
          groupId: body.groupId,
          memberId: body.memberId,
          groupInstanceId: v >= 5 ? body.groupInstanceId : null,
          protocolType: body.protocolType,
          protocols: body.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          sessionTimeoutMs: body.sessionTimeoutMs,
          rebalanceTimeoutMs: v >= 1 ? body.rebalanceTimeoutMs : undefined,
          clientId: ctx.header.clientId ?? '',
          clientHost: ctx.conn.clientHost,
          reason: v >= 8 ? body.reason : null,
          requireKnownMemberId: v >= 4,
        },
        where(ctx),
      );
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: r.protocolType,
        protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ''),
        leader: r.leader,
        skipAssignment: r.skipAssignment,
        memberId: r.memberId,
        members: r.members,
      };
    },
  }),
  api({
    apiKey: API_KEYS.SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const r = await coordinator(ctx).syncGroup(
        {
          groupId: body.groupId,
          generationId: body.generationId,
          memberId: body.memberId,
          groupInstanceId: v >= 3 ? body.groupInstanceId : null,
          protocolType: v >= 5 ? body.protocolType : undefined,
          protocolName: v >= 5 ? body.protocolName : undefined,
          assignments: body.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
        },
        where(ctx),
      );
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        protocolType: r.protocolType,
        protocolName: r.protocolName,
        assignment: r.assignment,
      };
    },
  }),
  api({
    apiKey: API_KEYS.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    async handle(ctx, body) {
      const r = await coordinator(ctx).heartbeat(
        {
          groupId: body.groupId,
          generationId: body.generationId,
          memberId: body.memberId,
          groupInstanceId: ctx.apiVersion >= 3 ? body.groupInstanceId : null,
        },
        where(ctx),
      );
      return { throttleTimeMs: 0, errorCode: r.errorCode };
    },
  }),
  api({
    apiKey: API_KEYS.LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const members =
        v >= 3
          ? body.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              reason: v >= 5 ? m.reason : null,
            }))
          : [{ memberId: body.memberId }];
      const r = await coordinator(ctx).leaveGroup({ groupId: body.groupId, members }, where(ctx));
      // Before v3 one member left and its error was the response's.
      const errorCode = r.errorCode !== 0 || v >= 3 ? r.errorCode : (r.members[0]?.errorCode ?? 0);
      return {
        throttleTimeMs: 0,
        errorCode,
        members: r.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          errorCode: m.errorCode,
        })),
      };
    },
  }),
  api({
    apiKey: API_KEYS.OffsetCommit,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const offsets = body.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          metadata: p.committedMetadata,
        })),
      );
      const r = await coordinator(ctx).commitOffsets(
        {
          groupId: body.groupId,
          generationId: v >= 1 ? body.generationIdOrMemberEpoch : -1,
          memberId: v >= 1 ? body.memberId : '',
          groupInstanceId: v >= 7 ? body.groupInstanceId : null,
          offsets,
        },
        where(ctx),
      );
      return {
        throttleTimeMs: 0,
        topics: byTopic(r.partitions, (p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })),
      };
    },
  }),
  api({
    apiKey: API_KEYS.OffsetFetch,
    minVersion: 0,
    maxVersion: 9,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const fetchGroup = async (
        groupId: string,
        topics: Array<{ name: string; partitionIndexes: number[] }> | null,
      ) => {
        const partitions =
          topics === null
            ? null
            : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
        const r = await coordinator(ctx).fetchOffsets({ groupId, partitions }, where(ctx));
        // A group-level error in v0-1 (no top-level error code) is reported on every partition.
        const partitionError = v < 2 ? r.errorCode : 0;
        const fetched =
          r.errorCode !== 0 && partitions
            ? partitions.map((p) => ({ ...p, offset: -1, leaderEpoch: -1, metadata: '', errorCode: partitionError }))
            : r.offsets;
        const nested = byTopic(fetched, (o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch,
          metadata: o.metadata,
          errorCode: o.errorCode || partitionError,
        }));
        return { errorCode: r.errorCode, topics: nested };
      };
      if (v >= 8) {
        const groups = await Promise.all(
          body.groups.map(async (g) => ({ groupId: g.groupId, ...(await fetchGroup(g.groupId, g.topics)) })),
        );
        return { throttleTimeMs: 0, groups };
      }
      const r = await fetchGroup(body.groupId, v === 0 && body.topics === null ? [] : body.topics);
      return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode };
    },
  }),
  api({
    apiKey: API_KEYS.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const wanted = v >= 4 ? body.statesFilter : [];
      const states = wanted
        .map((s) => GROUP_STATES.find((g) => g.toLowerCase() === s.toLowerCase()))
        .filter((s): s is GroupState => s !== undefined);
      if (wanted.length > 0 && states.length === 0) return { throttleTimeMs: 0, errorCode: 0, groups: [] };
      const types = v >= 5 ? body.typesFilter.map((t) => t.toLowerCase()) : [];
      if (types.length > 0 && !types.includes('classic')) return { throttleTimeMs: 0, errorCode: 0, groups: [] };
      const r = await coordinator(ctx).listGroups({ states }, where(ctx));
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        groups: r.groups.map((g) => ({
          groupId: g.groupId,
          protocolType: g.protocolType,
          groupState: g.groupState,
          groupType: 'classic',
        })),
      };
    },
  }),
  api({
    apiKey: API_KEYS.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, body) {
      const described = await coordinator(ctx).describeGroups(body.groups, where(ctx));
      const ops = ctx.apiVersion >= 3 && body.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_REQUESTED;
      return {
        throttleTimeMs: 0,
        groups: described.map((g) => ({
          errorCode: g.errorCode,
          groupId: g.groupId,
          groupState: g.groupState,
          protocolType: g.protocolType,
          protocolData: g.protocolData,
          members: g.members,
          authorizedOperations: ops,
        })),
      };
    },
  }),
  api({
    apiKey: API_KEYS.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    async handle(ctx, body) {
      const results = await coordinator(ctx).deleteGroups(body.groupsNames, where(ctx));
      return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode })) };
    },
  }),
  api({
    apiKey: API_KEYS.OffsetDelete,
    minVersion: 0,
    maxVersion: 0,
    async handle(ctx, body) {
      const partitions = body.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
      );
      const r = await coordinator(ctx).deleteOffsets({ groupId: body.groupId, partitions }, where(ctx));
      return {
        errorCode: r.errorCode,
        throttleTimeMs: 0,
        topics: byTopic(r.partitions, (p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })),
      };
    },
  }),
];
