/**
 * Hostile-input figures, measured in a child process (it holds a
 * 1,000,000-record topic and floods a WebSocket; the bench process's peak RSS
 * stays small):
 * - search_1m_text_ms / search_1m_regex_ms: one scan of 1,000,000 records
 *   (absent pattern), best of two; the regex one runs in the search worker.
 *   search_1m_regex_70k_matches_ms: a regex that matches 70,000 of them
 *   (each match's batch is decoded on the main thread).
 * - evil_regex_budget_overrun_ms: how far past a 500 ms budget a scan stuck
 *   on `(a|aa)+$` against 43 `a`s and a `!` ends; evil_regex_loop_max_gap_ms:
 *   the longest the event loop went without running a 5 ms timer meanwhile.
 * - trickle_heap_bytes_per_byte: heap held per pending byte of a frame fed
 *   in 1,000,000 one-byte chunks.
 * - ws_flood_heap_growth_mb / ws_flood_after_close_heap_growth_mb: heap and
 *   buffers while a WebSocket client that sent 300 readRecords calls (about
 *   1.4 MB of reply each) does not read, and after it closed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

const SELF = fileURLToPath(import.meta.url);

export async function benchHostile(): Promise<Record<string, number>> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, 'child'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`hostile bench exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}

async function child(): Promise<void> {
  const { Cluster } = await import('../../core/cluster/cluster');
  const { buildBatch } = await import('../../core/record');
  const { FrameSplitter } = await import('../../core/protocol/index');
  const { startServe } = await import('../../core/host/serve');
  const { FakeCluster } = await import('../support/fake-cluster');
  const { default: WebSocket } = await import('ws');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const figures: Record<string, number> = {};

  const dir = mkdtempSync(join(tmpdir(), 'nb-hostile-bench-'));
  const cl = await Cluster.open({ dataDir: dir, brokers: 1 });
  try {
    await cl.createTopic({ name: 'million', partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '-1' } });
    const template = buildBatch({
      records: Array.from({ length: 1000 }, (_, i) => ({
        key: `order-${i}`,
        value: JSON.stringify({ id: i, customer: `customer-${i % 97}`, total: i * 3.5, currency: 'EUR' }),
        headers: { source: 'web' },
        timestamp: Date.now(),
      })),
    });
    for (let b = 0; b < 1000; b++) await cl.produceBatch('million', 0, Buffer.from(template), { acks: 1 });
    for (const [key, query] of [
      ['search_1m_text_ms', { pattern: 'no such text', mode: 'text' }],
      ['search_1m_regex_ms', { pattern: 'customer-9\\d{3}', mode: 'regex' }],
      ['search_1m_regex_70k_matches_ms', { pattern: 'customer-9[0-6]"', mode: 'regex' }],
    ] as const) {
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        await cl.scanRecords({ topic: 'million', query, maxMatches: 100_000 });
        best = Math.min(best, performance.now() - t0);
      }
      figures[key] = Math.round(best);
    }
    await cl.createTopic({ name: 'planted', partitions: 1, replicationFactor: 1 });
    await cl.produce('planted', [{ value: 'a'.repeat(43) + '!' }]);
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const o = await cl.scanRecords({
      topic: 'planted',
      query: { pattern: '(a|aa)+$', mode: 'regex' },
      timeBudgetMs: 500,
    });
    clearInterval(timer);
    figures.evil_regex_budget_overrun_ms = Math.max(0, o.elapsedMs - 500);
    figures.evil_regex_loop_max_gap_ms = Math.round(maxGap);
  } finally {
    await cl.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const splitter = new FrameSplitter();
  const before = heap();
  const head = Buffer.alloc(4);
  head.writeInt32BE(1_000_000);
  splitter.push(head);
  for (let i = 0; i < 999_999; i++) splitter.push(Buffer.alloc(1, i & 0xff));
  figures.trickle_heap_bytes_per_byte = Math.round(((heap() - before) / 999_999) * 100) / 100;

  let fake: InstanceType<typeof FakeCluster>;
  const serveDir = mkdtempSync(join(tmpdir(), 'nb-hostile-serve-'));
  const handle = await startServe({
    dataDir: serveDir,
    brokers: 1,
    host: '127.0.0.1',
    port: 0,
    staticDir: null,
    version: 'bench',
    openCluster: async () => (fake = new FakeCluster(1)),
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
  try {
    await fake!.createTopic({ name: 'big', partitions: 1, replicationFactor: 1 });
    await fake!.produce(
      'big',
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(10_000, i) })),
    );
    const base = heap();
    const ws = new WebSocket(handle.server.wsUrl, { headers: { Origin: `http://127.0.0.1:${handle.server.port}` } });
    await new Promise((r) => ws.once('open', r));
    ws.pause();
    for (let id = 0; id < 300; id++)
      ws.send(
        JSON.stringify({
          id,
          method: 'readRecords',
          params: { topic: 'big', partition: 0, start: { type: 'earliest' }, limit: 100 },
        }),
      );
    await new Promise((r) => setTimeout(r, 5000));
    figures.ws_flood_heap_growth_mb = Math.round((heap() - base) / 1048576);
    ws.terminate();
    await new Promise((r) => setTimeout(r, 1000));
    figures.ws_flood_after_close_heap_growth_mb = Math.round((heap() - base) / 1048576);
  } finally {
    await handle.close();
    rmSync(serveDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(figures) + '\n');
}

if (process.argv[2] === 'child') {
  child().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(String((err as Error).stack ?? err));
      process.exit(1);
    },
  );
}
