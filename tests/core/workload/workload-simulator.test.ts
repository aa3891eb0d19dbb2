/**
 * The workload simulator against a real cluster and real consumer groups:
 * the producer keeps its rate, consumers share the partitions and rebalance
 * when their number changes, a processing delay makes lag, and stop leaves
 * nothing running.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import { WorkloadSimulator, type WorkloadStatus } from '../../../core/workload/workload-simulator';
import { openEnv, sleep, waitFor, type Env } from '../groups/helpers';

let env: Env | null = null;
let sim: WorkloadSimulator | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
  await env?.cleanup();
  env = null;
});

async function setup(): Promise<{ env: Env; sim: WorkloadSimulator }> {
  env = await openEnv({ brokers: 3 });
  sim = new WorkloadSimulator(env.cluster, env.groups);
  return { env, sim };
}

const highWatermarks = (e: Env, topic: string) => e.cluster.partitions(topic).reduce((n, p) => n + p.highWatermark, 0);
const assigned = (s: WorkloadStatus) => s.members.flatMap((m) => m.partitions).sort((a, b) => a - b);

describe('workload simulator', () => {
  it('creates the topic and produces JSON sensor readings keyed by sensor id at the requested rate', async () => {
    const { env, sim } = await setup();
    const status = await sim.start({ ratePerSec: 400, consumers: 0, processingDelayMs: 0, sensors: 20 });
    expect(status).toMatchObject({ state: 'running', topic: 'sensor-readings', groupId: 'sensor-processor', partitions: 6, ratePerSec: 400 });
    expect(env.cluster.partitions('sensor-readings')).toHaveLength(6);

    const t0 = performance.now();
    const h0 = highWatermarks(env, 'sensor-readings');
    await sleep(3000);
    const elapsed = (performance.now() - t0) / 1000;
    const made = highWatermarks(env, 'sensor-readings') - h0;
    // Paced by elapsed time: within 5% plus one tick of the ideal count.
    expect(Math.abs(made - 400 * elapsed)).toBeLessThan(400 * elapsed * 0.05 + 40);
    expect(sim.status().producedPerSec).toBeGreaterThan(340);
    expect(sim.status().producedPerSec).toBeLessThan(460);

    // Changing the rate re-paces from now on.
    await sim.update({ ratePerSec: 1000 });
    const t1 = performance.now();
    const h1 = highWatermarks(env, 'sensor-readings');
    await sleep(2000);
    const made2 = highWatermarks(env, 'sensor-readings') - h1;
    const elapsed2 = (performance.now() - t1) / 1000;
    expect(Math.abs(made2 - 1000 * elapsed2)).toBeLessThan(1000 * elapsed2 * 0.05 + 100);

    const records = await env.cluster.readRecords({ topic: 'sensor-readings', start: { type: 'earliest' }, limit: 200 });
    expect(records.length).toBeGreaterThan(50);
    const byKey = new Map<string, Set<number>>();
    for (const r of records) {
      const key = r.key!.toString();
      const v = JSON.parse(r.value!.toString()) as { sensorId: string; temperature: number; humidity: number; ts: number };
      expect(key).toMatch(/^sensor-(\d|1\d|20)$/);
      expect(v.sensorId).toBe(key);
      expect(v.temperature).toBeGreaterThan(-11);
      expect(v.temperature).toBeLessThan(41);
      expect(v.humidity).toBeGreaterThan(0);
      expect(v.humidity).toBeLessThan(1);
      expect(Math.abs(v.ts - r.timestamp)).toBeLessThan(1000);
      (byKey.get(key) ?? byKey.set(key, new Set()).get(key)!).add(r.partition);
    }
    // Keyed: every sensor stays on one partition.
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
  });

  it('shares the partitions among its consumers and reassigns them when consumers are added or removed', async () => {
    const { env, sim } = await setup();
    await sim.start({ ratePerSec: 100, consumers: 1, processingDelayMs: 0 });
    await waitFor('one consumer with every partition', () => assigned(sim.status()).join() === '0,1,2,3,4,5' && sim.status().members[0]!.state === 'active');

    await sim.update({ consumers: 3 });
    const three = await waitFor('three consumers sharing the partitions', () => {
      const s = sim.status();
      return s.members.length === 3 && s.members.every((m) => m.state === 'active' && m.partitions.length === 2) && assigned(s).join() === '0,1,2,3,4,5' ? s : null;
    });
    const described = await env.groups.admin.describeGroup('sensor-processor');
    expect(described.state).toBe('Stable');
    expect(described.members.map((m) => m.clientId).sort()).toEqual(three.members.map((m) => m.clientId).sort());
    expect(described.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions)).sort()).toEqual([0, 1, 2, 3, 4, 5]);

    await sim.update({ consumers: 2 });
    expect(sim.status().members).toHaveLength(2);
    await waitFor('two consumers with three partitions each', () => {
      const s = sim.status();
      return s.members.every((m) => m.state === 'active' && m.partitions.length === 3) && assigned(s).join() === '0,1,2,3,4,5';
    });
    await waitFor('the group to see two members', async () => (await env.groups.admin.describeGroup('sensor-processor')).members.length === 2);
    // Everything produced gets consumed.
    await waitFor('the consumers to keep up', () => {
      const s = sim.status();
      return s.consumed > 100 && s.produced - s.consumed < 50;
    }, 10_000);
  });

  it('builds lag when the processing delay exceeds what the consumers can do, and works it off when they can', async () => {
    const { env, sim } = await setup();
    // One consumer at 10 ms a record handles 100 a second; 400 a second arrive.
    const started = await sim.start({ topic: 'slow-work', partitions: 3, groupId: 'slow-group', ratePerSec: 400, consumers: 1, processingDelayMs: 10 });
    expect(started.capacityPerSec).toBe(100);
    await waitFor('the consumer to join', () => sim.status().members[0]?.state === 'active');
    const fetched0 = env.cluster.meter.messagesOutTotal;
    const consumed0 = sim.status().consumed;
    await sleep(3000);
    const lag1 = (await env.groups.admin.lag('slow-group')).totalLag;
    expect(lag1).toBeGreaterThan(500);
    const s = sim.status();
    expect(s.consumedPerSec).toBeGreaterThan(60);
    expect(s.consumedPerSec).toBeLessThan(130);
    // Slow consumers read what they process, not the same records again and again (batches follow the delay).
    const fetched = env.cluster.meter.messagesOutTotal - fetched0;
    expect(fetched).toBeLessThan((s.consumed - consumed0) * 2 + 200);

    await sim.update({ processingDelayMs: 0, consumers: 3 });
    await waitFor('the lag to be worked off', async () => (await env.groups.admin.lag('slow-group')).totalLag < 100, 15_000);
  });

  it('stops cleanly: no more records, the group empty, and it can start again', async () => {
    const { env, sim } = await setup();
    await sim.start({ ratePerSec: 300, consumers: 2, processingDelayMs: 1 });
    await waitFor('both consumers active', () => sim.status().members.filter((m) => m.state === 'active').length === 2);
    await sleep(500);
    const stopped = await sim.stop();
    expect(stopped).toMatchObject({ state: 'idle', members: [], startedAt: null });
    expect(stopped.produced).toBeGreaterThan(0);
    const hw = highWatermarks(env, 'sensor-readings');
    await sleep(400);
    expect(highWatermarks(env, 'sensor-readings')).toBe(hw);
    const group = await env.groups.admin.describeGroup('sensor-processor');
    expect(group.state).toBe('Empty');
    expect(group.members).toEqual([]);
    // Committed on the way out: the offsets are there for a later start.
    expect(group.lag.partitions.every((p) => p.committedOffset !== null)).toBe(true);

    await sim.start({ ratePerSec: 10, consumers: 1, processingDelayMs: 0 });
    expect(sim.status().state).toBe('running');
    await sim.close();
    expect(sim.status().state).toBe('idle');
    await expect(sim.start({ ratePerSec: 10, consumers: 1, processingDelayMs: 0 })).rejects.toThrow(/shut down/);
  });

  it('refuses bad settings and a second workload with Kafka errors', async () => {
    const { sim } = await setup();
    const bad = async (p: Promise<unknown>, name: string, text: RegExp) => {
      const e = await p.then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(KafkaError);
      expect((e as KafkaError).errorName).toBe(name);
      expect((e as KafkaError).message).toMatch(text);
    };
    await bad(sim.start({ ratePerSec: -1, consumers: 1, processingDelayMs: 0 }), 'INVALID_REQUEST', /ratePerSec/);
    await bad(sim.start({ ratePerSec: 1, consumers: 1.5, processingDelayMs: 0 }), 'INVALID_REQUEST', /consumers must be a whole number/);
    await bad(sim.start({ ratePerSec: 1, consumers: 1, processingDelayMs: 5000 }), 'INVALID_REQUEST', /processingDelayMs/);
    await bad(sim.start({ topic: '__consumer_offsets', ratePerSec: 1, consumers: 1, processingDelayMs: 0 }), 'INVALID_TOPIC_EXCEPTION', /ordinary topic/);
    await bad(sim.update({ ratePerSec: 5 }), 'INVALID_REQUEST', /No workload is running/);
    await sim.start({ ratePerSec: 1, consumers: 0, processingDelayMs: 0 });
    await bad(sim.start({ ratePerSec: 1, consumers: 0, processingDelayMs: 0 }), 'INVALID_REQUEST', /already running/);
    await bad(sim.update({ consumers: 100 }), 'INVALID_REQUEST', /consumers/);
    expect(sim.status().consumers).toBe(0);
  });
});
