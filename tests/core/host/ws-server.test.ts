import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, createConnection, type Connection } from '../../../core/api/client';
import { startServe, type ServeHandle } from '../../../core/host/serve';
import { createWsTransport } from '../../../core/api/ws-transport';
import { FakeCluster } from '../../support/fake-cluster';

let handle: ServeHandle;
let staticDir: string;
let dataDir: string;

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'nb-static-'));
  dataDir = mkdtempSync(join(tmpdir(), 'nb-serve-data-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Noticeboard</title>');
  handle = await startServe({
    dataDir,
    brokers: 3,
    host: '127.0.0.1',
    port: 0,
    staticDir,
    version: 'test',
    openCluster: async () => new FakeCluster(3),
    feed: { coalesceMs: 5, metricsIntervalMs: 50 },
  });
});

afterAll(async () => {
  await handle?.close();
  rmSync(staticDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const base = () => `127.0.0.1:${handle.server.port}`;

/** Tries a WebSocket handshake; resolves with the HTTP status of a refusal, or 101 when admitted. */
function handshake(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base()}${path}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: handle.server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve mode security', () => {
  it('binds to loopback and prints a URL carrying the token', () => {
    expect(handle.server.url).toBe(`http://${base()}/?token=${handle.server.token}`);
    expect(handle.server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses the API without a token', async () => {
    expect(await handshake('/api')).toBe(401);
  });

  it('refuses the API with a wrong token', async () => {
    expect(await handshake(`/api?token=${'x'.repeat(handle.server.token.length)}`)).toBe(401);
  });

  it("refuses a WebSocket opened by another site's page (wrong Origin), even with the token", async () => {
    expect(await handshake(`/api?token=${handle.server.token}`, { Origin: 'https://evil.example' })).toBe(403);
    expect(
      await handshake(`/api?token=${handle.server.token}`, { Origin: `http://127.0.0.1:${handle.server.port + 1}` }),
    ).toBe(403);
  });

  it('refuses a request whose Host is another name (DNS rebinding), for the API and the page', async () => {
    const evilHost = `evil.example:${handle.server.port}`;
    expect(await handshake(`/api?token=${handle.server.token}`, { Host: evilHost })).toBe(403);
    expect((await get('/', { Host: evilHost })).status).toBe(403);
  });

  it("admits the server's own page origin and scripts without an Origin", async () => {
    expect(await handshake(`/api?token=${handle.server.token}`, { Origin: `http://${base()}` })).toBe(101);
    expect(
      await handshake(`/api?token=${handle.server.token}`, {
        Origin: `http://localhost:${handle.server.port}`,
        Host: `localhost:${handle.server.port}`,
      }),
    ).toBe(101);
    expect(await handshake(`/api?token=${handle.server.token}`)).toBe(101);
  });

  it('serves the UI with a strict Content-Security-Policy and nothing outside its folder', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Noticeboard');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(page.headers['content-security-policy'])).toContain(`ws://${base()}`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get('/../../../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: handle.server.port, path: '/', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.end('x');
    });
    expect(status).toBe(405);
  });
});

describe('WebSocket API end to end', () => {
  let conn: Connection;

  beforeAll(() => {
    conn = createConnection(
      createWsTransport({ url: handle.server.wsUrl, WebSocket: WebSocket as never, reconnect: false }),
    );
  });
  afterAll(() => conn.transport.close());

  it('answers queries through the typed client', async () => {
    const c = await conn.api.getCluster();
    expect(c.brokers.map((b) => b.status)).toEqual(['running', 'running', 'running']);
    expect(c.controllerId).toBe(0);
    expect(conn.transport.status()).toBe('open');
  });

  it('runs commands and pushes the resulting cluster change', async () => {
    const seen = new Promise<number[]>((resolve) => {
      const off = conn.on('cluster', (change) => {
        const down = change.cluster.brokers.filter((b) => b.status === 'stopped').map((b) => b.id);
        if (down.length) {
          off();
          resolve(down);
        }
      });
    });
    await conn.api.stopBroker({ id: 2 });
    expect(await seen).toEqual([2]);
    await conn.api.startBroker({ id: 2 });
  });

  it('delivers errors as ApiError with Kafka code and name', async () => {
    const err = await conn.api.describeTopic({ name: 'nope' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 3, errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('carries record bytes across as base64 and pushes live records', async () => {
    await conn.api.createTopic({ name: 'ws-live', partitions: 1 });
    const { subscriptionId } = await conn.api.watchRecords({ topic: 'ws-live' });
    const live = new Promise<string>((resolve) =>
      conn.on('records', (e) => e.subscriptionId === subscriptionId && resolve(e.records[0]!.value!)),
    );
    await conn.api.produce({
      topic: 'ws-live',
      encoding: 'base64',
      records: [{ value: Buffer.from([1, 2, 3]).toString('base64') }],
    });
    expect([...Buffer.from(await live, 'base64')]).toEqual([1, 2, 3]);
  });

  it('pushes metric ticks', async () => {
    const tick = await new Promise<{ time: number }>((resolve) => conn.on('metrics', resolve));
    expect(tick.time).toBeGreaterThan(0);
  });

  it('answers a malformed frame with INVALID_REQUEST and keeps the connection', async () => {
    const ws = new WebSocket(handle.server.wsUrl);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<any>((resolve) =>
      ws.on('message', (m) => {
        const f = JSON.parse(String(m));
        if (!('event' in f)) resolve(f);
      }),
    );
    ws.send('not json');
    expect(await reply).toMatchObject({ id: null, ok: false, error: { errorName: 'INVALID_REQUEST' } });
    ws.close();
  });
});

describe('serve mode shutdown', () => {
  it('closes the engine when the server stops', async () => {
    const own = await startServe({
      dataDir,
      brokers: 1,
      host: '127.0.0.1',
      port: 0,
      staticDir: null,
      version: 'test',
      openCluster: async () => new FakeCluster(1),
    });
    await own.close();
    expect((own.cluster as FakeCluster).closed).toBe(true);
    expect(await own.close()).toBeUndefined();
  });
});
