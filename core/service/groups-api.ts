/**
 * The consumer-group and workload side of the API: queries and commands
 * against core/groups, the workload simulator, and their pushed events.
 *
 * Rules:
 * - Without a `GroupsPort` (a host that opened the engine without groups,
 *   or the API's test fakes), every method here fails with
 *   COORDINATOR_NOT_AVAILABLE and no event is pushed.
 * - One timer (default 1 s) drives the pushes: `groups` to every connection
 *   when the list (states, members, lag) differs from the last one sent;
 *   `groupLag` to each watch, with the group described afresh (each watched
 *   group is described once per tick, however many watch it); `workload`
 *   while a workload runs. Workload changes between ticks (a consumer got
 *   its partitions) are pushed too, coalesced over 100 ms.
 * - Lag history comes from the lag sampler's rings (bounded by it); a
 *   request takes at most `seconds` of it, and the total is the sum over
 *   partitions at each sample time.
 */
import { randomUUID } from 'node:crypto';
import { KafkaError } from '../errors';
import type {
  GroupDescription,
  GroupLagHistory,
  GroupLagUpdate,
  GroupOverview,
  GroupsUpdate,
  LagPointTuple,
  OffsetResetPlan,
  ParsedInput,
  WorkloadStatus,
} from '../api/api';
import type { ClusterPort, GroupsPort } from './engine-port';
import { WorkloadSimulator } from '../workload/workload-simulator';

export interface GroupsApiOptions {
  /** How often lag and group lists are pushed, in ms (default 1000). */
  intervalMs?: number;
}

interface Watch {
  id: string;
  groupId: string;
  emit: (update: GroupLagUpdate) => void;
}

export interface GroupsApiEvents {
  groups(update: GroupsUpdate): void;
  workload(status: WorkloadStatus): void;
  /** Whether anyone listens; without listeners a tick computes nothing. */
  active?(): boolean;
}

const WORKLOAD_COALESCE_MS = 100;

export class GroupsApi {
  readonly workload: WorkloadSimulator | null;
  private readonly watches = new Map<string, Watch>();
  private timer: NodeJS.Timeout | null = null;
  private workloadTimer: NodeJS.Timeout | null = null;
  private lastGroups = '';
  private ticking = false;
  private closed = false;

  constructor(
    private readonly cluster: ClusterPort,
    private readonly groups: GroupsPort | null,
    private readonly push: GroupsApiEvents,
    private readonly opts: GroupsApiOptions = {},
  ) {
    const consumers = groups?.consumer ? { consumer: groups.consumer.bind(groups) } : null;
    this.workload = consumers ? new WorkloadSimulator(cluster, consumers) : null;
    this.workload?.on('change', () => this.workloadChanged());
  }

  start(): void {
    if (!this.groups || this.timer) return;
    this.timer = setInterval(() => {
      void this.tick().catch((e: unknown) =>
        this.cluster.logger?.warn('groups-api', 'Pushing group updates failed', e),
      );
    }, this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops pushing and forgets every watch; the workload keeps running until shutdown(). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.workloadTimer) clearTimeout(this.workloadTimer);
    this.timer = this.workloadTimer = null;
    this.watches.clear();
  }

  /** Stops the workload (its consumers commit and leave), then stops pushing. */
  async shutdown(): Promise<void> {
    await this.workload?.close();
    this.close();
  }

  private port(): GroupsPort {
    if (!this.groups)
      throw new KafkaError(
        'COORDINATOR_NOT_AVAILABLE',
        'Consumer groups are not available: this engine was opened without a group coordinator',
      );
    return this.groups;
  }

  private simulator(): WorkloadSimulator {
    this.port();
    if (!this.workload)
      throw new KafkaError('INVALID_REQUEST', 'The workload simulator runs against the Local sandbox only');
    return this.workload;
  }

  // ---- queries and commands ---------------------------------------------------------------

  async listGroups(): Promise<GroupOverview[]> {
    const { admin } = this.port();
    const list = await admin.listGroups();
    const out = await Promise.all(
      list.map(async (g): Promise<GroupOverview> => {
        let partitions: Array<{ topic: string; lag: number }> = [];
        try {
          partitions = (await admin.lag(g.groupId)).partitions;
        } catch {
          // Deleted between the list and the lag: shown without lag.
        }
        return {
          groupId: g.groupId,
          state: g.state,
          protocolType: g.protocolType,
          protocol: g.protocol,
          members: g.members,
          coordinator: g.coordinator,
          topics: [...new Set(partitions.map((p) => p.topic))].sort(),
          partitions: partitions.length,
          totalLag: partitions.reduce((n, p) => n + p.lag, 0),
        };
      }),
    );
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.port().admin.describeGroup(groupId);
  }

  async lagHistory(i: ParsedInput<'getLagHistory'>): Promise<GroupLagHistory> {
    const { admin, lagSampler } = this.port();
    // An unknown group is an error, not an empty chart.
    await admin.lag(i.groupId);
    if (!lagSampler) return { groupId: i.groupId, intervalMs: 1000, total: [], partitions: [] };
    const since = Date.now() - (i.seconds ?? 300) * 1000;
    const sums = new Map<number, number>();
    const partitions = lagSampler.history(i.groupId, { topic: i.topic, partition: i.partition }).map((h) => {
      const points: LagPointTuple[] = [];
      for (const p of h.points) {
        if (p.time < since) continue;
        points.push([p.time, p.lag]);
        sums.set(p.time, (sums.get(p.time) ?? 0) + p.lag);
      }
      return { topic: h.topic, partition: h.partition, points };
    });
    const total = [...sums].sort(([a], [b]) => a - b) as LagPointTuple[];
    return { groupId: i.groupId, intervalMs: lagSampler.intervalMs, total, partitions };
  }

  resetOffsets(i: ParsedInput<'resetGroupOffsets'>): Promise<OffsetResetPlan[]> {
    return this.port().admin.resetOffsets({ groupId: i.groupId, to: i.to, topics: i.topics, dryRun: i.dryRun });
  }

  async deleteGroup(groupId: string): Promise<null> {
    await this.port().admin.deleteGroup(groupId);
    this.lastGroups = '';
    void this.tick().catch((e: unknown) => this.cluster.logger?.warn('groups-api', 'Pushing group updates failed', e));
    return null;
  }

  async deleteOffsets(i: ParsedInput<'deleteGroupOffsets'>): Promise<null> {
    await this.port().admin.deleteOffsets(i.groupId, i.topic, i.partitions);
    return null;
  }

  /** Starts pushing `groupLag` for a group to `emit`; returns the watch id. */
  watch(groupId: string, emit: (update: GroupLagUpdate) => void): string {
    this.port();
    const id = randomUUID();
    this.watches.set(id, { id, groupId, emit });
    return id;
  }

  unwatch(id: string): void {
    this.watches.delete(id);
  }

  workloadStatus(): WorkloadStatus {
    return this.simulator().status();
  }

  startWorkload(i: ParsedInput<'startWorkload'>): Promise<WorkloadStatus> {
    return this.simulator().start(i);
  }

  updateWorkload(i: ParsedInput<'updateWorkload'>): Promise<WorkloadStatus> {
    return this.simulator().update(i);
  }

  stopWorkload(): Promise<WorkloadStatus> {
    return this.simulator().stop();
  }

  // ---- pushes -----------------------------------------------------------------------------

  private workloadChanged(): void {
    if (this.closed || this.workloadTimer) return;
    this.workloadTimer = setTimeout(() => {
      this.workloadTimer = null;
      if (!this.closed && this.workload) this.push.workload(this.workload.status());
    }, WORKLOAD_COALESCE_MS);
    this.workloadTimer.unref();
  }

  /** One push round; public so tests can drive it without waiting for the timer. */
  async tick(): Promise<void> {
    if (this.closed || !this.groups || this.ticking) return;
    if (this.push.active && !this.push.active()) {
      // Nobody to tell: the next listener reads the list itself, so send it whole then.
      this.lastGroups = '';
      return;
    }
    this.ticking = true;
    try {
      const time = Date.now();
      try {
        const groups = await this.listGroups();
        const key = JSON.stringify(groups);
        if (key !== this.lastGroups && !this.closed) {
          this.lastGroups = key;
          this.push.groups({ time, groups });
        }
      } catch {
        // The coordinator is moving (a broker stopped): the next tick tries again.
      }
      const described = new Map<string, Promise<GroupDescription | null>>();
      for (const w of [...this.watches.values()]) {
        let d = described.get(w.groupId);
        if (!d) {
          d = this.groups.admin.describeGroup(w.groupId).catch(() => null);
          described.set(w.groupId, d);
        }
        const group = await d;
        if (this.closed || !this.watches.has(w.id)) continue;
        try {
          w.emit({ subscriptionId: w.id, groupId: w.groupId, time, group });
        } catch {
          // A connection that cannot take an event is the transport's to drop.
        }
      }
      if (this.workload?.running && !this.closed) this.push.workload(this.workload.status());
    } finally {
      this.ticking = false;
    }
  }
}
