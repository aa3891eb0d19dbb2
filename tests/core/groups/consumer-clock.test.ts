/**
 * Time in the engine consumer and the lag sampler comes from an injected clock (types.ts GroupsClock): a test
 * moves it by hand, so an hour-long poll deadline or auto-commit interval passes without waiting for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GroupsClock } from '../../../core/groups/types';
import type { ConsumerRecord, EngineConsumer } from '../../../core/groups';
import { QUICK, openEnv, produceN, type Env } from './helpers';

const HOUR = 3_600_000;

class ManualClock implements GroupsClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

/**
 * poll(0) until `done` holds: with the clock standing still, a poll with a timeout would wait for ever, and
 * poll(0) returns after one round of joining and fetching.
 */
async function pollUntil(c: EngineConsumer, done: (got: ConsumerRecord[]) => boolean): Promise<ConsumerRecord[]> {
  const got: ConsumerRecord[] = [];
  await vi.waitFor(
    async () => {
      got.push(...(await c.poll(0)));
      expect(done(got)).toBe(true);
    },
    { timeout: 20_000, interval: 10 },
  );
  return got;
}

let env: Env;
let clock: ManualClock;
beforeEach(async () => {
  clock = new ManualClock();
  env = await openEnv({ brokers: 1, groups: { clock } });
});
afterEach(async () => {
  await env.cleanup();
});

describe('the engine consumer reads the injected clock', () => {
  it("ends poll() when the clock passes its deadline, however long that is in the clock's time", async () => {
    await env.cluster.createTopic({ name: 'quiet', partitions: 1 });
    const c = env.groups.consumer({ groupId: 'deadline', ...QUICK });
    c.subscribe(['quiet']);
    await pollUntil(c, () => c.assignment().length === 1);
    let done = false;
    const poll = c.poll(HOUR).then((rs) => {
      done = true;
      return rs;
    });
    expect(done).toBe(false);
    clock.t += HOUR;
    await vi.waitFor(() => expect(done).toBe(true), { timeout: 20_000, interval: 20 });
    expect(await poll).toEqual([]);
  });

  it('auto commits when the clock has moved by auto.commit.interval.ms, not before', async () => {
    await env.cluster.createTopic({ name: 'ticks', partitions: 1 });
    const c = env.groups.consumer({ groupId: 'auto', ...QUICK, enableAutoCommit: true, autoCommitIntervalMs: HOUR });
    const committed = async () => (await c.committed([{ topic: 'ticks', partition: 0 }]))[0]!.offset;
    c.subscribe(['ticks']);
    // The first poll of a stable member commits (its interval starts there), before any record exists.
    await pollUntil(c, () => c.assignment().length === 1);
    await produceN(env.cluster, 'ticks', 5);
    await pollUntil(c, (g) => g.length >= 5);
    for (let i = 0; i < 3; i++) await c.poll(0);
    expect(await committed()).not.toBe(5);
    clock.t += HOUR;
    await c.poll(0);
    expect(await committed()).toBe(5);
  });
});

describe('the lag sampler reads the injected clock', () => {
  it('stamps the samples its timer takes with the clock time', async () => {
    await env.cleanup();
    env = await openEnv({ brokers: 1, groups: { clock, lagSampler: { intervalMs: 20 } } });
    await env.cluster.createTopic({ name: 'lagging', partitions: 1 });
    await produceN(env.cluster, 'lagging', 3);
    const c = env.groups.consumer({ groupId: 'sampled', ...QUICK });
    c.subscribe(['lagging']);
    await pollUntil(c, () => c.assignment().length === 1);
    clock.t = 42_000;
    const sampler = env.groups.lagSampler!;
    await vi.waitFor(() => expect(sampler.totalHistory('sampled').map((p) => p.time)).toContain(42_000), {
      timeout: 20_000,
      interval: 20,
    });
  });
});
