/**
 * `npm run bench`: runs every benchmark in one process and prints one JSON
 * object. Figures from one run are comparable with each other; the machine is
 * shared, so compare ratios rather than absolute numbers across runs.
 */
import { benchEngine } from './engine-bench';
import { startIdleBench } from './idle-bench';

const started = Date.now();
// The engine unrefs its timers so an idle embedded cluster never holds a process open. A bench script
// has no server handle of its own, so it holds the process open itself until every figure is in.
const keepAlive = setInterval(() => {}, 1000);
const figures: Record<string, number> = {};
const failed: string[] = [];
Object.assign(figures, await benchEngine());
console.error(
  `benchEngine: ${Math.round((Date.now() - started) / 1000)} s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
);
// The idle cluster's minutes of waiting run beside everything else (idle-bench.ts says why that is fair).
const idle = await startIdleBench();
// The engine's own high-water mark, before the group and wire benchmarks add theirs.
figures.engine_peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
// One bench module a line, so benches added side by side merge cleanly.
const EXTRA = [
  './groups-bench',
  './wire-bench',
  './log-validator-bench',
  './timing-bench',
  './ui-bench',
  './real-use-bench',
  './hostile-bench',
  './metadata-bench',
  './scale-bench',
  './workbench-bench',
  './remote-bench',
];
for (const extra of EXTRA) {
  const mod = await import(extra).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(String(err))) return null;
    throw err;
  });
  if (!mod) continue;
  for (const fn of Object.values(mod)) {
    if (typeof fn !== 'function' || !fn.name.startsWith('bench')) continue;
    // One failing module must not cost the figures of all the others: it is named, and the run exits non-zero.
    const t0 = Date.now();
    try {
      Object.assign(figures, await (fn as () => Promise<Record<string, number>>)());
      // Where the run's time goes, on stderr so that stdout stays one JSON object.
      // With the process's peak RSS so far, so the module that raises peak_rss_mb can be named.
      const peak = Math.round(process.resourceUsage().maxRSS / 1024);
      console.error(`${fn.name}: ${Math.round((Date.now() - t0) / 1000)} s, peak RSS ${peak} MB`);
    } catch (err) {
      console.error(`${fn.name} (${extra}) failed:`, err);
      failed.push(fn.name);
    }
  }
}
try {
  Object.assign(figures, await idle());
} catch (err) {
  console.error('the idle bench (./idle-bench) failed:', err);
  failed.push('idle');
}
figures.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
figures.bench_seconds = Math.round((Date.now() - started) / 1000);
clearInterval(keepAlive);
console.log(JSON.stringify(figures, null, 2));
if (failed.length > 0) {
  console.error(`bench modules that failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
