/**
 * Per-topic and per-broker rates of a remote cluster, sampled in the app:
 * what the Topics list ("In/s", "Last message") and the Broker detail page
 * (messages and bytes in) show. A remote cluster keeps no such meters for
 * us, so they are measured from outside.
 *
 * Rules a reader cannot see below:
 * - Only what is looked at is sampled. `lookAtTopic` (the Topics list asks
 *   for each topic's activity) and `lookAtBroker` (the Broker detail page)
 *   mark interest for INTEREST_MS (a minute); a round samples the partitions
 *   of the topics looked at and those led by the brokers looked at. With no
 *   interest left the rounds stop and no timer is pending: an idle
 *   connection costs nothing. The first look starts a round at once.
 * - One round every `intervalMs` (default 3 s), never two at once. A round
 *   sends each leader broker one ListOffsets (latest) for all its sampled
 *   partitions; messages in per second of a partition is its high watermark
 *   growth over the time between its last two samples. A topic's rate is the
 *   sum of its partitions' (null until every partition with a leader has one),
 *   a broker's the sum over the partitions it leads now.
 * - At most `maxPartitionsPerRound` (default 10,000) partitions a round. Past
 *   that, rounds take the next slice of the (topic, partition) order in turn,
 *   so every partition is sampled every few rounds and its rate is still
 *   exact (growth over its own interval), only older.
 * - "Last message" of a topic is the newest record timestamp of its
 *   partitions, asked for only for partitions whose high watermark moved
 *   since it was last read: ListOffsets with timestamp -3 (MAX_TIMESTAMP,
 *   v7+, Kafka 3.0+), one request per leader; on older brokers a Fetch of the
 *   batch holding the last offset, whose header's maxTimestamp is read
 *   without decoding a record, at most MAX_BATCH_READS a round.
 * - Bytes in per second of a broker looked at: growth of the sizes its
 *   DescribeLogDirs gives for the partitions it leads (as the sandbox counts
 *   bytes appended as leader), one request per broker a round; a size that
 *   shrank (retention deleted a segment) gives no sample. A broker without
 *   DescribeLogDirs says "not offered".
 * - Failed requests leave the last figures in place (a leader moving: the
 *   metadata snapshot's next load finds the new one).
 * - Out rates (messages fetched) are not observable from outside a cluster;
 *   callers say so rather than 0 (OUT_NOT_OBSERVABLE).
 */
import { API_KEYS } from '../protocol/index';
import { batchBaseOffset, batchLastOffset, batchMaxTimestamp } from '../record';
import { listOffsets } from './metadata-cache';
import { fetchBatches, type RecordsContext } from './records';
import { chooseVersion } from './versions';

/** What a remote connection shows where out rates would be. */
export const OUT_NOT_OBSERVABLE = 'not observable on a remote cluster';
/** What it shows for bytes in where a broker has no DescribeLogDirs. */
export const BYTES_NOT_OFFERED = 'not offered by this broker (no DescribeLogDirs)';

export const INTEREST_MS = 60_000;
export const DEFAULT_INTERVAL_MS = 3000;
export const MAX_PARTITIONS_PER_ROUND = 10_000;
/** Fetches of a last batch (brokers before ListOffsets v7) per round. */
export const MAX_BATCH_READS = 50;

export interface SampledPartition {
  topic: string;
  partition: number;
}

/** The layout the sampler reads: topics with each partition's current leader (-1: none). */
export interface RateLayout {
  topics: ReadonlyMap<string, { partitions: ReadonlyArray<{ partition: number; leader: number }> }>;
}

/** The requests a round makes; core/remote/remote-cluster.ts implements them over the pool. */
export interface RateIo {
  /** Latest offsets (high watermarks) of these partitions, from their leader: one ListOffsets. */
  latestOffsets(leader: number, parts: SampledPartition[]): Promise<Map<string, number>>;
  /**
   * Newest record timestamps (ListOffsets MAX_TIMESTAMP), one request; null when the broker does not offer it
   * (before ListOffsets v7). A partition without records is left out or -1.
   */
  maxTimestamps(leader: number, parts: SampledPartition[]): Promise<Map<string, number> | null>;
  /** maxTimestamp of the batch holding `offset` (a batch header, no record decoded); null when there is none. */
  batchTimestamp(topic: string, partition: number, offset: number): Promise<number | null>;
  /** Replica sizes on this broker (DescribeLogDirs); null when the broker does not offer it. */
  logDirSizes(broker: number, parts: SampledPartition[]): Promise<Map<string, number> | null>;
}

export interface RateSamplerOptions {
  intervalMs?: number;
  maxPartitionsPerRound?: number;
  interestMs?: number;
  /** Milliseconds, monotonic (tests inject their own). */
  now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel. Tests inject their own to see whether a timer is pending. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

export interface TopicRates {
  messagesInPerSec: number | null;
  /** Epoch ms of the newest record seen in the topic; null when unknown or empty. */
  lastAppendMs: number | null;
}

export interface BrokerRates {
  messagesInPerSec: number | null;
  bytesInPerSec: number | null;
  /** Why bytesInPerSec is null when it will stay so (BYTES_NOT_OFFERED). */
  bytesInNote: string | null;
}

interface PartitionSample {
  offset: number;
  at: number;
  rate: number | null;
  /** The high watermark the newest timestamp was read at (-1: never). */
  stampedAt: number;
  newest: number | null;
  size: number | null;
  sizeAt: number;
  byteRate: number | null;
}

export const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export class RemoteRateSampler {
  private readonly topics = new Map<string, number>();
  private readonly brokers = new Map<number, number>();
  private readonly samples = new Map<string, PartitionSample>();
  /** Brokers whose DescribeLogDirs is known not offered. */
  private readonly noLogDirs = new Set<number>();
  private cancel: (() => void) | null = null;
  private inRound = false;
  private cursor = 0;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly cap: number;
  private readonly interestMs: number;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  /** Rounds run so far (tests and the bench read it). */
  rounds = 0;
  /** Partitions the last round sampled. */
  lastRoundPartitions = 0;

  constructor(
    private readonly layout: () => RateLayout,
    private readonly io: RateIo,
    opts: RateSamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.cap = opts.maxPartitionsPerRound ?? MAX_PARTITIONS_PER_ROUND;
    this.interestMs = opts.interestMs ?? INTEREST_MS;
    this.now = opts.now ?? (() => performance.now());
    this.schedule = opts.schedule ?? defaultSchedule;
  }

  /** True while a round is pending or running. */
  get running(): boolean {
    return this.cancel !== null || this.inRound;
  }

  lookAtTopic(name: string): void {
    this.topics.set(name, this.now());
    this.wake();
  }

  lookAtBroker(id: number): void {
    this.brokers.set(id, this.now());
    this.wake();
  }

  topicRates(name: string): TopicRates {
    const t = this.layout().topics.get(name);
    if (!t) return { messagesInPerSec: null, lastAppendMs: null };
    let sum = 0;
    let complete = true;
    let newest: number | null = null;
    for (const p of t.partitions) {
      const s = this.samples.get(partitionKey(name, p.partition));
      if (s?.newest != null && (newest === null || s.newest > newest)) newest = s.newest;
      if (p.leader < 0) continue;
      if (s?.rate == null) complete = false;
      else sum += s.rate;
    }
    return { messagesInPerSec: complete ? sum : null, lastAppendMs: newest };
  }

  brokerRates(id: number): BrokerRates {
    let messages = 0;
    let bytes = 0;
    let messagesKnown = true;
    let bytesKnown = true;
    for (const [name, t] of this.layout().topics)
      for (const p of t.partitions) {
        if (p.leader !== id) continue;
        const s = this.samples.get(partitionKey(name, p.partition));
        if (s?.rate == null) messagesKnown = false;
        else messages += s.rate;
        if (s?.byteRate == null) bytesKnown = false;
        else bytes += s.byteRate;
      }
    const offered = !this.noLogDirs.has(id);
    return {
      messagesInPerSec: messagesKnown ? messages : null,
      bytesInPerSec: offered && bytesKnown ? bytes : null,
      bytesInNote: offered ? null : BYTES_NOT_OFFERED,
    };
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
  }

  private wake(): void {
    if (this.stopped || this.running) return;
    this.cancel = this.schedule(() => void this.tick(), 0);
  }

  private async tick(): Promise<void> {
    this.cancel = null;
    if (this.stopped) return;
    const more = await this.round();
    if (more && !this.stopped && !this.cancel) this.cancel = this.schedule(() => void this.tick(), this.intervalMs);
  }

  /** Forgets interest older than interestMs; true when some is left. */
  private expire(now: number): boolean {
    for (const [k, at] of this.topics) if (now - at > this.interestMs) this.topics.delete(k);
    for (const [k, at] of this.brokers) if (now - at > this.interestMs) this.brokers.delete(k);
    return this.topics.size > 0 || this.brokers.size > 0;
  }

  /** The partitions of interest with a leader, in (topic, partition) order, and the slice this round takes. */
  private selection(): Array<SampledPartition & { leader: number }> {
    const all: Array<SampledPartition & { leader: number }> = [];
    const layout = this.layout();
    const names = [...layout.topics.keys()].sort();
    for (const name of names) {
      const t = layout.topics.get(name)!;
      const wholeTopic = this.topics.has(name);
      for (const p of t.partitions)
        if (p.leader >= 0 && (wholeTopic || this.brokers.has(p.leader)))
          all.push({ topic: name, partition: p.partition, leader: p.leader });
    }
    if (all.length <= this.cap) {
      this.cursor = 0;
      return all;
    }
    const start = this.cursor % all.length;
    this.cursor = start + this.cap;
    const slice = all.slice(start, start + this.cap);
    if (slice.length < this.cap) slice.push(...all.slice(0, this.cap - slice.length));
    return slice;
  }

  /** One round; false when nobody looks any more (the rounds stop). Exposed for tests. */
  async round(): Promise<boolean> {
    if (this.inRound) return true;
    if (!this.expire(this.now())) return false;
    this.inRound = true;
    try {
      const chosen = this.selection();
      this.lastRoundPartitions = chosen.length;
      this.rounds++;
      const byLeader = new Map<number, SampledPartition[]>();
      for (const p of chosen) {
        let list = byLeader.get(p.leader);
        if (!list) byLeader.set(p.leader, (list = []));
        list.push({ topic: p.topic, partition: p.partition });
      }
      await Promise.all([
        ...[...byLeader].map(([leader, parts]) => this.sampleLeader(leader, parts)),
        ...[...this.brokers.keys()].map((b) => this.sampleSizes(b, byLeader.get(b) ?? [])),
      ]);
      await this.readBatchTimestamps(chosen);
    } finally {
      this.inRound = false;
    }
    return true;
  }

  private sample(key: string): PartitionSample {
    let s = this.samples.get(key);
    if (!s) {
      s = { offset: -1, at: 0, rate: null, stampedAt: -1, newest: null, size: null, sizeAt: 0, byteRate: null };
      this.samples.set(key, s);
    }
    return s;
  }

  private async sampleLeader(leader: number, parts: SampledPartition[]): Promise<void> {
    let latest: Map<string, number>;
    try {
      latest = await this.io.latestOffsets(leader, parts);
    } catch {
      return;
    }
    const at = this.now();
    const moved: SampledPartition[] = [];
    for (const p of parts) {
      const key = partitionKey(p.topic, p.partition);
      const offset = latest.get(key);
      if (offset === undefined || offset < 0) continue;
      const s = this.sample(key);
      if (s.offset >= 0 && at > s.at) s.rate = (Math.max(0, offset - s.offset) * 1000) / (at - s.at);
      s.offset = offset;
      s.at = at;
      if (offset > 0 && s.stampedAt !== offset) moved.push(p);
    }
    if (moved.length === 0) return;
    try {
      const stamps = await this.io.maxTimestamps(leader, moved);
      if (stamps === null) return; // older broker: readBatchTimestamps fetches a batch header instead
      for (const p of moved) {
        const s = this.sample(partitionKey(p.topic, p.partition));
        const ts = stamps.get(partitionKey(p.topic, p.partition));
        s.stampedAt = s.offset;
        if (ts !== undefined && ts >= 0) s.newest = ts;
      }
    } catch {
      // Asked again next round: stampedAt did not move.
    }
  }

  private async readBatchTimestamps(chosen: SampledPartition[]): Promise<void> {
    let reads = 0;
    for (const p of chosen) {
      const s = this.samples.get(partitionKey(p.topic, p.partition));
      if (!s || s.offset <= 0 || s.stampedAt === s.offset) continue;
      if (reads++ >= MAX_BATCH_READS) return;
      const at = s.offset;
      try {
        const ts = await this.io.batchTimestamp(p.topic, p.partition, at - 1);
        s.stampedAt = at;
        if (ts !== null && ts >= 0) s.newest = ts;
      } catch {
        // Tried again next round.
      }
    }
  }

  private async sampleSizes(broker: number, parts: SampledPartition[]): Promise<void> {
    if (this.noLogDirs.has(broker) || parts.length === 0) return;
    let sizes: Map<string, number> | null;
    try {
      sizes = await this.io.logDirSizes(broker, parts);
    } catch {
      return;
    }
    if (sizes === null) {
      this.noLogDirs.add(broker);
      return;
    }
    const at = this.now();
    for (const p of parts) {
      const key = partitionKey(p.topic, p.partition);
      const size = sizes.get(key);
      if (size === undefined) continue;
      const s = this.sample(key);
      if (s.size !== null && at > s.sizeAt && size >= s.size) s.byteRate = ((size - s.size) * 1000) / (at - s.sizeAt);
      s.size = size;
      s.sizeAt = at;
    }
  }
}

// ---- the requests, over the pool ----------------------------------------------------------------

/** ListOffsets timestamp for the record with the largest timestamp (KIP-734). */
const MAX_TIMESTAMP = -3;
const MAX_TIMESTAMP_VERSION = 7;

function byTopic(parts: SampledPartition[]): Array<{ topic: string; partitions: number[] }> {
  const m = new Map<string, number[]>();
  for (const p of parts) {
    let list = m.get(p.topic);
    if (!list) m.set(p.topic, (list = []));
    list.push(p.partition);
  }
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

async function offsetsAt(ctx: RecordsContext, leader: number, parts: SampledPartition[], timestamp: number) {
  const out = new Map<string, number>();
  const answer = await listOffsets(ctx.client, new Map([[leader, parts]]), timestamp);
  for (const [key, o] of answer)
    if (o.errorCode === 0) out.set(key, timestamp === MAX_TIMESTAMP ? o.timestamp : o.offset);
  return out;
}

/** The sampler's requests for a remote cluster (core/remote/remote-cluster.ts). */
export function remoteRateIo(ctx: RecordsContext): RateIo {
  return {
    latestOffsets: (leader, parts) => offsetsAt(ctx, leader, parts, -1),
    async maxTimestamps(leader, parts) {
      const conn = await ctx.client.connection(leader);
      const v = chooseVersion(conn.versions, API_KEYS.ListOffsets);
      if (v === null || v < MAX_TIMESTAMP_VERSION) return null;
      return offsetsAt(ctx, leader, parts, MAX_TIMESTAMP);
    },
    async batchTimestamp(topic, partition, offset) {
      // A budget of one byte: the broker still sends the first whole batch (KIP-74), the one holding `offset`.
      const f = await fetchBatches(ctx, topic, partition, offset, 1);
      const b = f.batches.find((x) => batchBaseOffset(x) <= offset && batchLastOffset(x) >= offset);
      return b ? batchMaxTimestamp(b) : null;
    },
    async logDirSizes(broker, parts) {
      const conn = await ctx.client.connection(broker);
      if (chooseVersion(conn.versions, API_KEYS.DescribeLogDirs) === null) return null;
      const { body } = await conn.call(API_KEYS.DescribeLogDirs, () => ({ topics: byTopic(parts) }));
      const out = new Map<string, number>();
      for (const dir of body.results) {
        if (dir.errorCode !== 0) continue;
        for (const t of dir.topics)
          for (const p of t.partitions) {
            if (p.isFutureKey) continue;
            const key = partitionKey(t.name, p.partitionIndex);
            out.set(key, (out.get(key) ?? 0) + p.partitionSize);
          }
      }
      return out;
    },
  };
}
