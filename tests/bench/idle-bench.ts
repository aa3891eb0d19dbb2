/**
 * The idle cluster (issue 9): 3 brokers, 2,000 partitions rf=3 with committed groups, opened in a child process
 * (tests/helpers/real-use-child.ts `idle`) and left alone for BENCH_IDLE_MINUTES (default 5, the issue's window).
 * - idle_cpu_pct_2000p: CPU of that process over the window, percent of one core.
 * - idle_rss_growth_pct_2000p: its RSS at the end of the window vs at the end of its first fifth (minute 5 vs
 *   minute 1).
 * - idle_waiters_2000p: fetch waiters left at the end (0: none leaks).
 *
 * Preparing and opening the cluster uses both cores, so `startIdleBench` does it with nothing else running; only
 * the idle window then runs beside the other benchmarks (run.ts), which keeps the whole run under 10 minutes. The
 * idle process takes about 0.2% of one core, so it costs the others nothing measurable, and what it measures is
 * its own CPU time and RSS, which other processes' load does not add to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHILD, PARTITIONS, run } from './real-use-bench';

interface IdleResult {
  cpuPct: number;
  rssMb: number[];
  waiters: number;
}

/** Resolves once the idle cluster has settled; call the function it gives to wait for the figures. */
export async function startIdleBench(): Promise<() => Promise<Record<string, number>>> {
  const minutes = Number(process.env.BENCH_IDLE_MINUTES ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-idle-'));
  await run(CHILD, ['prepare', dir, String(PARTITIONS)]);
  let settled!: () => void;
  const isSettled = new Promise<void>((resolve) => (settled = resolve));
  let result: IdleResult | null = null;
  const done = run(CHILD, ['idle', dir, String(minutes * 60)], (line) => {
    if (line === 'settled') settled();
    else if (line.startsWith('{')) result = JSON.parse(line) as IdleResult;
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
  // A child that fails before it settles fails the start, not a later await.
  await Promise.race([isSettled, done.then(() => Promise.reject(new Error('the idle child ended before it settled')))]);
  return async () => {
    await done;
    const r = result as IdleResult | null;
    if (!r) throw new Error('the idle child printed no figures');
    return {
      idle_cpu_pct_2000p: Math.round(r.cpuPct * 100) / 100,
      idle_rss_growth_pct_2000p: Math.round(((r.rssMb[4]! - r.rssMb[0]!) / r.rssMb[0]!) * 1000) / 10,
      idle_waiters_2000p: r.waiters,
    };
  };
}
