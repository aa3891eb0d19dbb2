/**
 * Remote-cluster figures (core/remote), measured in a child process against a
 * second Noticeboard in its own process (serve mode over a data folder filled
 * beforehand through the engine's batch path):
 * - remote_jump_ms: a message-browser page (EngineApi readRecordPage, 50
 *   records) at an offset in the middle of a 10,000,000-record remote topic,
 *   end to end over the wire; the median of 5 jumps to different offsets.
 * - remote_search_1m_ms: a text search (absent pattern, so every record is
 *   scanned) over a 1,000,000-record remote topic; best of two.
 * - remote_metadata_10k_ms: the topic list of a remote cluster with 10,000
 *   partitions (100 topics x 100) from a new connection: connect, load the
 *   metadata snapshot (Metadata, ListOffsets earliest and latest,
 *   DescribeLogDirs, cleanup policies), list; the median of 3, after a first
 *   connection has warmed the remote broker (a real cluster is warm).
 *   remote_metadata_10k_cold_ms is that first one: both processes compile
 *   their codecs for these (API, version)s on it.
 * - remote_metadata_refresh_10k_ms: one snapshot reload of that cluster (what
 *   the periodic refresh costs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

export async function benchRemote(): Promise<Record<string, number>> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, 'child'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`remote bench exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function child(): Promise<void> {
  const { bulkLoad } = await import('../e2e/support/bulk-load');
  const { startSecondNoticeboard } = await import('../core/remote/support/second-noticeboard');
  const { openRemoteCluster } = await import('../../core/remote');
  const { EngineApi } = await import('../../core/service/engine-api');
  const { Cluster } = await import('../../core/cluster/cluster');
  const figures: Record<string, number> = {};
  const root = mkdtempSync(join(tmpdir(), 'nb-remote-bench-'));
  try {
    const template = Array.from({ length: 1000 }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({ id: i, customer: `customer-${i % 97}`, total: i * 3.5, currency: 'EUR' }),
      headers: { source: 'web' },
    }));
    const data = join(root, 'data');
    // A day back: inside the default 7-day retention.ms, so the log cleaner keeps what the bench reads. The ten
    // million records span 10,000 batches 1 s apart, under three hours, so none lies in the future.
    const startTime = Date.now() - 86_400_000;
    await bulkLoad(data, 1, [
      {
        name: 'ten-million',
        partitions: 1,
        recordsPerPartition: 10_000_000,
        template,
        startTime,
        stepMs: 1000,
      },
      { name: 'million', partitions: 1, recordsPerPartition: 1_000_000, template, startTime, stepMs: 1000 },
    ]);
    const c = await Cluster.open({ dataDir: data, brokers: 1 });
    try {
      for (let t = 0; t < 100; t++)
        await c.createTopic({ name: `wide-${String(t).padStart(3, '0')}`, partitions: 100, replicationFactor: 1 });
    } finally {
      await c.close();
    }

    const nb = await startSecondNoticeboard({ brokers: 1, dataDir: data });
    try {
      const config = { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' as const };
      const opens: number[] = [];
      for (let i = 0; i < 4; i++) {
        const s = performance.now();
        const r = await openRemoteCluster(config, { metadataRefreshMs: 600_000 });
        const topics = r.listTopics();
        opens.push(performance.now() - s);
        await r.close();
        if (topics.reduce((n, t) => n + t.partitions, 0) < 10_002) throw new Error('the wide cluster is not all there');
      }
      figures.remote_metadata_10k_cold_ms = Math.round(opens[0]!);
      figures.remote_metadata_10k_ms = Math.round(median(opens.slice(1)));
      const remote = await openRemoteCluster(config, { metadataRefreshMs: 600_000 });
      const t0 = performance.now();
      await remote.refreshMetadata();
      remote.listTopics();
      figures.remote_metadata_refresh_10k_ms = Math.round(performance.now() - t0);
      try {
        const api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'bench', groups: remote });
        const session = api.openSession(() => undefined);
        const jumps: number[] = [];
        for (const offset of [5_000_000, 1_234_567, 8_765_432, 3_333_333, 9_999_000]) {
          const s = performance.now();
          const r = await session.call('readRecordPage', {
            topic: 'ten-million',
            partition: 0,
            start: { type: 'offset', offset },
            limit: 50,
          });
          jumps.push(performance.now() - s);
          const first = (r as { ok: boolean; result?: { records: Array<{ offset: number }> } }).result?.records[0];
          if (!r.ok || first?.offset !== offset)
            throw new Error(`jump to ${offset} failed: ${JSON.stringify(r).slice(0, 300)}`);
        }
        figures.remote_jump_ms = Math.round(median(jumps));
        session.close();
        api.close();
        let best = Infinity;
        for (let i = 0; i < 2; i++) {
          const s = performance.now();
          const o = await remote.scanRecords!({ topic: 'million', query: { pattern: 'no such text', mode: 'text' } });
          if (o.scanned !== 1_000_000) throw new Error(`search scanned ${o.scanned}`);
          best = Math.min(best, performance.now() - s);
        }
        figures.remote_search_1m_ms = Math.round(best);
      } finally {
        await remote.close();
      }
    } finally {
      await nb.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
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
