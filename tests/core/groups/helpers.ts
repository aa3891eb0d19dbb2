/**
 * Test scaffolding for consumer groups: a cluster in its own temp dir with
 * short timeouts, a Groups attached to it, and small waiting helpers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type ClusterOptions } from '../../../core/cluster/cluster';
import { Groups, type GroupsOptions } from '../../../core/groups';
import type { ConsumerConfig, ConsumerRecord, EngineConsumer } from '../../../core/groups';

/** Coordinator options that keep tests fast: few offsets partitions, short session floor, no initial delay. */
export const FAST: GroupsOptions = {
  offsetsTopicPartitions: 4,
  minSessionTimeoutMs: 100,
  initialRebalanceDelayMs: 0,
  lagSampler: false,
};

/** Consumer settings with short sessions (members notice failures within about a second). */
export const QUICK: Omit<ConsumerConfig, 'groupId'> = {
  sessionTimeoutMs: 800,
  heartbeatIntervalMs: 100,
  rebalanceTimeoutMs: 1500,
  autoOffsetReset: 'earliest',
  enableAutoCommit: false,
};

export interface Env {
  dir: string;
  cluster: Cluster;
  groups: Groups;
  /** Closes groups and cluster (idempotent), then removes the data dir. */
  cleanup(): Promise<void>;
  /** Closes and reopens the whole cluster on the same data dir, with a fresh Groups. */
  restart(): Promise<void>;
}

export async function openEnv(
  opts: { brokers?: number; groups?: GroupsOptions; cluster?: Partial<ClusterOptions> } = {},
): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-groups-'));
  const clusterOpts: ClusterOptions = {
    dataDir: dir,
    brokers: opts.brokers ?? 3,
    replicaLagTimeMaxMs: 1000,
    ...opts.cluster,
  };
  const groupOpts = { ...FAST, ...opts.groups };
  const env: Env = {
    dir,
    cluster: await Cluster.open(clusterOpts),
    groups: undefined as unknown as Groups,
    async cleanup() {
      await env.groups.close().catch(() => undefined);
      await env.cluster.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await env.groups.close();
      await env.cluster.close();
      env.cluster = await Cluster.open({ dataDir: dir, replicaLagTimeMaxMs: 1000 });
      env.groups = await Groups.attach(env.cluster, groupOpts);
    },
  };
  env.groups = await Groups.attach(env.cluster, groupOpts);
  return env;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `fn` returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Runs poll loops for several consumers at once (as separate processes
 * would), collecting records, until `until` holds or the timeout passes.
 */
export async function pollTogether(
  consumers: EngineConsumer[],
  until: (got: ConsumerRecord[][]) => boolean,
  timeoutMs = 10_000,
): Promise<ConsumerRecord[][]> {
  const got: ConsumerRecord[][] = consumers.map(() => []);
  const deadline = Date.now() + timeoutMs;
  let done = false;
  await Promise.all(
    consumers.map(async (c, i) => {
      while (!done && !c.isClosed) {
        const recs = await c.poll(50);
        got[i]!.push(...recs);
        if (until(got)) done = true;
        if (Date.now() > deadline) {
          done = true;
          throw new Error(`pollTogether timed out; records per consumer: ${got.map((g) => g.length).join(', ')}`);
        }
      }
    }),
  );
  return got;
}

export async function produceN(
  cluster: Cluster,
  topic: string,
  n: number,
  partition?: number,
  prefix = 'v',
): Promise<void> {
  const records = Array.from({ length: n }, (_, i) => ({
    value: `${prefix}${i}`,
    ...(partition === undefined ? { key: `k${i}` } : { partition }),
  }));
  await cluster.produce(topic, records);
}
