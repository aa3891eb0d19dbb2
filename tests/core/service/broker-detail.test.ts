/**
 * getBrokerDetail and listTopicActivity on a real 3-broker cluster with consumer groups: a broker's led and
 * followed partitions (counted and paged) agree with the partitions' own leaders and replicas, its log dir's
 * bytes per topic add up to its replicas' sizes, a stopped broker shows its replicas offline, a broker's rates
 * count only what its partitions took in; and each topic's rate, last append and reading groups are reported.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrokerDetail, TopicActivityRow } from '../../../core/api/api';
import { Cluster } from '../../../core/cluster/cluster';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { apiResult } from '../../helpers/api-session';
import { openEnv, type Env } from '../groups/helpers';

let env: Env | null = null;
let api: EngineApi | null = null;
afterEach(async () => {
  api?.close();
  await env?.cleanup();
  env = api = null;
});

async function open(): Promise<{ env: Env; session: ApiSession }> {
  env = await openEnv({ groups: { lagSampler: { intervalMs: 100 } } });
  api = new EngineApi(env.cluster, { transport: 'websocket', dataDir: env.dir, version: 't', groups: env.groups });
  return { env, session: api.openSession(() => undefined) };
}

describe('getBrokerDetail', () => {
  it('counts and pages the partitions a broker leads and follows, as the partitions themselves say', async () => {
    const { env, session } = await open();
    const c = env.cluster;
    await c.createTopic({ name: 'wide', partitions: 40, replicationFactor: 2 });
    await c.createTopic({ name: 'narrow', partitions: 3, replicationFactor: 3 });
    await c.produce(
      'wide',
      Array.from({ length: 400 }, (_, i) => ({ partition: i % 40, key: `k${i}`, value: 'x'.repeat(100) })),
      { acks: -1 },
    );
    const all = [...c.partitions('narrow'), ...c.partitions('wide')];
    const mine = all.filter((p) => p.replicas.includes(1));
    const led = mine.filter((p) => p.leader === 1);

    const d = await apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker: 1, limit: 10 });
    expect(d.broker.id).toBe(1);
    expect(d.replicas.led).toBe(led.length);
    expect(d.replicas.followed).toBe(mine.length - led.length);
    expect(d.replicas.matching).toBe(mine.length);
    expect(d.replicas.items.map((r) => `${r.topic}-${r.partition}`)).toEqual(
      mine.slice(0, 10).map((p) => `${p.topic}-${p.partition}`),
    );

    // Paging through the led ones only gives each exactly once, in order.
    const seen: string[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = await apiResult<BrokerDetail>(session, 'getBrokerDetail', {
        broker: 1,
        role: 'leader',
        offset,
        limit: 7,
      });
      expect(page.replicas.matching).toBe(led.length);
      expect(page.replicas.items.every((r) => r.role === 'leader' && r.leader === 1)).toBe(true);
      seen.push(...page.replicas.items.map((r) => `${r.topic}-${r.partition}`));
      if (page.replicas.items.length < 7) break;
    }
    expect(seen).toEqual(led.map((p) => `${p.topic}-${p.partition}`));

    // The log dir: its path, no error, and per topic the bytes of this broker's replicas.
    expect(d.logDir.path).toBe(c.brokers()[1]!.logDir.path);
    expect(d.logDir.offline).toBe(false);
    const wideBytes = c
      .partitions('wide')
      .flatMap((p) => p.replicaStates.filter((r) => r.brokerId === 1))
      .reduce((n, r) => n + (r.bytesOnDisk ?? 0), 0);
    expect(wideBytes).toBeGreaterThan(0);
    expect(d.logDir.topics.find((t) => t.topic === 'wide')).toEqual({
      topic: 'wide',
      replicas: c.partitions('wide').filter((p) => p.replicas.includes(1)).length,
      bytes: wideBytes,
    });
    expect(d.logDir.totalBytes).toBe(d.logDir.topics.reduce((n, t) => n + t.bytes, 0));
  });

  it('shows a stopped broker with every replica offline and none led; refuses a broker that is not there', async () => {
    const { env, session } = await open();
    await env.cluster.createTopic({ name: 't', partitions: 6, replicationFactor: 3 });
    await env.cluster.stopBroker(2);
    const d = await apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker: 2, limit: 100 });
    expect(d.broker.status).toBe('stopped');
    expect(d.replicas.led).toBe(0);
    expect(d.replicas.items.filter((r) => r.topic === 't')).toHaveLength(6);
    expect(d.replicas.items.every((r) => r.offline && !r.inSync)).toBe(true);
    const e = await session.call('getBrokerDetail', { broker: 7, limit: 10 });
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.error).toMatchObject({ errorName: 'BROKER_NOT_AVAILABLE', field: 'broker' });
  });

  it('shows a log dir that cannot open as offline with KAFKA_STORAGE_ERROR', async () => {
    const { env } = await open();
    await env.cluster.createTopic({ name: 'dirs', partitions: 3, replicationFactor: 3 });
    api!.close();
    await env.groups.close();
    await env.cluster.close();
    rmSync(join(env.dir, 'broker-1', 'CURRENT'));
    env.cluster = await Cluster.open({ dataDir: env.dir });
    api = new EngineApi(env.cluster, { transport: 'websocket', dataDir: env.dir, version: 't' });
    const session = api.openSession(() => undefined);
    const d = await apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker: 1, limit: 10 });
    expect(d.broker.status).toBe('failed');
    expect(d.logDir).toMatchObject({ path: join(env.dir, 'broker-1'), error: 'KAFKA_STORAGE_ERROR', offline: true });
    expect(d.replicas.items.filter((r) => r.topic === 'dirs').every((r) => r.offline)).toBe(true);
  });

  it("counts a broker's messages in from the partitions it leads only", async () => {
    const { env, session } = await open();
    const c = env.cluster;
    await c.createTopic({ name: 'one', partitions: 1, replicationFactor: 1 });
    const leader = c.partitions('one')[0]!.leader;
    const other = (leader + 1) % 3;
    const records = Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    // The rate is over the last complete second: keep producing until one whole second shows it.
    let running = true;
    const loop = (async () => {
      while (running) {
        await c.produce('one', records);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await vi.waitFor(
        async () => {
          const d = await apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker: leader, limit: 1 });
          expect(d.throughput!.messagesInPerSec).toBeGreaterThanOrEqual(250);
          expect(d.throughput!.bytesInPerSec).toBeGreaterThan(0);
        },
        { timeout: 15_000, interval: 100 },
      );
      const o = await apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker: other, limit: 1 });
      expect(o.throughput!.messagesInPerSec).toBe(0);
      // The Brokers page's column: every broker, the leader's rate where the producer writes.
      await vi.waitFor(
        async () => {
          const rows = await apiResult<Array<{ broker: number; throughput: BrokerDetail['throughput'] }>>(
            session,
            'listBrokerRates',
          );
          expect(rows.map((r) => r.broker)).toEqual([0, 1, 2]);
          expect(rows.find((r) => r.broker === leader)!.throughput!.messagesInPerSec).toBeGreaterThanOrEqual(250);
          expect(rows.find((r) => r.broker === other)!.throughput!.messagesInPerSec).toBe(0);
        },
        { timeout: 15_000, interval: 100 },
      );
    } finally {
      running = false;
      await loop;
    }
  });
});

describe('listTopicActivity', () => {
  it('gives each topic its messages in per second, last append and the groups that read it', async () => {
    const { env, session } = await open();
    const c = env.cluster;
    await c.createTopic({ name: 'busy', partitions: 2, replicationFactor: 1 });
    await c.createTopic({ name: 'quiet', partitions: 1, replicationFactor: 1 });
    const before = Date.now();
    await c.produce('busy', [{ key: 'a', value: '1' }]);
    await env.groups.admin.resetOffsets({ groupId: 'readers', to: { type: 'earliest' }, topics: [{ topic: 'busy' }] });
    await env.groups.admin.resetOffsets({ groupId: 'auditors', to: { type: 'latest' }, topics: [{ topic: 'busy' }] });
    const rows = await apiResult<TopicActivityRow[]>(session, 'listTopicActivity', {});
    const busy = rows.find((r) => r.topic === 'busy')!;
    const quiet = rows.find((r) => r.topic === 'quiet')!;
    expect(rows.map((r) => r.topic).sort()).toEqual(['busy', 'quiet']);
    expect(busy.groups).toEqual(['auditors', 'readers']);
    expect(busy.lastAppendMs).toBeGreaterThanOrEqual(before);
    expect(busy.lastAppendMs).toBeLessThanOrEqual(Date.now());
    expect(quiet).toEqual({ topic: 'quiet', messagesInPerSec: 0, lastAppendMs: null, groups: [] });

    // A steady producer shows as a rate.
    let running = true;
    const loop = (async () => {
      while (running) {
        await c.produce(
          'busy',
          Array.from({ length: 100 }, () => ({ value: 'x' })),
        );
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      await vi.waitFor(
        async () => {
          const r = await apiResult<TopicActivityRow[]>(session, 'listTopicActivity', {});
          expect(r.find((x) => x.topic === 'busy')!.messagesInPerSec).toBeGreaterThanOrEqual(100);
          expect(r.find((x) => x.topic === 'quiet')!.messagesInPerSec).toBe(0);
        },
        { timeout: 15_000, interval: 100 },
      );
    } finally {
      running = false;
      await loop;
    }
  });
});
