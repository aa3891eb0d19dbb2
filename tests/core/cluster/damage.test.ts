/**
 * Damaged store test: one broker of three (rf=3, min.insync.replicas=2) has
 * its LevelDB damaged between a clean stop and a restart, the way a failing
 * disk or a careless hand would. Acknowledged data is written first (part of
 * it flushed into table files, part still in the write-ahead log); after the
 * restart more is produced with acks=all, the damaged broker is healed (a
 * store that cannot open is wiped and the broker started again, as an
 * operator would), and a fresh reader must find every acknowledged record
 * exactly once while every replica converges to the same bytes.
 *
 * Fast by default; DAMAGE_TEST_RECORDS=n writes n records per phase instead
 * of 3000 (e.g. 60000 for the sizes the issue was found with),
 * DAMAGE_TEST_SEED=n picks other bytes to write over the files, and
 * DAMAGE_TEST_SEEDS=n repeats the random-bytes case for n seeds from there
 * (where the table file's layout and the damage fall differ from run to
 * run: before the table check, about 1 seed in 20 aborted the process).
 */
import { closeSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { eventually, tempDir } from '../../helpers/temp-cluster';
import { seededRandom } from '../../helpers/random';

const RECORDS = Number(process.env.DAMAGE_TEST_RECORDS ?? 3000);
// The bytes written over a table file come from this seed, so a run's damage replays exactly
// (DAMAGE_TEST_SEED=n tries other damage); the MANIFEST overwrite uses it too.
const SEED = Number(process.env.DAMAGE_TEST_SEED ?? 20261202);
const SEEDS = Number(process.env.DAMAGE_TEST_SEEDS ?? 1);

function seededBytes(length: number, seed: number): Buffer {
  const next = seededRandom(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}
const TOPIC = 'damaged';

function filesOf(dir: string, re: RegExp): string[] {
  return readdirSync(dir)
    .filter((n) => re.test(n))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

function largest(dir: string, re: RegExp): string {
  const f = filesOf(dir, re)[0];
  if (!f) throw new Error(`no file matching ${re} in ${dir}: ${readdirSync(dir).join(', ')}`);
  return f;
}

function overwrite(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

interface Damage {
  name: string;
  /** The store cannot open: the broker is reported failed with this cause while the others serve. */
  cannotOpen: RegExp | null;
  apply(dir: string): void;
}

function randomBytesDamage(seed: number): Damage {
  return {
    name: `4 KB of random bytes in a table file${seed === SEED ? '' : ` (seed ${seed})`}`,
    cannotOpen: null,
    apply: (dir) => {
      const f = largest(dir, /\.ldb$/);
      overwrite(f, Math.floor(statSync(f).size / 3), seededBytes(4096, seed));
    },
  };
}

const DAMAGES: Damage[] = [
  {
    name: 'write-ahead log truncated to half',
    cannotOpen: null,
    apply: (dir) => {
      const f = largest(dir, /\.log$/);
      truncateSync(f, Math.floor(statSync(f).size / 2));
    },
  },
  { name: 'CURRENT deleted', cannotOpen: /CURRENT file is missing/, apply: (dir) => rmSync(join(dir, 'CURRENT')) },
  { name: 'broker directory deleted', cannotOpen: null, apply: (dir) => rmSync(dir, { recursive: true, force: true }) },
  ...Array.from({ length: SEEDS }, (_, i) => randomBytesDamage(SEED + i)),
  {
    name: 'table file truncated',
    cannotOpen: /\.ldb: Invalid argument|Corruption/,
    apply: (dir) => {
      const f = largest(dir, /\.ldb$/);
      truncateSync(f, Math.floor(statSync(f).size / 2));
    },
  },
  {
    name: 'MANIFEST overwritten',
    cannotOpen: /Corruption/,
    apply: (dir) => {
      const f = largest(dir, /^MANIFEST-/);
      overwrite(f, 0, seededBytes(statSync(f).size, SEED + 1));
    },
  },
];

async function produceAcked(c: Cluster, phase: string, count: number, acked: Set<string>): Promise<void> {
  const pad = 'x'.repeat(200);
  for (let i = 0; i < count;) {
    const values = Array.from({ length: Math.min(50, count - i) }, (_, j) => `${phase}-${i + j}`);
    try {
      await c.produce(
        TOPIC,
        values.map((v) => ({ key: v, value: `${v}|${pad}` })),
        { acks: -1, timeoutMs: 5000 },
      );
      for (const v of values) acked.add(v);
      i += values.length;
    } catch {
      // Leadership moving after the restart: retry (a value acknowledged twice is caught below).
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Every partition led, fully in sync, and every replica's bytes equal the leader's. */
async function converged(c: Cluster): Promise<boolean> {
  for (const p of c.partitions(TOPIC)) {
    if (p.leader < 0 || p.isr.length !== 3 || p.highWatermark !== p.logEndOffset) return false;
    if (!p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset)) return false;
    const logs = p.replicas.map((id) => c.broker(id).replicas.partition(TOPIC, p.partition).log);
    const leaderLog = c.broker(p.leader).replicas.partition(TOPIC, p.partition).log;
    const want = await leaderLog.read(leaderLog.logStartOffset, 1 << 30, p.highWatermark);
    for (const log of logs) {
      const got = await log.read(log.logStartOffset, 1 << 30, p.highWatermark);
      if (got.length !== want.length || got.some((b, i) => !b.equals(want[i]!))) return false;
    }
  }
  return true;
}

/** Reads every partition from its leader in pages, as a fresh consumer would. */
async function readAll(c: Cluster): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const p of c.partitions(TOPIC)) {
    let offset = p.logStartOffset;
    while (offset < p.highWatermark) {
      const recs = await c.readRecords({
        topic: TOPIC,
        partition: p.partition,
        start: { type: 'offset', offset },
        limit: 5000,
      });
      if (recs.length === 0)
        throw new Error(
          `partition ${p.partition} returned nothing at ${offset} below the high watermark ${p.highWatermark}`,
        );
      for (const r of recs) {
        const v = r.value!.toString().split('|')[0]!;
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
      offset = recs[recs.length - 1]!.offset + 1;
    }
  }
  return seen;
}

describe('a damaged broker store', () => {
  for (const damage of DAMAGES) {
    it(`costs no acknowledged record: ${damage.name}`, async () => {
      const dir = tempDir();
      const open = () => Cluster.open({ dataDir: dir.path, brokers: 3, replicaLagTimeMaxMs: 1000 });
      let c = await open();
      try {
        // Broker 1 is the preferred leader of two of the three partitions.
        await c.createTopic({
          name: TOPIC,
          assignments: [
            [1, 0, 2],
            [1, 2, 0],
            [0, 1, 2],
          ],
          configs: { 'min.insync.replicas': '2' },
        });
        const acked = new Set<string>();
        await produceAcked(c, 'table', RECORDS, acked);
        // Reopening turns the write-ahead log into a table file; what follows stays in the new log.
        await c.close();
        c = await open();
        await produceAcked(c, 'wal', RECORDS, acked);
        await eventually(() => converged(c), 20_000, 'replicas to agree before the stop');
        await c.close();

        damage.apply(join(dir.path, 'broker-1'));
        c = await open();
        const states = c.brokers();
        expect(states[0]!.status).toBe('running');
        expect(states[2]!.status).toBe('running');
        if (damage.cannotOpen) {
          expect(states[1]!.status).toBe('failed');
          expect(states[1]!.logDir.error).toBe('KAFKA_STORAGE_ERROR');
          expect(states[1]!.failure).toContain('broker-1');
          expect(states[1]!.failure).toMatch(damage.cannotOpen);
          expect(states[1]!.failure).not.toMatch(/another process/);
        }

        await produceAcked(c, 'after', RECORDS, acked);

        if (damage.cannotOpen) {
          // The operator's remedy: wipe the broker's store; it comes back empty and is refilled.
          rmSync(join(dir.path, 'broker-1'), { recursive: true, force: true });
          await c.startBroker(1);
        }
        await eventually(() => converged(c), 60_000, 'every replica to converge');
        await c.close();
        // A fresh reader: the cluster reopened from disk.
        c = await open();
        await eventually(() => c.partitions(TOPIC).every((p) => p.leader >= 0), 10_000, 'leaders after reopening');
        const seen = await readAll(c);
        const lost = [...acked].filter((v) => !seen.has(v));
        const twice = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
        console.log(
          JSON.stringify({
            damage: damage.name,
            acknowledged: acked.size,
            read: seen.size,
            lost: lost.length,
            duplicated: twice.length,
          }),
        );
        expect(lost.slice(0, 10)).toEqual([]);
        expect(twice.slice(0, 10)).toEqual([]);
      } finally {
        await c.close();
        dir.remove();
      }
    }, 180_000);
  }
});

describe('a broker store that cannot open', () => {
  it('names another process as the cause only when that process holds the store', async () => {
    const dir = tempDir();
    const c = await Cluster.open({ dataDir: dir.path, brokers: 3 });
    try {
      const err = await Cluster.open({ dataDir: dir.path, brokers: 3 }).then(
        () => null,
        (e: unknown) => e as { locked?: boolean; message: string },
      );
      expect(err?.locked).toBe(true);
      expect(err?.message).toMatch(/broker-0 is in use by another process/);
    } finally {
      await c.close();
      dir.remove();
    }
  });
});
