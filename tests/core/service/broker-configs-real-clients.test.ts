/**
 * Broker configs changed through the API (what the Broker detail page sends), read back by independent clients
 * from the sandbox's wire server: confluent_kafka's AdminClient (librdkafka) for one broker's resource, and
 * kafka-python for the cluster-wide default resource (empty name), which confluent_kafka 1.7 will not ask for.
 * Each sees the value and the source (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, DEFAULT_CONFIG) the
 * page shows; a reset (delete) is seen as the next level down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi } from '../../../core/service/engine-api';
import type { ConfigEntry } from '../../../core/cluster/types';
import { startKafka, type TestKafka } from '../kafka-server/helpers';
import { runPython } from '../kafka-server/support/python-client';

let k: TestKafka;
let api: EngineApi;

beforeAll(async () => {
  k = await startKafka({ groups: false });
  api = new EngineApi(k.cluster, {
    transport: 'websocket',
    dataDir: '',
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
});

afterAll(async () => {
  api?.close();
  await k?.stop();
});

async function call<T>(method: string, input?: unknown): Promise<T> {
  const e = await api.openSession(() => undefined).call(method, input);
  if (!e.ok) throw Object.assign(new Error(e.error.message), e.error);
  return e.result as T;
}

const SOURCE = { DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, DEFAULT_CONFIG: 5 };

type Seen = Record<string, { value: string | null; source: number; read_only: boolean }>;

/** confluent_kafka: every config of broker argv[2]. */
const PY_CONFLUENT = `
import sys, json
from confluent_kafka.admin import AdminClient, ConfigResource
a = AdminClient({'bootstrap.servers': sys.argv[1]})
out = {}
for r, f in a.describe_configs([ConfigResource('broker', sys.argv[2])], request_timeout=10).items():
    out = {n: {'value': e.value, 'source': int(e.source), 'read_only': e.is_read_only} for n, e in f.result().items()}
print(json.dumps(out))
`;

/**
 * kafka-python: the cluster-wide default resource (BROKER, empty name) with DescribeConfigs v1 and its sources. Its
 * describe_configs() refuses a name that is not a broker id, so the request goes out through its client directly.
 * Its v1 schema reads the config source byte as a boolean (is_default), so the source is taken from the first
 * synonym, the effective level.
 */
const PY_KAFKA_PYTHON_DEFAULT = `
import sys, json
from kafka.admin import KafkaAdminClient
from kafka.protocol.admin import DescribeConfigsRequest
a = KafkaAdminClient(bootstrap_servers=sys.argv[1].split(','), request_timeout_ms=10000)
node = a._client.least_loaded_node()
r = a._send_request_to_node(node, DescribeConfigsRequest[1](resources=[(4, '', None)], include_synonyms=True))
a._wait_for_futures([r])
out = {}
for code, msg, rtype, rname, entries in r.value.resources:
    if code != 0:
        raise SystemExit(msg)
    for e in entries:
        out[e[0]] = {'value': e[1], 'source': e[5][0][2], 'read_only': e[2]}
a.close()
print(json.dumps(out))
`;

const confluent = (broker: number) =>
  runPython<Seen>(PY_CONFLUENT.replace('sys.argv[2]', `'${broker}'`), k.brokers.join(','));

describe('broker configs changed through the API, as other clients read them', () => {
  it('a per-broker and a cluster-wide change, and a reset, read back with their sources by confluent_kafka and kafka-python', async () => {
    const perBroker = await call<ConfigEntry[]>('alterBrokerConfigs', {
      broker: 1,
      set: { 'log.retention.ms': '3600000' },
    });
    expect(perBroker.find((c) => c.name === 'log.retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    await call('alterBrokerConfigs', { set: { 'message.max.bytes': '500000', 'log.cleanup.policy': 'compact' } });

    const one = await confluent(1);
    expect(one['log.retention.ms']).toMatchObject({ value: '3600000', source: SOURCE.DYNAMIC_BROKER_CONFIG });
    expect(one['message.max.bytes']).toMatchObject({
      value: '500000',
      source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG,
      read_only: false,
    });
    expect(one['log.dirs']!.read_only).toBe(true);
    const two = await confluent(2);
    expect(two['log.retention.ms']).toMatchObject({ value: '604800000', source: SOURCE.DEFAULT_CONFIG });
    expect(two['log.cleanup.policy']).toMatchObject({ value: 'compact', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG });

    const cluster = await runPython<Seen>(PY_KAFKA_PYTHON_DEFAULT, k.brokers.join(','));
    expect(cluster).toEqual({
      'log.cleanup.policy': { value: 'compact', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG, read_only: false },
      'message.max.bytes': { value: '500000', source: SOURCE.DYNAMIC_DEFAULT_BROKER_CONFIG, read_only: false },
    });

    // Reset (delete) at each level: broker 1 falls back to Kafka's default, the cluster-wide value goes.
    await call('alterBrokerConfigs', { broker: 1, delete: ['log.retention.ms'] });
    await call('alterBrokerConfigs', { delete: ['message.max.bytes'] });
    const after = await confluent(1);
    expect(after['log.retention.ms']).toMatchObject({ value: '604800000', source: SOURCE.DEFAULT_CONFIG });
    expect(after['message.max.bytes']).toMatchObject({ value: '1048588', source: SOURCE.DEFAULT_CONFIG });
    expect(Object.keys(await runPython<Seen>(PY_KAFKA_PYTHON_DEFAULT, k.brokers.join(',')))).toEqual([
      'log.cleanup.policy',
    ]);
    await call('alterBrokerConfigs', { delete: ['log.cleanup.policy'] });
  });

  it('a dry run (validateOnly) gives the reason and the config it names, and changes nothing', async () => {
    await expect(
      call('alterBrokerConfigs', { broker: 0, set: { 'log.retention.ms': '-7' }, validateOnly: true }),
    ).rejects.toMatchObject({ errorName: 'INVALID_REQUEST', field: 'log.retention.ms' });
    const ok = await call<ConfigEntry[]>('alterBrokerConfigs', {
      broker: 0,
      set: { 'log.retention.ms': '7000' },
      validateOnly: true,
    });
    expect(ok.find((c) => c.name === 'log.retention.ms')!.source).toBe('DEFAULT_CONFIG');
    expect((await confluent(0))['log.retention.ms']!.source).toBe(SOURCE.DEFAULT_CONFIG);
  });
});
