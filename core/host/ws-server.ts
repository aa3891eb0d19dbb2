/**
 * Serve mode's transport: one HTTP server that serves the built renderer and
 * upgrades `/api` to a WebSocket speaking the API table. Nothing here knows a
 * method: frames go to an `ApiSession` and its envelopes come back.
 *
 * Backpressure, per connection, so a client that sends calls and never reads
 * the replies costs a bounded amount of memory:
 * - at most MAX_CALLS_IN_FLIGHT calls run at once; the rest wait, in arrival
 *   order, as the raw frames they came in;
 * - no waiting call starts while the socket holds more than
 *   MAX_BUFFERED_BYTES of unsent data (replies and events), so what is
 *   buffered stays under that budget plus the replies of the calls in flight;
 * - while more than MAX_QUEUED_CALLS wait, the socket is not read, so TCP
 *   pushes back on the client instead of its frames piling up here;
 * - pushed events are dropped rather than queued past the budget (they carry
 *   state a later event or call restates), replies never are;
 * - on close everything queued is dropped and the session closed; replies of
 *   calls still running go nowhere.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { asKafkaError, errorCodeOf } from '../errors';
import { exportSpecFromQuery } from '../service/record-export';
import { contentSecurityPolicy } from './csp';
import type { ApiHost, ExportJob } from '../service/engine-api';
import { HttpGuard } from './http-guard';
import { serveImport } from './import-upload';
import { end, serveStatic } from './static-files';
import {
  EXPORT_PATH,
  IMPORT_PATH,
  WS_PATH,
  type CallFrame,
  type EventFrame,
  type ReplyFrame,
} from '../api/ws-protocol';

/** Unsent bytes per connection past which events are dropped and no waiting call starts. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_CALLS_IN_FLIGHT = 8;
const MAX_QUEUED_CALLS = 64;
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Close code of the WebSockets ended by a token change (4000-4999 are the application's own). */
export const TOKEN_CHANGED_CLOSE_CODE = 4001;

export interface WsServerOptions {
  /** The connection router (or one EngineApi): a frame's `connection` picks the connection a call goes to. */
  api: ApiHost;
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
  /**
   * Admits only `token` from now on. Open WebSockets were admitted on the old one: they are closed (code
   * TOKEN_CHANGED_CLOSE_CODE) once the replies already queued on them, such as the one to the call that asked
   * for the change, are sent.
   */
  setToken(token: string): void;
  /** Per open WebSocket: unsent bytes, calls running and calls waiting (diagnostics and tests). */
  connections(): ConnectionLoad[];
  close(): Promise<void>;
}

export interface ConnectionLoad {
  bufferedBytes: number;
  inFlight: number;
  queued: number;
  /** Whether the socket is not read because too many calls wait. */
  paused: boolean;
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

/**
 * Downloads of stored records (EXPORT_PATH, core/service/record-export.ts): GET with the token, from a script or this
 * server's page.
 */
async function serveExport(
  api: ApiHost,
  g: HttpGuard,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const noStore = { ...headers, 'Cache-Control': 'no-store' };
  if (!g.originAllowed(req.headers.origin)) return end(res, 403, 'Origin not allowed', noStore);
  if (!g.tokenValid(url.searchParams.get('token'))) return end(res, 401, 'Missing or wrong token', noStore);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let job: ExportJob;
  try {
    const spec = exportSpecFromQuery(url.searchParams);
    const connection = url.searchParams.get('connection') ?? undefined;
    job = await api.exportRecords(spec, { signal: abort.signal, connection });
    const name = `${spec.topic.replace(/[^\w.-]/g, '_')}.${spec.format}`;
    res.writeHead(200, {
      ...noStore,
      'Content-Type': spec.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'X-Export-Records': String(job.total),
    });
  } catch (err) {
    const e = asKafkaError(err);
    return end(res, 400, `${e.errorName}: ${e.message}`, noStore);
  }
  if (req.method === 'HEAD') return void res.end();
  try {
    for await (const chunk of job.chunks) {
      if (!res.write(chunk)) await new Promise<void>((r) => (res.once('drain', r), res.once('close', r)));
      if (abort.signal.aborted) return;
    }
    res.end();
  } catch {
    // Headers are out: a failure mid-stream can only cut the download, which the browser shows as failed.
    res.destroy();
  }
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
  // The guard needs the real port (0 means "pick one"), so it exists only once listening; no request is handled before
  // this continuation runs.
  const port = (http.address() as AddressInfo).port;
  const g = new HttpGuard(opts.host, port, token);
  const loads = new Set<() => ConnectionLoad>();

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!g.hostAllowed(req.headers.host)) return end(res, 403, 'Host not allowed');
    const headers = securityHeaders(req);
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === IMPORT_PATH) return void serveImport(opts.api, g, req, res, headers);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return end(res, 405, 'Method not allowed', { ...headers, Allow: 'GET, HEAD' });
    // A plain GET of the API path tells a page whether its token is still this server's (a restart keeps the
    // token, Settings can change it): 204 or 401, nothing else is said.
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === WS_PATH) {
      const ok = g.tokenValid(new URL(req.url ?? '/', 'http://x').searchParams.get('token'));
      return end(res, ok ? 204 : 401, ok ? '' : 'Missing or wrong token', { ...headers, 'Cache-Control': 'no-store' });
    }
    if (path === EXPORT_PATH) return void serveExport(opts.api, g, req, res, headers);
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
      socket.end(
        `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${refusal.reason.length}\r\n\r\n${refusal.reason}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const load = serveConnection(ws, opts.api);
      loads.add(load);
      ws.once('close', () => loads.delete(load));
    });
  });

  const shown = urlHost(opts.host);
  let current = token;
  return {
    port,
    host: opts.host,
    get token() {
      return current;
    },
    get url() {
      return `http://${shown}:${port}/?token=${current}`;
    },
    get wsUrl() {
      return `ws://${shown}:${port}${WS_PATH}?token=${current}`;
    },
    setToken(next) {
      current = next;
      g.setToken(next);
      // setImmediate runs after the pending replies' send() calls; ws sends its close frame after them.
      setImmediate(() => {
        for (const client of wss.clients) client.close(TOKEN_CHANGED_CLOSE_CODE, 'Access token changed');
      });
    },
    connections: () => [...loads].map((l) => l()),
    close: () =>
      new Promise<void>((done) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.closeAllConnections?.();
        http.close(() => done());
      }),
  };
}

function serveConnection(ws: WebSocket, api: ApiHost): () => ConnectionLoad {
  const queue: Array<{ raw: WebSocket.RawData; isBinary: boolean }> = [];
  let inFlight = 0;
  let closed = false;
  const send = (frame: ReplyFrame | EventFrame) => {
    // The write callback runs once the bytes are handed to the socket: a waiting call may start.
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame), pump);
  };
  const session = api.openSession((event, data) => {
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    send({ event, data });
  });

  const run = async (raw: WebSocket.RawData, isBinary: boolean): Promise<void> => {
    let frame: CallFrame;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(raw.toString());
      if (typeof frame !== 'object' || frame === null || (typeof frame.id !== 'number' && typeof frame.id !== 'string'))
        throw new Error('shape');
    } catch {
      send({
        id: null,
        ok: false,
        error: {
          code: errorCodeOf('INVALID_REQUEST'),
          errorName: 'INVALID_REQUEST',
          message: 'Each frame must be a JSON text message {"id", "method", "params"}',
        },
      });
      return;
    }
    const envelope = await session.call(frame.method, frame.params, frame.connection);
    send({ id: frame.id, ...envelope });
  };

  function pump(): void {
    while (!closed && queue.length > 0 && inFlight < MAX_CALLS_IN_FLIGHT && ws.bufferedAmount <= MAX_BUFFERED_BYTES) {
      const { raw, isBinary } = queue.shift()!;
      inFlight++;
      void run(raw, isBinary).finally(() => {
        inFlight--;
        pump();
      });
    }
    if (ws.isPaused && queue.length <= MAX_QUEUED_CALLS / 2 && !closed) ws.resume();
  }

  ws.on('message', (raw, isBinary) => {
    if (closed) return;
    queue.push({ raw, isBinary });
    if (queue.length > MAX_QUEUED_CALLS && !ws.isPaused) ws.pause();
    pump();
  });
  const close = () => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    session.close();
  };
  ws.on('close', close);
  ws.on('error', close);
  return () => ({ bufferedBytes: ws.bufferedAmount, inFlight, queued: queue.length, paused: ws.isPaused });
}
