import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { apiResult } from '../../helpers/api-session';
import { API, METHOD_NAMES, type EventName, type LiveRecords } from '../../../core/api/api';
import { FakeCluster } from '../../support/fake-cluster';

let cluster: FakeCluster;
let api: EngineApi;
let session: ApiSession;
let events: Array<{ event: EventName; payload: unknown }>;

beforeEach(async () => {
  cluster = new FakeCluster(3);
  api = new EngineApi(cluster, {
    transport: 'websocket',
    dataDir: '/tmp/x',
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 20 },
  });
  events = [];
  session = api.openSession((event, payload) => events.push({ event, payload }));
});

afterEach(() => api.close());

const ok = (method: string, input?: unknown) => apiResult(session, method, input);

async function fails(method: string, input: unknown) {
  const e = await session.call(method, input);
  expect(e.ok).toBe(false);
  if (e.ok) throw new Error('unreachable');
  expect(typeof e.error.code).toBe('number');
  expect(e.error.message.length).toBeGreaterThan(0);
  return e.error;
}

describe('API validation', () => {
  it('declares every method with a kind, an input schema and documentation', () => {
    expect(METHOD_NAMES.length).toBeGreaterThan(15);
    for (const name of METHOD_NAMES) {
      expect(['query', 'command']).toContain(API[name].kind);
      expect(typeof API[name].input.safeParse).toBe('function');
      expect(API[name].doc.length).toBeGreaterThan(10);
    }
  });

  it('refuses an unknown method with INVALID_REQUEST', async () => {
    const err = await fails('dropEverything', {});
    expect(err).toMatchObject({ code: 42, errorName: 'INVALID_REQUEST' });
    expect(err.message).toContain('Unknown method');
  });

  it('refuses inherited property names as methods', async () => {
    expect((await fails('constructor', {})).errorName).toBe('INVALID_REQUEST');
    expect((await fails('__proto__', {})).errorName).toBe('INVALID_REQUEST');
  });

  it('names the field and changes nothing when a type is wrong', async () => {
    const err = await fails('createTopic', { name: 'orders', partitions: 'three' });
    expect(err.errorName).toBe('INVALID_REQUEST');
    expect(err.message).toContain('partitions');
    expect(cluster.topics.size).toBe(0);
    expect(cluster.calls).toEqual([]);
  });

  it("uses Kafka's error names where Kafka has one", async () => {
    expect(await fails('createTopic', { name: 'bad name!' })).toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
      code: 17,
    });
    expect(await fails('createTopic', { name: 'ok', partitions: 0 })).toMatchObject({
      errorName: 'INVALID_PARTITIONS',
      code: 37,
    });
    expect(await fails('createTopic', { name: 'ok', replicationFactor: 0 })).toMatchObject({
      errorName: 'INVALID_REPLICATION_FACTOR',
      code: 38,
    });
    expect(await fails('createPartitions', { topic: 'ok', totalCount: -1 })).toMatchObject({
      errorName: 'INVALID_PARTITIONS',
    });
    expect(cluster.calls).toEqual([]);
  });

  it('refuses unknown fields, so a typo is not silently ignored', async () => {
    const err = await fails('deleteTopic', { name: 'orders', force: true });
    expect(err.errorName).toBe('INVALID_REQUEST');
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a non-object input', async () => {
    expect((await fails('listTopics', 'all')).errorName).toBe('INVALID_REQUEST');
    expect((await fails('produce', [1, 2])).errorName).toBe('INVALID_REQUEST');
  });

  it("passes the engine's own errors through with code, name and message", async () => {
    await ok('createTopic', { name: 'orders', partitions: 2, replicationFactor: 3 });
    expect(await fails('createTopic', { name: 'orders' })).toMatchObject({
      code: 36,
      errorName: 'TOPIC_ALREADY_EXISTS',
    });
    expect(await fails('describeTopic', { name: 'missing' })).toMatchObject({
      code: 3,
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(await fails('alterConfigs', { topic: 'orders', set: { 'no.such.config': '1' } })).toMatchObject({
      errorName: 'INVALID_CONFIG',
    });
    expect(cluster.describeConfigs('orders').every((c) => c.isDefault)).toBe(true);
  });

  it('turns unexpected failures into UNKNOWN_SERVER_ERROR with the message kept', async () => {
    cluster.describeCluster = () => {
      throw new TypeError('boom');
    };
    expect(await fails('getCluster', {})).toMatchObject({
      code: -1,
      errorName: 'UNKNOWN_SERVER_ERROR',
      message: 'boom',
    });
  });
});

describe('API results', () => {
  it('accepts a missing input for methods without arguments', async () => {
    const c = await ok('getCluster');
    expect(c.brokers).toHaveLength(3);
    expect((await ok('getServerInfo')).transport).toBe('websocket');
  });

  it('produces UTF-8 or base64 and reads records back as base64 DTOs', async () => {
    await ok('createTopic', { name: 'orders', partitions: 1 });
    await ok('produce', { topic: 'orders', records: [{ key: 'k1', value: 'héllo', headers: { trace: 'abc' } }] });
    await ok('produce', {
      topic: 'orders',
      encoding: 'base64',
      records: [{ key: null, value: Buffer.from([0, 1, 255]).toString('base64') }],
    });
    const records = await ok('readRecords', { topic: 'orders', start: { type: 'earliest' }, limit: 10 });
    expect(records).toHaveLength(2);
    expect(Buffer.from(records[0].value, 'base64').toString()).toBe('héllo');
    expect(records[0].headers).toEqual([{ key: 'trace', value: Buffer.from('abc').toString('base64') }]);
    expect(records[1].key).toBeNull();
    expect([...Buffer.from(records[1].value, 'base64')]).toEqual([0, 1, 255]);
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);
  });

  it('stops and starts brokers', async () => {
    await ok('stopBroker', { id: 2 });
    expect((await ok('listBrokers')).find((b: any) => b.id === 2).status).toBe('stopped');
    await ok('startBroker', { id: 2 });
    expect(cluster.calls).toEqual(['stopBroker:2', 'startBroker:2']);
  });
});

describe('API events', () => {
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(pred()).toBe(true);
  };

  it('pushes one coalesced cluster event for a burst of engine changes', async () => {
    await ok('createTopic', { name: 'a', partitions: 3 });
    await ok('stopBroker', { id: 1 });
    await waitFor(() => events.some((e) => e.event === 'cluster'));
    await new Promise((r) => setTimeout(r, 30));
    const changes = events.filter((e) => e.event === 'cluster').map((e) => e.payload as any);
    expect(changes.length).toBeLessThanOrEqual(2);
    const last = changes.at(-1);
    expect(last.cluster.brokers.find((b: any) => b.id === 1).status).toBe('stopped');
    expect(last.kinds).toContain('broker');
  });

  it('ticks metrics and keeps a history', async () => {
    await waitFor(() => events.filter((e) => e.event === 'metrics').length >= 2);
    const history = await ok('getMetricsHistory', { seconds: 600 });
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history[0]).toHaveProperty('messagesInPerSec');
  });

  it('delivers live records only to the connection that watches, until it unwatches', async () => {
    const other: unknown[] = [];
    api.openSession((e, p) => other.push([e, p]));
    await ok('createTopic', { name: 'live', partitions: 2 });
    await ok('produce', { topic: 'live', records: [{ value: 'before' }] });
    const { subscriptionId } = await ok('watchRecords', { topic: 'live' });
    await ok('produce', { topic: 'live', records: [{ value: 'one' }, { value: 'two' }] });
    await waitFor(() => events.some((e) => e.event === 'records'));
    const got = events.filter((e) => e.event === 'records').flatMap((e) => (e.payload as LiveRecords).records);
    expect(got.map((r) => Buffer.from(r.value!, 'base64').toString()).sort()).toEqual(['one', 'two']);
    expect(other.some((o) => (o as [string])[0] === 'records')).toBe(false);

    await ok('unwatchRecords', { subscriptionId });
    events.length = 0;
    await ok('produce', { topic: 'live', records: [{ value: 'three' }] });
    await new Promise((r) => setTimeout(r, 200));
    expect(events.some((e) => e.event === 'records')).toBe(false);
  });

  it('stops pushing to a closed session', async () => {
    session.close();
    events.length = 0;
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
  });
});
