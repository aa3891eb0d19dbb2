/**
 * Consumer-group benchmarks (issue 3):
 * - commit_per_s: OffsetCommit requests per second (one partition each,
 *   written with acks=all to a 3-replica __consumer_offsets), 16 groups
 *   committing concurrently, each waiting for its previous commit: what a
 *   fleet of consumers committing after every poll costs the coordinator.
 * - group_consume_rps: records per second for a group of 3 engine consumers
 *   reading a 3-partition, 3-replica topic of 1,000,000 records (100-byte
 *   values) to the end, timed from subscribe() (the join included) to the
 *   last record.
 * Runs in a child process (this same file) so its three brokers' memory does
 * not count in the main bench's peak_rss_mb; groups_bench_peak_rss_mb is the
 * child's own. Runs standalone too: `npx tsx tests/bench/groups-bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cluster } from '../../core/cluster/cluster';
import { Groups } from '../../core/groups';
import { benchInChild } from './child-bench';
import { makeBatches } from './engine-bench';

const RECORDS = 1_000_000;
const PER_BATCH = 1000;
const PARTITIONS = 3;
const COMMITTERS = 16;
const COMMIT_SECONDS = 2;

async function groupFigures(): Promise<{ commit_per_s: number; group_consume_rps: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-groups-bench-'));
  let cluster: Cluster | null = null;
  let groups: Groups | null = null;
  try {
    cluster = await Cluster.open({ dataDir: dir, brokers: 3 });
    groups = await Groups.attach(cluster, { initialRebalanceDelayMs: 200, lagSampler: false });
    await cluster.createTopic({ name: 'bench-groups', partitions: PARTITIONS, replicationFactor: 3 });

    // commit_per_s (the offsets topic is created by the first findCoordinator, outside the timing)
    const coordinator = groups.coordinator;
    for (let g = 0; g < COMMITTERS; g++) await coordinator.findCoordinator(`committer-${g}`);
    let commits = 0;
    const until = Date.now() + COMMIT_SECONDS * 1000;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: COMMITTERS }, async (_, g) => {
        for (let offset = 1; Date.now() < until; offset++) {
          const r = await coordinator.commitOffsets({
            groupId: `committer-${g}`,
            generationId: -1,
            memberId: '',
            offsets: [{ topic: 'bench-groups', partition: g % PARTITIONS, offset }],
          });
          if (r.partitions[0]!.errorCode !== 0) throw new Error(`commit failed: ${r.partitions[0]!.errorMessage}`);
          commits++;
        }
      }),
    );
    const commitSecs = Number(process.hrtime.bigint() - t0) / 1e9;

    // group_consume_rps: produce 1,000,000 records first (not timed).
    const batches = makeBatches(RECORDS / PER_BATCH);
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < batches.length) {
          const i = next++;
          await cluster!.produceBatch('bench-groups', i % PARTITIONS, batches.get(i), { acks: -1 });
        }
      }),
    );
    const consumers = Array.from({ length: 3 }, () =>
      groups!.consumer({
        groupId: 'bench-readers',
        autoOffsetReset: 'earliest',
        maxPollRecords: 2000,
        enableAutoCommit: true,
      }),
    );
    let consumed = 0;
    const c0 = process.hrtime.bigint();
    for (const c of consumers) c.subscribe(['bench-groups']);
    await Promise.all(
      consumers.map(async (c) => {
        while (consumed < RECORDS) {
          const got = (await c.poll(100)).length; // read `consumed` after the await, not before
          consumed += got;
        }
      }),
    );
    const consumeSecs = Number(process.hrtime.bigint() - c0) / 1e9;
    if (consumed !== RECORDS) throw new Error(`consumed ${consumed} records, expected ${RECORDS}`);
    return { commit_per_s: Math.round(commits / commitSecs), group_consume_rps: Math.round(RECORDS / consumeSecs) };
  } finally {
    await groups?.close().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function benchGroups(): Promise<Record<string, number>> {
  return benchInChild(import.meta.url, 'GROUPS_BENCH_CHILD', 'groups');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The engine's timers are unref'd: hold the process open until the figures are in.
  const keepAlive = setInterval(() => {}, 1000);
  const figures = await groupFigures();
  clearInterval(keepAlive);
  const withRss = { ...figures, groups_bench_peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) };
  console.log(process.env.GROUPS_BENCH_CHILD === '1' ? JSON.stringify(withRss) : JSON.stringify(withRss, null, 2));
  process.exit(0);
}
