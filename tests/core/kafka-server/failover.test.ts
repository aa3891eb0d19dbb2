/**
 * Failover seen by a real client: a kafkajs producer with acks=-1 keeps
 * sending while the broker leading its partitions is stopped (its listener
 * closes, the controller moves leadership, kafkajs finds the new leaders
 * through Metadata) and later started again; afterwards a consumer reads
 * every acknowledged record back, none lost. The same again with a kill.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka();
});

afterAll(async () => {
  await k?.stop();
});

describe('failover with a real client', () => {
  it("keeps every acknowledged record while the leader's broker stops and restarts", async () => {
    await k.cluster.createTopic({
      name: 'failover',
      partitions: 2,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    });
    const kafka = new Kafka({
      clientId: 'failover',
      brokers: k.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 },
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const acked: string[] = [];
    let failures = 0;
    let running = true;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const value = `m-${i}`;
        try {
          await producer.send({ topic: 'failover', acks: -1, messages: [{ key: `key-${i % 10}`, value }] });
          acked.push(value);
        } catch {
          failures++;
        }
      }
    })();

    await eventually(() => acked.length >= 50, 10_000, '50 records before the stop');
    const victim = k.cluster.partitions('failover')[0]!.leader;
    await k.cluster.stopBroker(victim);
    const atStop = acked.length;
    await eventually(() => acked.length >= atStop + 50, 15_000, '50 records while the leader is down');
    expect(k.cluster.partitions('failover').every((p) => p.leader !== victim)).toBe(true);
    await k.cluster.startBroker(victim);
    const atStart = acked.length;
    await eventually(() => acked.length >= atStart + 50, 15_000, '50 records after the restart');
    await k.cluster.balanceLeaders();
    const atBalance = acked.length;
    await eventually(() => acked.length >= atBalance + 20, 15_000, '20 records after leadership moved back');
    // An abrupt kill (no controlled shutdown) of a leader: acknowledged records survive it too.
    const killed = k.cluster.partitions('failover')[1]!.leader;
    await k.cluster.killBroker(killed);
    const atKill = acked.length;
    await eventually(() => acked.length >= atKill + 50, 15_000, '50 records after the kill');
    await k.cluster.startBroker(killed);
    const atRestart = acked.length;
    await eventually(() => acked.length >= atRestart + 20, 15_000, '20 records after the killed broker is back');
    running = false;
    await loop;
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'failover-check', maxWaitTimeInMs: 200, heartbeatInterval: 300 });
    const read = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic: 'failover', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        read.add(message.value!.toString());
      },
    });
    await eventually(() => acked.every((v) => read.has(v)), 15_000, 'every acknowledged record read back');
    await consumer.disconnect();
    expect(acked.length).toBeGreaterThan(240);
    // The idempotent producer wrote nothing twice.
    const stored = (
      await Promise.all(
        [0, 1].map((p) =>
          k.cluster.readRecords({ topic: 'failover', partition: p, start: { type: 'earliest' }, limit: 100_000 }),
        ),
      )
    ).flat();
    expect(new Set(stored.map((r) => r.value!.toString())).size).toBe(stored.length);
    expect(failures).toBe(0);
  });
});
