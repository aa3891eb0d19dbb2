/**
 * SASL when the cluster is started with users: kafkajs authenticates with
 * PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 and works normally; a wrong
 * password or an unknown user is refused with SASL_AUTHENTICATION_FAILED; a
 * request before authentication closes the connection; @platformatic/kafka
 * authenticates with SCRAM-SHA-512.
 */
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEYS } from '../../../core/protocol/index';
import { RawClient, startKafka, within, type TestKafka } from './helpers';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka({
    groups: false,
    listeners: {
      users: [
        { username: 'alice', password: 'alice-secret' },
        { username: 'bob', password: 'bob-secret', mechanisms: ['PLAIN'] },
      ],
    },
  });
});

afterAll(async () => {
  await k?.stop();
});

function client(sasl: SASLOptions): Kafka {
  return new Kafka({
    clientId: 'sasl-test',
    brokers: k.brokers,
    sasl,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

describe('SASL', () => {
  it('advertises the SASL APIs and the mechanisms', async () => {
    const c = await RawClient.connect(k.port(0));
    const v = await c.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(v.apiKeys.find((a) => a.apiKey === API_KEYS.SaslHandshake)).toMatchObject({ minVersion: 0, maxVersion: 1 });
    const h = await c.request(API_KEYS.SaslHandshake, 1, { mechanism: 'GSSAPI' });
    expect(h.errorCode).toBe(33); // UNSUPPORTED_SASL_MECHANISM
    expect(h.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    c.close();
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`authenticates kafkajs with ${mechanism} and serves it`, async () => {
      const kafka = client({ mechanism, username: 'alice', password: 'alice-secret' } as SASLOptions);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: `sasl-${mechanism}`, numPartitions: 1 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: `sasl-${mechanism}`, messages: [{ value: 'secret' }] });
      await producer.disconnect();
      await admin.disconnect();
      expect(k.cluster.partitions(`sasl-${mechanism}`)[0]!.highWatermark).toBe(1);
      expect(k.logs.some((l) => l.type === 'authenticated' && l.message.includes('alice'))).toBe(true);
    });

    it(`refuses a wrong password with ${mechanism}`, async () => {
      const admin = client({ mechanism, username: 'alice', password: 'wrong' } as SASLOptions).admin();
      await expect(admin.connect()).rejects.toThrow(/SASL|[Aa]uthentication/);
    });
  }

  it('refuses an unknown user and a mechanism the user may not use', async () => {
    await expect(
      client({ mechanism: 'scram-sha-256', username: 'mallory', password: 'x' }).admin().connect(),
    ).rejects.toThrow();
    await expect(
      client({ mechanism: 'scram-sha-256', username: 'bob', password: 'bob-secret' }).admin().connect(),
    ).rejects.toThrow();
    const ok = client({ mechanism: 'plain', username: 'bob', password: 'bob-secret' }).admin();
    await ok.connect();
    await ok.disconnect();
    expect(k.logs.filter((l) => l.type === 'auth-failed').length).toBeGreaterThanOrEqual(3);
  });

  it('closes a connection that sends a request before authenticating', async () => {
    const c = await RawClient.connect(k.port(1));
    c.send(API_KEYS.Metadata, 12, { topics: null });
    expect((await within(c.closed, 2000)).done).toBe(true);
    expect(k.logs.some((l) => l.type === 'unauthenticated')).toBe(true);
  });

  it('authenticates @platformatic/kafka with SCRAM-SHA-512', async () => {
    const admin = new Admin({
      clientId: 'plt-sasl',
      bootstrapBrokers: k.brokers,
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' },
    });
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['sasl-plain']));
    await admin.close();
  });
});
