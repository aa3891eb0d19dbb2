/**
 * @platformatic/kafka 1.35 in the client matrix. Its codecs (none, gzip,
 * snappy, lz4; its zstd needs Node 22's zlib) and listing admin calls are in
 * tests/core/kafka-server/platformatic.test.ts; here: two idempotent producers at
 * once (its InitProducerId v5 carries producerId 0 / epoch 0, which once made
 * both share one producer id and lose records), a group of two that commits,
 * restarts and resumes, ListOffsets by timestamp, and create-partitions /
 * delete-topic admin calls.
 */
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
  type MessagesStream,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../helpers/temp-cluster';
import { startKafka, type TestKafka } from '../helpers';
import { expectGroupResumes, expectStoredOnce, idempotentRound } from './helpers';

let k: TestKafka;
let admin: Admin;

beforeAll(async () => {
  k = await startKafka();
  admin = new Admin({ clientId: 'plt-matrix-admin', bootstrapBrokers: k.brokers });
});
afterAll(async () => {
  await admin?.close();
  await k?.stop();
});

async function committedTotal(group: string): Promise<number> {
  const { offsets } = await k.groups!.coordinator.fetchOffsets({ groupId: group, partitions: null });
  return offsets.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0);
}

/** Runs a group of two until `expected` distinct values arrived and are committed; returns what each got. */
async function runGroup(topic: string, group: string, expected: number, committedAfter: number): Promise<string[][]> {
  const received: string[][] = [[], []];
  const consumers = [0, 1].map(
    (i) =>
      new Consumer({
        groupId: group,
        clientId: `plt-matrix-${i}`,
        bootstrapBrokers: k.brokers,
        deserializers: stringDeserializers,
        maxWaitTime: 200,
      }),
  );
  const streams: MessagesStream<string, string, string, string>[] = [];
  try {
    for (const [i, c] of consumers.entries()) {
      const s = await c.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: 100,
        sessionTimeout: 10_000,
        heartbeatInterval: 300,
      });
      s.on('data', (m) => received[i]!.push(m.value as string));
      streams.push(s);
    }
    await eventually(() => new Set(received.flat()).size >= expected, 30_000, `${expected} records consumed`);
    await eventually(
      async () => (await committedTotal(group)) === committedAfter,
      20_000,
      `offsets committed up to ${committedAfter}`,
    );
  } finally {
    await Promise.all(streams.map((s) => s.close()));
    await Promise.all(consumers.map((c) => c.close()));
  }
  return received;
}

describe('@platformatic/kafka (client matrix)', () => {
  it('two idempotent producers at once: distinct producer ids, each acknowledged record stored once', async () => {
    await admin.createTopics({ topics: ['plt-idem'], partitions: 3, replicas: 3 });
    const producers = [0, 1].map(
      (j) =>
        new Producer({
          clientId: `plt-idem-${j}`,
          bootstrapBrokers: k.brokers,
          serializers: stringSerializers,
          idempotent: true,
          acks: -1,
        }),
    );
    const acked: string[] = [];
    await Promise.all(
      producers.map(async (p, j) => {
        for (let round = 0; round < 10; round++) {
          const values = idempotentRound(j, round);
          await p.send({ messages: values.map((value) => ({ topic: 'plt-idem', value })) });
          acked.push(...values);
        }
      }),
    );
    await Promise.all(producers.map((p) => p.close()));
    expect(acked.length).toBe(200);
    await expectStoredOnce(k, 'plt-idem', acked, 2);
  });

  it('a group of two consumes and commits, restarts and resumes where it stopped, losing nothing', async () => {
    await admin.createTopics({ topics: ['plt-resume'], partitions: 4, replicas: 3 });
    await expectGroupResumes(k, 'plt-resume', (expected, committed) =>
      runGroup('plt-resume', 'plt-resume-g', expected, committed),
    );
  });

  it('finds records by timestamp (ListOffsets)', async () => {
    await admin.createTopics({ topics: ['plt-times'], partitions: 1, replicas: 3 });
    const base = Date.now() - 60_000;
    const p = new Producer({
      clientId: 'plt-times',
      bootstrapBrokers: k.brokers,
      serializers: stringSerializers,
      acks: -1,
    });
    await p.send({
      messages: Array.from({ length: 5 }, (_, i) => ({
        topic: 'plt-times',
        partition: 0,
        value: `t${i}`,
        timestamp: BigInt(base + i * 1000),
      })),
    });
    await p.close();
    // ListOffsets looks below the high watermark only, as Kafka does.
    await eventually(() => k.cluster.partitions('plt-times')[0]!.highWatermark === 5, 10_000, 'high watermark at 5');
    const lookup = async (ts: number) =>
      (
        await admin.listOffsets({
          topics: [{ name: 'plt-times', partitions: [{ partitionIndex: 0, timestamp: BigInt(ts) }] }],
        })
      )[0]!.partitions[0]!;
    expect(await lookup(base + 2000)).toMatchObject({ offset: 2n, timestamp: BigInt(base + 2000) });
    expect((await lookup(base + 10_000)).offset).toBe(-1n);
  });

  it('admin: create partitions, describe groups, delete topics', async () => {
    await admin.createTopics({ topics: ['plt-admin'], partitions: 2, replicas: 2 });
    await admin.createPartitions({ topics: [{ name: 'plt-admin', count: 4 }] });
    expect(k.cluster.partitions('plt-admin')).toHaveLength(4);
    const groups = await admin.describeGroups({ groups: ['plt-resume-g'] });
    expect(groups.get('plt-resume-g')!.state).toBe('EMPTY');
    await admin.deleteTopics({ topics: ['plt-admin'] });
    expect(k.cluster.listTopics().map((t) => t.name)).not.toContain('plt-admin');
  });
});
