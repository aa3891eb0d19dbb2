/**
 * kafkajs 2.2.4 producers against the embedded cluster: acks -1, 1 and 0,
 * gzip, the idempotent producer (including a batch it retries after a
 * request timeout, which must be stored once), and keyed records landing on
 * the partition the engine's own partitioner picks.
 */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;
let kafka: Kafka;

beforeAll(async () => {
  k = await startKafka();
  kafka = new Kafka({ clientId: 'producer-test', brokers: k.brokers, logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await k?.stop();
});

async function values(topic: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of k.cluster.partitions(topic)) {
    const recs = await k.cluster.readRecords({
      topic,
      partition: p.partition,
      start: { type: 'earliest' },
      limit: 10_000,
    });
    out.push(...recs.map((r) => r.value!.toString()));
  }
  return out.sort();
}

describe('kafkajs producer', () => {
  it('produces with acks -1, 1 and 0', async () => {
    await k.cluster.createTopic({ name: 'acks', partitions: 3, replicationFactor: 3 });
    const producer = kafka.producer();
    await producer.connect();
    const all = await producer.send({ topic: 'acks', acks: -1, messages: [{ value: 'all-1' }, { value: 'all-2' }] });
    expect(all[0]!.errorCode).toBe(0);
    const one = await producer.send({ topic: 'acks', acks: 1, messages: [{ value: 'one-1' }] });
    expect(one[0]!.errorCode).toBe(0);
    const none = await producer.send({ topic: 'acks', acks: 0, messages: [{ value: 'none-1' }, { value: 'none-2' }] });
    // With acks=0 there is no response to report.
    expect(Array.isArray(none)).toBe(true);
    await producer.disconnect();
    await eventually(async () => (await values('acks')).length === 5, 3000, 'acks=0 records');
    expect(await values('acks')).toEqual(['all-1', 'all-2', 'none-1', 'none-2', 'one-1']);
  });

  it('produces gzip-compressed batches, stored compressed and read back', async () => {
    await k.cluster.createTopic({ name: 'gzip', partitions: 1, replicationFactor: 3 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'gzip',
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `compressible value ${i} `.repeat(10) })),
    });
    await producer.disconnect();
    const batch = (await k.cluster.fetch('gzip', 0, 0)).batches[0]!;
    expect(batch.readInt16BE(21) & 7).toBe(1); // stored as gzip, as received
    const recs = await k.cluster.readRecords({ topic: 'gzip', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.length).toBe(50);
    expect(recs[49]!.value!.toString()).toContain('compressible value 49');
  });

  it('idempotent producer: a batch retried after a request timeout is stored once', async () => {
    await k.cluster.createTopic({ name: 'idem', partitions: 1, replicationFactor: 3 });
    const idem = new Kafka({
      clientId: 'idem',
      brokers: k.brokers,
      logLevel: logLevel.NOTHING,
      // Short enough to time out the held produce soon, long enough for InitProducerId on a loaded machine.
      requestTimeout: 1000,
      retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 300 },
    });
    const producer = idem.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: 'idem', acks: -1, messages: [{ value: 'before' }] });
    // Followers stop fetching: acks=all cannot complete, kafkajs times out and resends the same sequence.
    const leader = k.cluster.partitions('idem')[0]!.leader;
    const followers = [0, 1, 2].filter((b) => b !== leader);
    for (const f of followers) k.cluster.setReplicationPaused(f, true);
    const rm = k.cluster.broker(leader).replicas;
    const original = rm.produce.bind(rm);
    let calls = 0;
    rm.produce = (topic, ...rest) => {
      if (topic === 'idem') calls++;
      return original(topic, ...rest);
    };
    const sending = producer.send({ topic: 'idem', acks: -1, messages: [{ value: 'retried' }] });
    // Until kafkajs has timed out and sent the same sequence again (however long that takes on a loaded machine).
    await eventually(() => calls >= 2, 30_000, 'kafkajs to resend the timed-out produce');
    for (const f of followers) k.cluster.setReplicationPaused(f, false);
    const res = await sending;
    rm.produce = original;
    expect(calls).toBeGreaterThanOrEqual(2);
    await producer.send({ topic: 'idem', acks: -1, messages: [{ value: 'after' }] });
    await producer.disconnect();
    const recs = await k.cluster.readRecords({ topic: 'idem', partition: 0, start: { type: 'earliest' }, limit: 100 });
    expect(recs.map((r) => r.value!.toString())).toEqual(['before', 'retried', 'after']);
    expect(Number(res[0]!.baseOffset)).toBe(1);
    expect(recs[1]!.offset).toBe(1);
  });

  it("puts keyed records on the partition the engine's partitioner picks for the key", async () => {
    await k.cluster.createTopic({ name: 'keys', partitions: 7, replicationFactor: 2 });
    const keys = Array.from({ length: 60 }, (_, i) => `user-${i * 7919}`);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'keys', messages: keys.map((key) => ({ key, value: key })) });
    await producer.disconnect();
    const engine = await k.cluster.produce(
      'keys',
      keys.map((key) => ({ key, value: 'engine' })),
    );
    const expected = new Map(keys.map((key, i) => [key, engine[i]!.partition]));
    const seen = new Map<string, number>();
    for (const p of k.cluster.partitions('keys')) {
      const recs = await k.cluster.readRecords({
        topic: 'keys',
        partition: p.partition,
        start: { type: 'earliest' },
        limit: 1000,
      });
      for (const r of recs) if (r.value!.toString() !== 'engine') seen.set(r.key!.toString(), p.partition);
    }
    expect(seen.size).toBe(keys.length);
    for (const key of keys) expect(seen.get(key)).toBe(expected.get(key));
    expect(new Set(seen.values()).size).toBeGreaterThan(3);
  });
});
