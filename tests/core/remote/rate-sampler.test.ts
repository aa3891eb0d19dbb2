/**
 * The remote rate sampler (core/remote/rate-sampler.ts) over fake offsets, sizes and timestamps, with an injected
 * clock and scheduler: rates from high watermark growth per topic and per leader broker, last message times,
 * bytes from log-dir growth or "not offered", interest expiry stopping the rounds (no timer left), one request per
 * leader a round, and the cap on partitions per round taken in turn.
 */
import { describe, expect, it } from 'vitest';
import {
  BYTES_NOT_OFFERED,
  partitionKey,
  RemoteRateSampler,
  type RateIo,
  type RateLayout,
  type SampledPartition,
} from '../../../core/remote/rate-sampler';

/** A fake cluster: offsets, sizes and newest timestamps by partition, and a log of the requests made. */
class FakeCluster implements RateIo {
  offsets = new Map<string, number>();
  sizes = new Map<string, number>();
  stamps = new Map<string, number>();
  requests: Array<{ kind: string; broker: number; parts: number }> = [];
  batchReads: string[] = [];
  maxTimestampOffered = true;
  logDirsOffered = new Set<number>([1, 2]);

  constructor(readonly layout: RateLayout) {}

  latestOffsets(leader: number, parts: SampledPartition[]) {
    this.requests.push({ kind: 'latest', broker: leader, parts: parts.length });
    const out = new Map<string, number>();
    for (const p of parts)
      out.set(partitionKey(p.topic, p.partition), this.offsets.get(partitionKey(p.topic, p.partition)) ?? 0);
    return Promise.resolve(out);
  }

  maxTimestamps(leader: number, parts: SampledPartition[]) {
    if (!this.maxTimestampOffered) return Promise.resolve(null);
    this.requests.push({ kind: 'maxTimestamp', broker: leader, parts: parts.length });
    const out = new Map<string, number>();
    for (const p of parts) {
      const ts = this.stamps.get(partitionKey(p.topic, p.partition));
      if (ts !== undefined) out.set(partitionKey(p.topic, p.partition), ts);
    }
    return Promise.resolve(out);
  }

  batchTimestamp(topic: string, partition: number, offset: number) {
    this.batchReads.push(`${topic}-${partition}@${offset}`);
    return Promise.resolve(this.stamps.get(partitionKey(topic, partition)) ?? null);
  }

  logDirSizes(broker: number, parts: SampledPartition[]) {
    this.requests.push({ kind: 'logDirs', broker, parts: parts.length });
    if (!this.logDirsOffered.has(broker)) return Promise.resolve(null);
    const out = new Map<string, number>();
    for (const p of parts)
      out.set(partitionKey(p.topic, p.partition), this.sizes.get(partitionKey(p.topic, p.partition)) ?? 0);
    return Promise.resolve(out);
  }

  add(topic: string, partition: number, messages: number, bytes = 0): void {
    const k = partitionKey(topic, partition);
    this.offsets.set(k, (this.offsets.get(k) ?? 0) + messages);
    this.sizes.set(k, (this.sizes.get(k) ?? 0) + bytes);
  }
}

/** A clock the test moves and a scheduler that only records what is pending. */
function harness(layout: RateLayout, opts: { maxPartitionsPerRound?: number } = {}) {
  let now = 1000;
  const pending: Array<{ fn: () => void; ms: number }> = [];
  const cluster = new FakeCluster(layout);
  const sampler = new RemoteRateSampler(() => layout, cluster, {
    intervalMs: 3000,
    interestMs: 60_000,
    now: () => now,
    schedule: (fn, ms) => {
      const entry = { fn, ms };
      pending.push(entry);
      return () => pending.splice(pending.indexOf(entry), 1);
    },
    ...opts,
  });
  return {
    cluster,
    sampler,
    pending,
    advance: (ms: number) => (now += ms),
    /** Runs the pending timer (a round) and waits until it scheduled the next or stopped. */
    async fire(): Promise<void> {
      const next = pending.shift();
      if (!next) throw new Error('no round is pending');
      next.fn();
      // Done when the round scheduled the next one or stopped for want of interest.
      await expect.poll(() => !sampler.running || pending.length > 0).toBe(true);
    },
  };
}

const layoutOf = (topics: Record<string, number[]>): RateLayout => ({
  topics: new Map(
    Object.entries(topics).map(([name, leaders]) => [
      name,
      { partitions: leaders.map((leader, partition) => ({ partition, leader })) },
    ]),
  ),
});

describe('remote rate sampler', () => {
  it('gives messages in per second per topic and per leader broker from high watermark growth', async () => {
    const h = harness(layoutOf({ orders: [1, 2, 1], audit: [2] }));
    h.sampler.lookAtTopic('orders');
    h.sampler.lookAtTopic('audit');
    h.sampler.lookAtBroker(1);
    expect(h.pending.map((p) => p.ms)).toEqual([0]); // the first look starts a round at once
    await h.fire();
    expect(h.sampler.topicRates('orders').messagesInPerSec).toBeNull(); // one sample: still measuring
    h.cluster.add('orders', 0, 300, 30_000);
    h.cluster.add('orders', 1, 60);
    h.cluster.add('orders', 2, 0);
    h.cluster.add('audit', 0, 15);
    h.advance(3000);
    await h.fire();
    expect(h.sampler.topicRates('orders').messagesInPerSec).toBeCloseTo(120, 6); // (300 + 60) / 3 s
    expect(h.sampler.topicRates('audit').messagesInPerSec).toBeCloseTo(5, 6);
    const b1 = h.sampler.brokerRates(1);
    expect(b1.messagesInPerSec).toBeCloseTo(100, 6); // orders-0 and orders-2 are led by broker 1
    expect(b1.bytesInPerSec).toBeCloseTo(10_000, 6);
    expect(b1.bytesInNote).toBeNull();
    expect(h.sampler.brokerRates(2).messagesInPerSec).toBeCloseTo(25, 6); // orders-1 and audit-0
  });

  it('sends one ListOffsets per leader broker a round', async () => {
    const h = harness(layoutOf({ a: [1, 2, 3, 1, 2, 3], b: [1, 1] }));
    h.sampler.lookAtTopic('a');
    h.sampler.lookAtTopic('b');
    await h.fire();
    const latest = h.cluster.requests.filter((r) => r.kind === 'latest');
    expect(latest.map((r) => [r.broker, r.parts]).sort()).toEqual([
      [1, 4],
      [2, 2],
      [3, 2],
    ]);
  });

  it('reads the newest record time only for partitions that grew, by MAX_TIMESTAMP or else a batch header', async () => {
    const h = harness(layoutOf({ t: [1, 1] }));
    h.cluster.add('t', 0, 10);
    h.cluster.stamps.set(partitionKey('t', 0), 1_700_000_000_000);
    h.sampler.lookAtTopic('t');
    await h.fire();
    expect(h.sampler.topicRates('t').lastAppendMs).toBe(1_700_000_000_000);
    expect(h.cluster.requests.filter((r) => r.kind === 'maxTimestamp')).toEqual([
      { kind: 'maxTimestamp', broker: 1, parts: 1 }, // t-1 is empty: not asked
    ]);
    h.advance(3000);
    await h.fire();
    expect(h.cluster.requests.filter((r) => r.kind === 'maxTimestamp')).toHaveLength(1); // nothing grew

    h.cluster.maxTimestampOffered = false; // a broker before Kafka 3.0
    h.cluster.add('t', 1, 5);
    h.cluster.stamps.set(partitionKey('t', 1), 1_700_000_009_000);
    h.advance(3000);
    await h.fire();
    expect(h.cluster.batchReads).toEqual(['t-1@4']); // the batch holding the last offset
    expect(h.sampler.topicRates('t').lastAppendMs).toBe(1_700_000_009_000);
  });

  it('says bytes in are not offered by a broker without DescribeLogDirs, and asks it no more', async () => {
    const h = harness(layoutOf({ t: [3] }));
    h.cluster.logDirsOffered.delete(3);
    h.sampler.lookAtBroker(3);
    await h.fire();
    h.cluster.add('t', 0, 30);
    h.advance(3000);
    await h.fire();
    expect(h.sampler.brokerRates(3)).toEqual({
      messagesInPerSec: 10,
      bytesInPerSec: null,
      bytesInNote: BYTES_NOT_OFFERED,
    });
    expect(h.cluster.requests.filter((r) => r.kind === 'logDirs')).toHaveLength(1);
  });

  it('does not count a size that shrank (retention) as negative bytes in', async () => {
    const h = harness(layoutOf({ t: [1] }));
    h.cluster.add('t', 0, 0, 1000);
    h.sampler.lookAtBroker(1);
    await h.fire();
    h.cluster.add('t', 0, 0, 3000);
    h.advance(2000);
    await h.fire();
    expect(h.sampler.brokerRates(1).bytesInPerSec).toBeCloseTo(1500, 6);
    h.cluster.sizes.set(partitionKey('t', 0), 100);
    h.advance(2000);
    await h.fire();
    expect(h.sampler.brokerRates(1).bytesInPerSec).toBeCloseTo(1500, 6);
  });

  it('stops the rounds, with no timer left, once nobody has looked for a minute; a new look starts them again', async () => {
    const h = harness(layoutOf({ t: [1] }));
    h.sampler.lookAtTopic('t');
    await h.fire();
    expect(h.pending.map((p) => p.ms)).toEqual([3000]);
    for (let i = 0; i < 21; i++) {
      h.advance(3000);
      await h.fire();
    }
    const rounds = h.sampler.rounds;
    expect(h.pending).toHaveLength(0); // 63 s after the look: no round pending
    expect(h.sampler.running).toBe(false);
    expect(rounds).toBe(21); // the first and those within the minute after it, none later
    h.sampler.lookAtTopic('t');
    expect(h.pending.map((p) => p.ms)).toEqual([0]);
    await h.fire();
    expect(h.sampler.rounds).toBe(rounds + 1);
  });

  it('samples at most the cap of partitions a round, taking the rest in turn, and the rates stay exact', async () => {
    const leaders = Array.from({ length: 25 }, (_, i) => 1 + (i % 3));
    const h = harness(layoutOf({ wide: leaders }), { maxPartitionsPerRound: 10 });
    h.sampler.lookAtTopic('wide');
    const sampled = () => h.cluster.requests.filter((r) => r.kind === 'latest').reduce((n, r) => n + r.parts, 0);
    for (let round = 0; round < 6; round++) {
      const before = sampled();
      for (let p = 0; p < 25; p++) h.cluster.add('wide', p, 20); // 20 messages per partition every 2 s
      if (round > 0) h.advance(2000);
      await h.fire();
      expect(sampled() - before).toBe(10);
      expect(h.sampler.lastRoundPartitions).toBe(10);
    }
    // Every partition sampled at least twice by now: 25 partitions x 10 messages per second.
    expect(h.sampler.topicRates('wide').messagesInPerSec).toBeCloseTo(250, 6);
  });

  it('skips partitions without a leader and answers null for a topic it does not know', async () => {
    const h = harness(layoutOf({ t: [1, -1] }));
    h.sampler.lookAtTopic('t');
    await h.fire();
    h.cluster.add('t', 0, 9);
    h.advance(3000);
    await h.fire();
    expect(h.sampler.topicRates('t').messagesInPerSec).toBeCloseTo(3, 6);
    expect(h.cluster.requests.filter((r) => r.kind === 'latest').every((r) => r.broker === 1)).toBe(true);
    expect(h.sampler.topicRates('gone')).toEqual({ messagesInPerSec: null, lastAppendMs: null });
  });

  it('runs no round and sets no timer after stop', async () => {
    const h = harness(layoutOf({ t: [1] }));
    h.sampler.lookAtTopic('t');
    await h.fire();
    h.sampler.stop();
    expect(h.pending).toHaveLength(0);
    h.sampler.lookAtTopic('t');
    expect(h.pending).toHaveLength(0);
  });
});
