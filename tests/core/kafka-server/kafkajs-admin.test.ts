/**
 * kafkajs 2.2.4 admin client over the wire: create (and validate-only) and
 * delete topics, describe and alter configs, create partitions, describe the
 * cluster, list and describe groups, fetch, reset and set group offsets,
 * delete groups, and delete records.
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  k = await startKafka();
  kafka = new Kafka({ clientId: 'admin-test', brokers: k.brokers, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await k?.stop();
});

describe('kafkajs admin', () => {
  it('creates, validates, lists and deletes topics', async () => {
    expect(
      await admin.createTopics({
        validateOnly: true,
        waitForLeaders: false,
        topics: [{ topic: 'only-validated', numPartitions: 2, replicationFactor: 3 }],
      }),
    ).toBe(true);
    expect(k.cluster.listTopics().map((t) => t.name)).not.toContain('only-validated');
    const refused = await admin
      .createTopics({
        validateOnly: true,
        waitForLeaders: false,
        topics: [{ topic: 'too-many-replicas', numPartitions: 1, replicationFactor: 5 }],
      })
      .catch((e: { errors?: Array<{ type: string }> }) => e);
    expect((refused as { errors: Array<{ type: string }> }).errors[0]!.type).toBe('INVALID_REPLICATION_FACTOR');

    expect(
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: 'admin-a',
            numPartitions: 4,
            replicationFactor: 2,
            configEntries: [{ name: 'retention.ms', value: '3600000' }],
          },
          { topic: 'admin-b' },
        ],
      }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'admin-a' }] })).toBe(false); // already exists
    expect((await admin.listTopics()).sort()).toEqual(expect.arrayContaining(['admin-a', 'admin-b']));
    const md = await admin.fetchTopicMetadata({ topics: ['admin-a'] });
    expect(md.topics[0]!.partitions.length).toBe(4);
    expect(md.topics[0]!.partitions[0]!.replicas.length).toBe(2);
    expect(k.cluster.describeTopic('admin-b').partitions).toBe(k.cluster.options.defaultPartitions);

    await admin.deleteTopics({ topics: ['admin-b'] });
    await eventually(async () => !(await admin.listTopics()).includes('admin-b'), 3000, 'admin-b gone');
  });

  it('describes and alters topic configs, with values, defaults and sources', async () => {
    await admin.createTopics({
      topics: [{ topic: 'configs', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const describe = async () =>
      (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configs' }],
        })
      ).resources[0]!;
    const before = await describe();
    expect(before.errorCode).toBe(0);
    const entry = (name: string, r = before) => r.configEntries.find((c) => c.configName === name)!;
    expect(before.configEntries.length).toBe(k.cluster.describeConfigs('configs').length);
    expect(entry('cleanup.policy')).toMatchObject({ configValue: 'compact', isDefault: false, configSource: 1 });
    expect(entry('retention.ms')).toMatchObject({ configValue: '604800000', isDefault: true, configSource: 5 });

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'configs',
          configEntries: [{ name: 'retention.ms', value: '1000000' }],
        },
      ],
    });
    const after = await describe();
    expect(entry('retention.ms', after)).toMatchObject({ configValue: '1000000', isDefault: false });
    // AlterConfigs replaces the whole set: cleanup.policy went back to its default.
    expect(entry('cleanup.policy', after)).toMatchObject({ configValue: 'delete', isDefault: true });

    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'configs',
            configEntries: [{ name: 'retention.ms', value: 'soon' }],
          },
        ],
      }),
    ).rejects.toThrow();

    const broker = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }],
    });
    const names = broker.resources[0]!.configEntries.map((c) => c.configName);
    expect(names).toEqual(
      expect.arrayContaining(['broker.id', 'num.partitions', 'auto.create.topics.enable', 'socket.request.max.bytes']),
    );
  });

  it('creates partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 2 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 5 }] });
    expect(k.cluster.partitions('grow').length).toBe(5);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] })).rejects.toThrow();
  });

  it('describes the cluster', async () => {
    const c = await admin.describeCluster();
    expect(c.clusterId).toBe(k.cluster.clusterId);
    expect(c.brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
    expect(c.controller).toBe(0);
  });

  it('lists and describes groups, fetches, resets and sets offsets, deletes groups', async () => {
    await admin.createTopics({ topics: [{ topic: 'grp', numPartitions: 2 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'grp',
      messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}`, partition: i % 2 })),
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'admin-group', heartbeatInterval: 200, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'grp', fromBeginning: true });
    let seen = 0;
    await consumer.run({
      eachMessage: async () => {
        seen++;
      },
    });
    await eventually(() => seen === 20, 15_000, 'consumed 20');

    const listed = await admin.listGroups();
    expect(listed.groups).toContainEqual({ groupId: 'admin-group', protocolType: 'consumer' });
    const described = await admin.describeGroups(['admin-group']);
    expect(described.groups[0]).toMatchObject({
      groupId: 'admin-group',
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'RoundRobinAssigner',
    });
    expect(described.groups[0]!.members.length).toBe(1);

    await consumer.disconnect(); // commits what it consumed
    const committed = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['grp'] });
    expect(committed[0]!.partitions.map((p) => p.offset)).toEqual(['10', '10']);

    // kafkajs' resetOffsets commits Kafka's marker -2 (earliest); the coordinator stores it like Kafka does.
    await admin.resetOffsets({ groupId: 'admin-group', topic: 'grp', earliest: true });
    const reset = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['grp'] });
    expect(reset[0]!.partitions.map((p) => p.offset)).toEqual(['-2', '-2']);
    // Reset: to the earliest offset of partition 0 and to offset 7 of partition 1.
    const earliest = await admin.fetchTopicOffsets('grp');
    await admin.setOffsets({
      groupId: 'admin-group',
      topic: 'grp',
      partitions: [
        { partition: 0, offset: earliest.find((p) => p.partition === 0)!.low },
        { partition: 1, offset: '7' },
      ],
    });
    const set = await admin.fetchOffsets({ groupId: 'admin-group', topics: ['grp'] });
    expect(set[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '0'],
      [1, '7'],
    ]);
    // A consumer of the group resumes from the reset offsets.
    const again = kafka.consumer({ groupId: 'admin-group', heartbeatInterval: 200, maxWaitTimeInMs: 200 });
    await again.connect();
    await again.subscribe({ topic: 'grp' });
    const resumed: string[] = [];
    await again.run({
      eachMessage: async ({ partition, message }) => {
        resumed.push(`${partition}:${message.offset}`);
      },
    });
    await eventually(() => resumed.length === 13, 15_000, 'consumed from the reset offsets');
    expect(resumed.filter((r) => r.startsWith('1:')).sort()).toEqual(['1:7', '1:8', '1:9']);
    await again.disconnect();

    await admin.deleteGroups(['admin-group']);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain('admin-group');
  });

  it('deletes records up to an offset', async () => {
    await admin.createTopics({ topics: [{ topic: 'trim', numPartitions: 1, replicationFactor: 3 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'trim', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    await admin.fetchTopicOffsets('trim'); // kafkajs looks the leaders up in metadata it already has
    await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '6' }] });
    const offsets = await admin.fetchTopicOffsets('trim');
    expect(offsets[0]).toMatchObject({ partition: 0, low: '6', high: '10' });
    const recs = await k.cluster.readRecords({ topic: 'trim', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.map((r) => r.offset)).toEqual([6, 7, 8, 9]);
  });
});
