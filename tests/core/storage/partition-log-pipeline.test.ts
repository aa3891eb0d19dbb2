/**
 * The ordering rules of a partition log's pipelined writes (partition-log.ts header): offsets are assigned in call
 * order while one LevelDB write is in flight, readers see only completed writes, completions come in offset order,
 * and a failed write fails everything queued behind it while what was acknowledged survives a reload.
 *
 * LevelDB's writes are held at a gate here (the store's own db.batch, called when the test releases it), so which
 * write is in flight is decided by the test, not by the machine's timing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerStore } from '../../../core/storage/broker-store';
import { PartitionLog } from '../../../core/storage/partition-log';
import { buildBatch, batchBaseOffset, batchLastOffset } from '../../../core/record';
import { KafkaError } from '../../../core/errors';
import { PartitionKeys } from '../../../core/storage/keys';
import { tempDir } from '../../helpers/temp-cluster';

const topicId = Buffer.alloc(16, 9);
const settings = { segmentBytes: 64 * 1024 * 1024, segmentMs: 7 * 24 * 3600 * 1000 };

/** A batch of `n` records, of an idempotent producer when `producer` is given. */
function batchOf(n: number, producer?: { id: number; epoch: number; seq: number }): Buffer {
  return buildBatch({
    records: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(10, i), timestamp: Date.now() })),
    ...(producer ? { producerId: producer.id, producerEpoch: producer.epoch, baseSequence: producer.seq } : {}),
  });
}

interface HeldWrite {
  ops: Array<{ type: string; key: Buffer }>;
  release: (failure?: Error) => void;
}

/** Holds every LevelDB write of `store` until the test releases it (or fails it with `failure`). */
function holdWrites(store: BrokerStore): HeldWrite[] {
  const held: HeldWrite[] = [];
  const db = store.db;
  const batch = db.batch.bind(db) as (ops: unknown[]) => Promise<void>;
  vi.spyOn(db, 'batch').mockImplementation(
    ((ops: Array<{ type: string; key: Buffer }>) =>
      new Promise<void>((resolve, reject) => {
        held.push({
          ops,
          release: (failure) => (failure ? reject(failure) : batch(ops).then(resolve, reject)),
        });
      })) as never,
  );
  return held;
}

/** The last offsets of the data keys ('D') one write holds. */
function dataKeysOf(w: HeldWrite): number[] {
  const { gte, lte } = new PartitionKeys(topicId, 0).dataRange();
  return w.ops
    .filter((op) => op.type === 'put' && Buffer.compare(op.key, gte) >= 0 && Buffer.compare(op.key, lte) <= 0)
    .map((op) => PartitionKeys.lastOffsetOfDataKey(op.key));
}

function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof KafkaError ? e.errorName : `error: ${(e as Error).message}`),
  );
}

describe('PartitionLog pipelined writes', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: BrokerStore;
  beforeEach(async () => {
    dir = tempDir();
    store = await BrokerStore.open(dir.path);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    dir.remove();
  });

  it('keeps one LevelDB write in flight, assigns offsets in call order and lets readers see only completed writes', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const order: string[] = [];
    const a = log.appendAsLeader([batchOf(10)], 0, null);
    const b = log.appendAsLeader([batchOf(10)], 0, null);
    const c = log.appendAsLeader([batchOf(10)], 0, null);
    for (const [name, r] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const)
      void r.done.then(() => order.push(name));
    expect([a.baseOffset, b.baseOffset, c.baseOffset]).toEqual([0, 10, 20]);
    expect(log.nextOffset).toBe(30);
    expect(held).toHaveLength(1);
    expect(log.logEndOffset).toBe(0);
    expect(await log.read(0, 1 << 24, 30)).toEqual([]);

    held[0]!.release();
    await a.done;
    expect(log.logEndOffset).toBe(10);
    // The next write went out as soon as the first completed, with both appends queued behind it.
    expect(held).toHaveLength(2);
    expect(dataKeysOf(held[1]!)).toEqual([19, 29]);
    expect(order).toEqual(['a']);
    const visible = await log.read(0, 1 << 24, 30);
    expect(visible.map((x) => [batchBaseOffset(x), batchLastOffset(x)])).toEqual([[0, 9]]);

    held[1]!.release();
    await Promise.all([b.done, c.done]);
    expect(held).toHaveLength(2);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(log.logEndOffset).toBe(30);
    expect((await log.read(0, 1 << 24, 30)).map((x) => batchBaseOffset(x))).toEqual([0, 10, 20]);
  });

  it('group-commits small appends queued behind the write in flight, acknowledged in order', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const order: number[] = [];
    const results = Array.from({ length: 20 }, (_, i) => {
      const r = log.appendAsLeader([batchOf(2)], 0, null);
      void r.done.then(() => order.push(i));
      return r;
    });
    expect(held).toHaveLength(1);
    held[0]!.release();
    await results[0]!.done;
    expect(held).toHaveLength(2);
    // The other 19 were queued behind the first write: one write for all of them.
    expect(dataKeysOf(held[1]!)).toEqual(Array.from({ length: 19 }, (_, i) => 2 * i + 3));
    held[1]!.release();
    await Promise.all(results.map((r) => r.done));
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.logEndOffset).toBe(40);
  });

  it('fails a write that fails and every one queued behind it, keeps what was acknowledged, and a reload appends right after it', async () => {
    let log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const appends = Array.from({ length: 3 }, () => log.appendAsLeader([batchOf(10)], 0, null));
    held[0]!.release();
    await appends[0]!.done;
    expect(held).toHaveLength(2);
    // Queued behind the write about to fail.
    appends.push(log.appendAsLeader([batchOf(10)], 0, null));
    expect(appends[3]!.baseOffset).toBe(30);
    const outcomes = appends.map((r) => outcome(r.done));
    held[1]!.release(Object.assign(new Error('IO error: injected device failure'), { code: 'LEVEL_IO_ERROR' }));
    expect(await Promise.all(outcomes)).toEqual([
      'ok',
      'KAFKA_STORAGE_ERROR',
      'KAFKA_STORAGE_ERROR',
      'KAFKA_STORAGE_ERROR',
    ]);
    // The appends behind the failed one were never written, and the log end stays below the failed write.
    expect(held).toHaveLength(2);
    expect(log.logEndOffset).toBe(10);
    expect((await log.read(0, 1 << 24, 40)).map((x) => batchBaseOffset(x))).toEqual([0]);
    expect(() => log.appendAsLeader([batchOf(1)], 0, null)).toThrow(KafkaError);
    expect(store.failure).toMatch(/injected device failure/);

    // The broker's way back: a new store on the same folder, the log loaded from what LevelDB kept.
    vi.restoreAllMocks();
    await log.close(true);
    await store.close(false);
    store = await BrokerStore.open(dir.path);
    log = await PartitionLog.load(store, topicId, 0, settings);
    expect(log.logEndOffset).toBe(10);
    const next = log.appendAsLeader([batchOf(3)], 0, null);
    await next.done;
    expect([next.baseOffset, next.lastOffset]).toEqual([10, 12]);
    expect((await log.read(0, 1 << 24, 13)).map((x) => [batchBaseOffset(x), batchLastOffset(x)])).toEqual([
      [0, 9],
      [10, 12],
    ]);
  });

  it('takes no append after a failed write even while the store still works', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const a = log.appendAsLeader([batchOf(10)], 0, null);
    const b = log.appendAsLeader([batchOf(10)], 0, null);
    const outcomes = [outcome(a.done), outcome(b.done)];
    held[0]!.release(new Error('a write refused for no I/O reason'));
    expect(await Promise.all(outcomes)).toEqual(['error: a write refused for no I/O reason', 'KAFKA_STORAGE_ERROR']);
    expect(store.failure).toBeNull();
    expect(log.logEndOffset).toBe(0);
    // Later appends would land past the hole the failed write left: refused, leader and follower alike.
    const err = (() => {
      try {
        log.appendAsLeader([batchOf(1)], 0, null);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect((err as KafkaError).errorName).toBe('KAFKA_STORAGE_ERROR');
    expect(await outcome(log.appendAsFollower([batchOf(1)]))).toBe('KAFKA_STORAGE_ERROR');
    expect(held).toHaveLength(1);
  });

  it("writes an idempotent producer's state together with every batch it describes", async () => {
    let log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const producer = { id: 42, epoch: 0, seq: 0 };
    const first = log.appendAsLeader([batchOf(10)], 0, null);
    const plain = log.appendAsLeader([batchOf(10)], 0, null);
    const idempotent = log.appendAsLeader([batchOf(5, producer)], 0, null);
    held[0]!.release();
    await first.done;
    // The producer state is written as it is when the write starts: with the batch it describes.
    expect(dataKeysOf(held[1]!)).toEqual([19, 24]);
    expect(held[1]!.ops.some((op) => op.key.equals(new PartitionKeys(topicId, 0).producerState))).toBe(true);
    held[1]!.release();
    await Promise.all([plain.done, idempotent.done]);

    vi.restoreAllMocks();
    await log.close(true);
    log = await PartitionLog.load(store, topicId, 0, settings);
    const retry = log.appendAsLeader([batchOf(5, producer)], 0, null);
    expect(retry.duplicate).toBe(true);
    expect([retry.baseOffset, retry.lastOffset]).toEqual([20, 24]);
  });

  it('answers a retry of a batch still being written only when that write is durable, and fails it with it', async () => {
    const log = await PartitionLog.load(store, topicId, 0, settings);
    const held = holdWrites(store);
    const producer = { id: 7, epoch: 0, seq: 0 };
    const first = log.appendAsLeader([batchOf(4, producer)], 0, null);
    const retry = log.appendAsLeader([batchOf(4, producer)], 0, null);
    expect(retry.duplicate).toBe(true);
    let answered = false;
    void retry.done.then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    held[0]!.release();
    await first.done;
    await retry.done;
    expect([retry.baseOffset, retry.lastOffset]).toEqual([0, 3]);

    // The first copy's write fails: the retry hears the same failure, never "stored".
    const next = { id: 7, epoch: 0, seq: 4 };
    const third = log.appendAsLeader([batchOf(2, next)], 0, null);
    const again = log.appendAsLeader([batchOf(2, next)], 0, null);
    expect(again.duplicate).toBe(true);
    const outcomes = [outcome(third.done), outcome(again.done)];
    await vi.waitFor(() => expect(held).toHaveLength(2));
    held[1]!.release(new Error('a write refused for no I/O reason'));
    expect(await Promise.all(outcomes)).toEqual(['error: a write refused for no I/O reason', 'KAFKA_STORAGE_ERROR']);
    expect(log.logEndOffset).toBe(4);
  });
});
