import { afterEach, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import { buildBatch } from '../../../core/record';

const hundredBytes = (i: number) => ({ key: `k${i}`, value: Buffer.alloc(100, i % 256) });

describe('log cleaner', () => {
  let env: Awaited<ReturnType<typeof openCluster>> | undefined;
  afterEach(async () => {
    await env?.cleanup();
    env = undefined;
  });

  it('drops whole expired segments by retention.ms, advancing the log start and freeing the keys', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({
      name: 'old',
      partitions: 1,
      replicationFactor: 3,
      configs: { 'segment.bytes': '3000', 'retention.ms': '60000' },
    });
    const old = Date.now() - 120_000;
    for (let i = 0; i < 10; i++)
      await c.produceBatch(
        'old',
        0,
        buildBatch({ records: Array.from({ length: 10 }, (_, j) => ({ ...hundredBytes(j), timestamp: old })) }),
      );
    for (let i = 0; i < 3; i++)
      await c.produceBatch('old', 0, buildBatch({ records: Array.from({ length: 10 }, (_, j) => hundredBytes(j)) }));
    const before = c.partitions('old')[0]!;
    await c.runLogCleaner();
    const after = c.partitions('old')[0]!;
    expect(after.logStartOffset).toBeGreaterThanOrEqual(90);
    expect(after.logStartOffset).toBeLessThanOrEqual(100);
    expect(after.bytesOnDisk).toBeLessThan(before.bytesOnDisk / 2);
    for (const r of after.replicaStates) expect(r.logStartOffset).toBe(after.logStartOffset);
    const recs = await c.readRecords({ topic: 'old', partition: 0, start: { type: 'earliest' }, limit: 1000 });
    expect(recs[0]!.offset).toBe(after.logStartOffset);
    expect(recs.at(-1)!.offset).toBe(129);
  });

  it('keeps a partition near retention.bytes by dropping its oldest segments', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({
      name: 'sized',
      partitions: 1,
      replicationFactor: 1,
      configs: { 'segment.bytes': '3000', 'retention.bytes': '6000' },
    });
    for (let i = 0; i < 20; i++)
      await c.produceBatch('sized', 0, buildBatch({ records: Array.from({ length: 10 }, (_, j) => hundredBytes(j)) }));
    await c.runLogCleaner();
    const p = c.partitions('sized')[0]!;
    expect(p.bytesOnDisk).toBeGreaterThanOrEqual(6000);
    expect(p.bytesOnDisk).toBeLessThan(6000 + 3000 + 1400);
    expect(p.logStartOffset).toBeGreaterThan(100);
    expect(p.logEndOffset).toBe(200);
  });

  it('compacts to the latest record per key without moving offsets, and drops old tombstones', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({
      name: 'table',
      partitions: 1,
      replicationFactor: 3,
      configs: {
        'cleanup.policy': 'compact',
        'segment.bytes': '2000',
        'delete.retention.ms': '1000',
        'min.cleanable.dirty.ratio': '0.01',
      },
    });
    const longAgo = Date.now() - 10_000;
    for (let round = 0; round < 5; round++) {
      await c.produce(
        'table',
        ['a', 'b', 'c', 'd'].map((k) => ({ key: k, value: `${k}${round}`, partition: 0 })),
      );
    }
    await c.produce('table', [{ key: 'd', value: null, partition: 0, timestamp: longAgo }]);
    await c.produce('table', [{ key: 'e', value: 'fresh tombstone follows', partition: 0 }]);
    await c.produce('table', [{ key: 'e', value: null, partition: 0 }]);
    // Roll a new active segment so everything above is cleanable.
    await c.produceBatch('table', 0, buildBatch({ records: [{ key: 'z', value: Buffer.alloc(2500) }] }));
    const before = await c.readRecords({ topic: 'table', partition: 0, start: { type: 'earliest' }, limit: 1000 });
    await c.runLogCleaner();
    const after = await c.readRecords({ topic: 'table', partition: 0, start: { type: 'earliest' }, limit: 1000 });
    const latest = new Map(before.map((r) => [r.key!.toString(), r]));
    const expected = [...latest.values()]
      .filter((r) => !(r.key!.toString() === 'd'))
      .map((r) => r.offset)
      .sort((x, y) => x - y);
    expect(after.map((r) => r.offset)).toEqual(expected);
    for (const r of after) {
      const orig = before.find((b) => b.offset === r.offset)!;
      expect(r.value?.toString()).toBe(orig.value?.toString());
    }
    expect(after.find((r) => r.key!.toString() === 'e')!.value).toBeNull();
    expect(c.partitions('table')[0]!.logEndOffset).toBe(before.at(-1)!.offset + 1);
    await expect(c.produce('table', [{ value: 'no key', partition: 0 }])).rejects.toMatchObject({
      errorName: 'INVALID_RECORD',
    });
  });

  it('does both with compact,delete', async () => {
    env = await openCluster();
    const c = env.cluster;
    await c.createTopic({
      name: 'both',
      partitions: 1,
      replicationFactor: 1,
      configs: {
        'cleanup.policy': 'compact,delete',
        'segment.bytes': '1200',
        'retention.ms': '60000',
        'min.cleanable.dirty.ratio': '0.01',
      },
    });
    const old = Date.now() - 120_000;
    await c.produceBatch(
      'both',
      0,
      buildBatch({ records: Array.from({ length: 10 }, (_, j) => ({ ...hundredBytes(j), timestamp: old })) }),
    );
    for (let i = 0; i < 4; i++) await c.produce('both', [{ key: 'same', value: `v${i}`, partition: 0 }]);
    await c.produceBatch('both', 0, buildBatch({ records: [{ key: 'roll', value: Buffer.alloc(1600) }] }));
    await c.runLogCleaner();
    const recs = await c.readRecords({ topic: 'both', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.map((r) => r.key!.toString())).toEqual(['same', 'roll']);
    expect(recs[0]!.value!.toString()).toBe('v3');
  });
});
