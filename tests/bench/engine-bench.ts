/**
 * Engine benchmarks (issue 2). Each figure is records per second unless its
 * name says otherwise; 100-byte values in batches of 1,000 records, the
 * batches built before timing starts (as the wire delivers them ready-made).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Cluster } from '../../core/cluster/cluster';
import { PartitionKeys } from '../../core/storage/keys';
import { STORE_OPTIONS } from '../../core/storage/broker-store';
import { buildBatch, batchLastOffset, setBaseOffset } from '../../core/record';

const RECORDS_PER_BATCH = 1000;
const VALUE = Buffer.alloc(100, 0x61);
const IN_FLIGHT = 8;

/**
 * `count` fresh copies of one 1,000-record batch, made on demand: the engine
 * keeps (and stamps offsets into) the buffers it is given, so each produce
 * needs its own, and making them lazily keeps the benchmark's memory flat.
 * A copy costs one memcpy of ~110 KB, about 1% of a produce.
 */
export function makeBatches(count: number, keyed = false): { length: number; get(i: number): Buffer } {
  const template = buildBatch({
    records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
      key: keyed ? `key-${i}` : null,
      value: VALUE,
      timestamp: Date.now(),
    })),
  });
  return { length: count, get: () => Buffer.from(template) };
}

async function pipelined(
  items: { length: number; get(i: number): Buffer },
  fn: (b: Buffer) => Promise<unknown>,
): Promise<number> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < items.length) await fn(items.get(next++));
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'noticeboard-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function benchEngine(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const BATCHES = 1000; // 1,000,000 records

  // Physical limit: the same bytes straight into a fresh LevelDB, same key shape and concurrency.
  // Measured before and after the engine's produce run; the faster of the two is the limit.
  const rawLevelDb = async (): Promise<number> => {
    const dir = tempDir();
    const db = new ClassicLevel<Buffer, Buffer>(dir.path, STORE_OPTIONS);
    await db.open();
    const keys = new PartitionKeys(Buffer.alloc(16, 1), 0);
    const batches = makeBatches(BATCHES);
    let offset = 0;
    const secs = await pipelined(batches, (b) => {
      setBaseOffset(b, offset);
      offset += RECORDS_PER_BATCH;
      return db.batch([{ type: 'put', key: keys.data(batchLastOffset(b)), value: b }]);
    });
    await db.close();
    dir.remove();
    return Math.round((BATCHES * RECORDS_PER_BATCH) / secs);
  };
  const rawBefore = await rawLevelDb();

  // One broker, rf=1, acks=1; the same cluster then serves the fetch, decode and reopen figures.
  const dir1 = tempDir();
  try {
    let c = await Cluster.open({ dataDir: dir1.path, brokers: 1 });
    await c.createTopic({ name: 'bench', partitions: 1, replicationFactor: 1 });
    const batches = makeBatches(BATCHES);
    const secs = await pipelined(batches, (b) => c.produceBatch('bench', 0, b, { acks: 1 }));
    out.produce_rf1_rps = Math.round((BATCHES * RECORDS_PER_BATCH) / secs);
    out.raw_leveldb_rps = Math.max(rawBefore, await rawLevelDb());

    {
      let offset = 0;
      let records = 0;
      const t0 = process.hrtime.bigint();
      while (offset < 1_000_000) {
        const f = await c.fetch('bench', 0, offset, { maxBytes: 8 * 1024 * 1024 });
        for (const b of f.batches) records += b.readInt32BE(57);
        offset = batchLastOffset(f.batches[f.batches.length - 1]!) + 1;
      }
      out.fetch_raw_rps = Math.round(records / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    {
      let offset = 0;
      let records = 0;
      const t0 = process.hrtime.bigint();
      while (offset < 1_000_000) {
        const recs = await c.readRecords({
          topic: 'bench',
          partition: 0,
          start: { type: 'offset', offset },
          limit: 20_000,
        });
        records += recs.length;
        offset = recs[recs.length - 1]!.offset + 1;
      }
      out.read_decoded_rps = Math.round(records / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    // Grow to 2,000,000 records, then time a reopen.
    await pipelined(makeBatches(BATCHES), (b) => c.produceBatch('bench', 0, b, { acks: 1 }));
    const total = c.partitions('bench')[0]!.logEndOffset;
    await c.close();
    const t0 = process.hrtime.bigint();
    c = await Cluster.open({ dataDir: dir1.path });
    out.open_ms = Math.round(Number(process.hrtime.bigint() - t0) / 1e6);
    out.open_records = total;
    if (c.partitions('bench')[0]!.logEndOffset !== total) throw new Error('reopen lost records');
    await c.close();
  } finally {
    dir1.remove();
  }

  // Three brokers, rf=3, acks=all.
  const dir3 = tempDir();
  try {
    const c = await Cluster.open({ dataDir: dir3.path, brokers: 3 });
    await c.createTopic({ name: 'bench', partitions: 1, replicationFactor: 3 });
    const batches = makeBatches(BATCHES / 2);
    const secs = await pipelined(batches, (b) => c.produceBatch('bench', 0, b, { acks: -1 }));
    out.produce_rf3_acks_all_rps = Math.round(((BATCHES / 2) * RECORDS_PER_BATCH) / secs);
    await c.close();
  } finally {
    dir3.remove();
  }
  out.produce_rf1_vs_raw = Math.round((out.produce_rf1_rps! / out.raw_leveldb_rps!) * 100) / 100;
  return out;
}
