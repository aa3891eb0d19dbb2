/**
 * Serve mode's access token is kept in the data folder (0600), the same on every start, and replaced on request:
 * the old token is refused from then on and the connections it admitted are closed after their last reply.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, createConnection } from '../../../core/api/client';
import { createWsTransport } from '../../../core/api/ws-transport';
import { accessTokenPath, loadAccessToken } from '../../../core/host/access-token';
import { startServe, type ServeHandle } from '../../../core/host/serve';
import { TOKEN_CHANGED_CLOSE_CODE } from '../../../core/host/ws-server';
import { FakeCluster } from '../../support/fake-cluster';

const dirs: string[] = [];
const handles: ServeHandle[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nb-token-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serve(dataDir: string): Promise<ServeHandle> {
  const h = await startServe({
    dataDir,
    brokers: 1,
    host: '127.0.0.1',
    port: 0,
    staticDir: null,
    version: 'test',
    openCluster: async () => new FakeCluster(1),
  });
  handles.push(h);
  return h;
}

function tokenStatus(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api?token=${encodeURIComponent(token)}` }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('the access token file', () => {
  it('is created with mode 0600 and read back unchanged on the next start', async () => {
    const dir = tempDir();
    const first = await loadAccessToken(dir);
    expect(first).toMatch(/^[\w-]{32}$/);
    expect(mode(accessTokenPath(dir))).toBe(0o600);
    expect(readFileSync(accessTokenPath(dir), 'utf8').trim()).toBe(first);
    expect(await loadAccessToken(dir)).toBe(first);
  });

  it('is tightened to 0600 when found readable by others', async () => {
    const dir = tempDir();
    const token = await loadAccessToken(dir);
    chmodSync(accessTokenPath(dir), 0o644);
    expect(await loadAccessToken(dir)).toBe(token);
    expect(mode(accessTokenPath(dir))).toBe(0o600);
  });

  it('is replaced by a new token when it does not hold one', async () => {
    const dir = tempDir();
    writeFileSync(accessTokenPath(dir), 'short\n');
    const token = await loadAccessToken(dir);
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(readFileSync(accessTokenPath(dir), 'utf8').trim()).toBe(token);
  });
});

describe('serve mode with a stored token', () => {
  it('keeps the token across restarts with the same data folder', async () => {
    const dir = tempDir();
    const a = await serve(dir);
    const token = a.server.token;
    await a.close();
    const b = await serve(dir);
    expect(b.server.token).toBe(token);
    expect(b.server.url).toContain(`token=${token}`);
    expect((await b.api.openSession(() => {}).call('getServerInfo', {})).ok).toBe(true);
  });

  it('answers a plain GET of the API path with 204 for its token and 401 for any other', async () => {
    const h = await serve(tempDir());
    expect(await tokenStatus(h.server.port, h.server.token)).toBe(204);
    expect(await tokenStatus(h.server.port, 'x'.repeat(32))).toBe(401);
    expect(await tokenStatus(h.server.port, '')).toBe(401);
  });

  it('regenerates the token on request: the caller gets the reply, then every socket is closed', async () => {
    const dir = tempDir();
    const h = await serve(dir);
    const old = h.server.token;
    const ws = new WebSocket(h.server.wsUrl);
    ws.on('error', () => undefined);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const conn = createConnection(
      createWsTransport({ url: h.server.wsUrl, WebSocket: WebSocket as never, reconnect: false }),
    );
    const info = await conn.api.getServerInfo();
    expect(info.accessTokenFile).toBe(accessTokenPath(dir));
    await new Promise<void>((resolve) =>
      ws.readyState === WebSocket.OPEN ? resolve() : ws.once('open', () => resolve()),
    );

    const { token, file } = await conn.api.regenerateAccessToken();
    expect(token).not.toBe(old);
    expect(file).toBe(accessTokenPath(dir));
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(mode(file)).toBe(0o600);
    expect(await closed).toBe(TOKEN_CHANGED_CLOSE_CODE);
    expect(await tokenStatus(h.server.port, old)).toBe(401);
    expect(await tokenStatus(h.server.port, token)).toBe(204);
    expect(h.server.wsUrl).toContain(`token=${token}`);
    conn.transport.close();
    // And it is the one the next start uses.
    await h.close();
    expect((await serve(dir)).server.token).toBe(token);
  });

  it('has no token to regenerate in the desktop app (no serve mode around the API)', async () => {
    const cluster = new FakeCluster(1);
    const { EngineApi } = await import('../../../core/service/engine-api');
    const api = new EngineApi(cluster, { transport: 'ipc', dataDir: tempDir(), version: 'test' });
    try {
      const reply = await api.openSession(() => {}).call('regenerateAccessToken', {});
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(new ApiError(reply.error).errorName).toBe('INVALID_REQUEST');
    } finally {
      api.close();
      await cluster.close();
    }
  });
});
