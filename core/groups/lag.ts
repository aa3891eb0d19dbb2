/**
 * Consumer lag, now and over time.
 *
 * Rules:
 * - Per group and partition: lag = high watermark - committed offset (never
 *   below 0). With nothing committed, lag counts from the log start offset
 *   and says so (`lagFrom: 'logStart'`): that is what a consumer with
 *   auto.offset.reset=earliest would still have to read.
 * - The partitions of a group are those it has offsets for plus those
 *   assigned to its members (so a new group shows lag before its first commit).
 * - Everything is read from memory: committed offsets from the coordinator's
 *   loaded groups, offsets from the leader replicas. No log is read.
 *
 * LagSampler keeps, per (group, topic, partition) series, two rings of
 * float32 lag values sharing one clock: the fine ring (one sample per
 * interval, default 1 s x 300 = the last 5 minutes) and the coarse ring (the
 * largest lag of every `coarseEvery` fine samples, default 10 s x 360 = the
 * last hour). Memory is bounded by maxSeries x (fineSamples + coarseSamples)
 * x 4 bytes plus about 200 bytes of bookkeeping per series: with the
 * defaults, 10,000 series x 660 x 4 B = 26.4 MB at most. A series beyond
 * maxSeries is not recorded (counted in `droppedSeries`); one unseen for the
 * whole window is dropped. A tick costs O(series): 100 groups x 100
 * partitions is 10,000 map updates, with the offsets of each topic looked
 * up once per tick. Float32 is exact up to 16,777,216 and within 1e-7
 * relative beyond, which a chart cannot show.
 */
import type { Cluster } from '../cluster/cluster';
import { decodeAssignment } from './assignors';
import type { Group } from './group';
import type { GroupCoordinator } from './group-coordinator';
import type { GroupState } from './types';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** null when the group has committed nothing for the partition. */
  committedOffset: number | null;
  commitTimestamp: number | null;
  metadata: string | null;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  lag: number;
  lagFrom: 'committed' | 'logStart';
  /** The member the partition is assigned to, when the group is Stable. */
  memberId: string | null;
  clientId: string | null;
  host: string | null;
  /** The partition has no leader (offsets are the last a replica had, or 0). */
  offline: boolean;
}

export interface GroupLag {
  groupId: string;
  state: GroupState;
  totalLag: number;
  partitions: PartitionLag[];
}

interface Offsets {
  logStartOffset: number;
  highWatermark: number;
  logEndOffset: number;
  offline: boolean;
}

const NO_OFFSETS: Offsets = { logStartOffset: 0, highWatermark: 0, logEndOffset: 0, offline: true };

/** The offsets of every partition of a topic, from the leaders' replicas (null for a topic that is gone). */
export function topicOffsets(cluster: Cluster, topic: string): Offsets[] | null {
  let t;
  try {
    t = cluster.topicImage(topic);
  } catch {
    return null;
  }
  return t.partitions.map((img, i) => {
    const p = img.leader >= 0 ? cluster.replicaOn(t, i, img.leader) : undefined;
    if (p)
      return {
        logStartOffset: p.log.logStartOffset,
        highWatermark: p.log.highWatermark,
        logEndOffset: p.log.logEndOffset,
        offline: false,
      };
    const s = cluster.partitionState(t, i);
    return {
      logStartOffset: s.logStartOffset,
      highWatermark: s.highWatermark,
      logEndOffset: s.logEndOffset,
      offline: true,
    };
  });
}

const assignmentCache = new WeakMap<
  Group,
  { generation: number; owners: Map<string, { memberId: string; clientId: string; host: string }> }
>();

/** Partition (`topic\0partition`) -> owning member, decoded once per generation. */
function owners(group: Group): Map<string, { memberId: string; clientId: string; host: string }> {
  if (group.state !== 'Stable' || group.protocolType !== 'consumer') return new Map();
  const cached = assignmentCache.get(group);
  if (cached && cached.generation === group.generationId) return cached.owners;
  const map = new Map<string, { memberId: string; clientId: string; host: string }>();
  for (const m of group.memberList()) {
    try {
      for (const tp of decodeAssignment(m.assignment))
        for (const p of tp.partitions)
          map.set(`${tp.topic}\u0000${p}`, { memberId: m.memberId, clientId: m.clientId, host: m.clientHost });
    } catch {
      /* a member's assignment in another format: no owner shown */
    }
  }
  assignmentCache.set(group, { generation: group.generationId, owners: map });
  return map;
}

/** Visits every (topic, partition) of a group with its committed offset (undefined when none). */
function forEachPartition(
  group: Group,
  fn: (
    topic: string,
    partition: number,
    owner: { memberId: string; clientId: string; host: string } | undefined,
  ) => void,
): void {
  const own = owners(group);
  const seen = new Set<string>();
  for (const [topic, byPartition] of group.offsets) {
    for (const partition of byPartition.keys()) {
      const k = `${topic}\u0000${partition}`;
      seen.add(k);
      fn(topic, partition, own.get(k));
    }
  }
  for (const [k, owner] of own) {
    if (seen.has(k)) continue;
    const i = k.indexOf('\u0000');
    fn(k.slice(0, i), Number(k.slice(i + 1)), owner);
  }
}

export function computeGroupLag(cluster: Cluster, group: Group, cache = new Map<string, Offsets[] | null>()): GroupLag {
  const partitions: PartitionLag[] = [];
  forEachPartition(group, (topic, partition, owner) => {
    let offs = cache.get(topic);
    if (offs === undefined) cache.set(topic, (offs = topicOffsets(cluster, topic)));
    if (offs === null) return; // topic deleted: its committed offsets lag nothing
    const o = offs[partition] ?? NO_OFFSETS;
    const stored = group.offsets.find(topic, partition);
    const c = stored && stored.offset >= 0 ? stored : undefined;
    const base = c ? c.offset : o.logStartOffset;
    partitions.push({
      topic,
      partition,
      committedOffset: c ? c.offset : null,
      commitTimestamp: c ? c.commitTimestamp : null,
      metadata: c ? c.metadata : null,
      logStartOffset: o.logStartOffset,
      logEndOffset: o.logEndOffset,
      highWatermark: o.highWatermark,
      lag: Math.max(0, o.highWatermark - base),
      lagFrom: c ? 'committed' : 'logStart',
      memberId: owner?.memberId ?? null,
      clientId: owner?.clientId ?? null,
      host: owner?.host ?? null,
      offline: o.offline,
    });
  });
  partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return {
    groupId: group.groupId,
    state: group.state,
    totalLag: partitions.reduce((n, p) => n + p.lag, 0),
    partitions,
  };
}

// ---- sampler ---------------------------------------------------------------------------

export interface LagSamplerOptions {
  intervalMs?: number;
  fineSamples?: number;
  coarseEvery?: number;
  coarseSamples?: number;
  maxSeries?: number;
}

interface Series {
  groupId: string;
  topic: string;
  partition: number;
  fine: Float32Array;
  coarse: Float32Array;
  /** Largest lag since the last coarse sample (NaN: none seen). */
  peak: number;
  lastTick: number;
  /** Set during a tick when the series got a value. */
  seen: boolean;
}

export interface LagPoint {
  time: number;
  lag: number;
}

export interface LagHistory {
  groupId: string;
  topic: string;
  partition: number;
  /** Oldest first: coarse points for the older part of the window, then fine points. */
  points: LagPoint[];
}

export class LagSampler {
  readonly intervalMs: number;
  readonly fineSamples: number;
  readonly coarseEvery: number;
  readonly coarseSamples: number;
  readonly maxSeries: number;
  private readonly series = new Map<string, Series>();
  private readonly fineTimes: Float64Array;
  private readonly coarseTimes: Float64Array;
  private tick = 0;
  private coarseTick = 0;
  private timer: NodeJS.Timeout | null = null;
  droppedSeries = 0;
  lastSampleMs = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly coordinator: GroupCoordinator,
    opts: LagSamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.fineSamples = opts.fineSamples ?? 300;
    this.coarseEvery = opts.coarseEvery ?? 10;
    this.coarseSamples = opts.coarseSamples ?? 360;
    this.maxSeries = opts.maxSeries ?? 10_000;
    for (const [k, v] of Object.entries({
      intervalMs: this.intervalMs,
      fineSamples: this.fineSamples,
      coarseEvery: this.coarseEvery,
      coarseSamples: this.coarseSamples,
      maxSeries: this.maxSeries,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LagSampler ${k} must be a positive integer; got ${v}`);
    }
    this.fineTimes = new Float64Array(this.fineSamples).fill(NaN);
    this.coarseTimes = new Float64Array(this.coarseSamples).fill(NaN);
  }

  /** The most memory the rings can take, in bytes (bookkeeping excluded). */
  get memoryBoundBytes(): number {
    return this.maxSeries * (this.fineSamples + this.coarseSamples) * 4 + (this.fineSamples + this.coarseSamples) * 8;
  }

  get memoryBytes(): number {
    return this.series.size * (this.fineSamples + this.coarseSamples) * 4 + (this.fineSamples + this.coarseSamples) * 8;
  }

  get seriesCount(): number {
    return this.series.size;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.sampleOnce();
      } catch (e) {
        // The cluster is closing under the sampler (expected): the next tick (if any) tries again.
        if (!this.cluster.isClosed) this.cluster.logger.warn('lag-sampler', 'Sampling consumer lag failed', e);
      }
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Takes one sample of every group's lag (the timer calls this every interval). */
  sampleOnce(now = Date.now()): void {
    const started = performance.now();
    const slot = this.tick % this.fineSamples;
    this.fineTimes[slot] = now;
    const cache = new Map<string, Offsets[] | null>();
    for (const { group } of this.coordinator.loadedGroups()) {
      if (group.state === 'Dead') continue;
      forEachPartition(group, (topic, partition) => {
        let offs = cache.get(topic);
        if (offs === undefined) cache.set(topic, (offs = topicOffsets(this.cluster, topic)));
        if (offs === null) return;
        const o = offs[partition] ?? NO_OFFSETS;
        const c = group.offsets.find(topic, partition);
        const lag = Math.max(0, o.highWatermark - (c ? c.offset : o.logStartOffset));
        const key = `${group.groupId}\u0000${topic}\u0000${partition}`;
        let s = this.series.get(key);
        if (!s) {
          if (this.series.size >= this.maxSeries) {
            this.droppedSeries++;
            return;
          }
          s = {
            groupId: group.groupId,
            topic,
            partition,
            fine: new Float32Array(this.fineSamples).fill(NaN),
            coarse: new Float32Array(this.coarseSamples).fill(NaN),
            peak: NaN,
            lastTick: this.tick,
            seen: false,
          };
          this.series.set(key, s);
        }
        s.fine[slot] = lag;
        s.peak = Number.isNaN(s.peak) ? lag : Math.max(s.peak, lag);
        s.lastTick = this.tick;
        s.seen = true;
      });
    }
    const closeCoarse = (this.tick + 1) % this.coarseEvery === 0;
    const coarseSlot = this.coarseTick % this.coarseSamples;
    if (closeCoarse) this.coarseTimes[coarseSlot] = now;
    const window = this.coarseEvery * this.coarseSamples;
    for (const [key, s] of this.series) {
      if (!s.seen) s.fine[slot] = NaN;
      s.seen = false;
      if (closeCoarse) {
        s.coarse[coarseSlot] = s.peak;
        s.peak = NaN;
      }
      if (this.tick - s.lastTick > window) this.series.delete(key);
    }
    if (closeCoarse) this.coarseTick++;
    this.tick++;
    this.lastSampleMs = performance.now() - started;
  }

  /** Lag over time for a group's partitions (optionally one topic or partition). */
  history(groupId: string, filter: { topic?: string; partition?: number } = {}): LagHistory[] {
    const out: LagHistory[] = [];
    for (const s of this.series.values()) {
      if (
        s.groupId !== groupId ||
        (filter.topic !== undefined && s.topic !== filter.topic) ||
        (filter.partition !== undefined && s.partition !== filter.partition)
      )
        continue;
      out.push({ groupId, topic: s.topic, partition: s.partition, points: this.points(s) });
    }
    out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return out;
  }

  /** The group's total lag over time (partitions with no sample at a time count as 0 there). */
  totalHistory(groupId: string): LagPoint[] {
    const sums = new Map<number, number>();
    for (const h of this.history(groupId)) for (const p of h.points) sums.set(p.time, (sums.get(p.time) ?? 0) + p.lag);
    return [...sums].sort(([a], [b]) => a - b).map(([time, lag]) => ({ time, lag }));
  }

  private points(s: Series): LagPoint[] {
    const pts: LagPoint[] = [];
    const fineCount = Math.min(this.tick, this.fineSamples);
    const fineStart = fineCount > 0 ? this.fineTimes[(this.tick - fineCount) % this.fineSamples]! : Infinity;
    const coarseCount = Math.min(this.coarseTick, this.coarseSamples);
    for (let i = this.coarseTick - coarseCount; i < this.coarseTick; i++) {
      const slot = i % this.coarseSamples;
      const t = this.coarseTimes[slot]!;
      const v = s.coarse[slot]!;
      if (t < fineStart && !Number.isNaN(v)) pts.push({ time: t, lag: v });
    }
    for (let i = this.tick - fineCount; i < this.tick; i++) {
      const slot = i % this.fineSamples;
      const v = s.fine[slot]!;
      if (!Number.isNaN(v)) pts.push({ time: this.fineTimes[slot]!, lag: v });
    }
    return pts;
  }
}
