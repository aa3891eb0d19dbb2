/**
 * Preferred leader election on a remote cluster: a second Noticeboard (its own process, its leader balancer slowed
 * to once a day so only the election moves leadership) has a broker stopped and started, which leaves that broker's
 * preferred partitions led by others; electPreferredLeaders through core/remote (ElectLeaders to the controller)
 * gives them back, as the remote Metadata and kcat -L then show, and the report has the engine's shape. A cluster
 * answering as Redpanda (no ElectLeaders) gets UNSUPPORTED_VERSION in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreferredElection } from '../../../core/cluster/types';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { eventually } from '../../helpers/temp-cluster';
import { run } from '../kafka-server/clients/helpers';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

const SLOW_BALANCER = ['--leader-imbalance-check-interval', '86400'];

async function open(nb: SecondNoticeboard): Promise<{ remote: RemoteCluster; session: ApiSession; api: EngineApi }> {
  const remote = await openRemoteCluster(
    { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' },
    { metadataRefreshMs: 500 },
  );
  const api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'test', groups: remote });
  return { remote, api, session: api.openSession(() => undefined) };
}

async function elect(session: ApiSession, input: unknown): Promise<PreferredElection> {
  const r = await session.call('electPreferredLeaders', input);
  if (!r.ok) throw new Error(`electPreferredLeaders: ${r.error.errorName} ${r.error.message}`);
  return r.result as PreferredElection;
}

async function kcatLeaders(bootstrap: string[], topic: string): Promise<Map<number, number>> {
  const out = await run('kcat', ['-b', bootstrap.join(','), '-L', '-J', '-t', topic], { timeoutMs: 30_000 });
  const md = JSON.parse(out.stdout) as {
    topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
  };
  return new Map(md.topics.find((t) => t.topic === topic)!.partitions.map((p) => [p.partition, p.leader]));
}

describe('electPreferredLeaders on a remote cluster', () => {
  let nb: SecondNoticeboard;
  let c: Awaited<ReturnType<typeof open>>;

  beforeAll(async () => {
    nb = await startSecondNoticeboard({ brokers: 3, args: SLOW_BALANCER });
    await nb.api.createTopic({ name: 'elect', partitions: 6, replicationFactor: 3 });
    await nb.api.createTopic({ name: 'other', partitions: 3, replicationFactor: 3 });
    c = await open(nb);
  });

  afterAll(async () => {
    await c?.api.close();
    await c?.remote.close();
    await nb?.stop();
  });

  it('moves leadership back to the preferred replicas after a broker came back, as Metadata then shows', async () => {
    await nb.api.stopBroker({ id: 1 });
    await nb.api.startBroker({ id: 1 });
    // A record in every partition gives broker 1's replicas something to fetch, and so to rejoin the ISRs.
    for (const topic of ['elect', 'other'])
      await nb.api.produce({
        topic,
        records: [0, 1, 2, 3, 4, 5]
          .slice(0, topic === 'elect' ? 6 : 3)
          .map((partition) => ({ partition, key: 'k', value: 'v' })),
        acks: -1,
      });
    await eventually(
      async () => {
        await c.remote.refreshMetadata();
        return ['elect', 'other'].every((t) => c.remote.partitions(t).every((p) => p.isr.includes(1)));
      },
      30_000,
      'broker 1 back in every ISR',
    );
    const before = c.remote.partitions('elect');
    const away = before.filter((p) => p.replicas[0] === 1);
    expect(away.length).toBeGreaterThan(0);
    expect(away.every((p) => p.leader !== 1)).toBe(true);

    const r = await elect(c.session, { topics: ['elect'] });
    expect(r.failed).toEqual([]);
    expect(r.moved).toEqual(away.map((p) => ({ topic: 'elect', partition: p.partition, from: p.leader, to: 1 })));
    expect(r.alreadyPreferred).toBe(6 - away.length);

    // The port refreshed its snapshot: the pages show the new leaders at once; kcat reads the same from Metadata.
    for (const p of c.remote.partitions('elect')) expect(p.leader).toBe(p.replicas[0]);
    const leaders = await kcatLeaders(nb.bootstrap, 'elect');
    for (const p of before) expect(leaders.get(p.partition)).toBe(p.replicas[0]);
    // Only the topic asked for: 'other' keeps its leaders away from broker 1 until every topic is asked for.
    const otherAway = c.remote.partitions('other').filter((p) => p.replicas[0] === 1);
    expect(otherAway.length).toBeGreaterThan(0);
    expect(otherAway.every((p) => p.leader !== 1)).toBe(true);
    const all = await elect(c.session, {});
    expect(all.moved).toEqual(
      otherAway.map((p) => ({ topic: 'other', partition: p.partition, from: p.leader, to: 1 })),
    );
    expect(all.failed).toEqual([]);
    for (const t of ['elect', 'other']) for (const p of c.remote.partitions(t)) expect(p.leader).toBe(p.replicas[0]);
  });

  it("says which partitions cannot move while their preferred broker is down, and why, in the cluster's words", async () => {
    await nb.api.stopBroker({ id: 2 });
    try {
      // Wait until the remote metadata shows broker 2 gone and its leaderships moved.
      await eventually(
        async () => {
          await c.remote.refreshMetadata();
          return c.remote.partitions('elect').every((p) => p.leader !== 2 && !p.isr.includes(2));
        },
        30_000,
        'broker 2 out of the ISRs',
      );
      const preferred2 = c.remote.partitions('elect').filter((p) => p.replicas[0] === 2);
      const r = await elect(c.session, { topics: ['elect'] });
      expect(r.moved).toEqual([]);
      expect(r.failed).toEqual(
        preferred2.map((p) => ({
          topic: 'elect',
          partition: p.partition,
          preferred: 2,
          errorName: 'PREFERRED_LEADER_NOT_AVAILABLE',
          reason: 'The preferred leader is not available: broker 2 is not running',
        })),
      );
      expect(r.alreadyPreferred).toBe(6 - preferred2.length);
    } finally {
      await nb.api.startBroker({ id: 2 });
    }
  });

  it('refuses a topic the cluster does not have', async () => {
    const r = await c.session.call('electPreferredLeaders', { topics: ['no-such-topic'] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });
});

describe('electPreferredLeaders on a cluster without ElectLeaders', () => {
  let nb: SecondNoticeboard;
  let c: Awaited<ReturnType<typeof open>>;

  beforeAll(async () => {
    nb = await startSecondNoticeboard({ brokers: 2, apiVersions: 'redpanda', args: SLOW_BALANCER });
    await nb.api.createTopic({ name: 'rp', partitions: 2, replicationFactor: 2 });
    c = await open(nb);
  });

  afterAll(async () => {
    await c?.api.close();
    await c?.remote.close();
    await nb?.stop();
  });

  it('answers UNSUPPORTED_VERSION saying which Kafka version has it', async () => {
    const r = await c.session.call('electPreferredLeaders', { topics: ['rp'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.errorName).toBe('UNSUPPORTED_VERSION');
      expect(r.error.message).toBe(
        'Preferred leader election needs ElectLeaders (API 43), which Apache Kafka has from 2.2 on (election types ' +
          "from 2.4); Redpanda balances leaders by itself and does not offer it. This cluster's controller offers " +
          'no ElectLeaders.',
      );
    }
  });
});
