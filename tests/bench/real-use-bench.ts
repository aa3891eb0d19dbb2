/**
 * Real-use benchmarks (issue 9): a data folder as users have it, each run in
 * child processes (tests/helpers/real-use-child.ts and this file's `rf3`
 * mode) so the main bench process's peak_rss_mb stays small.
 *
 * - reopen_ms_2000p: 3 brokers, 2,000 partitions rf=3 with 5 committed groups;
 *   clean stop, then open in a fresh process until ready (every partition
 *   led with its high watermark caught up with its ISR, every group's
 *   offsets readable). Median of REOPENS (20) reopens;
 *   reopen_ms_2000p_max is the slowest; reopen_failures counts reopens that
 *   crashed or came back different (topics, HWs, ISRs, committed offsets).
 * - reopen_after_kill_ms_2000p: a producer (acks=all) killed with SIGKILL,
 *   then open until ready; reopen_after_kill_lost counts acknowledged records
 *   missing afterwards.
 * - idle_*: idle-bench.ts (it runs beside the other benchmarks).
 * - rss_growth_mb_per_1m_rf3: anonymous memory (RssAnon) growth per million
 *   records produced at rf=3 (acks=all, 100-byte values), from the first
 *   fifth (caches warm) to BENCH_RF3_MILLIONS (default 10) million.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../../core/cluster/cluster';
import { buildBatch } from '../../core/record';

const SELF = fileURLToPath(import.meta.url);
export const CHILD = fileURLToPath(new URL('../helpers/real-use-child.ts', import.meta.url));
export const PARTITIONS = 2000;
const REOPENS = 20;

interface Snapshot {
  topics: unknown;
  partitions: Record<string, [number, number, string]>;
  offsets: unknown;
}

export function run(
  file: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      out += onLine ? '' : d.toString();
      if (!onLine) return;
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) onLine(l, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve({ out, signal });
      else reject(new Error(`${args[0]} exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

const normalized = (s: Snapshot) =>
  JSON.stringify({
    topics: s.topics,
    offsets: s.offsets,
    partitions: Object.entries(s.partitions).map(([k, [start, hw, isr]]) => [
      k,
      start,
      hw,
      isr.split(',').sort().join(','),
    ]),
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1;

async function reopenFigures(dir: string): Promise<Record<string, number>> {
  const prepared = JSON.parse((await run(CHILD, ['prepare', dir, String(PARTITIONS)])).out) as Snapshot;
  const want = normalized(prepared);
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < REOPENS; i++) {
    try {
      const r = JSON.parse((await run(CHILD, ['reopen', dir])).out) as { openMs: number; snapshot: Snapshot };
      times.push(r.openMs);
      if (normalized(r.snapshot) !== want) failures++;
    } catch (err) {
      process.stderr.write(`reopen ${i} failed: ${String(err)}\n`);
      failures++;
    }
  }
  // SIGKILL while producing with acks=all, then reopen and look for every acknowledged record.
  const acked = new Map<string, string>();
  await run(CHILD, ['produce', dir], (line, kill) => {
    const [kind, partition, offset, n] = line.split(' ');
    if (kind === 'ack') acked.set(`${partition}/${offset}`, `produced-${n}`);
    if (acked.size === 2000) kill();
  });
  // Opened in a fresh process, as a user restarting the app would.
  const ackedFile = join(dir, 'acked.json');
  writeFileSync(ackedFile, JSON.stringify([...acked].map(([k, v]) => [...k.split('/').map(Number), v])));
  const afterKill = JSON.parse((await run(CHILD, ['reopen', dir, ackedFile])).out) as { openMs: number; lost: number };
  return {
    reopen_ms_2000p: Math.round(median(times)),
    reopen_ms_2000p_max: Math.round(Math.max(...times, -1)),
    reopen_failures: failures,
    reopen_after_kill_ms_2000p: Math.round(afterKill.openMs),
    reopen_after_kill_lost: afterKill.lost + (acked.size === 0 ? 1 : 0),
  };
}

function anonMb(): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 1048576;
}

/** Child mode: produce BENCH_RF3_MILLIONS million records at rf=3 and print RssAnon after the first and the last. */
async function rf3Child(dir: string): Promise<void> {
  const millions = Number(process.env.BENCH_RF3_MILLIONS ?? 10);
  const cluster = await Cluster.open({ dataDir: dir, brokers: 3, logFile: null });
  await cluster.createTopic({ name: 'rf3', partitions: 6, replicationFactor: 3 });
  const template = buildBatch({ records: Array.from({ length: 1000 }, () => ({ value: Buffer.alloc(100, 0x61) })) });
  const marks: number[] = [];
  let sent = 0;
  const perMillion = 1000;
  for (let m = 0; m < millions; m++) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, w) => {
        while (next < perMillion) {
          next++;
          await cluster.produceBatch('rf3', (sent++ + w) % 6, Buffer.from(template), { acks: -1 });
        }
      }),
    );
    // The baseline is taken once caches and buffers are warm (a fifth of the way), the end after the last million.
    if (m === Math.max(0, Math.floor(millions / 5) - 1) || m === millions - 1) {
      global.gc?.();
      marks.push(anonMb());
    }
  }
  if (marks.length < 2) marks.push(marks[0]!);
  process.stdout.write(`${JSON.stringify({ millions, marks })}\n`);
  await cluster.close();
}

export async function benchRealUse(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-real-use-'));
  const rf3Dir = mkdtempSync(join(tmpdir(), 'noticeboard-rf3-'));
  try {
    const out = await reopenFigures(dir);
    const r = JSON.parse((await run(SELF, ['rf3', rf3Dir])).out) as { millions: number; marks: [number, number] };
    const growth = (r.marks[1] - r.marks[0]) / Math.max(1, r.millions - Math.max(1, Math.floor(r.millions / 5)));
    return { ...out, rss_growth_mb_per_1m_rf3: Math.round(growth * 10) / 10 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(rf3Dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === SELF && process.argv[2] === 'rf3') {
  await rf3Child(process.argv[3]!);
  process.exit(0);
}
