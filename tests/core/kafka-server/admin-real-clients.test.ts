/**
 * The admin calls librdkafka's admin test suite makes, sent by real clients:
 * confluent_kafka's AdminClient (librdkafka, through /usr/bin/python3), kafkajs
 * and @platformatic/kafka. Each result is checked on the broker's side too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type TestKafka } from './helpers';
import { runPython } from './support/python-client';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka({ groups: false });
});

afterEach(async () => {
  // Every test starts from no dynamic broker config.
  for (const id of [null, 0, 1, 2])
    await k.cluster.alterBrokerConfigs(id, { delete: Object.keys(k.cluster.brokerConfigOverrides(id)) });
});

afterAll(async () => {
  await k?.stop();
});

const PY_CREATE_PARTITIONS = `
import sys, json
from confluent_kafka.admin import AdminClient, NewPartitions
a = AdminClient({'bootstrap.servers': sys.argv[1]})
out = {}
def run(label, parts):
    for topic, f in a.create_partitions(parts, request_timeout=10).items():
        try:
            f.result()
            out[label] = 'ok'
        except Exception as e:
            err = e.args[0]
            out[label] = {'name': err.name(), 'message': err.str()}
run('placed', [NewPartitions('cp-placed', 3, replica_assignment=[[2, 0], [1, 2]])])
run('too_few', [NewPartitions('cp-placed', 5, replica_assignment=[[0, 1]])])
run('unknown_broker', [NewPartitions('cp-placed', 4, replica_assignment=[[0, 9]])])
run('twice', [NewPartitions('cp-placed', 4, replica_assignment=[[1, 1]])])
print(json.dumps(out))
`;

describe('CreatePartitions with replica assignments (confluent_kafka / librdkafka)', () => {
  it('places the new partitions as asked and refuses bad assignments with INVALID_REPLICA_ASSIGNMENT', async () => {
    await k.cluster.createTopic({ name: 'cp-placed', partitions: 1, replicationFactor: 2 });
    const out = await runPython<Record<string, 'ok' | { name: string; message: string }>>(
      PY_CREATE_PARTITIONS,
      k.brokers.join(','),
    );
    expect(out.placed).toBe('ok');
    expect(
      k.cluster
        .partitions('cp-placed')
        .slice(1)
        .map((p) => p.replicas),
    ).toEqual([
      [2, 0],
      [1, 2],
    ]);
    expect(out.too_few).toMatchObject({
      name: 'INVALID_REPLICA_ASSIGNMENT',
      message: expect.stringContaining('add 2 additional partition(s), but only 1 assignment(s)'),
    });
    expect(out.unknown_broker).toMatchObject({
      name: 'INVALID_REPLICA_ASSIGNMENT',
      message: expect.stringContaining('broker 9, but no such broker is registered'),
    });
    expect(out.twice).toMatchObject({
      name: 'INVALID_REPLICA_ASSIGNMENT',
      message: expect.stringContaining('broker 1 more than once'),
    });
    expect(k.cluster.partitions('cp-placed')).toHaveLength(3);
  });
});

const PY_BROKER_CONFIGS = `
import sys, json
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
out = {}
def describe(label, name):
    res = ConfigResource('broker', name)
    for r, f in a.describe_configs([res], request_timeout=10).items():
        try:
            out[label] = {n: {'value': e.value, 'source': int(e.source), 'read_only': e.is_read_only, 'default': e.is_default,
                              'synonyms': [[s.name, s.value, int(s.source)] for s in e.synonyms.values()]} for n, e in f.result().items()}
        except Exception as e:
            out[label] = {'error': e.args[0].name(), 'message': e.args[0].str()}
def alter(label, name, configs):
    res = ConfigResource('broker', name, set_config=configs)
    for r, f in a.alter_configs([res], request_timeout=10).items():
        try:
            f.result()
            out[label] = 'ok'
        except Exception as e:
            out[label] = {'error': e.args[0].name(), 'message': e.args[0].str()}
describe('before', '1')
alter('per_broker', '1', {'log.retention.ms': '60000'})
alter('read_only', '1', {'log.dirs': '/elsewhere'})
alter('bad_value', '1', {'log.retention.ms': 'later'})
describe('after', '1')
print(json.dumps(out))
`;

const SOURCE = {
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
};

describe('BROKER config resources (confluent_kafka / librdkafka)', () => {
  it('describes, alters per broker and cluster-wide, refuses read-only ones; the engine applies it', async () => {
    type Described = Record<
      string,
      { value: string; source: number; read_only: boolean; default: boolean; synonyms: Array<[string, string, number]> }
    >;
    // confluent_kafka 1.7 refuses an empty broker name itself, so the cluster-wide level is set here (and by
    // @platformatic/kafka below).
    await k.cluster.alterBrokerConfigs(null, { set: { 'log.retention.ms': '7200000', 'num.partitions': '4' } });
    const out = await runPython<Record<string, any>>(PY_BROKER_CONFIGS, k.brokers.join(','));
    const before = out.before as Described;
    expect(before['broker.id']).toMatchObject({ value: '1', source: SOURCE.STATIC_BROKER_CONFIG, read_only: true });
    expect(before['replica.lag.time.max.ms']).toMatchObject({
      value: '2000',
      source: SOURCE.STATIC_BROKER_CONFIG,
      read_only: true,
    });
    expect(before['log.cleaner.min.compaction.lag.ms']).toMatchObject({
      value: '0',
      source: SOURCE.DEFAULT_CONFIG,
      read_only: false,
      default: true,
    });
    expect(before['advertised.listeners']!.value).toBe(`PLAINTEXT://127.0.0.1:${k.port(1)}`);
    expect(out.per_broker).toBe('ok');
    expect(out.read_only).toMatchObject({
      error: 'INVALID_REQUEST',
      message: expect.stringContaining('Cannot update these configs dynamically: Set(log.dirs)'),
    });
    expect(out.bad_value).toMatchObject({
      error: 'INVALID_REQUEST',
      message: expect.stringContaining('log.retention.ms'),
    });
    const after = out.after as Described;
    expect(after['log.retention.ms']).toMatchObject({ value: '60000', source: SOURCE.DYNAMIC_BROKER_CONFIG });
    // confluent_kafka 1.7 keys synonyms by name, so the levels (all named log.retention.ms) collapse to the last one;
    // kafkajs below sees the whole list.
    expect(after['log.retention.ms']!.synonyms).toEqual([['log.retention.ms', '604800000', SOURCE.DEFAULT_CONFIG]]);
    expect(after['num.partitions']).toMatchObject({ value: '4', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(k.cluster.brokerConfigOverrides()).toEqual({ 'log.retention.ms': '7200000', 'num.partitions': '4' });
    expect(k.cluster.brokerConfigOverrides(1)).toEqual({ 'log.retention.ms': '60000' });
    expect(k.cluster.broker(1).image.topic('cp-placed')!.config.retentionMs).toBe(60000);
    expect(k.cluster.broker(0).image.topic('cp-placed')!.config.retentionMs).toBe(7200000);
  });
});

describe('BROKER config resources (kafkajs and @platformatic/kafka)', () => {
  it('kafkajs describeConfigs lists every broker config with its source and synonyms', async () => {
    const { Kafka, logLevel, ConfigResourceTypes } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'admin-configs', brokers: k.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await k.cluster.alterBrokerConfigs(null, { set: { 'log.cleanup.policy': 'compact' } });
      await k.cluster.alterBrokerConfigs(2, { set: { 'log.retention.ms': '60000' } });
      const r = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '2' }],
      });
      const entries = r.resources[0]!.configEntries;
      const byName = new Map(entries.map((e) => [e.configName, e]));
      expect(entries.length).toBe(k.cluster.describeBrokerConfigs(2).length);
      expect(byName.get('broker.id')).toMatchObject({ configValue: '2', readOnly: true });
      expect(byName.get('log.cleanup.policy')).toMatchObject({
        configValue: 'compact',
        isDefault: false,
        readOnly: false,
      });
      expect(byName.get('log.cleanup.policy')!.configSynonyms.map((s) => [s.configValue, s.configSource])).toEqual([
        ['compact', SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG],
        ['delete', SOURCE.DEFAULT_CONFIG],
      ]);
      expect(byName.get('log.retention.ms')!.configSynonyms.map((s) => [s.configValue, s.configSource])).toEqual([
        ['60000', SOURCE.DYNAMIC_BROKER_CONFIG],
        ['604800000', SOURCE.DEFAULT_CONFIG],
      ]);
      // A topic's describe names the broker levels it inherits from.
      const t = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cp-placed' }],
      });
      const cleanup = t.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')!;
      expect(cleanup).toMatchObject({ configValue: 'compact', isDefault: false });
      expect(cleanup.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource])).toEqual([
        ['log.cleanup.policy', 'compact', SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG],
        ['cleanup.policy', 'delete', SOURCE.DEFAULT_CONFIG],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('@platformatic/kafka sets num.partitions cluster-wide and appends to a broker list config', async () => {
    const { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } = await import('@platformatic/kafka');
    const admin = new Admin({ clientId: 'admin-incremental', bootstrapBrokers: k.brokers });
    try {
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.BROKER,
            resourceName: '',
            configs: [
              { name: 'num.partitions', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '4' },
            ],
          },
          {
            resourceType: ConfigResourceTypes.BROKER,
            resourceName: '0',
            configs: [
              {
                name: 'log.cleanup.policy',
                configOperation: IncrementalAlterConfigOperationTypes.APPEND,
                value: 'compact',
              },
            ],
          },
        ],
      });
      expect(k.cluster.brokerConfigOverrides()).toEqual({ 'num.partitions': '4' });
      expect(k.cluster.brokerConfigOverrides(0)).toEqual({ 'log.cleanup.policy': 'delete,compact' });
      // The empty resource name describes only what is set cluster-wide, as in Kafka.
      const [defaults] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '' }],
      });
      expect(defaults!.configs.map((c) => [c.name, c.value])).toEqual([['num.partitions', '4']]);
      expect(k.cluster.broker(0).image.topic('cp-placed')!.config.cleanupCompact).toBe(true);
      // A topic auto-created by Metadata now gets 4 partitions.
      const md = await admin.metadata({ topics: ['auto-four'], autocreateTopics: true });
      expect(md.topics.get('auto-four')?.partitionsCount).toBe(4);
      expect(k.cluster.partitions('auto-four')).toHaveLength(4);
      await expect(
        admin.incrementalAlterConfigs({
          resources: [
            {
              resourceType: ConfigResourceTypes.BROKER,
              resourceName: '0',
              configs: [{ name: 'broker.id', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '9' }],
            },
          ],
        }),
      ).rejects.toThrow();
      expect(k.cluster.describeBrokerConfigs(0).find((c) => c.name === 'broker.id')!.value).toBe('0');
    } finally {
      await admin.close();
    }
  });
});

describe('deprecated topic configs (kafkajs and @platformatic/kafka)', () => {
  it('accepts configs Kafka 3.x deprecated, stores them, says so in the documentation, logs a warning', async () => {
    const { Kafka, logLevel, ConfigResourceTypes } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'deprecated', brokers: k.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          { topic: 'old-style', numPartitions: 1, configEntries: [{ name: 'message.format.version', value: '2.8' }] },
        ],
      });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'old-style',
            configEntries: [
              { name: 'message.format.version', value: '2.8' },
              { name: 'message.timestamp.difference.max.ms', value: '3600000' },
              { name: 'message.downconversion.enable', value: 'false' },
            ],
          },
        ],
      });
      expect(k.cluster.topicImage('old-style').configs).toEqual({
        'message.format.version': '2.8',
        'message.timestamp.difference.max.ms': '3600000',
        'message.downconversion.enable': 'false',
      });
      const warnings = k.logs.filter((e) => e.type === 'deprecated-config' && e.level === 'warn').map((e) => e.message);
      expect(warnings).toContainEqual(
        'topic old-style sets deprecated config message.format.version: accepted, without effect',
      );
      expect(warnings).toContainEqual(
        'topic old-style sets deprecated configs message.format.version, message.timestamp.difference.max.ms, ' +
          'message.downconversion.enable: accepted, without effect',
      );
      await expect(
        admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: 'old-style',
              configEntries: [{ name: 'message.format.version', value: 'banana' }],
            },
          ],
        }),
      ).rejects.toThrow();
    } finally {
      await admin.disconnect();
    }
    const { Admin, ConfigResourceTypes: Types } = await import('@platformatic/kafka');
    const plt = new Admin({ clientId: 'deprecated-docs', bootstrapBrokers: k.brokers });
    try {
      const [topic] = await plt.describeConfigs({
        includeDocumentation: true,
        resources: [
          {
            resourceType: Types.TOPIC,
            resourceName: 'old-style',
            configurationKeys: ['message.format.version', 'retention.ms'],
          },
        ],
      });
      const byName = new Map(topic!.configs.map((c) => [c.name, c]));
      expect(byName.get('message.format.version')).toMatchObject({
        value: '2.8',
        documentation: expect.stringMatching(/^\[DEPRECATED\]/),
      });
      expect(byName.get('retention.ms')!.documentation).not.toMatch(/DEPRECATED/);
    } finally {
      await plt.close();
    }
  });
});
