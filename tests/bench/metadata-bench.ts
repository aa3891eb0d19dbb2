/**
 * Metadata log figures (issue 9 item 3): a 3-broker cluster with one
 * 100-partition rf=3 topic goes through METADATA_BENCH_CYCLES (default 1,000)
 * stop/start cycles of one broker, which is what makes an unsnapshotted
 * metadata log grow. By default a cycle does not wait for the restarted
 * broker to rejoin the ISRs (a few records per cycle, about 0.1 s each);
 * METADATA_BENCH_FULL_ISR=1 waits for every ISR to be full again, as a user
 * would, which adds ~200 ISR-change records per cycle and, with follower
 * fetches that long-poll 500 ms, about 0.6 s per cycle. Then:
 * - `start_broker_ms_after_1000_cycles`: the median of 5 more cycles' startBroker
 *   (`start_broker_ms_first_10_cycles`: the median of the first 10, for comparison);
 * - `metadata_records_after_1000_cycles`: metadata keys (log records plus
 *   snapshot records) in the store of the most loaded broker;
 * - `metadata_reopen_ms_after_1000_cycles`: clean close, then Cluster.open until ready.
 * Runs in a child process (this same file) so its heap does not count in the
 * main bench's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../core/cluster/cluster';
import { benchInChild, runBenchChild } from './child-bench';

const CYCLES = Number(process.env.METADATA_BENCH_CYCLES ?? 1000);
const FULL_ISR = process.env.METADATA_BENCH_FULL_ISR === '1';
const PARTITIONS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? 0) * 10) / 10;
}

async function fullIsr(c: Cluster): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!c.partitions('meta-bench').every((p) => p.isr.length === 3)) {
    if (Date.now() > deadline) throw new Error('ISR did not recover within 30 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function metadataKeys(c: Cluster): Promise<number> {
  let max = 0;
  for (const b of c.allBrokers()) {
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
  let c = await Cluster.open({ dataDir: dir, brokers: 3, logFile: null });
  try {
    await c.createTopic({ name: 'meta-bench', partitions: PARTITIONS, replicationFactor: 3 });
    const startMs: number[] = [];
    // CPU time of this process during startBroker: on a shared machine wall time mostly measures the neighbours.
    const startCpuMs: number[] = [];
    const t0 = performance.now();
    const cycle = async () => {
      await c.stopBroker(2);
      const s = performance.now();
      const cpu = process.cpuUsage();
      await c.startBroker(2);
      startMs.push(performance.now() - s);
      const used = process.cpuUsage(cpu);
      startCpuMs.push((used.user + used.system) / 1000);
      if (FULL_ISR) await fullIsr(c);
    };
    for (let i = 0; i < CYCLES; i++) await cycle();
    const cyclesSeconds = (performance.now() - t0) / 1000;
    for (let i = 0; i < 5; i++) await cycle();
    const startBrokerMs = median(startMs.slice(-5));
    const records = await metadataKeys(c);
    const offset = c.metadataOffset;
    await c.close();
    const r = performance.now();
    c = await Cluster.open({ dataDir: dir, logFile: null });
    const reopenMs = performance.now() - r;
    if (c.partitions('meta-bench').length !== PARTITIONS) throw new Error('reopen lost partitions');
    return {
      start_broker_ms_after_1000_cycles: startBrokerMs,
      start_broker_ms_first_10_cycles: median(startMs.slice(0, 10)),
      start_broker_cpu_ms_after_1000_cycles: median(startCpuMs.slice(-5)),
      start_broker_cpu_ms_first_10_cycles: median(startCpuMs.slice(0, 10)),
      metadata_records_after_1000_cycles: records,
      metadata_offset_after_1000_cycles: offset,
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
  return benchInChild(import.meta.url, 'METADATA_BENCH_CHILD', 'metadata');
}

if (process.env.METADATA_BENCH_CHILD === '1') runBenchChild(run);
