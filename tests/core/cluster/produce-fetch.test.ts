import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import type { Cluster } from '../../../core/cluster/cluster';
import {
  buildBatch,
  buildBatchAsync,
  partitionForKey,
  batchBaseOffset,
  batchLastOffset,
  splitBatches,
  decodeRecords,
} from '../../../core/record';

describe('produce and fetch', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;
  beforeAll(async () => {
    env = await openCluster();
    c = env.cluster;
    await c.createTopic({ name: 'events', partitions: 4, replicationFactor: 3 });
  });
  afterAll(() => env.cleanup());

  it('puts keyed records where the Java client would (murmur2), keeping key, value, headers, timestamp', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `sensor-${i}`);
    const res = await c.produce(
      'events',
      keys.map((k) => ({
        key: k,
        value: `v-${k}`,
        headers: [{ key: 'h', value: Buffer.from(k) }],
        timestamp: 1_700_000_000_000,
      })),
    );
    res.forEach((r, i) => expect(r.partition).toBe(partitionForKey(Buffer.from(keys[i]!), 4)));
    const first = res[0]!;
    const [rec] = await c.readRecords({
      topic: 'events',
      partition: first.partition,
      start: { type: 'offset', offset: first.offset },
      limit: 1,
    });
    expect(rec).toMatchObject({ offset: first.offset, timestamp: 1_700_000_000_000, timestampType: 'CreateTime' });
    expect(rec!.key!.toString()).toBe('sensor-0');
    expect(rec!.value!.toString()).toBe('v-sensor-0');
    expect(rec!.headers).toEqual([{ key: 'h', value: Buffer.from('sensor-0') }]);
  });

  it('spreads keyless records over partitions across calls', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) seen.add((await c.produce('events', [{ value: `x${i}` }]))[0]!.partition);
    expect(seen.size).toBe(4);
  });

  it('refuses a batch with a bad CRC and one over max.message.bytes, storing nothing', async () => {
    await c.createTopic({
      name: 'strict',
      partitions: 1,
      replicationFactor: 1,
      configs: { 'max.message.bytes': '2000' },
    });
    const good = buildBatch({ records: [{ value: 'ok' }] });
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 1]! ^= 0xff;
    await expect(c.produceBatch('strict', 0, corrupt)).rejects.toMatchObject({ errorName: 'CORRUPT_MESSAGE', code: 2 });
    const big = buildBatch({ records: [{ value: Buffer.alloc(3000) }] });
    await expect(c.produceBatch('strict', 0, big)).rejects.toMatchObject({ errorName: 'MESSAGE_TOO_LARGE', code: 10 });
    await expect(
      c.produceBatch('strict', 0, Buffer.from('garbage bytes that are not a batch at all, no no no no no no no no')),
    ).rejects.toMatchObject({ errorName: 'CORRUPT_MESSAGE' });
    await expect(c.produceBatch('strict', 1, good)).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(c.produce('strict', [{ value: 'x' }], { acks: 2 as never })).rejects.toMatchObject({
      errorName: 'INVALID_REQUIRED_ACKS',
    });
    expect(c.partitions('strict')[0]!.logEndOffset).toBe(0);
  });

  it('stores a gzip batch as received and decodes it for the GUI', async () => {
    await c.createTopic({ name: 'zipped', partitions: 1, replicationFactor: 3 });
    const batch = await buildBatchAsync({
      compression: 'gzip',
      records: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value ${i}` })),
    });
    const copy = Buffer.from(batch);
    const res = await c.produceBatch('zipped', 0, batch, { acks: -1 });
    expect(res.baseOffset).toBe(0);
    const f = await c.fetch('zipped', 0, 0);
    expect(f.records.subarray(17)).toEqual(copy.subarray(17)); // only baseOffset and leader epoch differ
    const recs = await c.readRecords({ topic: 'zipped', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.map((r) => r.value!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `value ${i}`));
  });

  it('refuses codecs it does not know with a clear error', async () => {
    const batch = buildBatch({ records: [{ value: 'x' }] });
    batch.writeInt16BE(7, 21);
    await expect(c.produceBatch('zipped', 0, batch)).rejects.toMatchObject({
      errorName: expect.stringMatching(/CORRUPT_MESSAGE|UNSUPPORTED_COMPRESSION_TYPE/),
    });
  });

  it('uses the broker clock for LogAppendTime topics', async () => {
    await c.createTopic({
      name: 'appendtime',
      partitions: 1,
      replicationFactor: 1,
      configs: { 'message.timestamp.type': 'LogAppendTime' },
    });
    const before = Date.now();
    const [r] = await c.produce('appendtime', [{ value: 'x', timestamp: 5 }]);
    expect(r!.timestamp).toBeGreaterThanOrEqual(before);
    const [rec] = await c.readRecords({ topic: 'appendtime', partition: 0, start: { type: 'earliest' }, limit: 1 });
    expect(rec!.timestampType).toBe('LogAppendTime');
    expect(rec!.timestamp).toBe(r!.timestamp);
  });

  it('returns whole batches from the middle, bounded by max bytes; waits for new data without polling', async () => {
    await c.createTopic({ name: 'paged', partitions: 1, replicationFactor: 3 });
    for (let i = 0; i < 10; i++)
      await c.produceBatch(
        'paged',
        0,
        buildBatch({ records: Array.from({ length: 10 }, () => ({ value: Buffer.alloc(100) })) }),
      );
    const mid = await c.fetch('paged', 0, 45, { maxBytes: 1 });
    expect(mid.batches).toHaveLength(1);
    expect([batchBaseOffset(mid.batches[0]!), batchLastOffset(mid.batches[0]!)]).toEqual([40, 49]);
    const all = await c.fetch('paged', 0, 0, { maxBytes: 10_000_000 });
    expect(all.batches).toHaveLength(10);
    expect(splitBatches(all.records)).toHaveLength(10);
    expect(all.highWatermark).toBe(100);
    // Waits far longer than the test may run: it can only answer by being woken by the append.
    const waiting = c.fetch('paged', 0, 100, { maxWaitMs: 600_000 });
    setTimeout(() => void c.produce('paged', [{ value: 'late' }]), 100);
    const got = await waiting;
    expect((await decodeRecords(got.batches[0]!))[0]!.value!.toString()).toBe('late');
    const t1 = Date.now();
    const empty = await c.fetch('paged', 0, 101, { maxWaitMs: 200 });
    expect(empty.batches).toHaveLength(0);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(190);
    await expect(c.fetch('paged', 0, 500)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE', code: 1 });
    await expect(c.fetch('paged', 0, -1)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
  });

  it('lists earliest, latest and by-timestamp offsets', async () => {
    await c.createTopic({ name: 'timed', partitions: 1, replicationFactor: 2 });
    await c.produce(
      'timed',
      [0, 1, 2, 3].map((i) => ({ value: `t${i}`, timestamp: 10_000 + i * 1000, partition: 0 })),
    );
    expect(await c.listOffsets('timed', 0, 'earliest')).toEqual({ offset: 0, timestamp: -1 });
    expect(await c.listOffsets('timed', 0, 'latest')).toEqual({ offset: 4, timestamp: -1 });
    expect(await c.listOffsets('timed', 0, { timestamp: 11_500 })).toEqual({ offset: 2, timestamp: 12_000 });
    expect(await c.listOffsets('timed', 0, { timestamp: 99_000 })).toEqual({ offset: -1, timestamp: -1 });
  });

  it('reads decoded records by offset, by timestamp, backwards, and merged over partitions', async () => {
    await c.createTopic({ name: 'browse', partitions: 3, replicationFactor: 3 });
    for (let i = 0; i < 30; i++) await c.produce('browse', [{ value: `m${i}`, timestamp: 1000 + i, partition: i % 3 }]);
    const fwd = await c.readRecords({ topic: 'browse', partition: 1, start: { type: 'offset', offset: 2 }, limit: 3 });
    expect(fwd.map((r) => r.offset)).toEqual([2, 3, 4]);
    const back = await c.readRecords({
      topic: 'browse',
      partition: 1,
      start: { type: 'latest' },
      limit: 3,
      direction: 'backward',
    });
    expect(back.map((r) => r.offset)).toEqual([9, 8, 7]);
    const merged = await c.readRecords({ topic: 'browse', start: { type: 'latest' }, limit: 5, direction: 'backward' });
    expect(merged.map((r) => r.value!.toString())).toEqual(['m29', 'm28', 'm27', 'm26', 'm25']);
    const byTime = await c.readRecords({ topic: 'browse', start: { type: 'timestamp', timestamp: 1010 }, limit: 4 });
    expect(byTime.map((r) => r.value!.toString())).toEqual(['m10', 'm11', 'm12', 'm13']);
    await expect(c.readRecords({ topic: 'browse', start: { type: 'earliest' }, limit: 0 })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    await expect(
      c.readRecords({ topic: 'browse', partition: 7, start: { type: 'earliest' }, limit: 1 }),
    ).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('deletes records before an offset and refuses offsets beyond the high watermark', async () => {
    await c.createTopic({ name: 'purge', partitions: 1, replicationFactor: 3 });
    await c.produce(
      'purge',
      Array.from({ length: 10 }, (_, i) => ({ value: `p${i}`, partition: 0 })),
    );
    await expect(c.deleteRecords('purge', 0, 11)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    expect(await c.deleteRecords('purge', 0, 6)).toEqual({ lowWatermark: 6 });
    const recs = await c.readRecords({ topic: 'purge', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.map((r) => r.offset)).toEqual([6, 7, 8, 9]);
    await expect(c.fetch('purge', 0, 2)).rejects.toMatchObject({ errorName: 'OFFSET_OUT_OF_RANGE' });
    expect(await c.deleteRecords('purge', 0, -1)).toEqual({ lowWatermark: 10 });
    expect(c.describeTopic('purge').messages).toBe(0);
  });
});
