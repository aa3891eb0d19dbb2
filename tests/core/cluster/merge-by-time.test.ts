import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeByTime, type TimedRecord } from '../../../core/cluster/merge-by-time';
import type { Cluster } from '../../../core/cluster/cluster';
import { openCluster } from '../../helpers/temp-cluster';

const r = (partition: number, offset: number, timestamp: number): TimedRecord => ({ partition, offset, timestamp });
const ids = (rs: TimedRecord[]) => rs.map((x) => `${x.partition}:${x.offset}`);

describe('mergeByTime', () => {
  it('keeps each partition in the order it was read even where its timestamps go back in time', () => {
    // Partition 0's producer clock jumped back: offset 1 is older than offset 0.
    const p0 = [r(0, 0, 300), r(0, 1, 100), r(0, 2, 400)];
    const p1 = [r(1, 0, 200), r(1, 1, 350)];
    const { records, taken } = mergeByTime([p0, p1], 'forward', 10);
    expect(ids(records)).toEqual(['1:0', '0:0', '0:1', '1:1', '0:2']);
    expect(taken).toEqual([3, 2]);
  });

  it('reads newest first backward, each input in descending offset order', () => {
    const p0 = [r(0, 9, 500), r(0, 8, 100)];
    const p1 = [r(1, 4, 400), r(1, 3, 300)];
    expect(ids(mergeByTime([p0, p1], 'backward', 10).records)).toEqual(['0:9', '1:4', '1:3', '0:8']);
  });

  it('breaks timestamp ties by the lower partition, in both directions', () => {
    const forward = mergeByTime([[r(2, 0, 100)], [r(0, 5, 100)], [r(1, 3, 100)]], 'forward', 10);
    expect(ids(forward.records)).toEqual(['0:5', '1:3', '2:0']);
    const backward = mergeByTime([[r(2, 0, 100)], [r(0, 5, 100)], [r(1, 3, 100)]], 'backward', 10);
    expect(ids(backward.records)).toEqual(['0:5', '1:3', '2:0']);
  });

  it('stops at the limit and says how many records of each input the result holds', () => {
    const { records, taken } = mergeByTime(
      [
        [r(0, 0, 1), r(0, 1, 4)],
        [r(1, 0, 2), r(1, 1, 3)],
      ],
      'forward',
      3,
    );
    expect(ids(records)).toEqual(['0:0', '1:0', '1:1']);
    expect(taken).toEqual([1, 2]);
    expect(mergeByTime([[], []], 'forward', 5)).toEqual({ records: [], taken: [0, 0] });
  });
});

describe('readRecords across partitions', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;
  beforeAll(async () => {
    env = await openCluster({ brokers: 1, logFile: null });
    c = env.cluster;
    await c.createTopic({ name: 'clocks', partitions: 2, replicationFactor: 1 });
    // Partition 0's producer clock went back between its two records; partition 1's did not.
    await c.produce('clocks', [{ partition: 0, value: 'a0', timestamp: 3_000 }]);
    await c.produce('clocks', [{ partition: 0, value: 'a1', timestamp: 1_000 }]);
    await c.produce('clocks', [{ partition: 1, value: 'b0', timestamp: 2_000 }]);
    await c.produce('clocks', [{ partition: 1, value: 'b1', timestamp: 4_000 }]);
  });
  afterAll(() => env.cleanup());

  it('merges by time forward without reordering a partition whose timestamps go back', async () => {
    const rs = await c.readRecords({ topic: 'clocks', start: { type: 'earliest' }, limit: 10 });
    expect(rs.map((x) => x.value!.toString())).toEqual(['b0', 'a0', 'a1', 'b1']);
  });

  it('merges newest first backward, the same rule as the message browser', async () => {
    const rs = await c.readRecords({ topic: 'clocks', start: { type: 'latest' }, limit: 10, direction: 'backward' });
    expect(rs.map((x) => x.value!.toString())).toEqual(['b1', 'b0', 'a1', 'a0']);
  });
});
