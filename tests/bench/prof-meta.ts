import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { startSecondNoticeboard } = await import('../core/remote/support/second-noticeboard');
const { openRemoteCluster } = await import('../../core/remote');
const { Cluster } = await import('../../core/cluster/cluster');
const root = mkdtempSync(join(tmpdir(), 'nb-prof-'));
const data = join(root, 'data');
const c = await Cluster.open({ dataDir: data, brokers: 1 });
for (let t = 0; t < 100; t++)
  await c.createTopic({ name: `wide-${String(t).padStart(3, '0')}`, partitions: 100, replicationFactor: 1 });
await c.close();
const nb = await startSecondNoticeboard({ brokers: 1, dataDir: data });
const config = { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' as const };
const opens: number[] = [];
for (let i = 0; i < Number(process.env.N ?? 8); i++) {
  const s = performance.now();
  const r = await openRemoteCluster(config, { metadataRefreshMs: 600_000 });
  r.listTopics();
  opens.push(Math.round(performance.now() - s));
  await r.close();
}
console.log(JSON.stringify(opens));
await nb.stop();
rmSync(root, { recursive: true, force: true });
