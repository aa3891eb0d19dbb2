/**
 * Child process for the SIGKILL test: opens the cluster in the given data dir,
 * produces numbered records with acks=all as fast as it can, and prints each
 * acknowledged number on stdout. The parent kills it with SIGKILL mid-stream.
 */
import { Cluster } from '../../../core/cluster/cluster';

const dataDir = process.argv[2]!;
const cluster = await Cluster.open({ dataDir, brokers: 3 });
if (cluster.listTopics().length === 0)
  await cluster.createTopic({
    name: 'durable',
    partitions: 2,
    replicationFactor: 3,
    configs: { 'min.insync.replicas': '2', 'segment.bytes': '20000' },
  });
process.stdout.write('ready\n');
let n = 0;
const inflight = new Set<Promise<void>>();
for (;;) {
  const batch = Array.from({ length: 20 }, () => ({ key: `k${n % 7}`, value: `value-${n++}` }));
  const p = cluster.produce('durable', batch, { acks: -1 }).then(() => {
    process.stdout.write(batch.map((r) => r.value).join('\n') + '\n');
  });
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
  if (inflight.size >= 8) await Promise.race(inflight);
}
