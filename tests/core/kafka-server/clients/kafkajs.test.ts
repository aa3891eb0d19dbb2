/**
 * kafkajs 2.2.4 in the client matrix. Its codecs without plugins are none and
 * gzip (snappy, lz4 and zstd need third-party codec packages); its admin calls
 * are in tests/core/kafka-server/kafkajs-admin.test.ts. Here: both codecs stored as
 * sent, two idempotent producers at once, a group of two that commits,
 * restarts and resumes, and offsets by timestamp.
 */
import { CompressionTypes, Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../helpers/temp-cluster';
import { startKafka, type TestKafka } from '../helpers';
import {
  CODEC_IDS,
  expectGroupResumes,
  expectStoredOnce,
  idempotentRound,
  storedBatches,
  storedValues,
} from './helpers';

let k: TestKafka;
let kafka: Kafka;

beforeAll(async () => {
  k = await startKafka();
  kafka = new Kafka({ clientId: 'kafkajs-matrix', brokers: k.brokers, logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await k?.stop();
});

async function committedTotal(group: string): Promise<number> {
  const { offsets } = await k.groups!.coordinator.fetchOffsets({ groupId: group, partitions: null });
  return offsets.reduce((n, o) => n + Math.max(0, Number(o.offset)), 0);
}

async function runGroup(topic: string, group: string, expected: number, committedAfter: number): Promise<string[][]> {
  const received: string[][] = [[], []];
  const consumers: Consumer[] = [0, 1].map(() =>
    kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 }),
  );
  try {
    for (const [i, c] of consumers.entries()) {
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        autoCommitInterval: 100,
        eachMessage: async ({ message }) => {
          received[i]!.push(message.value!.toString());
        },
      });
    }
    await eventually(() => new Set(received.flat()).size >= expected, 30_000, `${expected} records consumed`);
    await eventually(
      async () => (await committedTotal(group)) === committedAfter,
      20_000,
      `offsets committed up to ${committedAfter}`,
    );
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect()));
  }
  return received;
}

describe('kafkajs (client matrix)', () => {
  for (const [codec, type] of [
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
  ] as const) {
    it(`produces with ${codec} and the broker stores ${codec} batches`, async () => {
      const topic = `kjs-${codec}`;
      await k.cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
      const p = kafka.producer();
      await p.connect();
      await p.send({
        topic,
        compression: type,
        messages: Array.from({ length: 30 }, (_, i) => ({ value: `${codec} ${i}` })),
      });
      await p.disconnect();
      expect(new Set((await storedBatches(k, topic)).map((b) => b.codec))).toEqual(new Set([CODEC_IDS[codec]]));
      expect((await storedValues(k, topic)).length).toBe(30);
    });
  }

  it('two idempotent producers at once: distinct producer ids, each acknowledged record stored once', async () => {
    await k.cluster.createTopic({ name: 'kjs-idem', partitions: 3, replicationFactor: 3 });
    const producers = [0, 1].map(() => kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
    const acked: string[] = [];
    await Promise.all(
      producers.map(async (p, j) => {
        await p.connect();
        for (let round = 0; round < 10; round++) {
          const values = idempotentRound(j, round);
          await p.send({ topic: 'kjs-idem', acks: -1, messages: values.map((value) => ({ value })) });
          acked.push(...values);
        }
        await p.disconnect();
      }),
    );
    await expectStoredOnce(k, 'kjs-idem', acked, 2);
  });

  it('a group of two consumes and commits, restarts and resumes where it stopped, losing nothing', async () => {
    await k.cluster.createTopic({ name: 'kjs-resume', partitions: 4, replicationFactor: 3 });
    await expectGroupResumes(k, 'kjs-resume', (expected, committed) =>
      runGroup('kjs-resume', 'kjs-resume-g', expected, committed),
    );
  });

  it('finds records by timestamp (ListOffsets)', async () => {
    await k.cluster.createTopic({ name: 'kjs-times', partitions: 1, replicationFactor: 3 });
    const base = Date.now() - 60_000;
    const p = kafka.producer();
    await p.connect();
    await p.send({
      topic: 'kjs-times',
      messages: Array.from({ length: 5 }, (_, i) => ({
        partition: 0,
        value: `t${i}`,
        timestamp: String(base + i * 1000),
      })),
    });
    await p.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchTopicOffsetsByTimestamp('kjs-times', base + 2000)).toEqual([
        { partition: 0, offset: '2' },
      ]);
    } finally {
      await admin.disconnect();
    }
  });
});
