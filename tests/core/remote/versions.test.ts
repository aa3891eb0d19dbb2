/**
 * Per-broker version choice: a second Noticeboard started with --api-versions
 * answers ApiVersions as Kafka 2.8 or Redpanda would (and serves only those
 * versions), core/remote speaks the highest version both sides have, and
 * every view's queries still work through EngineApi. A broker below the
 * versions the views need is "too old", in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEYS } from '../../../core/protocol/index';
import { BrokerConnection } from '../../../core/remote/connection';
import { EngineApi } from '../../../core/service/engine-api';
import { openRemoteCluster, testConnection, type RemoteCluster } from '../../../core/remote';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

const PROFILES = [
  {
    profile: 'kafka-2.8',
    chosen: { Produce: 9, Fetch: 12, Metadata: 11, ListOffsets: 6, OffsetFetch: 7, FindCoordinator: 3 },
  },
  {
    profile: 'redpanda',
    chosen: { Produce: 7, Fetch: 11, Metadata: 7, ListOffsets: 4, OffsetFetch: 7, FindCoordinator: 3 },
  },
] as const;

describe.each(PROFILES)('against a cluster answering as $profile', ({ profile, chosen }) => {
  let nb: SecondNoticeboard;
  let remote: RemoteCluster;

  beforeAll(async () => {
    nb = await startSecondNoticeboard({ brokers: 2, apiVersions: profile });
    remote = await openRemoteCluster(
      { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' },
      { metadataRefreshMs: 500 },
    );
  });

  afterAll(async () => {
    await remote?.close();
    await nb?.stop();
  });

  it('speaks the highest version both sides support, per API', async () => {
    const [host, port] = nb.bootstrap[0]!.split(':') as [string, string];
    const conn = await BrokerConnection.open(
      { host, port: Number(port) },
      { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' },
    );
    try {
      for (const [name, v] of Object.entries(chosen))
        expect(conn.version(API_KEYS[name as keyof typeof API_KEYS]), name).toBe(v);
    } finally {
      conn.close();
    }
  });

  it("serves every view's queries: overview, topics, topic detail, partitions, messages, search, groups", async () => {
    const api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'test', groups: remote });
    const session = api.openSession(() => undefined);
    const call = async <T>(m: string, i: unknown = {}): Promise<T> => {
      const r = await session.call(m, i);
      if (!r.ok) throw new Error(`${m}: ${JSON.stringify(r.error)}`);
      return r.result as T;
    };
    try {
      await call('createTopic', { name: 'versions', partitions: 3, replicationFactor: 2 });
      const produced = await call<Array<{ partition: number; offset: number }>>('produce', {
        topic: 'versions',
        records: Array.from({ length: 30 }, (_, i) => ({
          key: `k${i}`,
          value: i === 17 ? 'the needle' : `value ${i}`,
        })),
      });
      expect(produced).toHaveLength(30);
      const cluster = await call<{ brokers: unknown[]; topics: number }>('getCluster');
      expect(cluster.brokers).toHaveLength(2);
      const topics = await call<Array<{ name: string; messages: number }>>('listTopics');
      expect(topics.find((t) => t.name === 'versions')).toMatchObject({ messages: 30 });
      const detail = await call<{ partitions: number; configs: Array<{ name: string }> }>('getTopic', {
        name: 'versions',
      });
      expect(detail.partitions).toBe(3);
      expect(detail.configs.map((c) => c.name)).toContain('retention.ms');
      const page = await call<{ partitions: Array<{ leader: number; highWatermark: number }> }>('listPartitionPage', {
        topic: 'versions',
        offset: 0,
        limit: 10,
      });
      expect(page.partitions.reduce((n, p) => n + p.highWatermark, 0)).toBe(30);
      expect(page.partitions.every((p) => p.leader >= 0)).toBe(true);
      const records = await call<{ records: Array<{ offset: number }> }>('readRecordPage', {
        topic: 'versions',
        start: { type: 'earliest' },
        limit: 50,
      });
      expect(records.records).toHaveLength(30);
      const one = produced[17]!;
      const rec = await call<{ value: string | null }>('getRecord', {
        topic: 'versions',
        partition: one.partition,
        offset: one.offset,
      });
      expect(JSON.stringify(rec)).toContain(Buffer.from('the needle').toString('base64'));
      const s = await call<{ searchId: string }>('startSearch', { topic: 'versions', pattern: 'needle', mode: 'text' });
      let status = { state: 'running', matches: 0 };
      for (let i = 0; i < 200 && status.state === 'running'; i++) {
        status = (await call<{ status: typeof status }>('getSearchResults', { searchId: s.searchId })).status;
        if (status.state === 'running') await new Promise((r) => setTimeout(r, 50));
      }
      expect(status).toMatchObject({ state: 'done', matches: 1 });
      const plan = await call<Array<{ newOffset: number }>>('resetGroupOffsets', {
        groupId: 'readers',
        to: { type: 'earliest' },
        topics: [{ topic: 'versions' }],
      });
      expect(plan).toHaveLength(3);
      const groups = await call<Array<{ groupId: string; totalLag: number }>>('listGroups');
      expect(groups.find((g) => g.groupId === 'readers')).toMatchObject({ totalLag: 30 });
      const group = await call<{ lag: { totalLag: number } }>('describeGroup', { groupId: 'readers' });
      expect(group.lag.totalLag).toBe(30);
      await call('deleteGroup', { groupId: 'readers' });
      const brokerConfigs = await call<unknown[]>('describeBrokerConfigs', { broker: 0 });
      expect(brokerConfigs.length).toBeGreaterThan(0);
      await call('deleteTopic', { name: 'versions' });
    } finally {
      session.close();
      api.close();
    }
  });
});

describe('a broker too old for the views', () => {
  it('is refused with the API and versions it lacks, in words', async () => {
    const nb = await startSecondNoticeboard({ brokers: 1, apiVersions: 'Metadata:0-0' });
    try {
      const r = await testConnection({ bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' });
      expect(r).toMatchObject({
        ok: false,
        stage: 'versions',
        message: 'Broker too old: needs Metadata v1+ (it offers v0-0)',
      });
    } finally {
      await nb.stop();
    }
  });
});
