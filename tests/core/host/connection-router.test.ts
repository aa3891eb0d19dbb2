/**
 * Connections in serve mode: the store keeps non-secret fields in connections.json and secrets in a 0600 file,
 * never returns a secret; the router sends each call to its connection's API (the sandbox first, a remote one
 * opened lazily and closed on edit, remove and close), refuses cluster-changing calls on a read-only connection
 * and sandbox-only calls on a remote one, keeps cluster events to the selected connection, and without a remote
 * client says so in words.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, MethodName } from '../../../core/api/api';
import { ConnectionRouter, type RemoteClients } from '../../../core/host/connection-router';
import { ConnectionStore } from '../../../core/host/connection-store';
import type { ConnectionTestResult, RemoteCluster, RemoteConnectionConfig } from '../../../core/remote';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { tempDir } from '../../helpers/temp-cluster';
import { FakeCluster } from '../../support/fake-cluster';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A FakeCluster dressed as a RemoteCluster: the router only needs the ports and close(). */
function fakeRemote(): FakeCluster & RemoteCluster {
  const c = new FakeCluster(3) as FakeCluster & RemoteCluster;
  Object.assign(c, {
    remote: true,
    admin: {
      listGroups: () => [],
      describeGroup: () => null,
      lag: () => [],
      deleteGroup: async () => undefined,
      deleteOffsets: async () => undefined,
      resetOffsets: async () => [],
    },
    lagSampler: null,
    consumer: () => {
      throw new Error('no consumers on a remote cluster in this test');
    },
    refreshMetadata: async () => undefined,
    sampleLagOf: () => undefined,
  });
  return c;
}

function setup(opts: { remote?: boolean } = {}) {
  const dir = tempDir('noticeboard-connections-');
  const sandboxCluster = new FakeCluster(3);
  const sandbox = new EngineApi(sandboxCluster, {
    transport: 'websocket',
    dataDir: dir.path,
    version: 't',
    feed: { coalesceMs: 5, metricsIntervalMs: 20 },
  });
  const opened: Array<{ config: RemoteConnectionConfig; cluster: FakeCluster & RemoteCluster }> = [];
  const tested: RemoteConnectionConfig[] = [];
  const remote: RemoteClients = {
    open: async (config) => {
      const cluster = fakeRemote();
      opened.push({ config, cluster });
      return cluster;
    },
    test: async (config): Promise<ConnectionTestResult> => {
      tested.push(config);
      return config.sasl?.password === 'right'
        ? { ok: true, stage: 'metadata', message: 'Connected: 3 brokers', elapsedMs: 1 }
        : { ok: false, stage: 'sasl', message: 'SASL: authentication failed (bad credentials)', elapsedMs: 1 };
    },
  };
  const store = new ConnectionStore(dir.path);
  const router = new ConnectionRouter({
    sandbox,
    store,
    remote: opts.remote === false ? null : remote,
    transport: 'websocket',
    dataDir: dir.path,
    version: 't',
    sandboxBootstrap: () => '127.0.0.1:9092',
    sandboxSecurity: undefined,
  });
  cleanups.push(async () => {
    await router.close();
    sandbox.close();
    await sandboxCluster.close();
    dir.remove();
  });
  const events: Array<[EventName, unknown]> = [];
  const session = router.openSession((e, p) => events.push([e, p]));
  cleanups.push(() => session.close());
  return { dir: dir.path, sandboxCluster, store, router, session, opened, tested, events };
}

async function ok<T = unknown>(s: ApiSession, method: MethodName, input: unknown = {}, connection?: string) {
  const r = await s.call(method, input, connection);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.errorName}: ${r.error.message}`);
  return r.result as T;
}

async function fails(s: ApiSession, method: MethodName, input: unknown = {}, connection?: string) {
  const r = await s.call(method, input, connection);
  if (r.ok) throw new Error(`${method} succeeded`);
  return r.error;
}

const prod = {
  name: 'Production',
  color: 'red',
  bootstrapServers: ['kafka-1.example.com:9093'],
  securityProtocol: 'SASL_SSL',
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'ops', password: 'hunter2-secret' },
  tls: {
    ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    cert: '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
    key: '-----BEGIN PRIVATE KEY-----\nsecret-key-bytes\n-----END PRIVATE KEY-----\n',
  },
};

describe('connection store (serve mode)', () => {
  it('keeps secrets out of connections.json and out of every answer, in a 0600 file', async () => {
    const t = setup();
    const added = await ok<{ id: string; sasl: unknown; tls: unknown }>(t.session, 'addConnection', prod);
    expect(added.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'ops', hasPassword: true });
    expect(added.tls).toEqual({ hasCa: true, hasCert: true, hasKey: true, rejectUnauthorized: true, servername: null });
    const list = await ok<{ connections: Array<{ id: string; name: string }>; selected: string }>(
      t.session,
      'listConnections',
    );
    expect(list.connections.map((c) => c.name)).toEqual(['Local sandbox', 'Production']);
    expect(list.connections[0]!.id).toBe('sandbox');
    expect(list.selected).toBe('sandbox');
    const everything = JSON.stringify([added, list]);
    expect(everything).not.toContain('hunter2-secret');
    expect(everything).not.toContain('secret-key-bytes');
    const publicFile = readFileSync(join(t.dir, 'connections.json'), 'utf8');
    expect(publicFile).toContain('kafka-1.example.com:9093');
    expect(publicFile).not.toContain('hunter2-secret');
    expect(publicFile).not.toContain('secret-key-bytes');
    const secretPath = join(t.dir, 'connection-secrets.json');
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretPath, 'utf8')).toContain('hunter2-secret');
    // A fresh store (the next start) reads both back.
    const again = new ConnectionStore(t.dir);
    expect((await again.remoteConfig(added.id)).sasl?.password).toBe('hunter2-secret');
  });

  it('edits keep a password left out, replace one given, and removing forgets both files', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', prod);
    await ok(t.session, 'editConnection', { id, name: 'Prod EU', sasl: { mechanism: 'PLAIN', username: 'ops' } });
    expect((await t.store.remoteConfig(id)).sasl).toEqual({
      mechanism: 'PLAIN',
      username: 'ops',
      password: 'hunter2-secret',
    });
    await ok(t.session, 'editConnection', { id, sasl: { mechanism: 'PLAIN', username: 'ops', password: 'new-one' } });
    expect((await t.store.remoteConfig(id)).sasl?.password).toBe('new-one');
    await ok(t.session, 'removeConnection', { id });
    expect(readFileSync(join(t.dir, 'connections.json'), 'utf8')).not.toContain(id);
    expect(readFileSync(join(t.dir, 'connection-secrets.json'), 'utf8')).not.toContain('new-one');
  });

  it('refuses bad input with the field at fault and changes nothing', async () => {
    const t = setup();
    expect(await fails(t.session, 'addConnection', { ...prod, bootstrapServers: ['no-port'] })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      field: 'bootstrapServers[0]',
    });
    expect(await fails(t.session, 'addConnection', { ...prod, sasl: undefined })).toMatchObject({ field: 'sasl' });
    const noPassword = { ...prod, sasl: { mechanism: 'PLAIN', username: 'ops' } };
    expect(await fails(t.session, 'addConnection', noPassword)).toMatchObject({ field: 'sasl.password' });
    expect(await fails(t.session, 'addConnection', { ...prod, tls: { ca: 'not pem' } })).toMatchObject({
      field: 'tls.ca',
    });
    await ok(t.session, 'addConnection', prod);
    expect(await fails(t.session, 'addConnection', prod)).toMatchObject({ field: 'name' });
    expect(await fails(t.session, 'removeConnection', { id: 'sandbox' })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    const list = await ok<{ connections: unknown[] }>(t.session, 'listConnections');
    expect(list.connections).toHaveLength(2);
  });

  it('refuses a connections file that does not parse, naming it', async () => {
    const t = setup();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(t.dir, 'connections.json'), '{ broken');
    const err = await fails(t.session, 'listConnections');
    expect(err.message).toMatch(/connections file .*connections\.json is not valid JSON/);
    expect(readFileSync(join(t.dir, 'connections.json'), 'utf8')).toBe('{ broken');
  });
});

describe('connection router', () => {
  it('routes calls by connection: the selected one, or the one a frame names', async () => {
    const t = setup();
    await t.sandboxCluster.createTopic({ name: 'sandbox-topic', partitions: 1, replicationFactor: 1 });
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', {
      ...prod,
      securityProtocol: 'SSL',
      sasl: null,
    });
    expect(t.opened).toHaveLength(0); // lazily: nothing opened by saving
    await ok(t.session, 'createTopic', { name: 'remote-topic', partitions: 2 }, id);
    expect(t.opened).toHaveLength(1);
    expect(t.opened[0]!.config).toMatchObject({
      bootstrapServers: ['kafka-1.example.com:9093'],
      securityProtocol: 'SSL',
    });
    expect(t.opened[0]!.config.tls?.key).toContain('secret-key-bytes');
    const names = (l: Array<{ name: string }>) => l.map((x) => x.name);
    expect(names(await ok(t.session, 'listTopics'))).toEqual(['sandbox-topic']);
    expect(names(await ok(t.session, 'listTopics', {}, id))).toEqual(['remote-topic']);
    await ok(t.session, 'selectConnection', { id });
    expect(names(await ok(t.session, 'listTopics'))).toEqual(['remote-topic']);
    expect(names(await ok(t.session, 'listTopics', {}, 'sandbox'))).toEqual(['sandbox-topic']);
    expect((await ok<{ selected: string }>(t.session, 'listConnections')).selected).toBe(id);
    expect(t.opened).toHaveLength(1); // one client, kept while used
  });

  it('refuses cluster-changing calls on a read-only connection, but allows reads and dry runs', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', { ...prod, readOnly: true });
    for (const [method, input] of [
      ['deleteTopic', { name: 'x' }],
      ['createTopic', { name: 'x' }],
      ['produce', { topic: 'x', records: [{ value: 'v' }] }],
      ['resetGroupOffsets', { groupId: 'g', to: { type: 'earliest' } }],
      ['deleteGroup', { groupId: 'g' }],
      ['alterConfigs', { topic: 'x', set: { 'retention.ms': '1' } }],
      ['deleteRecords', { topic: 'x', partition: 0, beforeOffset: -1 }],
    ] as const) {
      const err = await fails(t.session, method, input, id);
      expect(err.errorName, method).toBe('CLUSTER_AUTHORIZATION_FAILED');
      expect(err.message).toMatch(/Connection "Production" is read-only/);
    }
    expect(t.opened).toHaveLength(0); // refused before the cluster is reached
    await ok(t.session, 'createTopic', { name: 'checked', validateOnly: true }, id);
    expect(await ok(t.session, 'listTopics', {}, id)).toEqual([]);
  });

  it('refuses sandbox-only calls on a remote connection with words, and serves them on the sandbox', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', prod);
    expect((await fails(t.session, 'stopBroker', { id: 1 }, id)).message).toMatch(
      /Local sandbox only.*never stops, kills or starts the brokers of a real cluster/,
    );
    expect(
      (await fails(t.session, 'startWorkload', { ratePerSec: 1, consumers: 1, processingDelayMs: 0 }, id)).message,
    ).toMatch(/workload simulator runs on the Local sandbox only/);
    await ok(t.session, 'stopBroker', { id: 1 });
    expect(t.sandboxCluster.status.get(1)).toBe('stopped');
  });

  it('sends cluster events from the selected connection only', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', prod);
    await ok(t.session, 'listTopics', {}, id); // opens the remote and this session's sub-session on it
    await ok(t.session, 'selectConnection', { id });
    t.events.length = 0;
    // The sandbox gets 3 topics, the remote 1: every cluster event this session sees must count 1.
    for (const name of ['s1', 's2', 's3'])
      await t.sandboxCluster.createTopic({ name, partitions: 1, replicationFactor: 1 });
    await t.opened[0]!.cluster.createTopic({ name: 'only-in-remote', partitions: 1, replicationFactor: 1 });
    const counts = () =>
      t.events.filter(([e]) => e === 'cluster').map(([, p]) => (p as { cluster: { topics: number } }).cluster.topics);
    await expect.poll(counts, { timeout: 10_000 }).toContain(1);
    // Give the sandbox's feed (5 ms windows) time to have pushed, had it been let through.
    await expect.poll(() => t.events.length, { timeout: 10_000 }).toBeGreaterThan(3);
    expect(counts().every((n) => n === 1)).toBe(true);
    await ok(t.session, 'selectConnection', { id: 'sandbox' });
    await t.sandboxCluster.createTopic({ name: 's4', partitions: 1, replicationFactor: 1 });
    await expect.poll(counts, { timeout: 10_000 }).toContain(4);
  });

  it('closes a remote client on edit (reopened with the new settings) and on remove (sessions fall back)', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', prod);
    await ok(t.session, 'selectConnection', { id });
    await ok(t.session, 'listTopics');
    await ok(t.session, 'editConnection', { id, bootstrapServers: ['kafka-2.example.com:9093'] });
    expect(t.opened[0]!.cluster.closed).toBe(true);
    await ok(t.session, 'listTopics');
    expect(t.opened).toHaveLength(2);
    expect(t.opened[1]!.config.bootstrapServers).toEqual(['kafka-2.example.com:9093']);
    await ok(t.session, 'removeConnection', { id });
    expect(t.opened[1]!.cluster.closed).toBe(true);
    expect((await ok<{ selected: string }>(t.session, 'listConnections')).selected).toBe('sandbox');
    expect(await fails(t.session, 'listTopics', {}, id)).toMatchObject({ errorName: 'INVALID_REQUEST' });
  });

  it('tests a draft with the saved secrets filling in, and a saved connection by id', async () => {
    const t = setup();
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', {
      ...prod,
      sasl: { ...prod.sasl, password: 'right' },
    });
    expect(await ok(t.session, 'testConnection', { id })).toMatchObject({ ok: true, stage: 'metadata' });
    const draft = { ...prod, sasl: { mechanism: 'SCRAM-SHA-512', username: 'ops' } };
    expect(await ok(t.session, 'testConnection', { id, draft })).toMatchObject({ ok: true });
    const wrong = await ok(t.session, 'testConnection', { draft: { ...prod, name: 'Other' } });
    expect(wrong).toMatchObject({ ok: false, stage: 'sasl', message: 'SASL: authentication failed (bad credentials)' });
    expect(t.tested.map((c) => c.sasl?.password)).toEqual(['right', 'right', 'hunter2-secret']);
  });

  it('without a remote client, remote calls fail with words and the sandbox keeps working', async () => {
    const t = setup({ remote: false });
    const { id } = await ok<{ id: string }>(t.session, 'addConnection', prod);
    const err = await fails(t.session, 'listTopics', {}, id);
    expect(err.errorName).toBe('BROKER_NOT_AVAILABLE');
    expect(err.message).toMatch(/not available for remote connections yet/);
    expect((await fails(t.session, 'testConnection', { id })).message).toMatch(
      /not available for remote connections yet/,
    );
    expect(await ok(t.session, 'listTopics')).toEqual([]);
  });

  it('a frame naming an unknown connection is refused', async () => {
    const t = setup();
    expect(await fails(t.session, 'listTopics', {}, 'nope')).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(await fails(t.session, 'listTopics', {}, 42 as unknown as string)).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
  });
});
