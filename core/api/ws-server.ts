/**
 * Serve mode's transport: one HTTP server that serves the built renderer and
 * upgrades `/api` to a WebSocket speaking the API table. Nothing here knows a
 * method: frames go to an `ApiSession` and its envelopes come back.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { errorCodeOf } from '../errors';
import { contentSecurityPolicy } from './csp';
import type { EngineApi } from './engine-api';
import { HttpGuard } from './http-guard';
import { end, serveStatic } from './static-files';
import { WS_PATH, type CallFrame, type EventFrame, type ReplyFrame } from './ws-protocol';

/** Pushed frames are dropped rather than queued while a client lags this far behind. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_FRAME_BYTES = 32 * 1024 * 1024;

export interface WsServerOptions {
  api: EngineApi;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Folder of the built renderer, or null to serve the API only. */
  staticDir: string | null;
  /** Defaults to a fresh random token. */
  token?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly token: string;
  /** The address to open in a browser, token included. */
  readonly url: string;
  /** The WebSocket endpoint for scripts, token included. */
  readonly wsUrl: string;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function securityHeaders(req: IncomingMessage): Record<string, string> {
  // The Host header has been checked by now, so it names this server.
  const wsSelf = `ws://${req.headers.host ?? '127.0.0.1'}`;
  return {
    'Content-Security-Policy': contentSecurityPolicy({ connectSrc: [wsSelf] }),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The page URL carries the token: never send it anywhere as a Referer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

export async function startWsServer(opts: WsServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const http: Server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolveListen();
    });
  });
  // The guard needs the real port (0 means "pick one"), so it exists only once listening; no request is handled before this continuation runs.
  const port = (http.address() as AddressInfo).port;
  const g = new HttpGuard(opts.host, port, token);

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!g.hostAllowed(req.headers.host)) return end(res, 403, 'Host not allowed');
    const headers = securityHeaders(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, 'Method not allowed', { ...headers, Allow: 'GET, HEAD' });
    if (!opts.staticDir) return end(res, 404, 'This server has no UI; use the WebSocket API at ' + WS_PATH, headers);
    serveStatic(opts.staticDir, req, res, headers).catch(() => {
      if (!res.headersSent) end(res, 500, 'Internal error', headers);
      else res.destroy();
    });
  });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const refusal = url.pathname !== WS_PATH ? { status: 404, reason: 'Not found' } : g.refuseUpgrade(req.headers, url);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${refusal.reason.length}\r\n\r\n${refusal.reason}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveConnection(ws, opts.api));
  });

  const shown = urlHost(opts.host);
  return {
    port,
    host: opts.host,
    token,
    url: `http://${shown}:${port}/?token=${token}`,
    wsUrl: `ws://${shown}:${port}${WS_PATH}?token=${token}`,
    close: () => new Promise<void>((done) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections?.();
      http.close(() => done());
    }),
  };
}

function serveConnection(ws: WebSocket, api: EngineApi): void {
  const send = (frame: ReplyFrame | EventFrame) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  const session = api.openSession((event, data) => {
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    send({ event, data });
  });
  ws.on('message', async (raw, isBinary) => {
    let frame: CallFrame;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(raw.toString());
      if (typeof frame !== 'object' || frame === null || (typeof frame.id !== 'number' && typeof frame.id !== 'string')) throw new Error('shape');
    } catch {
      send({ id: null, ok: false, error: { code: errorCodeOf('INVALID_REQUEST'), errorName: 'INVALID_REQUEST', message: 'Each frame must be a JSON text message {"id", "method", "params"}' } });
      return;
    }
    const envelope = await session.call(frame.method, frame.params);
    send({ id: frame.id, ...envelope });
  });
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
}
