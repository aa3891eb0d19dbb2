/**
 * Randomized fault test: producers write unique values with acks=all while
 * brokers are stopped, killed and restarted on a seeded schedule. Afterwards
 * a fresh reader must find every acknowledged value exactly once, and every
 * replica's log must be byte-identical up to the high watermark.
 *
 * Short by default; FAULT_TEST_SECONDS=300 (and FAULT_TEST_SEED=n to replay a
 * schedule) for a long run.
 */
import { describe, expect, it } from 'vitest';
import { eventually, openCluster } from '../../helpers/temp-cluster';
import { seededRandom } from '../../helpers/random';

const SECONDS = Number(process.env.FAULT_TEST_SECONDS ?? 4);
const SEED = Number(process.env.FAULT_TEST_SEED ?? 20261124);

const mulberry32 = seededRandom;

describe('fault injection', () => {
  it(`keeps every acknowledged record through random stops, kills and restarts (seed ${SEED}, ${SECONDS}s)`, async () => {
    const env = await openCluster({ replicaLagTimeMaxMs: 500 });
    const c = env.cluster;
    const random = mulberry32(SEED);
    try {
      await c.createTopic({ name: 'chaos', partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2', 'segment.bytes': '50000' } });
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
            await c.produce('chaos', values.map((v) => ({ key: v, value: v })), { acks: -1, timeoutMs: 1500 });
            for (const v of values) acked.add(v);
          } catch {
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      };
      const chaos = async () => {
        const end = Date.now() + SECONDS * 1000;
        while (Date.now() < end) {
          await new Promise((r) => setTimeout(r, 50 + random() * 250));
          const up = c.brokersList.filter((b) => b.status === 'running').map((b) => b.id);
          const down = c.brokersList.filter((b) => b.status === 'stopped').map((b) => b.id);
          const action = random();
          try {
            if (down.length > 0 && (action < 0.45 || up.length === 1)) await c.startBroker(down[Math.floor(random() * down.length)]!);
            else if (action < 0.75) await c.killBroker(up[Math.floor(random() * up.length)]!);
            else await c.stopBroker(up[Math.floor(random() * up.length)]!);
            faults++;
          } catch {
            // A broker changed state under us; the schedule goes on.
          }
        }
      };
      const producers = [0, 1, 2].map(producer);
      await chaos();
      running = false;
      await Promise.all(producers);
      for (const b of c.brokersList) if (b.status === 'stopped') await c.startBroker(b.id);
      await eventually(() => c.partitions('chaos').every((p) => p.leader >= 0 && p.isr.length === 3 && p.highWatermark === p.logEndOffset && p.replicaStates.every((r) => r.logEndOffset === p.logEndOffset)), 20_000, 'every replica to converge');

      const valueAt = new Map<string, string>();
      let read = 0;
      for (const p of c.partitions('chaos')) {
        const recs = await c.readRecords({ topic: 'chaos', partition: p.partition, start: { type: 'earliest' }, limit: 100_000 });
        expect(recs.length).toBe(p.highWatermark);
        for (const r of recs) {
          const v = r.value!.toString();
          expect(valueAt.has(v), `value ${v} at two offsets`).toBe(false);
          valueAt.set(v, `${p.partition}:${r.offset}`);
          read++;
        }
        const [leader, ...followers] = p.replicaStates.map((rs) => c.broker(rs.brokerId).replicas.partition('chaos', p.partition).log);
        const leaderBatches = await leader!.read(0, 1 << 30, p.highWatermark);
        for (const f of followers) {
          const fb = await f!.read(0, 1 << 30, p.highWatermark);
          expect(fb.length).toBe(leaderBatches.length);
          fb.forEach((b, i) => expect(b.equals(leaderBatches[i]!), `partition ${p.partition} batch ${i} differs between replicas`).toBe(true));
        }
      }
      const lost = [...acked].filter((v) => !valueAt.has(v));
      console.log(JSON.stringify({ seed: SEED, seconds: SECONDS, attempted: attempts, acknowledged: acked.size, read, lost: lost.length, faults }));
      expect(lost).toEqual([]);
      expect(faults).toBeGreaterThan(5);
      expect(acked.size).toBeGreaterThan(100);
    } finally {
      await env.cleanup();
    }
  }, 60_000 + SECONDS * 2000);
});
