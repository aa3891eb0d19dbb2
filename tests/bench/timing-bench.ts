/**
 * Figures that used to be wall-clock budgets inside `npm test` (the tests now check behaviour only):
 * - leader_election_ms: killBroker() of a leader of 3 partitions (rf=3) until the new leaders are in place,
 *   median of 5 kills.
 * - lag_sampler_tick_10k_series_ms: one LagSampler tick over 100 groups x 100 partitions whose high
 *   watermarks all moved since the last tick (all 10,000 series recomputed), median of 5;
 *   lag_sampler_idle_tick_10k_series_ms: the same tick when nothing moved (no series recomputed).
 * - workload_rate_error_pct: |produced - rate x elapsed| / (rate x elapsed) for the workload simulator at
 *   400 records/s over 3 s of real time (the test checks the pacing on a hand-moved clock).
 * - workload_consumed_per_capacity: consumed per second / consumers x 1000 / delay, one consumer at 10 ms a
 *   record under 400 records/s (1.0 is the full capacity).
 * - wire_produce_p99_ms_beside_staller: p99 of 100 acks=1 produce round trips from one client while, on the
 *   same broker, a second client has stopped reading 200 pipelined 1 MB fetches and a third sent half a frame.
 * Runs standalone too: `npx tsx tests/bench/timing-bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cluster } from '../../core/cluster/cluster';
import { Groups, LagSampler } from '../../core/groups';
import { API_KEYS } from '../../core/protocol/index';
import { buildBatchAsync } from '../../core/record/index';
import { WorkloadSimulator } from '../../core/workload/workload-simulator';
import { RawClient, startKafka } from '../core/kafka-server/helpers';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (v: number) => Math.round(v * 10) / 10;

async function withEngine<T>(brokers: number, fn: (cluster: Cluster, groups: Groups) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-timing-bench-'));
  const cluster = await Cluster.open({ dataDir: dir, brokers, replicaLagTimeMaxMs: 1000 });
  const groups = await Groups.attach(cluster, { initialRebalanceDelayMs: 0, lagSampler: false });
  try {
    return await fn(cluster, groups);
  } finally {
    await groups.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function leaderElection(): Promise<number> {
  return withEngine(3, async (c) => {
    await c.createTopic({ name: 'election', partitions: 3, replicationFactor: 3 });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await c.produce('election', [{ value: `v${i}` }], { acks: -1 });
      const victim = c.partitions('election')[0]!.leader;
      const t0 = performance.now();
      await c.killBroker(victim);
      times.push(performance.now() - t0);
      await c.startBroker(victim);
      // Back in every ISR before the next kill, so each kill finds three replicas to choose from.
      while (!c.partitions('election').every((p) => p.isr.length === 3)) await sleep(20);
    }
    return round1(median(times));
  });
}

async function lagSamplerTick(): Promise<{ busy: number; idle: number }> {
  return withEngine(1, async (cluster, groups) => {
    await cluster.createTopic({ name: 'wide', partitions: 100 });
    const offsets = Array.from({ length: 100 }, (_, p) => ({ topic: 'wide', partition: p, offset: 0 }));
    await Promise.all(
      Array.from({ length: 100 }, (_, g) =>
        groups.coordinator.commitOffsets({ groupId: `grp-${g}`, generationId: -1, memberId: '', offsets }),
      ),
    );
    const sampler = new LagSampler(cluster, groups.coordinator);
    sampler.sampleOnce();
    const busy: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Every partition's high watermark moves: each tick recomputes all 10,000 series.
      await cluster.produce(
        'wide',
        Array.from({ length: 100 }, (_, p) => ({ partition: p, value: 'x' })),
      );
      sampler.sampleOnce();
      if (sampler.lastSampleSeries !== 10_000) throw new Error(`a busy tick recomputed ${sampler.lastSampleSeries}`);
      busy.push(sampler.lastSampleMs);
      sampler.sampleOnce();
      idle.push(sampler.lastSampleMs);
    }
    sampler.stop();
    return { busy: round1(median(busy)), idle: Math.round(median(idle) * 1000) / 1000 };
  });
}

async function workloadRates(): Promise<{ workload_rate_error_pct: number; workload_consumed_per_capacity: number }> {
  return withEngine(3, async (cluster, groups) => {
    const sim = new WorkloadSimulator(cluster, groups);
    try {
      await sim.start({ ratePerSec: 400, consumers: 0, processingDelayMs: 0 });
      const t0 = performance.now();
      const p0 = sim.status().produced;
      await sleep(3000);
      const made = sim.status().produced - p0;
      const ideal = (400 * (performance.now() - t0)) / 1000;
      const rateError = round1((Math.abs(made - ideal) / ideal) * 100);
      await sim.update({ consumers: 1, processingDelayMs: 10 });
      while (sim.status().members[0]?.state !== 'active') await sleep(50);
      const c0 = sim.status().consumed;
      const t1 = performance.now();
      await sleep(3000);
      const perSec = ((sim.status().consumed - c0) * 1000) / (performance.now() - t1);
      return {
        workload_rate_error_pct: rateError,
        workload_consumed_per_capacity: Math.round((perSec / 100) * 100) / 100,
      };
    } finally {
      await sim.close();
    }
  });
}

async function produceBesideStaller(): Promise<number> {
  const k = await startKafka({ groups: false });
  try {
    await k.cluster.createTopic({ name: 'big', partitions: 1, replicationFactor: 1, assignments: [[0]] });
    const chunk = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 16; i++) {
      await k.cluster.produceBatch('big', 0, await buildBatchAsync({ records: [{ value: chunk }] }), { acks: 1 });
    }
    await k.cluster.createTopic({ name: 'lively', partitions: 1, replicationFactor: 1, assignments: [[0]] });
    const slow = await RawClient.connect(k.port(0));
    slow.socket.pause();
    const fetchBody = {
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [{ topic: 'big', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    };
    for (let i = 0; i < 200; i++) slow.send(API_KEYS.Fetch, 12, fetchBody);
    const staller = await RawClient.connect(k.port(0));
    staller.write(Buffer.from([0, 0, 1, 0, 0, 3]));
    const lively = await RawClient.connect(k.port(0));
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const batch = await buildBatchAsync({ records: [{ value: `lively-${i}` }] });
      const t = performance.now();
      await lively.request(API_KEYS.Produce, 9, {
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: 'lively', partitionData: [{ index: 0, records: batch }] }],
      });
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    for (const c of [slow, staller, lively]) c.close();
    return round1(latencies[Math.floor(latencies.length * 0.99)]!);
  } finally {
    await k.stop();
  }
}

export async function benchTiming(): Promise<Record<string, number>> {
  const election = await leaderElection();
  const lagTick = await lagSamplerTick();
  return {
    leader_election_ms: election,
    lag_sampler_tick_10k_series_ms: lagTick.busy,
    lag_sampler_idle_tick_10k_series_ms: lagTick.idle,
    ...(await workloadRates()),
    wire_produce_p99_ms_beside_staller: await produceBesideStaller(),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchTiming(), null, 2));
}
