/**
 * @platformatic/kafka 1.35, which speaks only the flexible (Kafka 3.x+)
 * versions: produce with gzip, snappy and lz4 (its zstd needs Node 22's zlib;
 * zstd batches are covered by wire-protocol.test.ts), consume in a group of two,
 * keyed records on the engine's partition, and admin listing (topics, groups,
 * configs, log dirs, offsets).
 */
import {
  Admin,
  Consumer,
  Producer,
  compatibilityPartitioner,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;
let admin: Admin;

beforeAll(async () => {
  k = await startKafka();
  admin = new Admin({ clientId: 'plt-admin', bootstrapBrokers: k.brokers });
});

afterAll(async () => {
  await admin?.close();
  await k?.stop();
});

describe('@platformatic/kafka', () => {
  it('produces with none, gzip, snappy and lz4 and a group of two consumes everything', async () => {
    await admin.createTopics({ topics: ['plt'], partitions: 4, replicas: 3 });
    const producer = new Producer({
      clientId: 'plt-producer',
      bootstrapBrokers: k.brokers,
      serializers: stringSerializers,
      acks: -1,
    });
    const codecs = ['none', 'gzip', 'snappy', 'lz4'] as const;
    for (const compression of codecs) {
      await producer.send({
        compression,
        messages: Array.from({ length: 20 }, (_, i) => ({
          topic: 'plt',
          key: `${compression}-${i}`,
          value: `${compression} ${i}`,
        })),
      });
    }
    await producer.close();
    // Each codec's batches are stored as sent.
    const stored = new Set<number>();
    for (const p of k.cluster.partitions('plt'))
      for (const b of (await k.cluster.fetch('plt', p.partition, 0)).batches) stored.add(b.readInt16BE(21) & 7);
    expect([...stored].sort()).toEqual([0, 1, 2, 3]);

    const received = new Set<string>();
    const consumers = [0, 1].map(
      (i) =>
        new Consumer({
          groupId: 'plt-group',
          clientId: `plt-consumer-${i}`,
          bootstrapBrokers: k.brokers,
          deserializers: stringDeserializers,
          maxWaitTime: 200,
        }),
    );
    const streams = await Promise.all(
      consumers.map((c) =>
        c.consume({
          topics: ['plt'],
          mode: 'earliest',
          autocommit: 100,
          sessionTimeout: 10_000,
          heartbeatInterval: 300,
        }),
      ),
    );
    for (const s of streams) s.on('data', (m) => received.add(m.value as string));
    await eventually(() => received.size === 80, 20_000, '80 records consumed');
    const groups = await admin.describeGroups({ groups: ['plt-group'] });
    const g = groups.get('plt-group')!;
    expect(g.state).toBe('STABLE');
    expect(g.members.size).toBe(2);
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all(consumers.map((c) => c.close()));
  });

  it('puts keyed records (Java-compatible partitioner) where the engine puts them', async () => {
    await admin.createTopics({ topics: ['plt-keys'], partitions: 5, replicas: 2 });
    const keys = Array.from({ length: 40 }, (_, i) => `order-${i * 31}`);
    const producer = new Producer({
      clientId: 'plt-keys',
      bootstrapBrokers: k.brokers,
      serializers: stringSerializers,
      partitioner: compatibilityPartitioner,
    });
    await producer.send({ messages: keys.map((key) => ({ topic: 'plt-keys', key, value: key })) });
    await producer.close();
    const engine = await k.cluster.produce(
      'plt-keys',
      keys.map((key) => ({ key, value: 'engine' })),
    );
    for (const p of k.cluster.partitions('plt-keys')) {
      const recs = await k.cluster.readRecords({
        topic: 'plt-keys',
        partition: p.partition,
        start: { type: 'earliest' },
        limit: 1000,
      });
      for (const r of recs) {
        if (r.value!.toString() === 'engine') continue;
        expect(engine[keys.indexOf(r.key!.toString())]!.partition).toBe(p.partition);
      }
    }
  });

  it('lists topics, groups, offsets, configs and log dirs, deletes group offsets, via the admin client', async () => {
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['plt', 'plt-keys']));
    const groups = await admin.listGroups();
    expect(groups.get('plt-group')).toMatchObject({ id: 'plt-group', protocolType: 'consumer' });
    const offsets = await admin.listConsumerGroupOffsets({ groups: ['plt-group'] });
    const committed = offsets[0]!.topics
      .find((t) => t.name === 'plt')!
      .partitions.reduce((n, p) => n + Number(p.committedOffset), 0);
    expect(committed).toBe(80);
    await admin.deleteConsumerGroupOffsets({ groupId: 'plt-group', topics: [{ name: 'plt', partitionIndexes: [0] }] });
    const left = (await k.groups!.coordinator.fetchOffsets({ groupId: 'plt-group', partitions: null })).offsets;
    expect(left.map((o) => o.partition).sort()).toEqual([1, 2, 3]);
    const configs = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plt' }] });
    expect(configs[0]!.configs.find((c) => c.name === 'retention.ms')!.value).toBe('604800000');
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: 2,
          resourceName: 'plt',
          configs: [{ name: 'retention.ms', configOperation: 0, value: '60000' }],
        },
      ],
    });
    expect(k.cluster.describeConfigs('plt').find((c) => c.name === 'retention.ms')!.value).toBe('60000');
    const dirs = await admin.describeLogDirs({ topics: [{ name: 'plt', partitions: [0, 1, 2, 3] }] });
    expect(dirs.length).toBe(3);
    expect(dirs[0]!.results[0]!.topics[0]!.partitions.length).toBeGreaterThan(0);
  });
});
