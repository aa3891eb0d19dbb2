/**
 * A kafkajs 2.2.4 consumer group of three members over the wire: the
 * partitions are split between them, every record is consumed, and when one
 * member leaves the other two rebalance, take over its partitions and keep
 * consuming; committed offsets are visible to an admin client.
 */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;
let kafka: Kafka;

beforeAll(async () => {
  k = await startKafka();
  kafka = new Kafka({ clientId: 'group-test', brokers: k.brokers, logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await k?.stop();
});

interface Member {
  consumer: Consumer;
  assigned: number[];
  seen: string[];
}

async function member(groupId: string, topic: string): Promise<Member> {
  const consumer = kafka.consumer({
    groupId,
    heartbeatInterval: 200,
    sessionTimeout: 10_000,
    rebalanceTimeout: 10_000,
    maxWaitTimeInMs: 200,
  });
  const m: Member = { consumer, assigned: [], seen: [] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      m.seen.push(message.value!.toString());
    },
  });
  return m;
}

describe('kafkajs consumer group', () => {
  it('splits partitions among 3 members and rebalances when one leaves', async () => {
    await k.cluster.createTopic({ name: 'cg', partitions: 6, replicationFactor: 3 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'cg',
      messages: Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })),
    });

    const members = [await member('cg-group', 'cg'), await member('cg-group', 'cg'), await member('cg-group', 'cg')];
    await eventually(
      () => {
        const all = members.flatMap((m) => m.assigned);
        return members.every((m) => m.assigned.length === 2) && new Set(all).size === 6;
      },
      20_000,
      'three members with two partitions each',
    );
    await eventually(() => members.reduce((n, m) => n + m.seen.length, 0) >= 60, 10_000, 'first 60 records consumed');
    expect(new Set(members.flatMap((m) => m.seen)).size).toBe(60);

    const [leaving, ...staying] = members as [Member, Member, Member];
    await leaving.consumer.disconnect();
    await eventually(
      () => staying.every((m) => m.assigned.length === 3) && new Set(staying.flatMap((m) => m.assigned)).size === 6,
      20_000,
      'two members with three partitions each',
    );

    await producer.send({
      topic: 'cg',
      messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })),
    });
    await eventually(
      () => staying.flatMap((m) => m.seen).filter((v) => v.startsWith('second-')).length >= 30,
      10_000,
      'second 30 records consumed',
    );
    const seconds = staying.flatMap((m) => m.seen).filter((v) => v.startsWith('second-'));
    expect(new Set(seconds).size).toBe(30);

    const described = await k.groups!.coordinator.describeGroups(['cg-group']);
    expect(described[0]!.groupState).toBe('Stable');
    expect(described[0]!.members.length).toBe(2);

    await Promise.all(staying.map((m) => m.consumer.disconnect()));
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'cg-group', topics: ['cg'] });
    const total = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(90);
    await admin.disconnect();
  });
});
