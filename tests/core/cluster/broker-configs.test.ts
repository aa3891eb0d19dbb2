import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import { buildBatch } from '../../../core/record';
import { CLUSTER_ONLY_REASON, READ_ONLY_REASON } from '../../../core/cluster/broker-configs';

let env: Awaited<ReturnType<typeof openCluster>>;

beforeEach(async () => {
  env = await openCluster();
});

afterEach(() => env.cleanup());

const entry = (entries: Array<{ name: string }>, name: string) => entries.find((e) => e.name === name) as any;

describe('broker configs', () => {
  it("reports Kafka's names and defaults, the sandbox's static settings, and which ones are read-only and why", () => {
    const b1 = env.cluster.describeBrokerConfigs(1);
    expect(entry(b1, 'broker.id')).toMatchObject({
      value: '1',
      source: 'STATIC_BROKER_CONFIG',
      readOnly: true,
      readOnlyReason: READ_ONLY_REASON,
    });
    expect(READ_ONLY_REASON).toContain('needs a broker restart');
    expect(entry(b1, 'log.dirs').value).toMatch(/broker-1$/);
    // num.partitions changes cluster-wide only: read-only for one broker, with the reason, editable at the default.
    expect(entry(b1, 'num.partitions')).toMatchObject({
      value: '1',
      defaultValue: '1',
      isDefault: true,
      source: 'DEFAULT_CONFIG',
      readOnly: true,
      readOnlyReason: CLUSTER_ONLY_REASON,
    });
    expect(entry(env.cluster.describeBrokerConfigs(null), 'num.partitions')).toMatchObject({ readOnly: false });
    expect(entry(env.cluster.describeBrokerConfigs(null), 'num.partitions').readOnlyReason).toBeUndefined();
    expect(entry(b1, 'log.retention.ms').readOnlyReason).toBeUndefined();
    expect(entry(b1, 'compression.type').readOnlyReason).toMatch(/this engine does not honour/);
    // The sandbox starts with default.replication.factor = min(3, brokers): a static setting over Kafka's 1.
    expect(entry(b1, 'default.replication.factor')).toMatchObject({
      value: '3',
      defaultValue: '1',
      source: 'STATIC_BROKER_CONFIG',
    });
    expect(entry(b1, 'log.retention.ms')).toMatchObject({
      value: '604800000',
      source: 'DEFAULT_CONFIG',
      readOnly: false,
      type: 'long',
    });
    expect(entry(b1, 'replica.lag.time.max.ms')).toMatchObject({
      value: '2000',
      source: 'STATIC_BROKER_CONFIG',
      readOnly: true,
    });
    expect(entry(b1, 'compression.type').readOnly).toBe(true);
  });

  it('resolves a value per broker, then cluster-wide, then static, then default, and lists every level as synonyms', async () => {
    await env.cluster.alterBrokerConfigs(null, { set: { 'log.retention.ms': '3600000' } });
    await env.cluster.alterBrokerConfigs(2, { set: { 'log.retention.ms': '60000' } });
    expect(entry(env.cluster.describeBrokerConfigs(0), 'log.retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      isDefault: false,
    });
    expect(entry(env.cluster.describeBrokerConfigs(2), 'log.retention.ms')).toMatchObject({
      value: '60000',
      source: 'DYNAMIC_BROKER_CONFIG',
      synonyms: [
        { name: 'log.retention.ms', value: '60000', source: 'DYNAMIC_BROKER_CONFIG' },
        { name: 'log.retention.ms', value: '3600000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
        { name: 'log.retention.ms', value: '604800000', source: 'DEFAULT_CONFIG' },
      ],
    });
    await env.cluster.alterBrokerConfigs(2, { delete: ['log.retention.ms'] });
    expect(entry(env.cluster.describeBrokerConfigs(2), 'log.retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
  });

  it('applies broker-level topic defaults to every topic that does not set its own, on the brokers they apply to', async () => {
    await env.cluster.createTopic({ name: 'inherits', partitions: 1, replicationFactor: 3 });
    await env.cluster.createTopic({
      name: 'own',
      partitions: 1,
      replicationFactor: 3,
      configs: { 'retention.ms': '5000' },
    });
    await env.cluster.alterBrokerConfigs(null, { set: { 'log.retention.ms': '3600000', 'min.insync.replicas': '2' } });
    await env.cluster.alterBrokerConfigs(1, { set: { 'log.retention.ms': '60000' } });
    const images = env.cluster.allBrokers().map((b) => b.image);
    expect(images.map((i) => i.topic('inherits')!.config.retentionMs)).toEqual([3600000, 60000, 3600000]);
    expect(images.map((i) => i.topic('own')!.config.retentionMs)).toEqual([5000, 5000, 5000]);
    expect(images.map((i) => i.topic('inherits')!.config.minInsyncReplicas)).toEqual([2, 2, 2]);
    const described = env.cluster.describeConfigs('inherits');
    expect(entry(described, 'retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      isDefault: false,
    });
    expect(entry(env.cluster.describeConfigs('inherits', 1), 'retention.ms')).toMatchObject({
      value: '60000',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    expect(entry(env.cluster.describeConfigs('own'), 'retention.ms')).toMatchObject({
      value: '5000',
      source: 'DYNAMIC_TOPIC_CONFIG',
    });
    // A topic created later inherits as well.
    await env.cluster.createTopic({ name: 'later', partitions: 1, replicationFactor: 1 });
    expect(env.cluster.broker(0).image.topic('later')!.config.retentionMs).toBe(3600000);
  });

  it('enforces message.max.bytes set cluster-wide on topics without their own, and a reset takes it away', async () => {
    await env.cluster.createTopic({ name: 'sized', partitions: 1, replicationFactor: 1 });
    const big = buildBatch({ records: [{ value: Buffer.alloc(3000) }] });
    await env.cluster.alterBrokerConfigs(null, { set: { 'message.max.bytes': '2000' } });
    await expect(env.cluster.produceBatch('sized', 0, big)).rejects.toMatchObject({ errorName: 'MESSAGE_TOO_LARGE' });
    // The value is deleted (reset), so Kafka's default (1 MB) applies again.
    await env.cluster.alterBrokerConfigs(null, { delete: ['message.max.bytes'] });
    expect(entry(env.cluster.describeBrokerConfigs(0), 'message.max.bytes')).toMatchObject({
      source: 'DEFAULT_CONFIG',
      isDefault: true,
    });
    await expect(env.cluster.produceBatch('sized', 0, big)).resolves.toBeDefined();
    expect(env.cluster.broker(0).image.topic('sized')!.config.maxMessageBytes).toBe(1048588);
  });

  it("names the config at fault in a refused change and gives Kafka's range reason", async () => {
    await expect(env.cluster.alterBrokerConfigs(0, { set: { 'log.retention.ms': '-5' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      field: 'log.retention.ms',
      message: expect.stringContaining('Invalid value -5 for configuration log.retention.ms'),
    });
    await expect(
      env.cluster.alterBrokerConfigs(null, { set: { 'log.cleaner.min.cleanable.ratio': '1.5' } }),
    ).rejects.toMatchObject({ field: 'log.cleaner.min.cleanable.ratio' });
    await expect(env.cluster.alterBrokerConfigs(1, { set: { 'num.partitions': '3' } })).rejects.toMatchObject({
      field: 'num.partitions',
      message: expect.stringContaining('only at the cluster-wide default'),
    });
    await expect(env.cluster.alterBrokerConfigs(1, { set: { 'log.dirs': '/x' } })).rejects.toMatchObject({
      field: 'log.dirs',
    });
  });

  it('creates topics without a partition count or replication factor with num.partitions and default.replication.factor', async () => {
    await env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': '4', 'default.replication.factor': '2' } });
    const t = await env.cluster.createTopic({ name: 'auto' });
    expect(t.partitions).toBe(4);
    expect(t.replicationFactor).toBe(2);
  });

  it("refuses read-only, unknown, per-broker-only and malformed changes with Kafka's INVALID_REQUEST, changing nothing", async () => {
    const before = env.cluster.metadataOffset;
    await expect(env.cluster.alterBrokerConfigs(0, { set: { 'broker.id': '5' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: 'Cannot update these configs dynamically: Set(broker.id)',
    });
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'log.dirs': '/x' } })).rejects.toThrow(
      /Cannot update these configs dynamically: Set\(log.dirs\)/,
    );
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'no.such.thing': '1' } })).rejects.toThrow(
      /Unknown broker config name: no.such.thing/,
    );
    await expect(env.cluster.alterBrokerConfigs(1, { set: { 'num.partitions': '4' } })).rejects.toThrow(
      /only at the cluster-wide default/,
    );
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': 'four' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('num.partitions'),
    });
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': '0' } })).rejects.toThrow(
      /must be from 1 to 10000/,
    );
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'default.replication.factor': '4' } })).rejects.toThrow(
      /from 1 to the 3 brokers/,
    );
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'log.retention.ms': 'soon' } })).rejects.toThrow(
      /Invalid value soon for configuration log.retention.ms/,
    );
    await expect(env.cluster.alterBrokerConfigs(null, { set: { 'log.cleanup.policy': 'shred' } })).rejects.toThrow(
      /log.cleanup.policy.*unknown policy 'shred'/,
    );
    await expect(env.cluster.alterBrokerConfigs(7, { set: {} })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('Broker 7 does not exist'),
    });
    await env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': '6' } }, true);
    expect(env.cluster.metadataOffset).toBe(before);
    expect(env.cluster.brokerConfigOverrides()).toEqual({});
  });

  it('keeps dynamic broker configs when the metadata log is compacted into a snapshot', async () => {
    await env.cleanup();
    env = await openCluster({ metadataSnapshotIntervalRecords: 10 });
    await env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': '3' } });
    await env.cluster.alterBrokerConfigs(1, { set: { 'log.retention.ms': '90000' } });
    const configOffset = env.cluster.metadataOffset;
    // Enough later records that a snapshot covers the configs.
    for (let i = 0; i < 5; i++)
      await env.cluster.createTopic({ name: `filler-${i}`, partitions: 2, replicationFactor: 3 });
    const c = await env.reopen();
    // The records that set the configs are now only in the snapshot.
    expect((c as unknown as { log: { snapshotOffset: number } }).log.snapshotOffset).toBeGreaterThan(configOffset);
    expect(c.brokerConfigOverrides()).toEqual({ 'num.partitions': '3' });
    expect(c.brokerConfigOverrides(1)).toEqual({ 'log.retention.ms': '90000' });
    expect(c.allBrokers().map((b) => b.image.topic('filler-0')!.config.retentionMs)).toEqual([
      604800000, 90000, 604800000,
    ]);
    expect((await c.createTopic({ name: 'after-snapshot' })).partitions).toBe(3);
  });

  it('keeps dynamic broker configs in the metadata log across a reopen', async () => {
    await env.cluster.alterBrokerConfigs(null, { set: { 'num.partitions': '4', 'log.retention.ms': '120000' } });
    await env.cluster.alterBrokerConfigs(2, { set: { 'log.segment.bytes': '1048576' } });
    await env.cluster.createTopic({ name: 'kept', partitions: 1, replicationFactor: 3 });
    const c = await env.reopen();
    expect(c.brokerConfigOverrides()).toEqual({ 'num.partitions': '4', 'log.retention.ms': '120000' });
    expect(c.brokerConfigOverrides(2)).toEqual({ 'log.segment.bytes': '1048576' });
    expect(entry(c.describeBrokerConfigs(2), 'log.segment.bytes')).toMatchObject({
      value: '1048576',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    expect(c.allBrokers().map((b) => b.image.topic('kept')!.config.segmentBytes)).toEqual([
      1073741824, 1073741824, 1048576,
    ]);
    expect(c.broker(0).image.topic('kept')!.config.retentionMs).toBe(120000);
    expect((await c.createTopic({ name: 'after-reopen' })).partitions).toBe(4);
  });
});
