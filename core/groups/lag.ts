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
 * maxSeries is not recorded (counted in `droppedSeries`, tried again when
 * its group changes); one unseen for the whole window is dropped. Float32 is
 * exact up to 16,777,216 and within 1e-7 relative beyond, which a chart
 * cannot show.
 *
 * Cost (issue 9: an idle cluster's timers do no work per partition): a tick
 * recomputes only what can have changed. A lag changes when the partition's
 * high watermark or log start moves (the cluster's 'highWatermark' event), when
 * the group commits, deletes offsets, rebalances or changes state (seen as a
 * change of its offsets' version, generation or state, O(groups) a tick), or
 * when metadata changes (leaders, topics: everything is recomputed once). Every
 * other series keeps its value, and its ring slots are filled with it lazily,
 * when it next changes or is read. So an idle tick costs O(groups) and reads
 * no replica; a busy one O(partitions whose offsets moved x groups reading them).
 */
import type { Cluster } from '../cluster/cluster';
import type { TopicImage } from '../cluster/metadata-image';
import { decodeAssignment } from './assignors';
import type { Group } from './group';
import type { GroupCoordinator } from './group-coordinator';
import type { GroupState, GroupsClock } from './types';

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

/** A partition's offsets, from its leader's replica (or the last a replica had while it has no leader). */
function partitionOffsets(cluster: Cluster, t: TopicImage, i: number): Offsets {
  const img = t.partitions[i];
  if (!img) return NO_OFFSETS;
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
}

/** The offsets of every partition of a topic, from the leaders' replicas (null for a topic that is gone). */
export function topicOffsets(cluster: Cluster, topic: string): Offsets[] | null {
  let t;
  try {
    t = cluster.topicImage(topic);
  } catch {
    return null;
  }
  return t.partitions.map((_, i) => partitionOffsets(cluster, t, i));
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
  /** The time samples are stamped with (default Date; see types.ts GroupsClock). */
  clock?: GroupsClock;
}

interface Series {
  groupId: string;
  topic: string;
  partition: number;
  fine: Float32Array;
  coarse: Float32Array;
  /** The lag since `writtenTo`'s sample and until it changes (NaN: the group does not have the partition now). */
  value: number;
  /** The newest tick whose ring slots hold this series' values (later ticks hold `value`, written lazily). */
  writtenTo: number;
  /** The newest tick with a value (not NaN): a series without one for the whole window is dropped. */
  lastTick: number;
}

/** What a tick compares to tell whether a group may have changed, and the series it has. */
interface GroupTrack {
  group: Group;
  state: GroupState;
  generation: number;
  offsetsVersion: number;
  /** `topic\0partition` -> its series. */
  series: Map<string, Series>;
  /** The tick it was last seen loaded at, and last recomputed at. */
  seenAt: number;
  resampledAt: number;
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

/** Offsets of partitions, each looked up once per tick however many groups read it. */
class OffsetsLookup {
  private readonly topics = new Map<string, { image: TopicImage; offsets: Array<Offsets | undefined> } | null>();

  constructor(private readonly cluster: Cluster) {}

  /** null when the topic is gone. */
  get(topic: string, partition: number): Offsets | null {
    let t = this.topics.get(topic);
    if (t === undefined) {
      try {
        const image = this.cluster.topicImage(topic);
        t = { image, offsets: new Array<Offsets | undefined>(image.partitions.length) };
      } catch {
        t = null;
      }
      this.topics.set(topic, t);
    }
    if (t === null) return null;
    return (t.offsets[partition] ??= partitionOffsets(this.cluster, t.image, partition));
  }
}

const maxOf = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

export class LagSampler {
  readonly intervalMs: number;
  readonly fineSamples: number;
  readonly coarseEvery: number;
  readonly coarseSamples: number;
  readonly maxSeries: number;
  private readonly series = new Map<string, Series>();
  private readonly groups = new Map<string, GroupTrack>();
  /** `topic\0partition` -> the groups with a series for it. */
  private readonly readers = new Map<string, Set<GroupTrack>>();
  /** Series whose group dropped the partition, until they are dropped after the window. */
  private readonly ended = new Set<Series>();
  /** Partitions whose offsets moved since the last tick; `allDirty` after a metadata change. */
  private readonly dirty = new Set<string>();
  private allDirty = true;
  private listening = false;
  private readonly fineTimes: Float64Array;
  private readonly coarseTimes: Float64Array;
  private tick = 0;
  private coarseTick = 0;
  private timer: NodeJS.Timeout | null = null;
  droppedSeries = 0;
  lastSampleMs = 0;
  /** Series recomputed by the last tick (0 when nothing changed). */
  lastSampleSeries = 0;

  private readonly onHighWatermark = (e: { topic: string; partition: number }): void => {
    if (!this.allDirty) this.dirty.add(`${e.topic}\u0000${e.partition}`);
  };

  private readonly onMetadata = (): void => {
    this.allDirty = true;
    this.dirty.clear();
  };
  private readonly clock: GroupsClock;

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
    this.clock = opts.clock ?? Date;
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
    this.listen();
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

  /** Offsets moves reach the sampler as events; while it does not listen, the next tick recomputes everything. */
  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.allDirty = true;
    this.cluster.on('highWatermark', this.onHighWatermark);
    this.cluster.on('metadata', this.onMetadata);
  }

  start(): void {
    this.listen();
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
    if (!this.listening) return;
    this.listening = false;
    this.cluster.off('highWatermark', this.onHighWatermark);
    this.cluster.off('metadata', this.onMetadata);
  }

  /**
   * Takes one sample of every group's lag (the timer calls this every interval); see the module header for its cost.
   */
  sampleOnce(now = this.clock.now()): void {
    const started = performance.now();
    const tick = this.tick;
    this.fineTimes[tick % this.fineSamples] = now;
    const closeCoarse = (tick + 1) % this.coarseEvery === 0;
    if (closeCoarse) this.coarseTimes[this.coarseTick % this.coarseSamples] = now;
    const all = this.allDirty || !this.listening;
    this.allDirty = false;
    this.lastSampleSeries = 0;
    const topics = new OffsetsLookup(this.cluster);
    for (const { group } of this.coordinator.loadedGroups()) {
      if (group.state === 'Dead') continue;
      let track = this.groups.get(group.groupId);
      if (
        all ||
        !track ||
        track.group !== group ||
        track.state !== group.state ||
        track.generation !== group.generationId ||
        track.offsetsVersion !== group.offsets.version
      ) {
        track = this.resample(group, track, tick, topics);
      }
      track.seenAt = tick;
    }
    for (const [groupId, track] of this.groups) {
      if (track.seenAt === tick) continue;
      // Dead, deleted, or its coordinator shard moved away: its series end here.
      for (const s of track.series.values()) this.end(s, tick);
      this.unindex(track, new Map());
      this.groups.delete(groupId);
    }
    if (!all) {
      for (const tp of this.dirty) {
        const tracks = this.readers.get(tp);
        if (!tracks) continue;
        for (const track of tracks) {
          if (track.resampledAt === tick) continue;
          const s = track.series.get(tp)!;
          this.write(s, tick, this.lagOf(track.group, s.topic, s.partition, topics) ?? NaN);
          this.lastSampleSeries++;
        }
      }
    }
    this.dirty.clear();
    const window = this.coarseEvery * this.coarseSamples;
    for (const s of this.ended) {
      if (tick - s.lastTick <= window) continue;
      this.ended.delete(s);
      this.series.delete(`${s.groupId}\u0000${s.topic}\u0000${s.partition}`);
    }
    if (closeCoarse) this.coarseTick++;
    this.tick++;
    this.lastSampleMs = performance.now() - started;
  }

  /** The group's lag on one partition now, or null when its topic is gone. */
  private lagOf(group: Group, topic: string, partition: number, look: OffsetsLookup): number | null {
    const o = look.get(topic, partition);
    if (o === null) return null;
    const c = group.offsets.find(topic, partition);
    return Math.max(0, o.highWatermark - (c ? c.offset : o.logStartOffset));
  }

  /** Recomputes every series of a group (new, or changed since the last tick). */
  private resample(group: Group, track: GroupTrack | undefined, tick: number, topics: OffsetsLookup): GroupTrack {
    const next = new Map<string, Series>();
    forEachPartition(group, (topic, partition) => {
      const lag = this.lagOf(group, topic, partition, topics);
      if (lag === null) return; // topic deleted: its committed offsets lag nothing
      const tp = `${topic}\u0000${partition}`;
      const key = `${group.groupId}\u0000${tp}`;
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
          value: NaN,
          writtenTo: tick - 1,
          lastTick: tick,
        };
        this.series.set(key, s);
      }
      this.ended.delete(s);
      this.write(s, tick, lag);
      this.lastSampleSeries++;
      next.set(tp, s);
    });
    if (track) {
      for (const [tp, s] of track.series) if (!next.has(tp)) this.end(s, tick);
      this.unindex(track, next);
    }
    const t: GroupTrack = track ?? {
      group,
      state: group.state,
      generation: group.generationId,
      offsetsVersion: group.offsets.version,
      series: next,
      seenAt: tick,
      resampledAt: tick,
    };
    t.group = group;
    t.state = group.state;
    t.generation = group.generationId;
    t.offsetsVersion = group.offsets.version;
    t.series = next;
    t.resampledAt = tick;
    for (const tp of next.keys()) {
      let set = this.readers.get(tp);
      if (!set) this.readers.set(tp, (set = new Set()));
      set.add(t);
    }
    this.groups.set(group.groupId, t);
    return t;
  }

  /** Removes a group from the readers of the partitions it no longer has (all but those in `keep`). */
  private unindex(track: GroupTrack, keep: Map<string, Series>): void {
    for (const tp of track.series.keys()) {
      if (keep.has(tp)) continue;
      const set = this.readers.get(tp);
      set?.delete(track);
      if (set?.size === 0) this.readers.delete(tp);
    }
  }

  private end(s: Series, tick: number): void {
    if (s.writtenTo < tick) this.write(s, tick, NaN);
    this.ended.add(s);
  }

  /** Sets a series' value from `tick` on, first filling the ticks since its last write with the value it had. */
  private write(s: Series, tick: number, value: number): void {
    this.fill(s, tick - 1);
    const bucket = Math.floor(tick / this.coarseEvery);
    const slot = bucket % this.coarseSamples;
    s.fine[tick % this.fineSamples] = value;
    s.coarse[slot] = bucket === Math.floor(s.writtenTo / this.coarseEvery) ? maxOf(s.coarse[slot]!, value) : value;
    s.value = value;
    s.writtenTo = tick;
    if (!Number.isNaN(value)) s.lastTick = tick;
  }

  /**
   * Writes the series' unchanged value into the ring slots of the ticks after
   * its last write, up to `to`: at most one pass over each ring, however long
   * the series stayed the same.
   */
  private fill(s: Series, to: number): void {
    const from = s.writtenTo + 1;
    if (to < from) return;
    const v = s.value;
    for (let t = Math.max(from, to - this.fineSamples + 1); t <= to; t++) s.fine[t % this.fineSamples] = v;
    const written = Math.floor(s.writtenTo / this.coarseEvery);
    const last = Math.floor(to / this.coarseEvery);
    for (let b = Math.max(Math.floor(from / this.coarseEvery), last - this.coarseSamples + 1); b <= last; b++) {
      const slot = b % this.coarseSamples;
      s.coarse[slot] = b === written ? maxOf(s.coarse[slot]!, v) : v;
    }
    s.writtenTo = to;
    if (!Number.isNaN(v)) s.lastTick = to;
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
      this.fill(s, this.tick - 1);
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
