import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerStore } from '../../../core/storage/broker-store';
import { PartitionLog } from '../../../core/storage/partition-log';
import { buildBatch } from '../../../core/record';
import { tempDir } from '../../helpers/temp-cluster';

const settings = { segmentBytes: 1024 * 1024, segmentMs: 7 * 24 * 3600 * 1000 };
const LOGS = 300;

function topicId(n: number): Buffer {
  return Buffer.alloc(16, n);
}

/**
 * Counts LevelDB round trips of the store from now on: every get/has call
 * and every step of an iterator (what goes through libuv's pool).
 */
function countRoundTrips(store: BrokerStore): { trips: number } {
  const count = { trips: 0 };
  const db = store.db as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['get', 'getMany', 'has', 'hasMany']) {
    const original = db[name]!.bind(db);
    db[name] = (...args: unknown[]) => {
      count.trips++;
      return original(...args);
    };
  }
  for (const name of ['iterator', 'keys', 'values']) {
    const original = db[name]!.bind(db);
    db[name] = (...args: unknown[]) => {
      const it = original(...args) as Record<string, (...a: unknown[]) => unknown>;
      for (const step of ['next', 'nextv', 'all']) {
        const s = it[step]!.bind(it);
        it[step] = (...a: unknown[]) => {
          count.trips++;
          return s(...a);
        };
      }
      return it;
    };
  }
  return count;
}

function batchOf(n: number): Buffer {
  return buildBatch({ records: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
}

/** Three topics of 100 partitions: all but every tenth partition hold batches, some over two segments. */
const specs = Array.from({ length: LOGS }, (_, i) => ({
  topicId: topicId(1 + (i % 3)),
  partition: Math.floor(i / 3),
  settings: i % 7 === 0 ? { ...settings, segmentBytes: 100 } : settings,
}));

describe('opening many partition logs of one store (log-recovery)', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: BrokerStore;
  let ends: number[];
  beforeEach(async () => {
    dir = tempDir();
    store = await BrokerStore.open(dir.path);
    const logs = specs.map((s) => PartitionLog.createEmpty(store, s.topicId, s.partition, s.settings));
    ends = await Promise.all(
      logs.map(async (log, i) => {
        if (i % 10 === 9) return 0;
        for (let b = 0; b < 1 + (i % 3); b++) await log.appendAsLeader([batchOf(2 + (i % 4))], 0, null).done;
        return log.logEndOffset;
      }),
    );
    // A partition of another topic the broker no longer hosts: its keys are skipped, not read as ours.
    const foreign = PartitionLog.createEmpty(store, topicId(2), 5000, settings);
    await foreign.appendAsLeader([batchOf(3)], 0, null).done;
    await store.close();
    store = await BrokerStore.open(dir.path);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('recovers every log in a number of LevelDB round trips that does not grow with the logs', async () => {
    const counter = countRoundTrips(store);
    const logs = await PartitionLog.loadMany(store, specs);
    expect(logs.map((l) => l.logEndOffset)).toEqual(ends);
    expect(logs.every((l) => l.unclean === null)).toBe(true);
    expect(logs[7]!.segments.length).toBeGreaterThan(1);
    // 2 getMany + 1 hasMany for 300 logs, and the segment scan in chunks: one round trip per log would be 300.
    expect(counter.trips).toBeLessThanOrEqual(12);
  });

  it('still finds the real end of a log whose segment record claims more than its data holds', async () => {
    const torn = specs[4]!;
    const probe = await PartitionLog.load(store, torn.topicId, torn.partition, torn.settings);
    // A crash in the middle of a truncation: the newest batch is gone, its segment record is not.
    await store.db.del(probe.keys.data(ends[4]! - 1));
    const counter = countRoundTrips(store);
    const logs = await PartitionLog.loadMany(store, specs);
    const trips = counter.trips;
    expect(logs[4]!.logEndOffset).toBeLessThan(ends[4]!);
    expect(logs[4]!.activeSegment.lastOffset).toBe(logs[4]!.logEndOffset - 1);
    expect(logs.filter((_, i) => i !== 4).map((l) => l.logEndOffset)).toEqual(ends.filter((_, i) => i !== 4));
    // The fix is written: the next open needs no extra seek for it.
    counter.trips = 0;
    const reopened = await PartitionLog.loadMany(store, specs);
    expect(reopened[4]!.logEndOffset).toBe(logs[4]!.logEndOffset);
    expect(counter.trips).toBeLessThan(trips);
  });

  it('reads back a log that never stored a batch without writing anything for it', async () => {
    const empty = specs[9]!;
    const log = (await PartitionLog.loadMany(store, [empty]))[0]!;
    expect(log.logEndOffset).toBe(0);
    expect(log.segments).toHaveLength(1);
    let keys = 0;
    for await (const _ of store.db.keys(log.keys.segmentRange())) keys++;
    expect(keys).toBe(0);
  });
});
