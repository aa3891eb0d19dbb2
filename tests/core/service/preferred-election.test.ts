/**
 * Preferred leader election through the API (electPreferredLeaders) on a real 3-broker cluster with Kafka
 * listeners: after a broker came back, its partitions are led by others; the election gives each partition whose
 * first replica is running and in sync that replica back, says which could not (their preferred broker is down) and
 * why, and kcat -L, an independent client reading Metadata, sees the same leaders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { KafkaListeners } from '../../../core/kafka-server/kafka-listeners';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import type { PreferredElection } from '../../../core/cluster/types';
import { eventually, tempDir } from '../../helpers/temp-cluster';
import { run } from '../kafka-server/clients/helpers';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface KcatTopic {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }> }>;
}

async function kcatLeaders(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const out = await run('kcat', ['-b', bootstrap, '-L', '-J', '-t', topic], { timeoutMs: 30_000 });
  const md = JSON.parse(out.stdout) as { topics: KcatTopic[] };
  return new Map(md.topics.find((t) => t.topic === topic)!.partitions.map((p) => [p.partition, p.leader]));
}

async function call<T>(session: ApiSession, method: string, input: unknown): Promise<T> {
  const e = await session.call(method, input);
  if (!e.ok) throw new Error(`${method}: ${e.error.errorName} ${e.error.message}`);
  return e.result as T;
}

async function setUp() {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  // No balancer timer in the way: leadership moves back only when asked.
  const c = await Cluster.open({
    dataDir: dir.path,
    brokers: 3,
    leaderBalanceIntervalMs: 3_600_000,
    replicaLagTimeMaxMs: 2000,
  });
  cleanups.push(() => c.close());
  const kafka = await KafkaListeners.start(c, { basePort: 0 });
  cleanups.push(() => kafka.close());
  const api = new EngineApi(c, { transport: 'websocket', dataDir: dir.path, version: 't' });
  cleanups.push(() => api.close());
  const session = api.openSession(() => undefined);
  await c.createTopic({ name: 'elect', partitions: 9, replicationFactor: 3 });
  await c.createTopic({ name: 'other', partitions: 3, replicationFactor: 3 });
  return {
    c,
    session,
    bootstrap: () =>
      c
        .brokers()
        .filter((b) => b.port !== null)
        .map((b) => `127.0.0.1:${b.port}`)
        .join(','),
  };
}

/** Stops and starts a broker, then waits until it is back in every ISR: its partitions are led by others now. */
async function bounce(c: Cluster, id: number): Promise<void> {
  await c.stopBroker(id);
  await c.startBroker(id);
  // A record in every partition gives the returning replica something to fetch up to, and so rejoin the ISR.
  for (const t of ['elect', 'other'])
    await c.produce(
      t,
      c.partitions(t).map((p) => ({ partition: p.partition, key: 'k', value: 'v' })),
      { acks: -1 },
    );
  await eventually(() => {
    for (const t of ['elect', 'other'])
      for (const p of c.partitions(t)) if (!p.isr.includes(id)) throw new Error(`${t}-${p.partition} catching up`);
    return true;
  }, 30_000);
}

describe('electPreferredLeaders', () => {
  it('moves leadership back to the preferred replicas of a topic, and kcat sees the new leaders', async () => {
    const { c, session, bootstrap } = await setUp();
    await bounce(c, 0);
    const preferredIs0 = c.partitions('elect').filter((p) => p.replicas[0] === 0);
    expect(preferredIs0.length).toBeGreaterThan(0);
    expect(preferredIs0.every((p) => p.leader !== 0)).toBe(true);
    const before = await kcatLeaders(bootstrap(), 'elect');
    for (const p of preferredIs0) expect(before.get(p.partition)).toBe(p.leader);

    const r = await call<PreferredElection>(session, 'electPreferredLeaders', { topics: ['elect'] });
    expect(r.failed).toEqual([]);
    expect(r.moved.map((m) => m.partition)).toEqual(preferredIs0.map((p) => p.partition));
    expect(r.moved.every((m) => m.topic === 'elect' && m.to === 0 && m.from !== 0)).toBe(true);
    expect(r.alreadyPreferred).toBe(9 - preferredIs0.length);

    const after = await eventually(async () => {
      const l = await kcatLeaders(bootstrap(), 'elect');
      for (const p of c.partitions('elect')) if (l.get(p.partition) !== p.replicas[0]) throw new Error('stale');
      return l;
    }, 15_000);
    for (const p of c.partitions('elect')) expect(after.get(p.partition)).toBe(p.replicas[0]);
    // The other topic was not part of this election: its broker-0 partitions are still led elsewhere.
    expect(
      c
        .partitions('other')
        .filter((p) => p.replicas[0] === 0)
        .every((p) => p.leader !== 0),
    ).toBe(true);

    // Asked again, nothing needs to move.
    const again = await call<PreferredElection>(session, 'electPreferredLeaders', { topics: ['elect'] });
    expect(again).toEqual({ moved: [], alreadyPreferred: 9, failed: [] });
  });

  it('cluster-wide, says which partitions could not move and why (their preferred broker is down)', async () => {
    const { c, session, bootstrap } = await setUp();
    await bounce(c, 0);
    await c.stopBroker(1);
    const all = [...c.partitions('elect'), ...c.partitions('other')];
    const r = await call<PreferredElection>(session, 'electPreferredLeaders', {});
    const key = (p: { topic: string; partition: number }) => `${p.topic}-${p.partition}`;
    expect(r.failed.map(key)).toEqual(all.filter((p) => p.replicas[0] === 1).map(key));
    for (const f of r.failed) {
      expect(f.errorName).toBe('PREFERRED_LEADER_NOT_AVAILABLE');
      expect(f.reason).toMatch(/broker 1 is not running/);
    }
    expect(r.moved.map(key)).toEqual(all.filter((p) => p.replicas[0] === 0 && p.leader !== 0).map(key));
    expect(r.moved.length + r.failed.length + r.alreadyPreferred).toBe(all.length);
    const leaders = await eventually(async () => {
      const l = await kcatLeaders(bootstrap(), 'other');
      for (const p of c.partitions('other'))
        if (p.replicas[0] === 0 && l.get(p.partition) !== 0) throw new Error('stale');
      return l;
    }, 15_000);
    for (const p of c.partitions('other')) if (p.replicas[0] === 0) expect(leaders.get(p.partition)).toBe(0);
  });

  it('refuses a topic that does not exist, naming it', async () => {
    const { session } = await setUp();
    const e = await session.call('electPreferredLeaders', { topics: ['elect', 'nope'] });
    expect(e.ok).toBe(false);
    if (e.ok) return;
    expect(e.error.errorName).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(e.error.message).toMatch(/nope/);
  });
});
