/**
 * One member of a classic group as the coordinator keeps it, and the small
 * helpers the group's responses share. The rules live in group.ts.
 */
import { ERRORS, type ErrorName } from '../errors';
import { decodeSubscription } from './assignors';
import type { GroupMetadataValue } from './offsets-log';
import type { JoinGroupResponse, SyncGroupResponse } from './types';

export const EMPTY = Buffer.alloc(0);

export class Member {
  assignment: Buffer = EMPTY;
  /** Set while the member waits in JoinGroup / SyncGroup: answering it resolves the request. */
  joinWaiter: ((r: JoinGroupResponse) => void) | null = null;
  syncWaiter: ((r: SyncGroupResponse) => void) | null = null;
  /** Session timer: fires when the member has sent nothing for its session timeout. */
  timer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: Array<{ name: string; metadata: Buffer }>,
  ) {}

  metadataFor(protocol: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }
}

/** An errorCode/errorMessage pair from the error table (no message for NONE). */
export function result(name: ErrorName, message?: string): { errorCode: number; errorMessage: string | null } {
  return { errorCode: ERRORS[name].code, errorMessage: name === 'NONE' ? null : (message ?? ERRORS[name].text) };
}

export function syncResult(name: ErrorName, message?: string): SyncGroupResponse {
  return { ...result(name, message), protocolType: null, protocolName: null, assignment: EMPTY };
}

/** Same protocols, in the same order, with the same metadata bytes (a rejoin that changes nothing). */
export function sameProtocols(a: Member['protocols'], b: Member['protocols']): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

/** Topics the members subscribe to (consumer protocol only); null when unknown or unreadable. */
export function subscribedTopicsOf(
  protocolType: string | null,
  protocolName: string | null,
  members: Iterable<Member>,
): Set<string> | null {
  if (protocolType !== 'consumer') return null;
  const topics = new Set<string>();
  for (const m of members) {
    try {
      for (const t of decodeSubscription(m.metadataFor(protocolName)).topics) topics.add(t);
    } catch {
      return null; // a member's metadata we cannot read: the subscription is unknown
    }
  }
  return topics.size > 0 ? topics : null;
}

/**
 * What a group stores (GroupMetadataValue): its generation and, per member, the selected protocol's metadata and the
 * given assignment.
 */
export function storedGroupValue(
  g: {
    protocolType: string | null;
    generationId: number;
    protocolName: string | null;
    leaderId: string | null;
    currentStateTimestamp: number;
    members: Map<string, Member>;
  },
  assignments: Map<string, Buffer>,
): GroupMetadataValue {
  return {
    protocolType: g.protocolType ?? '',
    generationId: g.generationId,
    protocolName: g.protocolName,
    leaderId: g.leaderId,
    currentStateTimestamp: g.currentStateTimestamp,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: m.metadataFor(g.protocolName),
      assignment: assignments.get(m.memberId) ?? m.assignment,
    })),
  };
}
