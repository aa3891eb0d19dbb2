/**
 * Hostile input through the API: a produce that says base64 but carries
 * something else is refused with the field named (nothing written), and a
 * user cannot create Kafka's internal topics.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { FakeCluster } from '../../support/fake-cluster';

let cluster: FakeCluster;
let api: EngineApi;
let session: ApiSession;

beforeEach(() => {
  cluster = new FakeCluster(3);
  api = new EngineApi(cluster, {
    transport: 'websocket',
    dataDir: '/tmp/x',
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 20 },
  });
  session = api.openSession(() => undefined);
});

afterEach(() => api.close());

async function call(method: string, input: unknown) {
  return session.call(method, input);
}

async function refused(method: string, input: unknown) {
  const e = await call(method, input);
  if (e.ok) throw new Error(`${method} was accepted`);
  return e.error;
}

async function storedValues(topic: string): Promise<string[]> {
  const e = await call('readRecords', { topic, partition: 0, start: { type: 'earliest' }, limit: 100 });
  if (!e.ok) throw new Error(e.error.message);
  return (e.result as Array<{ value: string }>).map((r) => Buffer.from(r.value, 'base64').toString('hex'));
}

describe('produce with encoding base64', () => {
  beforeEach(async () => {
    const e = await call('createTopic', { name: 'bytes', partitions: 1, replicationFactor: 1 });
    expect(e.ok).toBe(true);
  });

  it.each([
    ['a character outside the alphabet', { value: 'aGVsbG8*' }, 'records[0].value'],
    ['a space inside', { value: 'aGVs bG8=' }, 'records[0].value'],
    ['a length that cannot be base64', { value: 'aGVsb' }, 'records[0].value'],
    ['padding in the middle', { value: 'aG==bG8=' }, 'records[0].value'],
    ['leftover bits that decoding would drop', { value: 'aGVsbG9=' }, 'records[0].value'],
    ['a bad key', { key: '!!!!', value: 'AAEC' }, 'records[0].key'],
    ['a bad header value', { value: 'AAEC', headers: { trace: 'not base64' } }, 'records[0].headers.trace'],
  ])('refuses %s, naming the field, and writes nothing', async (_what, record, field) => {
    const err = await refused('produce', {
      topic: 'bytes',
      encoding: 'base64',
      records: [{ value: 'AAEC' }, record].reverse(),
    });
    expect(err.errorName).toBe('INVALID_REQUEST');
    expect(err.message).toContain(field);
    expect(err.message).toContain('base64');
    expect(await storedValues('bytes')).toEqual([]);
  });

  it('accepts standard and URL-safe base64, with or without padding, and stores the exact bytes', async () => {
    const bytes = Buffer.from([0xfb, 0xff, 0x00, 0x01]);
    const e = await call('produce', {
      topic: 'bytes',
      encoding: 'base64',
      records: [
        { value: bytes.toString('base64') },
        { value: bytes.toString('base64url') },
        { value: '' },
        { value: 'AAEC' },
      ],
    });
    expect(e.ok).toBe(true);
    expect(await storedValues('bytes')).toEqual(['fbff0001', 'fbff0001', '', '000102']);
  });

  it('leaves UTF-8 produce alone: text that is not base64 is text', async () => {
    const e = await call('produce', { topic: 'bytes', records: [{ value: 'not base64!' }] });
    expect(e.ok).toBe(true);
    expect(await storedValues('bytes')).toEqual([Buffer.from('not base64!').toString('hex')]);
  });
});

describe('internal topics', () => {
  it.each(['__consumer_offsets', '__transaction_state'])('refuses creating %s with INVALID_REQUEST', async (name) => {
    const err = await refused('createTopic', { name, partitions: 1, replicationFactor: 1 });
    expect(err.errorName).toBe('INVALID_REQUEST');
    expect(err.message).toContain(`Creation of internal topic ${name} is prohibited`);
    expect(cluster.topics.has(name)).toBe(false);
  });

  it('still lets a user create other names starting with "__", as Kafka does', async () => {
    const e = await call('createTopic', { name: '__audit', partitions: 1, replicationFactor: 1 });
    expect(e.ok).toBe(true);
  });
});
