import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import type { Cluster } from '../../../core/cluster/cluster';

describe('topic administration', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;
  beforeAll(async () => {
    env = await openCluster();
    c = env.cluster;
  });
  afterAll(() => env.cleanup());

  it('creates a topic with replicas and leaders spread evenly over the brokers', async () => {
    await c.createTopic({ name: 'spread', partitions: 6, replicationFactor: 3 });
    const parts = c.partitions('spread');
    const leaders = [0, 1, 2].map((b) => parts.filter((p) => p.leader === b).length);
    expect(leaders).toEqual([2, 2, 2]);
    for (const p of parts) {
      expect(new Set(p.replicas).size).toBe(3);
      expect(p.isr.sort()).toEqual([0, 1, 2]);
      expect(p.leader).toBe(p.replicas[0]);
    }
  });

  it('refuses bad names, duplicates, impossible partition counts or replication factors; changes nothing', async () => {
    const before = c.listTopics({ includeInternal: true }).length;
    await expect(c.createTopic({ name: 'bad name!' })).rejects.toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
      code: 17,
    });
    await expect(c.createTopic({ name: '..' })).rejects.toMatchObject({ errorName: 'INVALID_TOPIC_EXCEPTION' });
    await expect(c.createTopic({ name: 'x'.repeat(250) })).rejects.toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
    });
    await expect(c.createTopic({ name: 'spread' })).rejects.toMatchObject({
      errorName: 'TOPIC_ALREADY_EXISTS',
      code: 36,
    });
    await expect(c.createTopic({ name: 'zero', partitions: 0 })).rejects.toMatchObject({
      errorName: 'INVALID_PARTITIONS',
      code: 37,
    });
    await expect(c.createTopic({ name: 'rf4', replicationFactor: 4 })).rejects.toMatchObject({
      errorName: 'INVALID_REPLICATION_FACTOR',
      code: 38,
    });
    await expect(c.createTopic({ name: 'cfg', configs: { 'retention.ms': 'soon' } })).rejects.toMatchObject({
      errorName: 'INVALID_CONFIG',
      code: 40,
    });
    await expect(c.createTopic({ name: 'cfg', configs: { 'no.such.config': '1' } })).rejects.toThrow(
      /Unknown topic config name: no.such.config/,
    );
    expect(c.listTopics({ includeInternal: true }).length).toBe(before);
  });

  it('accepts the longest legal name and validate-only creates nothing', async () => {
    await c.createTopic({ name: 'a'.repeat(249), partitions: 1, replicationFactor: 1 });
    await c.createTopic({ name: 'only-validated', validateOnly: true });
    expect(c.listTopics().map((t) => t.name)).not.toContain('only-validated');
  });

  it('shows Kafka defaults and marks overrides', async () => {
    await c.createTopic({
      name: 'configured',
      partitions: 1,
      replicationFactor: 3,
      configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact,delete' },
    });
    const cfg = Object.fromEntries(c.describeConfigs('configured').map((e) => [e.name, e]));
    expect(cfg['retention.ms']).toMatchObject({ value: '1000', isDefault: false, source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(cfg['retention.bytes']).toMatchObject({ value: '-1', isDefault: true, source: 'DEFAULT_CONFIG' });
    expect(cfg['max.message.bytes']!.value).toBe('1048588');
    expect(cfg['min.insync.replicas']!.value).toBe('1');
    expect(cfg['message.timestamp.type']!.value).toBe('CreateTime');
    expect(cfg['unclean.leader.election.enable']!.value).toBe('false');
    expect(cfg['retention.ms']!.defaultValue).toBe('604800000');
    expect(c.describeTopic('configured').cleanupPolicy).toBe('compact,delete');
  });

  it('alters configs with validation and resets deleted ones to the default', async () => {
    await c.alterConfigs('configured', { set: { 'max.message.bytes': '2000' } });
    expect(c.describeConfigs('configured').find((e) => e.name === 'max.message.bytes')!.value).toBe('2000');
    await expect(c.alterConfigs('configured', { set: { 'min.insync.replicas': '0' } })).rejects.toMatchObject({
      errorName: 'INVALID_CONFIG',
    });
    await expect(c.alterConfigs('configured', { set: { 'min.insync.replicas': '4' } })).rejects.toThrow(
      /larger than the replication factor/,
    );
    await expect(c.alterConfigs('configured', { set: { 'cleanup.policy': 'archive' } })).rejects.toThrow(
      /unknown policy 'archive'/,
    );
    await c.alterConfigs('configured', { delete: ['retention.ms'] });
    expect(c.describeConfigs('configured').find((e) => e.name === 'retention.ms')).toMatchObject({
      value: '604800000',
      isDefault: true,
    });
    await expect(c.alterConfigs('missing', { set: {} })).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  });

  it('adds partitions but never removes them', async () => {
    await c.createTopic({ name: 'growing', partitions: 2, replicationFactor: 2 });
    await c.createPartitions('growing', 5);
    expect(c.partitions('growing')).toHaveLength(5);
    await expect(c.createPartitions('growing', 3)).rejects.toMatchObject({ errorName: 'INVALID_PARTITIONS' });
    const res = await c.produce('growing', [{ value: 'x', partition: 4 }]);
    expect(res[0]!.partition).toBe(4);
  });

  it('places new partitions on the replicas given; refuses assignments Kafka refuses, changing nothing', async () => {
    await c.createTopic({ name: 'placed', partitions: 1, replicationFactor: 2 });
    await c.createPartitions('placed', 3, false, [
      [2, 0],
      [1, 2],
    ]);
    expect(c.partitions('placed').map((p) => p.replicas)).toEqual([
      c.partitions('placed')[0]!.replicas,
      [2, 0],
      [1, 2],
    ]);
    expect(c.partitions('placed')[1]!.leader).toBe(2);
    const refused = (assignments: number[][], total = 4) => c.createPartitions('placed', total, false, assignments);
    await expect(
      refused([
        [0, 1],
        [1, 2],
      ]),
    ).rejects.toMatchObject({
      errorName: 'INVALID_REPLICA_ASSIGNMENT',
      message: expect.stringMatching(/add 1 additional partition\(s\), but only 2 assignment/),
    });
    await expect(refused([[0]])).rejects.toThrow(
      /includes a partition with 1 replica\(s\).*previous partitions, which have 2/,
    );
    await expect(refused([[1, 1]])).rejects.toThrow(/includes the broker 1 more than once/);
    await expect(refused([[0, 7]])).rejects.toThrow(/includes broker 7, but no such broker is registered/);
    await expect(refused([[]])).rejects.toThrow(/empty replica list/);
    await c.createPartitions('placed', 4, true, [[0, 1]]);
    expect(c.partitions('placed')).toHaveLength(3);
    await c.stopBroker(1);
    await c.stopBroker(2);
    try {
      await expect(refused([[1, 2]])).rejects.toThrow(
        /All brokers specified in the manual partition assignment for partition 3 are fenced/,
      );
    } finally {
      await c.startBroker(1);
      await c.startBroker(2);
    }
    expect(c.partitions('placed')).toHaveLength(3);
  });

  it('deletes a topic and its data on every broker', async () => {
    await c.createTopic({ name: 'doomed', partitions: 2, replicationFactor: 3 });
    await c.produce(
      'doomed',
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100) })),
    );
    const topicId = Buffer.from(c.describeTopic('doomed').topicId, 'base64url');
    await c.deleteTopic('doomed');
    expect(c.listTopics().map((t) => t.name)).not.toContain('doomed');
    await expect(c.produce('doomed', [{ value: 'x' }])).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    for (const b of c.allBrokers()) {
      let keys = 0;
      for (const prefix of [0x44, 0x53, 0x52]) {
        const gte = Buffer.concat([Buffer.from([prefix]), topicId]);
        const lt = Buffer.concat([gte, Buffer.alloc(4, 0xff)]);
        for await (const _ of b.store.db.keys({ gte, lt })) keys++;
      }
      expect(keys).toBe(0);
    }
    await c.createTopic({ name: 'doomed', partitions: 1, replicationFactor: 1 });
    expect(c.describeTopic('doomed').messages).toBe(0);
  });

  it('hides internal topics unless asked', async () => {
    await c.createTopic({ name: '__internal_thing', partitions: 1, replicationFactor: 1 });
    expect(c.listTopics().map((t) => t.name)).not.toContain('__internal_thing');
    expect(c.listTopics({ includeInternal: true }).find((t) => t.name === '__internal_thing')?.internal).toBe(true);
  });
});
