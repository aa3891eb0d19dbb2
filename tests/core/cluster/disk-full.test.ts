/**
 * Full disk: broker 1's store lives on a small tmpfs the test mounts (this
 * needs root; elsewhere the test is skipped and says why). Filling it makes
 * broker 1's writes fail: producers get KAFKA_STORAGE_ERROR (56), the log dir
 * is reported offline, broker 1's replicas leave the ISRs so acks=all goes on
 * with the other two, and once space is freed broker 1 comes back by itself
 * and is refilled. No acknowledged record is lost.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { KafkaError } from '../../../core/errors';
import { buildBatch } from '../../../core/record';
import { eventually, tempDir } from '../../helpers/temp-cluster';

const TOPIC = 'full';
const FS_BYTES = 32 * 1024 * 1024;

/** Mounts a tmpfs at `dir`; returns why it cannot when it cannot. */
function mountTmpfs(dir: string): string | null {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_BYTES}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`;
  }
}

/** Fills the file system holding `file` until not one more page fits. */
function fill(file: string): void {
  writeFileSync(file, '');
  for (const chunk of [1024 * 1024, 4096, 1]) {
    const buf = Buffer.alloc(chunk, 0x55);
    for (;;) {
      try {
        appendFileSync(file, buf);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
  }
}

async function produceAcked(c: Cluster, phase: string, count: number, acked: Set<string>): Promise<void> {
  for (let i = 0; i < count;) {
    const values = Array.from({ length: Math.min(50, count - i) }, (_, j) => `${phase}-${i + j}`);
    try {
      await c.produce(
        TOPIC,
        values.map((v) => ({ key: v, value: `${v}|${'y'.repeat(300)}` })),
        { acks: -1, timeoutMs: 5000 },
      );
      for (const v of values) acked.add(v);
      i += values.length;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const probeDir = tempDir('noticeboard-mount-probe-');
const cannotMount = mountTmpfs(probeDir.path);
if (cannotMount === null) execFileSync('umount', [probeDir.path]);
probeDir.remove();
if (cannotMount !== null) console.log(`disk-full test skipped: ${cannotMount}`);

describe('a full disk', () => {
  it.skipIf(cannotMount !== null)(
    'answers KAFKA_STORAGE_ERROR, takes the log dir offline, recovers by itself and loses nothing',
    async () => {
      const dir = tempDir();
      // All three folders exist up front (a data dir's broker count is the folders it holds).
      for (const id of [0, 1, 2]) mkdirSync(join(dir.path, `broker-${id}`));
      const mountPoint = join(dir.path, 'broker-1');
      const why = mountTmpfs(mountPoint);
      expect(why).toBeNull();
      const mounted = why === null;
      let c: Cluster | null = null;
      try {
        c = await Cluster.open({ dataDir: dir.path, brokers: 3, replicaLagTimeMaxMs: 1000 });
        const cluster = c;
        await cluster.createTopic({
          name: TOPIC,
          assignments: [
            [1, 0, 2],
            [0, 1, 2],
            [2, 0, 1],
          ],
          configs: { 'min.insync.replicas': '2' },
        });
        const acked = new Set<string>();
        await produceAcked(cluster, 'before', 2000, acked);

        const filler = join(mountPoint, 'filler.bin');
        fill(filler);
        // Partition 0 is led by broker 1: its write cannot fit.
        const big = buildBatch({
          records: [{ key: Buffer.from('k'), value: Buffer.alloc(256 * 1024, 0x61), timestamp: Date.now() }],
        });
        const err = await cluster.produceBatch(TOPIC, 0, big, { acks: -1 }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(KafkaError);
        expect((err as KafkaError).code).toBe(56);
        expect((err as KafkaError).errorName).toBe('KAFKA_STORAGE_ERROR');

        await eventually(() => cluster.brokers()[1]!.logDirOffline, 10_000, 'the log dir to be reported offline');
        const offline = cluster.brokers()[1]!;
        expect(offline.status).toBe('failed');
        expect(offline.logDir.error).toBe('KAFKA_STORAGE_ERROR');
        expect(offline.failure).toMatch(/No space left on device/);
        await eventually(
          () => cluster.partitions(TOPIC).every((p) => !p.isr.includes(1) && p.leader >= 0 && p.leader !== 1),
          10_000,
          'broker 1 out of every ISR',
        );

        // acks=all goes on with the two brokers that can write.
        await produceAcked(cluster, 'during', 2000, acked);

        rmSync(filler);
        await eventually(
          () => cluster.brokers()[1]!.status === 'running' && !cluster.brokers()[1]!.logDirOffline,
          60_000,
          'broker 1 to come back by itself',
        );
        await eventually(
          () =>
            cluster
              .partitions(TOPIC)
              .every((p) => p.isr.length === 3 && p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset)),
          30_000,
          'broker 1 to be refilled',
        );
        await produceAcked(cluster, 'after', 1000, acked);

        const seen = new Map<string, number>();
        for (const p of cluster.partitions(TOPIC)) {
          let offset = p.logStartOffset;
          while (offset < p.highWatermark) {
            const recs = await cluster.readRecords({
              topic: TOPIC,
              partition: p.partition,
              start: { type: 'offset', offset },
              limit: 5000,
            });
            for (const r of recs) {
              const v = r.value!.toString().split('|')[0]!;
              seen.set(v, (seen.get(v) ?? 0) + 1);
            }
            offset = recs[recs.length - 1]!.offset + 1;
          }
        }
        const lost = [...acked].filter((v) => !seen.has(v));
        console.log(
          JSON.stringify({ test: 'disk full', acknowledged: acked.size, read: seen.size, lost: lost.length }),
        );
        expect(lost.slice(0, 10)).toEqual([]);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      } finally {
        await c?.close();
        if (mounted) execFileSync('umount', [mountPoint]);
        dir.remove();
      }
    },
    120_000,
  );
});
