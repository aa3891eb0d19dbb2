/**
 * core/remote against a second Noticeboard (its own process, 3 brokers,
 * PLAINTEXT): every port method's data checked against what kafkajs and
 * kcat report for that cluster, the API (EngineApi) served over it
 * unchanged, and a broker failover in the remote cluster while connected.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineApi } from '../../../core/service/engine-api';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import { run } from '../kafka-server/clients/helpers';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let nb: SecondNoticeboard;
let remote: RemoteCluster;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  nb = await startSecondNoticeboard({ brokers: 3 });
  kafka = new Kafka({ clientId: 'remote-test', brokers: nb.bootstrap, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: 'orders', numPartitions: 6, replicationFactor: 3 },
      { topic: 'produced', numPartitions: 3, replicationFactor: 3 },
      { topic: 'failover', numPartitions: 1, replicationFactor: 3 },
    ],
  });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'orders',
    acks: -1,
    messages: Array.from({ length: 600 }, (_, i) => ({
      key: `order-${i}`,
      value: i % 50 === 7 ? `needle ${i}` : JSON.stringify({ id: i }),
      headers: { source: 'kafkajs' },
    })),
  });
  await producer.disconnect();
  remote = await openRemoteCluster(
    { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT', clientId: 'remote-test' },
    { metadataRefreshMs: 500, lagSampleIntervalMs: 200 },
  );
});

afterAll(async () => {
  await remote?.close();
  await admin?.disconnect();
  await nb?.stop();
});

interface KcatMetadata {
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{
    topic: string;
    partitions: Array<{
      partition: number;
      leader: number;
      replicas: Array<{ id: number }>;
      isrs: Array<{ id: number }>;
    }>;
  }>;
}

async function kcatMetadata(): Promise<KcatMetadata> {
  const out = await run('kcat', ['-b', nb.bootstrap.join(','), '-L', '-J'], { timeoutMs: 30_000 });
  return JSON.parse(out.stdout) as KcatMetadata;
}

/** Every record of a topic as kcat reads it: partition, offset, key, value. */
async function kcatRecords(topic: string): Promise<Array<{ p: number; o: number; k: string; v: string }>> {
  const out = await run(
    'kcat',
    ['-C', '-b', nb.bootstrap.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%k\t%s\n'],
    { timeoutMs: 30_000 },
  );
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [p, o, k, v] = l.split('\t') as [string, string, string, string];
      return { p: Number(p), o: Number(o), k, v };
    });
}

describe('metadata', () => {
  it('lists the brokers, topics and partitions (leader, replicas, ISR) that kcat reports', async () => {
    await remote.refreshMetadata();
    const md = await kcatMetadata();
    expect(remote.brokers().map((b) => b.id)).toEqual(md.brokers.map((b) => b.id).sort());
    expect(remote.brokers().every((b) => b.status === 'running')).toBe(true);
    const kcatTopics = md.topics
      .filter((t) => !t.topic.startsWith('__'))
      .map((t) => t.topic)
      .sort();
    expect(remote.listTopics().map((t) => t.name)).toEqual(kcatTopics);
    const kOrders = md.topics.find((t) => t.topic === 'orders')!;
    const parts = remote.partitions('orders');
    expect(parts).toHaveLength(6);
    for (const kp of kOrders.partitions) {
      const p = parts[kp.partition]!;
      expect(p.leader).toBe(kp.leader);
      expect(p.replicas).toEqual(kp.replicas.map((r) => r.id));
      expect([...p.isr].sort()).toEqual(kp.isrs.map((r) => r.id).sort());
    }
    const cluster = remote.describeCluster();
    expect(cluster.brokers).toHaveLength(3);
    expect(cluster.partitions).toBe(md.topics.reduce((n, t) => n + t.partitions.length, 0));
    expect(cluster.clusterId).toBe(remote.clusterId);
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives each partition the log start and high watermark kafkajs reports, and the message count', async () => {
    const offsets = await admin.fetchTopicOffsets('orders');
    const parts = remote.partitions('orders');
    for (const o of offsets) {
      expect(parts[o.partition]!.highWatermark).toBe(Number(o.high));
      expect(parts[o.partition]!.logStartOffset).toBe(Number(o.low));
    }
    const summary = remote.listTopics().find((t) => t.name === 'orders')!;
    expect(summary.messages).toBe(600);
    expect(summary.replicationFactor).toBe(3);
    expect(summary.partitions).toBe(6);
    // Sizes come from DescribeLogDirs: every replica of a non-empty partition has bytes.
    expect(summary.bytesOnDisk).toBeGreaterThan(0);
    const page = remote.partitionPage('orders', { offset: 2, limit: 3 });
    expect(page.partitions.map((p) => p.partition)).toEqual([2, 3, 4]);
    expect(page).toMatchObject({ total: 6, matching: 6, problems: 0 });
  });

  it('describes topic and broker configs with the values and sources kafkajs reports', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
    });
    const configs = await remote.describeConfigs('orders');
    const theirs = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: 2, name: 'orders' }] });
    const kEntries = theirs.resources[0]!.configEntries;
    const retention = configs.find((c) => c.name === 'retention.ms')!;
    expect(retention).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false });
    const kRetention = kEntries.find((c) => c.configName === 'retention.ms')!;
    expect(kRetention.configValue).toBe('3600000');
    expect(kRetention.configSource).toBe(1); // DYNAMIC_TOPIC_CONFIG
    for (const k of kEntries) expect(configs.find((c) => c.name === k.configName)?.value).toBe(k.configValue ?? '');
    const details = await remote.topicDetails('orders');
    expect(details.configs.find((c) => c.name === 'retention.ms')?.value).toBe('3600000');
    const broker = await remote.describeBrokerConfigs(1);
    const kBroker = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4, name: '1' }] });
    expect(broker.length).toBe(kBroker.resources[0]!.configEntries.length);
    for (const k of kBroker.resources[0]!.configEntries)
      expect(broker.find((c) => c.name === k.configName)?.value).toBe(k.configValue ?? '');
  });
});

describe('administration', () => {
  it('creates a topic, adds partitions, changes configs, purges and deletes as kafkajs then sees', async () => {
    // An admin of its own: kafkajs keeps asking for the metadata of topics it has seen, and this one goes away.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await remote.createTopic({
        name: 'made-remotely',
        partitions: 2,
        replicationFactor: 2,
        configs: { 'cleanup.policy': 'compact' },
      });
      expect(created).toMatchObject({
        name: 'made-remotely',
        partitions: 2,
        replicationFactor: 2,
        cleanupPolicy: 'compact',
      });
      expect(await admin.listTopics()).toContain('made-remotely');
      await remote.createPartitions('made-remotely', 4);
      const md = await admin.fetchTopicMetadata({ topics: ['made-remotely'] });
      expect(md.topics[0]!.partitions).toHaveLength(4);
      expect(remote.partitions('made-remotely')).toHaveLength(4);

      const after = await remote.alterConfigs('made-remotely', { set: { 'retention.bytes': '1048576' } });
      expect(after.find((c) => c.name === 'retention.bytes')).toMatchObject({
        value: '1048576',
        source: 'DYNAMIC_TOPIC_CONFIG',
      });
      const k = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'made-remotely' }],
      });
      expect(k.resources[0]!.configEntries.find((c) => c.configName === 'retention.bytes')?.configValue).toBe(
        '1048576',
      );

      const produced = await remote.produce(
        'made-remotely',
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: 0 })),
      );
      expect(produced.map((p) => p.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const { lowWatermark } = await remote.deleteRecords('made-remotely', 0, 4);
      expect(lowWatermark).toBe(4);
      const offs = await admin.fetchTopicOffsets('made-remotely');
      expect(offs.find((o) => o.partition === 0)).toMatchObject({ low: '4', high: '10' });
      expect(remote.partitions('made-remotely')[0]!.logStartOffset).toBe(4);

      await remote.deleteTopic('made-remotely');
      expect(await admin.listTopics()).not.toContain('made-remotely');
      expect(remote.listTopics().map((t) => t.name)).not.toContain('made-remotely');
      await expect(remote.topicDetails('made-remotely')).rejects.toMatchObject({
        errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses broker lifecycle actions: they belong to the sandbox', async () => {
    await expect(remote.stopBroker(0)).rejects.toThrow(/Local sandbox only/);
    await expect(remote.killBroker(0)).rejects.toThrow(/Local sandbox only/);
  });
});

describe('records', () => {
  it('reads every record kcat reads, forward, backward, from an offset and from a timestamp', async () => {
    const theirs = await kcatRecords('orders');
    expect(theirs).toHaveLength(600);
    const ours = await remote.readRecords({ topic: 'orders', start: { type: 'earliest' }, limit: 1000 });
    expect(ours).toHaveLength(600);
    const key = (r: { p: number; o: number; k: string; v: string }) => `${r.p}/${r.o}/${r.k}/${r.v}`;
    expect(
      new Set(ours.map((r) => key({ p: r.partition, o: r.offset, k: String(r.key), v: String(r.value) }))),
    ).toEqual(new Set(theirs.map(key)));
    expect(ours[0]!.headers).toEqual([{ key: 'source', value: Buffer.from('kafkajs') }]);

    const p0 = theirs.filter((r) => r.p === 0).sort((a, b) => a.o - b.o);
    const back = await remote.readRecords({
      topic: 'orders',
      partition: 0,
      start: { type: 'latest' },
      limit: 10,
      direction: 'backward',
    });
    expect(back.map((r) => r.offset)).toEqual(
      p0
        .slice(-10)
        .reverse()
        .map((r) => r.o),
    );
    const mid = p0[Math.floor(p0.length / 2)]!;
    const jump = await remote.readRecords({
      topic: 'orders',
      partition: 0,
      start: { type: 'offset', offset: mid.o },
      limit: 3,
    });
    expect(jump.map((r) => [r.offset, String(r.value)])).toEqual(
      p0
        .filter((r) => r.o >= mid.o)
        .slice(0, 3)
        .map((r) => [r.o, r.v]),
    );
    const byTime = await remote.readRecords({
      topic: 'orders',
      partition: 0,
      start: { type: 'timestamp', timestamp: 0 },
      limit: 1,
    });
    expect(byTime[0]!.offset).toBe(p0[0]!.o);
    expect(await remote.listOffsets('orders', 0, 'latest')).toMatchObject({ offset: p0.length });
  });

  it('produces records that kcat reads back, keyed records in the partition Kafka clients choose', async () => {
    const res = await remote.produce('produced', [
      { key: 'alpha', value: 'one', headers: { h: 'x' } },
      { key: 'beta', value: 'two' },
      { key: 'gamma', value: 'three' },
    ]);
    const theirs = await kcatRecords('produced');
    for (const [i, v] of ['one', 'two', 'three'].entries()) {
      const r = theirs.find((t) => t.v === v)!;
      expect([r.p, r.o]).toEqual([res[i]!.partition, res[i]!.offset]);
    }
    // kafkajs' default partitioner is murmur2 (Java compatible): it must agree with ours for the same key.
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'produced', messages: [{ key: 'alpha', value: 'again' }] });
    await producer.disconnect();
    expect(meta!.partition).toBe(res[0]!.partition);
  });

  it('searches the records kcat shows, and only those', async () => {
    const theirs = (await kcatRecords('orders')).filter((r) => r.v.includes('needle'));
    const found: string[] = [];
    const outcome = await remote.scanRecords!({
      topic: 'orders',
      query: { pattern: 'NEEDLE', mode: 'text' },
      onMatch: (r) => found.push(`${r.partition}/${r.offset}`),
    });
    expect(outcome).toMatchObject({ end: 'done', total: 600, scanned: 600, matches: theirs.length });
    expect(found.sort()).toEqual(theirs.map((r) => `${r.p}/${r.o}`).sort());
    const regex = await remote.scanRecords!({ topic: 'orders', query: { pattern: '^needle 5\\d+$', mode: 'regex' } });
    expect(regex.matches).toBe(theirs.filter((r) => /^needle 5\d+$/.test(r.v)).length);
  });
});

describe('consumer groups', () => {
  it('shows members, assignments and lag as kafkajs reports them; refuses resets while members active', async () => {
    const consumer = kafka.consumer({ groupId: 'live', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    try {
      await vi.waitFor(
        async () => {
          const g = await remote.admin.describeGroup('live');
          expect(g.state).toBe('Stable');
          expect(g.members).toHaveLength(1);
          expect(g.members[0]!.assignment.flatMap((a) => a.partitions).sort()).toEqual([0, 1, 2, 3, 4, 5]);
        },
        { timeout: 30_000, interval: 200 },
      );
      const [kGroup] = (await admin.describeGroups(['live'])).groups;
      const ours = await remote.admin.describeGroup('live');
      expect(ours.members[0]!.memberId).toBe(kGroup!.members[0]!.memberId);
      expect(ours.members[0]!.clientId).toBe(kGroup!.members[0]!.clientId);
      expect(ours.protocol).toBe(kGroup!.protocol);
      expect(ours.members[0]!.subscription).toEqual(['orders']);
      await vi.waitFor(() => expect(seen).toBe(600), { timeout: 30_000 });
      await expect(remote.admin.resetOffsets({ groupId: 'live', to: { type: 'earliest' } })).rejects.toMatchObject({
        errorName: 'NON_EMPTY_GROUP',
      });
      const list = await remote.admin.listGroups();
      expect(list.find((g) => g.groupId === 'live')).toMatchObject({
        state: 'Stable',
        members: 1,
        protocolType: 'consumer',
      });
    } finally {
      await consumer.disconnect();
    }
    await vi.waitFor(async () => expect((await remote.admin.describeGroup('live')).state).toBe('Empty'), {
      timeout: 30_000,
    });
    const committed = await admin.fetchOffsets({ groupId: 'live', topics: ['orders'] });
    const lag = await remote.admin.lag('live');
    for (const p of committed[0]!.partitions) {
      const ours = lag.partitions.find((x) => x.partition === p.partition)!;
      expect(ours.committedOffset).toBe(Number(p.offset));
      expect(ours.lag).toBe(ours.highWatermark - Number(p.offset));
    }
  });

  it('resets offsets with a preview, as kafkajs then reads them, and deletes the group', async () => {
    const preview = await remote.admin.resetOffsets({ groupId: 'live', to: { type: 'shift', by: -5 }, dryRun: true });
    expect(preview).toHaveLength(6);
    const before = await admin.fetchOffsets({ groupId: 'live', topics: ['orders'] });
    for (const p of preview) {
      const k = before[0]!.partitions.find((x) => x.partition === p.partition)!;
      expect(p.previousOffset).toBe(Number(k.offset));
      expect(p.newOffset).toBe(Math.max(0, Number(k.offset) - 5));
    }
    await remote.admin.resetOffsets({ groupId: 'live', to: { type: 'earliest' } });
    const after = await admin.fetchOffsets({ groupId: 'live', topics: ['orders'] });
    expect(after[0]!.partitions.every((p) => p.offset === '0')).toBe(true);
    const lag = await remote.admin.lag('live');
    expect(lag.totalLag).toBe(600);

    // The lag sampler records the group once it has been described (looked at), and only then.
    await vi.waitFor(() => expect(remote.lagSampler!.history('live').length).toBe(6), { timeout: 20_000 });
    expect(remote.lagSampler!.history('nobody-looked')).toEqual([]);

    await remote.admin.deleteGroup('live');
    const groups = await admin.listGroups();
    expect(groups.groups.map((g) => g.groupId)).not.toContain('live');
    await expect(remote.admin.describeGroup('live')).rejects.toMatchObject({ errorName: 'GROUP_ID_NOT_FOUND' });
  });
});

describe('the API over a remote cluster', () => {
  it('serves the views through EngineApi unchanged: topics, topic detail, records, search, groups', async () => {
    const api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'test', groups: remote });
    const events: string[] = [];
    const session = api.openSession((e) => events.push(e));
    try {
      const call = async (m: string, i: unknown = {}) => {
        const r = await session.call(m, i);
        if (!r.ok) throw new Error(`${m}: ${JSON.stringify(r.error)}`);
        return r.result as never;
      };
      const topics: Array<{ name: string }> = await call('listTopics');
      expect(topics.map((t) => t.name)).toContain('orders');
      const detail: { partitions: number; configs: unknown[] } = await call('getTopic', { name: 'orders' });
      expect(detail.partitions).toBe(6);
      expect(detail.configs.length).toBeGreaterThan(10);
      const page: { records: Array<{ offset: number; partition: number }> } = await call('readRecordPage', {
        topic: 'orders',
        start: { type: 'latest' },
        limit: 20,
      });
      expect(page.records).toHaveLength(20);
      const parts = remote.partitions('orders');
      for (const r of page.records) expect(r.offset).toBeLessThan(parts[r.partition]!.highWatermark);
      const cluster: { brokers: unknown[] } = await call('getCluster');
      expect(cluster.brokers).toHaveLength(3);
      const search: { searchId: string } = await call('startSearch', {
        topic: 'orders',
        pattern: 'needle',
        mode: 'text',
      });
      await vi.waitFor(
        async () => {
          const res: { status: { state: string; matches: number } } = await call('getSearchResults', {
            searchId: search.searchId,
          });
          expect(res.status.state).toBe('done');
          expect(res.status.matches).toBe(12);
        },
        { timeout: 20_000 },
      );
      const wl = await session.call('getWorkload', {});
      expect(wl.ok).toBe(false);
      expect(JSON.stringify(wl)).toMatch(/Local sandbox only/);
    } finally {
      session.close();
      api.close();
    }
  });
});

describe('live views', () => {
  it('tails records produced by another client within the hot-topic poll (watchRecords via EngineApi)', async () => {
    const api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'test', groups: remote });
    const live: string[] = [];
    const session = api.openSession((event, payload) => {
      if (event === 'records')
        for (const r of (payload as { records: Array<{ value: string | null }> }).records)
          live.push(Buffer.from(r.value ?? '', 'base64').toString());
    });
    try {
      const w = await session.call('watchRecords', { topic: 'produced' });
      expect(w.ok).toBe(true);
      // The page reads the topic first (which marks it as being looked at), as the message browser does.
      await session.call('readRecordPage', { topic: 'produced', start: { type: 'latest' }, limit: 10 });
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic: 'produced', acks: -1, messages: [{ key: 'tail', value: 'tailed from kafkajs' }] });
      } finally {
        await producer.disconnect();
      }
      await vi.waitFor(() => expect(live).toContain('tailed from kafkajs'), { timeout: 20_000, interval: 100 });
    } finally {
      session.close();
      api.close();
    }
  });

  it("lists many groups with each one's lag as kafkajs computes it from committed offsets", async () => {
    const offsets = await admin.fetchTopicOffsets('orders');
    for (let g = 0; g < 30; g++)
      await remote.admin.resetOffsets({
        groupId: `many-${g}`,
        to: { type: 'offset', offset: g },
        topics: [{ topic: 'orders' }],
      });
    // kafkajs reads back what was committed: the lag below is checked against its numbers.
    const committed = await admin.fetchOffsets({ groupId: 'many-7', topics: ['orders'] });
    expect(committed[0]!.partitions.every((p) => p.offset === '7')).toBe(true);
    const list = await remote.admin.listGroups();
    const many = list.filter((x) => x.groupId.startsWith('many-'));
    expect(many).toHaveLength(30);
    for (const g of many) {
      const n = Number(g.groupId.slice(5));
      const lag = await remote.admin.lag(g.groupId);
      const want = offsets.reduce((sum, o) => sum + Number(o.high) - Math.min(n, Number(o.high)), 0);
      expect(lag.totalLag, g.groupId).toBe(want);
      expect(g.state).toBe('Empty');
    }
  });
});

describe('failover in the remote cluster', () => {
  it('follows a leader that moves when its broker stops, keeps producing and reading, sees it return', async () => {
    await remote.produce('failover', [{ value: 'before' }]);
    const leader = remote.partitions('failover')[0]!.leader;
    const brokerEvents: Array<{ id: number; status: string }> = [];
    remote.on('broker', (b) => brokerEvents.push({ id: b.id, status: b.status }));
    await nb.api.stopBroker({ id: leader });
    await vi.waitFor(
      () => {
        const p = remote.partitions('failover')[0]!;
        expect(p.leader).not.toBe(leader);
        expect(p.leader).toBeGreaterThanOrEqual(0);
        expect(remote.brokers().find((b) => b.id === leader)?.status).toBe('stopped');
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(brokerEvents).toContainEqual({ id: leader, status: 'stopped' });
    const [r] = await remote.produce('failover', [{ value: 'after' }]);
    expect(r!.offset).toBe(1);
    const back = await remote.readRecords({ topic: 'failover', partition: 0, start: { type: 'earliest' }, limit: 10 });
    expect(back.map((x) => String(x.value))).toEqual(['before', 'after']);
    expect(remote.describeCluster().underReplicatedPartitions).toBeGreaterThan(0);
    await nb.api.startBroker({ id: leader });
    await vi.waitFor(() => expect(remote.brokers().find((b) => b.id === leader)?.status).toBe('running'), {
      timeout: 30_000,
      interval: 200,
    });
  });
});
