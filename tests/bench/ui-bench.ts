/**
 * The page's figures, measured in real Chromium by the end-to-end tests that drive the same screens (they write
 * tests/artifacts/perf/*.json and assert behaviour only); this runs those tests in a child process, so the bench
 * process's peak_rss_mb stays its own, and prints the figures:
 * - ui_lag_chart_fps, ui_lag_chart_frame_p95_ms, ui_lag_chart_frame_p99_ms, ui_lag_chart_frame_max_ms,
 *   ui_lag_chart_update_interval_ms: the group page's lag chart of a 100-partition group (101 series) redrawing
 *   for 8 s while a 2,000 msg/s workload runs in the engine.
 * - ui_search_longest_frame_gap_ms, ui_search_click_ms: the longest frame gap and a click's round trip while the
 *   engine regex-scans the 10,000,000-message topic.
 * - search_scan_1m_text_ms, search_scan_1m_regex_ms: the engine's own time for a text and a regex search over
 *   1,000,000 messages (started from a script).
 * - ui_open_10m_topic_ms, ui_jump_10m_median_ms, ui_jump_10m_max_ms: opening the 10,000,000-message topic and
 *   jumping to six offsets, as the page reports its own render time.
 * NB_BENCH_UI=0 leaves them out (they need Chromium and take a few minutes); NB_E2E_BIG_RECORDS sizes the big topic.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PERF = fileURLToPath(new URL('../artifacts/perf/', import.meta.url));
const LAG_CHART = `${PERF}lag-chart-100-partitions.json`;
const MESSAGES = `${PERF}message-browser.json`;

interface LagChartFigures {
  fps: number;
  frameIntervalMs: { p95: number; p99: number; max: number };
  updateIntervalMs: { mean: number };
}
interface MessageFigures {
  pageDuringScan?: { longestFrameGapMs: number; clickToCheckedMs: number };
  scan1M?: { text: { engineMs: number }; regex: { engineMs: number } };
  bigTopic?: { openMs: { inPage: number }; jumpInPageMs: { median: number; max: number } };
}

const read = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export async function benchUi(): Promise<Record<string, number>> {
  if (process.env.NB_BENCH_UI === '0') return {};
  rmSync(LAG_CHART, { force: true });
  rmSync(MESSAGES, { force: true });
  const run = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url)),
      'run',
      '--project',
      'e2e',
      'tests/e2e/groups-and-workload.test.ts',
      'tests/e2e/messages.test.ts',
      '-t',
      '100-partition group|scans|jumps to any offset',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: process.env },
  );
  if (run.status !== 0 || !existsSync(LAG_CHART) || !existsSync(MESSAGES)) {
    throw new Error(`the UI measurements failed (vitest exited with ${run.status}); run them alone to see why`);
  }
  const lag = read<LagChartFigures>(LAG_CHART);
  const msg = read<MessageFigures>(MESSAGES);
  return {
    ui_lag_chart_fps: lag.fps,
    ui_lag_chart_frame_p95_ms: lag.frameIntervalMs.p95,
    ui_lag_chart_frame_p99_ms: lag.frameIntervalMs.p99,
    ui_lag_chart_frame_max_ms: lag.frameIntervalMs.max,
    ui_lag_chart_update_interval_ms: lag.updateIntervalMs.mean,
    ui_search_longest_frame_gap_ms: msg.pageDuringScan!.longestFrameGapMs,
    ui_search_click_ms: msg.pageDuringScan!.clickToCheckedMs,
    search_scan_1m_text_ms: msg.scan1M!.text.engineMs,
    search_scan_1m_regex_ms: msg.scan1M!.regex.engineMs,
    ui_open_10m_topic_ms: msg.bigTopic!.openMs.inPage,
    ui_jump_10m_median_ms: msg.bigTopic!.jumpInPageMs.median,
    ui_jump_10m_max_ms: msg.bigTopic!.jumpInPageMs.max,
  };
}
