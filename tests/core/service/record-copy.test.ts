/**
 * Copy / replay (record-copy.ts): a range, a selection or a search's matches copied to another topic with keys,
 * values, headers and optionally partitions and timestamps; the dry run counts per target partition and writes
 * nothing; keeping partitions the target lacks is refused before any write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRecords } from '../../../core/service/record-copy';
import type { DecodedRecord } from '../../../core/cluster/types';
import { openCluster } from '../../helpers/temp-cluster';

const T0 = 1_700_000_000_000;
let env: Awaited<ReturnType<typeof openCluster>>;

async function all(topic: string): Promise<DecodedRecord[]> {
  const out: DecodedRecord[] = [];
  for (const s of env.cluster.partitions(topic))
    out.push(
      ...(await env.cluster.readRecords({ topic, partition: s.partition, start: { type: 'earliest' }, limit: 10_000 })),
    );
  return out;
}
const hex = (b: Buffer | null) => b && Buffer.from(b).toString('hex');
const shape = (r: DecodedRecord) => [
  r.partition,
  r.timestamp,
  hex(r.key),
  hex(r.value),
  r.headers.map((h) => [h.key, hex(h.value)]),
];

beforeAll(async () => {
  env = await openCluster({ brokers: 1 });
  await env.cluster.createTopic({ name: 'src', partitions: 2, replicationFactor: 1 });
  await env.cluster.produce(
    'src',
    Array.from({ length: 20 }, (_, n) => ({
      key: n === 5 ? Buffer.from([0xff, 0x00]) : `k${n}`,
      value: n === 5 ? Buffer.from([0x80, 0x22]) : JSON.stringify({ n, web: n % 2 === 0 }),
      headers: [{ key: 'src', value: n % 2 === 0 ? Buffer.from('web') : null }],
      partition: n % 2,
      timestamp: T0 + n,
    })),
  );
});
afterAll(async () => env?.cleanup());

describe('copying messages to another topic', () => {
  it('dry-runs, then copies a whole topic exactly with partitions and timestamps kept', async () => {
    await env.cluster.createTopic({ name: 'mirror', partitions: 2, replicationFactor: 1 });
    const opts = { source: { topic: 'src' }, target: 'mirror', keepPartitions: true, keepTimestamps: true };
    const dry = await copyRecords(env.cluster, { ...opts, dryRun: true });
    expect(dry).toMatchObject({ records: 20, written: 0, dryRun: true });
    expect(dry.perPartition).toEqual([
      { partition: 0, records: 10 },
      { partition: 1, records: 10 },
    ]);
    expect(await all('mirror')).toEqual([]);
    const done = await copyRecords(env.cluster, opts);
    expect(done.written).toBe(20);
    expect((await all('mirror')).map(shape)).toEqual((await all('src')).map(shape));
  });

  it("copies a search's matches, an offset range, a selection; unkept timestamps become the write time", async () => {
    await env.cluster.createTopic({ name: 'picked', partitions: 1, replicationFactor: 1 });
    const before = Date.now();
    const search = await copyRecords(env.cluster, {
      source: { topic: 'src', search: { pattern: 'value.web == true && value.n >= 14', mode: 'filter' } },
      target: 'picked',
    });
    expect(search.written).toBe(3);
    const range = await copyRecords(env.cluster, {
      source: { topic: 'src', partitions: [1], from: 1, to: 3 },
      target: 'picked',
    });
    expect(range.written).toBe(2);
    const sel = await copyRecords(env.cluster, {
      source: { topic: 'src', selection: [{ partition: 1, offset: 2 }] },
      target: 'picked',
    });
    expect(sel.written).toBe(1);
    const got = await all('picked');
    expect(got.map((r) => hex(r.key))).toEqual(
      ['k14', 'k16', 'k18', 'k3']
        .map((k) => Buffer.from(k).toString('hex'))
        .concat([hex(Buffer.from([0xff, 0x00]))!, hex(Buffer.from([0xff, 0x00]))!]),
    );
    expect(got[4]!.value).toEqual(Buffer.from([0x80, 0x22]));
    for (const r of got) expect(r.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('refuses to keep partitions the target does not have, writing nothing', async () => {
    await env.cluster.createTopic({ name: 'narrow', partitions: 1, replicationFactor: 1 });
    await expect(
      copyRecords(env.cluster, { source: { topic: 'src' }, target: 'narrow', keepPartitions: true }),
    ).rejects.toThrow(/Partition 1 of src has no counterpart in narrow \(it has 1 partition\)/);
    expect(await all('narrow')).toEqual([]);
    await expect(copyRecords(env.cluster, { source: { topic: 'src' }, target: 'missing' })).rejects.toThrow(/missing/);
  });
});
