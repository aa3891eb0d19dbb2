/**
 * The admin calls librdkafka's admin test suite makes, sent by real clients:
 * confluent_kafka's AdminClient (librdkafka, through /usr/bin/python3), kafkajs
 * and @platformatic/kafka. Each result is checked on the broker's side too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type TestKafka } from './helpers';
import { runPython } from './support/python-client';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka({ groups: false });
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
    const out = await runPython<Record<string, 'ok' | { name: string; message: string }>>(PY_CREATE_PARTITIONS, k.brokers.join(','));
    expect(out.placed).toBe('ok');
    expect(k.cluster.partitions('cp-placed').slice(1).map((p) => p.replicas)).toEqual([[2, 0], [1, 2]]);
    expect(out.too_few).toMatchObject({ name: 'INVALID_REPLICA_ASSIGNMENT', message: expect.stringContaining('add 2 additional partition(s), but only 1 assignment(s)') });
    expect(out.unknown_broker).toMatchObject({ name: 'INVALID_REPLICA_ASSIGNMENT', message: expect.stringContaining('broker 9, but no such broker is registered') });
    expect(out.twice).toMatchObject({ name: 'INVALID_REPLICA_ASSIGNMENT', message: expect.stringContaining('broker 1 more than once') });
    expect(k.cluster.partitions('cp-placed')).toHaveLength(3);
  });
});
