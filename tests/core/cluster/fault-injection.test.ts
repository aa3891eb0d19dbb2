/**
 * Randomized fault test: producers write unique values with acks=all while
 * brokers are stopped, killed and restarted on a seeded schedule. Afterwards
 * a fresh reader must find every acknowledged value exactly once, and every
 * replica's log must be byte-identical up to the high watermark.
 *
 * Short by default; FAULT_TEST_SECONDS=300 (and FAULT_TEST_SEED=n to replay a
 * schedule) for a long run. The seed fixes the fault schedule (every pause,
 * action and broker, planned before the run from the seed alone) and the
 * sequence of batch sizes the producers draw (from one shared stream, so which
 * producer draws which varies); how the producers' requests interleave with the
 * faults is up to the machine, so counts of acknowledged records differ
 * between replays while the outcome checked (nothing acknowledged is lost,
 * replicas identical) must not.
 */
import { describe, expect, it } from 'vitest';
import { eventually, openCluster } from '../../helpers/temp-cluster';
import { seededRandom } from '../../helpers/random';

const SECONDS = Number(process.env.FAULT_TEST_SECONDS ?? 4);
const SEED = Number(process.env.FAULT_TEST_SEED ?? 20261124);

const mulberry32 = seededRandom;

type Fault = { pauseMs: number; action: 'start' | 'kill' | 'stop'; broker: number };

/** The whole fault schedule from the seed: about one fault per 200 ms of SECONDS, never all brokers down. */
function faultSchedule(seed: number, seconds: number, brokers = 3): Fault[] {
  const random = mulberry32(seed);
  const up = new Set(Array.from({ length: brokers }, (_, i) => i));
  const schedule: Fault[] = [];
  for (let t = 0; t < seconds * 1000;) {
    const pauseMs = Math.round(50 + random() * 250);
    t += pauseMs;
    const running = [...up];
    const down = Array.from({ length: brokers }, (_, i) => i).filter((i) => !up.has(i));
    const action = random();
    const pick = random();
    if (down.length > 0 && (action < 0.45 || running.length === 1)) {
      const broker = down[Math.floor(pick * down.length)]!;
      up.add(broker);
      schedule.push({ pauseMs, action: 'start', broker });
    } else {
      const broker = running[Math.floor(pick * running.length)]!;
      up.delete(broker);
      schedule.push({ pauseMs, action: action < 0.75 ? 'kill' : 'stop', broker });
    }
  }
  return schedule;
}

describe('fault injection', () => {
  it(
    `keeps every acknowledged record through random stops, kills and restarts (seed ${SEED}, ${SECONDS}s)`,
    async () => {
      const env = await openCluster({ replicaLagTimeMaxMs: 500 });
      const c = env.cluster;
      const schedule = faultSchedule(SEED, SECONDS);
      // The producers' own stream, so their batch sizes do not shift the schedule.
      const random = mulberry32(SEED ^ 0x5eed);
      try {
        await c.createTopic({
          name: 'chaos',
          partitions: 3,
          replicationFactor: 3,
          configs: { 'min.insync.replicas': '2', 'segment.bytes': '50000' },
        });
        const acked = new Set<string>();
        let attempts = 0;
        let faults = 0;
        let running = true;
        const producer = async (id: number) => {
          let n = 0;
          while (running) {
            const values = Array.from({ length: 1 + Math.floor(random() * 5) }, () => `p${id}-${n++}`);
            attempts += values.length;
            try {
              await c.produce(
                'chaos',
                values.map((v) => ({ key: v, value: v })),
                { acks: -1, timeoutMs: 1500 },
              );
              for (const v of values) acked.add(v);
            } catch {
              await new Promise((r) => setTimeout(r, 5));
            }
          }
        };
        const chaos = async () => {
          for (const f of schedule) {
            await new Promise((r) => setTimeout(r, f.pauseMs));
            if (f.action === 'start') await c.startBroker(f.broker);
            else if (f.action === 'kill') await c.killBroker(f.broker);
            else await c.stopBroker(f.broker);
            faults++;
          }
        };
        const producers = [0, 1, 2].map(producer);
        await chaos();
        running = false;
        await Promise.all(producers);
        for (const b of c.allBrokers()) if (b.status === 'stopped') await c.startBroker(b.id);
        await eventually(
          () =>
            c
              .partitions('chaos')
              .every(
                (p) =>
                  p.leader >= 0 &&
                  p.isr.length === 3 &&
                  p.highWatermark === p.logEndOffset &&
                  p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset),
              ),
          20_000,
          'every replica to converge',
        );

        const valueAt = new Map<string, string>();
        let read = 0;
        for (const p of c.partitions('chaos')) {
          // In pages: a long run holds more than one read's 100,000-record cap.
          const recs = [];
          for (let offset = 0; offset < p.highWatermark;) {
            const page = await c.readRecords({
              topic: 'chaos',
              partition: p.partition,
              start: { type: 'offset', offset },
              limit: 20_000,
            });
            expect(page.length, `partition ${p.partition} returned nothing at ${offset}`).toBeGreaterThan(0);
            recs.push(...page);
            offset = page[page.length - 1]!.offset + 1;
          }
          expect(recs.length).toBe(p.highWatermark);
          for (const r of recs) {
            const v = r.value!.toString();
            expect(valueAt.has(v), `value ${v} at two offsets`).toBe(false);
            valueAt.set(v, `${p.partition}:${r.offset}`);
            read++;
          }
          const [leader, ...followers] = p.replicaStates.map(
            (rs) => c.broker(rs.brokerId).replicas.partition('chaos', p.partition).log,
          );
          const leaderBatches = await leader!.read(0, 1 << 30, p.highWatermark);
          for (const f of followers) {
            const fb = await f!.read(0, 1 << 30, p.highWatermark);
            expect(fb.length).toBe(leaderBatches.length);
            fb.forEach((b, i) =>
              expect(b.equals(leaderBatches[i]!), `partition ${p.partition} batch ${i} differs between replicas`).toBe(
                true,
              ),
            );
          }
        }
        const lost = [...acked].filter((v) => !valueAt.has(v));
        console.log(
          JSON.stringify({
            seed: SEED,
            seconds: SECONDS,
            schedule: schedule.map((f) => `${f.action}:${f.broker}`).join(' '),
            attempted: attempts,
            acknowledged: acked.size,
            read,
            lost: lost.length,
            faults,
          }),
        );
        expect(lost).toEqual([]);
        expect(faults).toBe(schedule.length);
        expect(faults).toBeGreaterThan(5);
        expect(acked.size).toBeGreaterThan(100);
      } finally {
        await env.cleanup();
      }
    },
    60_000 + SECONDS * 2000,
  );
});
