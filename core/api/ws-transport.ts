/**
 * The client end of the WebSocket transport, for the browser renderer and for
 * Node scripts alike (pass `ws`'s WebSocket in Node 20, which has none built
 * in). It reconnects on its own with backoff, because serve mode may restart
 * under an open tab; calls made while disconnected fail at once rather than
 * hang, and calls in flight when the socket drops fail with NETWORK_EXCEPTION.
 */
import type { Envelope } from './api';
import { apiError, type ConnectionStatus, type Transport } from './client';
import type { ReplyFrame, EventFrame } from './ws-protocol';

/** The part of the WHATWG WebSocket this transport uses (the `ws` package provides it too). */
interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
type SocketCtor = new (url: string) => SocketLike;

export interface WsTransportOptions {
  /** A function is asked again on every attempt (the browser page's token can change between reconnects). */
  url: string | (() => string);
  WebSocket?: SocketCtor;
  /** Per-call timeout; a call unanswered by then fails with REQUEST_TIMED_OUT. */
  timeoutMs?: number;
  reconnect?: boolean;
}

const OPEN = 1;

export function createWsTransport(opts: WsTransportOptions): Transport {
  const Ctor = opts.WebSocket ?? (globalThis as unknown as { WebSocket: SocketCtor }).WebSocket;
  const pending = new Map<number, { resolve: (e: Envelope) => void; timer: ReturnType<typeof setTimeout> }>();
  const eventListeners = new Set<(event: string, payload: unknown) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let socket: SocketLike | null = null;
  let status: ConnectionStatus = 'connecting';
  let nextId = 1;
  let closedByUser = false;
  let retryDelay = 250;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let opened: Promise<void>;
  let markOpened: () => void = () => {};

  const setStatus = (s: ConnectionStatus) => {
    if (s === status) return;
    status = s;
    for (const l of statusListeners) l(s);
  };

  const connect = () => {
    opened = new Promise((r) => (markOpened = r));
    setStatus('connecting');
    const ws = new Ctor(typeof opts.url === 'function' ? opts.url() : opts.url);
    socket = ws;
    ws.onopen = () => {
      retryDelay = 250;
      setStatus('open');
      markOpened();
    };
    ws.onmessage = (ev) => {
      let frame: ReplyFrame | EventFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if ('event' in frame) {
        for (const l of eventListeners) l(frame.event, frame.data);
      } else if (typeof frame.id === 'number' && pending.has(frame.id)) {
        const p = pending.get(frame.id)!;
        pending.delete(frame.id);
        clearTimeout(p.timer);
        const { id: _id, ...envelope } = frame;
        p.resolve(envelope as Envelope);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      socket = null;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.resolve(apiError('NETWORK_EXCEPTION', 'The connection to Noticeboard was lost before it answered'));
        pending.delete(id);
      }
      setStatus('closed');
      if (!closedByUser && opts.reconnect !== false) {
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 5000);
      }
    };
  };
  connect();

  return {
    kind: 'websocket',
    async invoke(method, input) {
      // A call made while (re)connecting waits briefly for the socket rather than failing a fresh page load.
      if (status === 'connecting')
        await Promise.race([opened, new Promise((r) => setTimeout(r, opts.timeoutMs ?? 30_000))]);
      const ws = socket;
      if (!ws || ws.readyState !== OPEN) return apiError('NETWORK_EXCEPTION', 'Not connected to Noticeboard');
      const id = nextId++;
      return new Promise<Envelope>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(apiError('REQUEST_TIMED_OUT', `${method} got no answer within ${opts.timeoutMs ?? 30_000} ms`));
        }, opts.timeoutMs ?? 30_000);
        pending.set(id, { resolve, timer });
        ws.send(JSON.stringify({ id, method, params: input }));
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closedByUser = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
    },
  };
}
