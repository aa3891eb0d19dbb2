import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerStore } from '../../../core/storage/broker-store';
import { PartitionLog } from '../../../core/storage/partition-log';
import { buildBatch, batchBaseOffset, batchLastOffset } from '../../../core/record';
import { KafkaError } from '../../../core/errors';
import { tempDir } from '../../helpers/temp-cluster';

const topicId = Buffer.alloc(16, 7);
const settings = { segmentBytes: 1024 * 1024, segmentMs: 7 * 24 * 3600 * 1000 };

function batchOf(n: number, ts = Date.now(), size = 10): Buffer {
  return buildBatch({
    records: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(size, i), timestamp: ts + i })),
  });
}

describe('PartitionLog', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: BrokerStore;
  beforeEach(async () => {
    dir = tempDir();
    store = await BrokerStore.open(dir.path);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('assigns consecutive offsets and stamps them into the stored batch headers', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const a = log.appendAsLeader([batchOf(5)], 3, null);
    const b = log.appendAsLeader([batchOf(2)], 3, null);
    await Promise.all([a.done, b.done]);
    expect([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset]).toEqual([0, 4, 5, 6]);
    expect(log.logEndOffset).toBe(7);
    const read = await log.read(0, 1 << 20, log.logEndOffset);
    expect(read.map((x) => [batchBaseOffset(x), batchLastOffset(x), x.readInt32BE(12)])).toEqual([
      [0, 4, 3],
      [5, 6, 3],
    ]);
    expect(log.epochs).toEqual([{ epoch: 3, startOffset: 0 }]);
  });

  it('returns the whole batch holding an offset in its middle, found by one seek, also from LevelDB after reopen', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    for (let i = 0; i < 10; i++) await log.appendAsLeader([batchOf(10)], 0, null).done;
    await log.close(false);
    const reopened = await PartitionLog.load(store, topicId, 0, settings);
    expect(reopened.logEndOffset).toBe(100);
    const got = await reopened.read(57, 1, 100);
    expect(got).toHaveLength(1);
    expect([batchBaseOffset(got[0]!), batchLastOffset(got[0]!)]).toEqual([50, 59]);
  });

  it('stops at the upper bound and at maxBytes but always returns one batch', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    for (let i = 0; i < 5; i++) await log.appendAsLeader([batchOf(10, Date.now(), 100)], 0, null).done;
    expect(await log.read(0, 1 << 20, 30)).toHaveLength(3);
    expect(await log.read(0, 10, 50)).toHaveLength(1);
    expect(await log.read(50, 1 << 20, 50)).toHaveLength(0);
    await expect(log.read(51, 1 << 20, 60)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
  });

  it('rolls segments at segment.bytes and drops whole segments when the log start advances', async () => {
    const log = await PartitionLog.load(store, topicId, 0, { ...settings, segmentBytes: 3000 });
    for (let i = 0; i < 20; i++) await log.appendAsLeader([batchOf(10, Date.now(), 100)], 0, null).done;
    expect(log.segments.length).toBeGreaterThan(3);
    const before = log.sizeBytes;
    const second = log.segments[1]!;
    log.highWatermark = log.logEndOffset;
    await log.advanceLogStart(second.baseOffset);
    expect(log.segments[0]!.baseOffset).toBe(second.baseOffset);
    expect(log.sizeBytes).toBeLessThan(before);
    let keys = 0;
    for await (const _ of store.db.keys({ ...log.keys.dataRange() })) keys++;
    expect(keys).toBe(20 - second.baseOffset / 10);
  });

  it('rolls a new segment once the active one is older than segment.ms', async () => {
    // The segment's age is read from Date.now(): a hand-moved clock, so a slow machine cannot roll early.
    let now = 1_800_000_000_000;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    const log = await PartitionLog.load(store, topicId, 0, { segmentBytes: 1 << 30, segmentMs: 30 });
    await log.appendAsLeader([batchOf(5)], 0, null).done;
    now += 29;
    await log.appendAsLeader([batchOf(5)], 0, null).done;
    expect(log.segments).toHaveLength(1);
    now += 1;
    await log.appendAsLeader([batchOf(5)], 0, null).done;
    clock.mockRestore();
    expect(log.segments.map((s) => s.baseOffset)).toEqual([0, 10]);
    expect(log.segments[0]).toMatchObject({ lastOffset: 9, batches: 2 });
  });

  it('truncates a divergent tail at batch boundaries and keeps the epoch history consistent', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    await log.appendAsLeader([batchOf(10)], 1, null).done;
    await log.appendAsLeader([batchOf(10)], 2, null).done;
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 10 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 20 });
    await log.truncateTo(15);
    expect(log.logEndOffset).toBe(10);
    expect(log.epochs).toEqual([{ epoch: 1, startOffset: 0 }]);
    const reopened = await PartitionLog.load(store, topicId, 0, settings);
    expect(reopened.logEndOffset).toBe(10);
  });

  it('recovers from a segment record that claims more than the data holds', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    for (let i = 0; i < 3; i++) await log.appendAsLeader([batchOf(10)], 0, null).done;
    // Simulate a crash in the middle of a truncation: the data is gone, the segment record is not.
    await store.db.clear({ gte: log.keys.data(20), lte: log.keys.data(1e9) });
    const reopened = await PartitionLog.load(store, topicId, 0, settings);
    expect(reopened.logEndOffset).toBe(20);
    expect(reopened.activeSegment.batches).toBe(2);
  });

  it('rejects a follower append that does not continue the log', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const b = batchOf(3);
    b.writeUInt32BE(0, 0);
    b.writeUInt32BE(5, 4);
    await expect(log.appendAsFollower([b])).rejects.toBeInstanceOf(KafkaError);
    expect(log.logEndOffset).toBe(0);
  });

  it('finds the first offset at or after a timestamp', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    await log.appendAsLeader([batchOf(10, 1000)], 0, null).done;
    await log.appendAsLeader([batchOf(10, 2000)], 0, null).done;
    expect(await log.offsetForTimestamp(1005, 20)).toEqual({ offset: 5, timestamp: 1005 });
    expect(await log.offsetForTimestamp(1500, 20)).toEqual({ offset: 10, timestamp: 2000 });
    expect(await log.offsetForTimestamp(5000, 20)).toBeNull();
  });
});
