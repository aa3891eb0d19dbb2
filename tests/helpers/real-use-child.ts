/**
 * A cluster used as a user would, in its own process, for the reopen test and
 * the real-use bench (node --import tsx real-use-child.ts <mode> <dataDir> ...):
 *   prepare <dir> <partitions>  3 brokers, topics with `partitions` partitions in all (rf=3), some
 *                               records in every partition, offsets committed by GROUPS groups;
 *                               prints the snapshot, closes cleanly.
 *   reopen <dir> [acked.json]   opens until ready (every partition led with its high watermark
 *                               caught up, groups loaded), prints
 *                               {"openMs", "snapshot"}, closes cleanly.
 *   produce <dir>               opens, prints "ready", then produces numbered records with acks=all
 *                               and commits offsets, printing "ack <partition> <offset> <n>" and
 *                               "commit <group> <offset>" as each is acknowledged, until killed.
 *   idle <dir> <seconds>        opens, settles, prints "settled", then idles; prints {"cpuPct", "rssMb":
 *                               [...per fifth of the window...], "heapMb", "waiters"} (CPU of this
 *                               process over the window).
 * Any unhandled rejection or uncaught exception exits with code 3 (a failed open counts).
 */
import { readFileSync } from 'node:fs';
import { Cluster } from '../../core/cluster/cluster';
import { Groups } from '../../core/groups';
import { buildBatch } from '../../core/record';

export const GROUPS = 5;
export const RECORDS_PER_PARTITION = 3;

export interface Snapshot {
  topics: Array<{ name: string; partitions: number }>;
  /** topic/partition -> [logStart, HW, ISR joined]. */
  partitions: Record<string, [number, number, string]>;
  /** group -> topic/partition -> committed offset. */
  offsets: Record<string, Record<string, number>>;
}

/** The topics of a `partitions`-partition cluster: one big topic and a few small ones, as users have. */
export function topicPlan(partitions: number): Array<{ name: string; partitions: number }> {
  const small = Math.min(4, Math.max(1, Math.floor(partitions / 50)));
  const each = Math.max(1, Math.floor(partitions / 10));
  const plan = Array.from({ length: small }, (_, i) => ({ name: `small-${i}`, partitions: each }));
  plan.unshift({ name: 'orders', partitions: partitions - small * each });
  return plan;
}

export async function snapshot(cluster: Cluster, groups: Groups): Promise<Snapshot> {
  const topics = cluster.listTopics().map((t) => ({ name: t.name, partitions: t.partitions }));
  const partitions: Snapshot['partitions'] = {};
  for (const t of topics) {
    for (const p of cluster.partitions(t.name))
      partitions[`${t.name}/${p.partition}`] = [p.logStartOffset, p.highWatermark, p.isr.join(',')];
  }
  const offsets: Snapshot['offsets'] = {};
  for (let g = 0; g < GROUPS; g++) {
    const res = await groups.coordinator.fetchOffsets({ groupId: `group-${g}`, partitions: null });
    if (res.errorCode) throw new Error(`OffsetFetch of group-${g} failed: error ${res.errorCode}`);
    offsets[`group-${g}`] = Object.fromEntries(res.offsets.map((o) => [`${o.topic}/${o.partition}`, o.offset]));
  }
  return { topics, partitions, offsets };
}

/**
 * Every partition's high watermark has caught up with its in-sync replicas. After a kill the
 * checkpointed high watermark may be behind (as in Kafka); it moves once the followers have
 * fetched, and until then acknowledged records are stored but not yet readable.
 */
function highWatermarksRecovered(cluster: Cluster): boolean {
  return cluster.listTopics({ includeInternal: true }).every((t) =>
    cluster.partitions(t.name).every((p) => {
      const ends = p.replicaStates.filter((r) => r.inSync && r.logEndOffset !== null).map((r) => r.logEndOffset!);
      return ends.length > 0 && p.highWatermark >= Math.min(...ends);
    }),
  );
}

/**
 * Opens the data dir and waits until it serves: every partition led, its high watermark caught up
 * with its in-sync replicas, every group's offsets readable.
 */
export async function openReady(dataDir: string): Promise<{ cluster: Cluster; groups: Groups }> {
  const cluster = await Cluster.open({ dataDir, brokers: 3 });
  const groups = await Groups.attach(cluster);
  for (;;) {
    const led = cluster.listTopics({ includeInternal: true }).every((t) => t.offlinePartitions === 0);
    let loaded = led && highWatermarksRecovered(cluster);
    for (let g = 0; loaded && g < GROUPS; g++) {
      loaded = (await groups.coordinator.fetchOffsets({ groupId: `group-${g}`, partitions: null })).errorCode === 0;
    }
    if (loaded) return { cluster, groups };
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function commit(
  groups: Groups,
  group: string,
  offsets: Array<{ topic: string; partition: number; offset: number }>,
): Promise<void> {
  const res = await groups.coordinator.commitOffsets({ groupId: group, generationId: -1, memberId: '', offsets });
  const bad = res.partitions.find((p) => p.errorCode !== 0);
  if (bad) throw new Error(`OffsetCommit of ${group} failed: error ${bad.errorCode}`);
}

async function prepare(dataDir: string, partitions: number): Promise<void> {
  const cluster = await Cluster.open({ dataDir, brokers: 3 });
  const groups = await Groups.attach(cluster);
  for (const t of topicPlan(partitions)) {
    await cluster.createTopic({
      name: t.name,
      partitions: t.partitions,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    });
    for (let p = 0; p < t.partitions; p += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, t.partitions - p) }, (_, i) =>
          cluster.produceBatch(t.name, p + i, buildRecords(t.name, p + i), { acks: -1 }),
        ),
      );
    }
  }
  for (let g = 0; g < GROUPS; g++) {
    const plan = topicPlan(partitions);
    await commit(
      groups,
      `group-${g}`,
      plan.flatMap((t) =>
        Array.from({ length: t.partitions }, (_, p) => ({
          topic: t.name,
          partition: p,
          offset: 1 + ((p + g) % RECORDS_PER_PARTITION),
        })),
      ),
    );
  }
  process.stdout.write(`${JSON.stringify(await snapshot(cluster, groups))}\n`);
  await groups.close();
  await cluster.close();
}

function buildRecords(topic: string, partition: number): Buffer {
  return buildBatchSync(Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => `${topic}/${partition}/${i}`));
}

/**
 * `acked`: a JSON file of [partition, offset, value] the reopened cluster must still hold ('lost' counts those it does
 * not).
 */
async function reopen(dataDir: string, acked?: string): Promise<void> {
  const t0 = performance.now();
  const { cluster, groups } = await openReady(dataDir);
  const openMs = performance.now() - t0;
  let lost = 0;
  const expected = acked ? (JSON.parse(readFileSync(acked, 'utf8')) as Array<[number, number, string]>) : [];
  for (const [partition, offset, value] of expected) {
    const [r] = await cluster.readRecords({ topic: 'orders', partition, start: { type: 'offset', offset }, limit: 1 });
    if (r?.value?.toString() !== value) lost++;
  }
  process.stdout.write(`${JSON.stringify({ openMs, lost, snapshot: await snapshot(cluster, groups) })}\n`);
  await groups.close();
  await cluster.close();
}

async function produce(dataDir: string): Promise<void> {
  const { cluster, groups } = await openReady(dataDir);
  process.stdout.write('ready\n');
  const partitions = cluster.partitions('orders').length;
  let n = 0;
  const inflight = new Set<Promise<void>>();
  for (;;) {
    const i = n++;
    const partition = i % partitions;
    const p = (async () => {
      const res = await cluster.produceBatch('orders', partition, buildBatchSync([`produced-${i}`]), { acks: -1 });
      process.stdout.write(`ack ${partition} ${res.baseOffset} ${i}\n`);
      if (i % 10 === 0) {
        await commit(groups, 'group-0', [{ topic: 'orders', partition, offset: res.baseOffset + 1 }]);
        process.stdout.write(`commit ${partition} ${res.baseOffset + 1}\n`);
      }
    })();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 16) await Promise.race(inflight);
  }
}

async function idle(dataDir: string, seconds: number): Promise<void> {
  const { cluster, groups } = await openReady(dataDir);
  // Let ISR and leadership settle, then measure only the idle process.
  await new Promise((r) => setTimeout(r, 3000));
  process.stdout.write('settled\n');
  const fifth = (seconds * 1000) / 5;
  const rssMb: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, fifth));
    rssMb.push(process.memoryUsage().rss / 1048576);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
  process.stdout.write(
    `${JSON.stringify({ cpuPct, rssMb, heapMb: process.memoryUsage().heapUsed / 1048576, waiters: cluster.waiterCount })}\n`,
  );
  await groups.close();
  await cluster.close();
}

function buildBatchSync(values: string[]): Buffer {
  return buildBatch({ records: values.map((v) => ({ key: v, value: v })) });
}

const [mode, dataDir, arg] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`unhandled rejection: ${String((e as Error)?.stack ?? e)}\n`);
    process.exit(3);
  });
  process.on('uncaughtException', (e) => {
    process.stderr.write(`uncaught exception: ${String(e.stack ?? e)}\n`);
    process.exit(3);
  });
  if (mode === 'prepare') await prepare(dataDir!, Number(arg));
  else if (mode === 'reopen') await reopen(dataDir!, arg);
  else if (mode === 'produce') await produce(dataDir!);
  else if (mode === 'idle') await idle(dataDir!, Number(arg));
  else throw new Error(`unknown mode ${mode}`);
  process.exit(0);
}
