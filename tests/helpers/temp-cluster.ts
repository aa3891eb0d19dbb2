/** Temporary data dirs and clusters for tests; everything is removed afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type ClusterOptions } from '../../core/cluster/cluster';

export function tempDir(prefix = 'noticeboard-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function openCluster(
  opts: Partial<ClusterOptions> = {},
): Promise<{ cluster: Cluster; dataDir: string; reopen: () => Promise<Cluster>; cleanup: () => Promise<void> }> {
  const dir = tempDir();
  let cluster = await Cluster.open({ dataDir: dir.path, brokers: 3, replicaLagTimeMaxMs: 2000, ...opts });
  return {
    get cluster() {
      return cluster;
    },
    dataDir: dir.path,
    reopen: async () => {
      await cluster.close();
      cluster = await Cluster.open({ dataDir: dir.path, replicaLagTimeMaxMs: 2000, ...opts });
      return cluster;
    },
    cleanup: async () => {
      await cluster.close();
      dir.remove();
    },
  };
}

/** Polls a condition (for asynchronous replication) until it holds or the timeout passes. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== false && v !== undefined && v !== null) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
