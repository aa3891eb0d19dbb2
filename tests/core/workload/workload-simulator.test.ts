/**
 * The workload simulator against a real cluster and real consumer groups:
 * the producer keeps its rate, consumers share the partitions and rebalance
 * when their number changes, a processing delay makes lag, and stop leaves
 * nothing running. The producer's pacing runs on a hand-moved clock, so its
 * counts are exact; the rates it reaches in real time are in `npm run bench`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import { TICK_MS, WorkloadSimulator, type WorkloadStatus } from '../../../core/workload/workload-simulator';
import { openEnv, sleep, waitFor, type Env } from '../groups/helpers';

let env: Env | null = null;
let sim: WorkloadSimulator | null = null;

afterEach(async () => {
  await sim?.close();
  sim = null;
  await env?.cleanup();
  env = null;
});

/** A clock that only moves when told to. */
function manualClock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function setup(clock?: { now(): number }): Promise<{ env: Env; sim: WorkloadSimulator }> {
  env = await openEnv({ brokers: 3 });
  sim = new WorkloadSimulator(env.cluster, env.groups, { clock });
  return { env, sim };
}

const highWatermarks = (e: Env, topic: string) => e.cluster.partitions(topic).reduce((n, p) => n + p.highWatermark, 0);
const assigned = (s: WorkloadStatus) => s.members.flatMap((m) => m.partitions).sort((a, b) => a - b);

describe('workload simulator', () => {
  it('creates the topic and produces JSON sensor readings by sensor id, as many as the rate owes', async () => {
    const clock = manualClock();
    const { env, sim } = await setup(clock);
    const status = await sim.start({ ratePerSec: 400, consumers: 0, processingDelayMs: 0, sensors: 20 });
    expect(status).toMatchObject({
      state: 'running',
      topic: 'sensor-readings',
      groupId: 'sensor-processor',
      partitions: 6,
      ratePerSec: 400,
    });
    expect(env.cluster.partitions('sensor-readings')).toHaveLength(6);
    const produced = (n: number) => waitFor(`${n} records produced`, () => sim.status().produced === n);

    // Paced by elapsed time, not by ticks: 3 s at 400/s owe exactly 1,200 records, however the ticks fall.
    for (let step = 1; step <= 30; step++) {
      clock.advance(100);
      await produced(40 * step);
    }
    // With the clock standing still, nothing more is owed.
    await sleep(TICK_MS * 3);
    expect(sim.status().produced).toBe(1200);

    // Changing the rate re-paces from now on: 2 s at 1,000/s.
    await sim.update({ ratePerSec: 1000 });
    for (let step = 1; step <= 4; step++) {
      clock.advance(500);
      await produced(1200 + 500 * step);
    }
    // More than MAX_DEBT_MS (2 s) behind: the debt beyond one tick is dropped and counted, not burst out.
    clock.advance(5000);
    await produced(3200 + (1000 * TICK_MS) / 1000);
    expect(sim.status().skipped).toBe(5000 - 100);
    await waitFor('the high watermarks to reach every record', () => highWatermarks(env, 'sensor-readings') === 3300);

    const records = await env.cluster.readRecords({
      topic: 'sensor-readings',
      start: { type: 'earliest' },
      limit: 200,
    });
    expect(records.length).toBeGreaterThan(50);
    const byKey = new Map<string, Set<number>>();
    for (const r of records) {
      const key = r.key!.toString();
      const v = JSON.parse(r.value!.toString()) as {
        sensorId: string;
        temperature: number;
        humidity: number;
        ts: number;
      };
      expect(key).toMatch(/^sensor-(\d|1\d|20)$/);
      expect(v.sensorId).toBe(key);
      expect(v.temperature).toBeGreaterThan(-11);
      expect(v.temperature).toBeLessThan(41);
      expect(v.humidity).toBeGreaterThan(0);
      expect(v.humidity).toBeLessThan(1);
      expect(v.ts).toBe(r.timestamp);
      (byKey.get(key) ?? byKey.set(key, new Set()).get(key)!).add(r.partition);
    }
    // Keyed: every sensor stays on one partition.
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
  });

  it('shares the partitions among its consumers and reassigns them when consumers are added or removed', async () => {
    const { env, sim } = await setup();
    await sim.start({ ratePerSec: 100, consumers: 1, processingDelayMs: 0 });
    await waitFor(
      'one consumer with every partition',
      () => assigned(sim.status()).join() === '0,1,2,3,4,5' && sim.status().members[0]!.state === 'active',
    );

    await sim.update({ consumers: 3 });
    const three = await waitFor('three consumers sharing the partitions', () => {
      const s = sim.status();
      return s.members.length === 3 &&
        s.members.every((m) => m.state === 'active' && m.partitions.length === 2) &&
        assigned(s).join() === '0,1,2,3,4,5'
        ? s
        : null;
    });
    const described = await env.groups.admin.describeGroup('sensor-processor');
    expect(described.state).toBe('Stable');
    expect(described.members.map((m) => m.clientId).sort()).toEqual(three.members.map((m) => m.clientId).sort());
    expect(described.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions)).sort()).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);

    await sim.update({ consumers: 2 });
    expect(sim.status().members).toHaveLength(2);
    await waitFor('two consumers with three partitions each', () => {
      const s = sim.status();
      return (
        s.members.every((m) => m.state === 'active' && m.partitions.length === 3) &&
        assigned(s).join() === '0,1,2,3,4,5'
      );
    });
    await waitFor(
      'the group to see two members',
      async () => (await env.groups.admin.describeGroup('sensor-processor')).members.length === 2,
    );
    // Everything produced gets consumed.
    await waitFor(
      'the consumers to keep up',
      () => {
        const s = sim.status();
        return s.consumed > 100 && s.produced - s.consumed < 50;
      },
      10_000,
    );
  });

  it('builds lag when the delay exceeds what the consumers can do, and works it off when they can', async () => {
    const { env, sim } = await setup();
    // One consumer at 10 ms a record handles 100 a second; 400 a second arrive.
    const started = await sim.start({
      topic: 'slow-work',
      partitions: 3,
      groupId: 'slow-group',
      ratePerSec: 400,
      consumers: 1,
      processingDelayMs: 10,
    });
    expect(started.capacityPerSec).toBe(100);
    await waitFor('the consumer to join', () => sim.status().members[0]?.state === 'active');
    const fetched0 = env.cluster.meter.messagesOutTotal;
    const consumed0 = sim.status().consumed;
    await waitFor('the lag to build', async () => (await env.groups.admin.lag('slow-group')).totalLag > 500, 20_000);
    const s = sim.status();
    // Slow consumers read what they process, not the same records again and again (batches follow the delay).
    // Re-reading would fetch many times what was consumed; the margin is one poll's records on a loaded machine,
    // where the lag can take a long time to build.
    const fetched = env.cluster.meter.messagesOutTotal - fetched0;
    expect(fetched).toBeLessThan((s.consumed - consumed0) * 3 + 1000);

    await sim.update({ processingDelayMs: 0, consumers: 3 });
    await waitFor(
      'the lag to be worked off',
      async () => (await env.groups.admin.lag('slow-group')).totalLag < 100,
      15_000,
    );
  });

  it('stops cleanly: no more records, the group empty, and it can start again', async () => {
    const { env, sim } = await setup();
    await sim.start({ ratePerSec: 300, consumers: 2, processingDelayMs: 1 });
    await waitFor('both consumers active', () => sim.status().members.filter((m) => m.state === 'active').length === 2);
    await waitFor('records produced and consumed', () => sim.status().consumed > 0);
    const stopped = await sim.stop();
    expect(stopped).toMatchObject({ state: 'idle', members: [], startedAt: null });
    expect(stopped.produced).toBeGreaterThan(0);
    const hw = highWatermarks(env, 'sensor-readings');
    // A few producer ticks later, still nothing new.
    await sleep(TICK_MS * 4);
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
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(KafkaError);
      expect((e as KafkaError).errorName).toBe(name);
      expect((e as KafkaError).message).toMatch(text);
    };
    await bad(sim.start({ ratePerSec: -1, consumers: 1, processingDelayMs: 0 }), 'INVALID_REQUEST', /ratePerSec/);
    await bad(
      sim.start({ ratePerSec: 1, consumers: 1.5, processingDelayMs: 0 }),
      'INVALID_REQUEST',
      /consumers must be a whole number/,
    );
    await bad(
      sim.start({ ratePerSec: 1, consumers: 1, processingDelayMs: 5000 }),
      'INVALID_REQUEST',
      /processingDelayMs/,
    );
    await bad(
      sim.start({ topic: '__consumer_offsets', ratePerSec: 1, consumers: 1, processingDelayMs: 0 }),
      'INVALID_TOPIC_EXCEPTION',
      /ordinary topic/,
    );
    await bad(sim.update({ ratePerSec: 5 }), 'INVALID_REQUEST', /No workload is running/);
    await sim.start({ ratePerSec: 1, consumers: 0, processingDelayMs: 0 });
    await bad(sim.start({ ratePerSec: 1, consumers: 0, processingDelayMs: 0 }), 'INVALID_REQUEST', /already running/);
    await bad(sim.update({ consumers: 100 }), 'INVALID_REQUEST', /consumers/);
    expect(sim.status().consumers).toBe(0);
  });
});
