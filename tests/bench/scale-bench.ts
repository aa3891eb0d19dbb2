/**
 * 10,000 partitions (issue 9 item 5): a 3-broker cluster with the engine API
 * open (as serve mode has it) creates one topic of SCALE_BENCH_PARTITIONS
 * (default 10,000) partitions at rf=3, i.e. 30,000 replicas, through the API:
 * - `create_10k_partitions_ms`: the createTopic call, until it answers;
 * - `rss_mb_10k_partitions`: RSS after the creation and SCALE_BENCH_IDLE_S
 *   (default 60) seconds of idle with the cluster open;
 * - `rss_mb_10k_after_create`: RSS right after the creation;
 * - `get_cluster_ms_10k`: median getCluster call;
 * - `topic_partitions_page_ms_10k`: median listPartitionPage call of 100
 *   partitions (at offsets spread over the topic);
 * - `get_topic_ms_10k`: median getTopic call (the topic page's first load).
 * Runs in a child process (this same file) so its heap stays out of the main
 * bench's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../../core/cluster/cluster';
import { EngineApi } from '../../core/service/engine-api';
import { benchInChild, runBenchChild } from './child-bench';

const PARTITIONS = Number(process.env.SCALE_BENCH_PARTITIONS ?? 10_000);
const IDLE_S = Number(process.env.SCALE_BENCH_IDLE_S ?? 60);

const rssMb = () => Math.round(process.memoryUsage().rss / (1024 * 1024));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (n: number) => Math.round(n * 10) / 10;

async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-scale-bench-'));
  const cluster = await Cluster.open({ dataDir: dir, brokers: 3 });
  const api = new EngineApi(cluster, { transport: 'websocket', dataDir: dir, version: 'bench' });
  let events = 0;
  const session = api.openSession(() => {
    events++;
  });
  const call = async (method: string, input: unknown): Promise<number> => {
    const t = performance.now();
    const e = await session.call(method, input);
    const ms = performance.now() - t;
    if (!e.ok) throw new Error(`${method}: ${e.error.errorName} ${e.error.message}`);
    return ms;
  };
  try {
    const createMs = await call('createTopic', { name: 'wide', partitions: PARTITIONS, replicationFactor: 3 });
    const afterCreate = rssMb();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const afterIdle = rssMb();
    const summaries: number[] = [];
    const pages: number[] = [];
    const topics: number[] = [];
    for (let i = 0; i < 7; i++) {
      summaries.push(await call('getCluster', {}));
      const offset = Math.floor((i / 7) * Math.max(0, PARTITIONS - 100));
      pages.push(await call('listPartitionPage', { topic: 'wide', offset, limit: 100 }));
      topics.push(await call('getTopic', { name: 'wide' }));
    }
    const problems = cluster.describeCluster();
    if (problems.underReplicatedPartitions !== 0 || problems.offlinePartitions !== 0) {
      throw new Error(
        `after the idle minute ${problems.underReplicatedPartitions} partitions are under-replicated, ${problems.offlinePartitions} offline`,
      );
    }
    return {
      create_10k_partitions_ms: Math.round(createMs),
      rss_mb_10k_after_create: afterCreate,
      rss_mb_10k_partitions: afterIdle,
      get_cluster_ms_10k: round1(median(summaries)),
      topic_partitions_page_ms_10k: round1(median(pages)),
      get_topic_ms_10k: round1(median(topics)),
      scale_bench_partitions: PARTITIONS,
      scale_bench_events: events,
    };
  } finally {
    session.close();
    api.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchScale(): Promise<Record<string, number>> {
  return benchInChild(import.meta.url, 'SCALE_BENCH_CHILD', 'scale');
}

if (process.env.SCALE_BENCH_CHILD === '1') runBenchChild(run);
