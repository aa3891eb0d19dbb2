/**
 * Message workbench figures (issue 13): a 1,000,000-message topic (one
 * partition, 1,000 batches of 1,000 JSON values with a `source` header)
 * filtered in the engine with a filter expression, oldest first, every match kept:
 * - `filter_1m_ms`: `value.customer.id == "c-70" && headers.source == "web"`,
 *   the example (batches without "c-70" are skipped undecoded);
 * - `filter_1m_all_parsed_ms`: `value.total > 1000000 && headers.source == "web"`,
 *   where no batch can be skipped, so every record is decoded and its JSON parsed;
 * - `export_msgs_per_sec` / `export_csv_msgs_per_sec`: the whole topic exported as
 *   JSON Lines / CSV byte chunks formatted from the stored batches (core/service/record-export-format.ts),
 *   bytes counted, not written; `export_msgs_per_cpu_sec` is the JSON Lines rate per second of this process's
 *   CPU time, which says what the code costs when other work shares the machine's cores.
 * Runs in a child process (this same file) so its heap does not count in the
 * main bench's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../core/cluster/cluster';
import { buildBatch } from '../../core/record';
import { exportChunks, planExport } from '../../core/service/record-export';
import { benchInChild, runBenchChild } from './child-bench';

const T0 = 1_700_000_000_000;

async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-workbench-bench-'));
  const c = await Cluster.open({ dataDir: dir, brokers: 1 });
  try {
    await c.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '-1' } });
    for (let b = 0; b < 1000; b++) {
      const batch = buildBatch({
        records: Array.from({ length: 1000 }, (_, i) => {
          const n = b * 1000 + i;
          return {
            key: `order-${n}`,
            value: JSON.stringify({
              id: n,
              customer: { id: `c-${n % 997}` },
              total: (n % 5000) * 3.5,
              currency: 'EUR',
            }),
            headers: { source: n % 3 === 0 ? 'web' : 'mobile' },
            timestamp: T0 + n,
          };
        }),
      });
      await c.produceBatch('orders', 0, batch, { acks: 1 });
    }
    const figures: Record<string, number> = {};
    for (const [name, pattern] of [
      ['filter_1m_ms', 'value.customer.id == "c-70" && headers.source == "web"'],
      ['filter_1m_all_parsed_ms', 'value.total > 1000000 && headers.source == "web"'],
    ] as const) {
      const t0 = performance.now();
      const o = await c.scanRecords({
        topic: 'orders',
        query: { pattern, mode: 'filter' },
        direction: 'forward',
        maxMatches: 1_000_000,
        timeBudgetMs: 600_000,
      });
      if (o.end !== 'done' || o.scanned !== 1_000_000) throw new Error(`${name}: ${JSON.stringify(o)}`);
      figures[name] = Math.round(performance.now() - t0);
    }
    for (const [name, format] of [
      ['export_msgs_per_sec', 'jsonl'],
      ['export_csv_msgs_per_sec', 'csv'],
    ] as const) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      let chars = 0;
      const spec = { topic: 'orders', format };
      for await (const chunk of exportChunks(c, spec, await planExport(c, spec))) chars += chunk.length;
      if (chars < 50_000_000) throw new Error(`${name}: only ${chars} characters`);
      figures[name] = Math.round(1_000_000 / ((performance.now() - t0) / 1000));
      const cpu = process.cpuUsage(cpu0);
      if (format === 'jsonl') figures.export_msgs_per_cpu_sec = Math.round(1_000_000 / ((cpu.user + cpu.system) / 1e6));
    }
    return figures;
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchWorkbench(): Promise<Record<string, number>> {
  return benchInChild(import.meta.url, 'WORKBENCH_BENCH_CHILD', 'workbench');
}

if (process.env.WORKBENCH_BENCH_CHILD === '1') runBenchChild(run);
