/**
 * Metadata log figures (issue 9 item 3): a 3-broker cluster with one
 * 100-partition rf=3 topic goes through METADATA_BENCH_CYCLES (default 1,000)
 * stop/start cycles of one broker, which is what makes an unsnapshotted
 * metadata log grow (about 200 records per cycle). Then:
 * - `start_broker_ms_after_1000_cycles`: one more stop, then the time of one startBroker;
 * - `metadata_records_after_1000_cycles`: metadata keys (log records plus
 *   snapshot records) in the store of the most loaded broker;
 * - `metadata_reopen_ms_after_1000_cycles`: clean close, then Cluster.open until ready.
 * Runs in a child process (this same file) so its heap does not count in the
 * main bench's peak RSS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../../core/cluster/cluster';

const CYCLES = Number(process.env.METADATA_BENCH_CYCLES ?? 1000);
const PARTITIONS = 100;

async function metadataKeys(c: Cluster): Promise<number> {
  let max = 0;
  for (const b of c.brokersList) {
    if (b.status === 'stopped') continue;
    let n = 0;
    // 'M' (log) and 'N' (snapshots) are adjacent prefixes.
    for await (const _ of b.store.db.keys({ gte: Buffer.from('M'), lt: Buffer.from('O') })) n++;
    max = Math.max(max, n);
  }
  return max;
}

async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-bench-meta-'));
  let c = await Cluster.open({ dataDir: dir, brokers: 3 });
  try {
    await c.createTopic({ name: 'meta-bench', partitions: PARTITIONS, replicationFactor: 3 });
    const startMs: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < CYCLES; i++) {
      await c.stopBroker(2);
      const s = performance.now();
      await c.startBroker(2);
      startMs.push(performance.now() - s);
    }
    const cyclesSeconds = (performance.now() - t0) / 1000;
    await c.stopBroker(2);
    const s = performance.now();
    await c.startBroker(2);
    const startBrokerMs = performance.now() - s;
    const records = await metadataKeys(c);
    await c.close();
    const r = performance.now();
    c = await Cluster.open({ dataDir: dir });
    const reopenMs = performance.now() - r;
    if (c.partitions('meta-bench').length !== PARTITIONS) throw new Error('reopen lost partitions');
    const first = startMs.slice(0, 10);
    return {
      start_broker_ms_after_1000_cycles: Math.round(startBrokerMs * 10) / 10,
      start_broker_ms_first_10_cycles:
        Math.round((first.reduce((a, b) => a + b, 0) / Math.max(1, first.length)) * 10) / 10,
      metadata_records_after_1000_cycles: records,
      metadata_reopen_ms_after_1000_cycles: Math.round(reopenMs),
      metadata_bench_cycles: CYCLES,
      metadata_cycles_seconds: Math.round(cyclesSeconds * 10) / 10,
    };
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMetadata(): Promise<Record<string, number>> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self], {
      env: { ...process.env, METADATA_BENCH_CHILD: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`metadata bench child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

if (process.env.METADATA_BENCH_CHILD === '1') {
  run().then(
    (figures) => console.log(JSON.stringify(figures)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
