/**
 * A transport for the renderer's stores without an engine: each method answers from a handler the test
 * sets (or fails with the error a missing method gets), events are pushed by the test, and the link goes
 * up and down on request, as the WebSocket does when serve mode restarts. Every call is recorded.
 */
import { createPinia, getActivePinia, setActivePinia } from 'pinia';
import { createApp, defineComponent, h, type App, type Component } from 'vue';
import type { Envelope, EventName, EventPayload } from '@core/api/api';
import { apiError, createConnection, type Connection, type ConnectionStatus, type Transport } from '@core/api/client';
import { KafkaError } from '@core/errors';
import { useConnectionStore } from '../../../renderer/src/stores/connection';

type Handler = (input: Record<string, unknown>) => unknown;

export interface FakeTransport extends Transport {
  handlers: Record<string, Handler>;
  calls: Array<{ method: string; input: Record<string, unknown> }>;
  callsOf(method: string): Array<Record<string, unknown>>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  setStatus(s: ConnectionStatus): void;
}

export function fakeTransport(handlers: Record<string, Handler> = {}): FakeTransport {
  const events = new Set<(event: string, payload: unknown) => void>();
  const statuses = new Set<(s: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'open';
  const t: FakeTransport = {
    kind: 'websocket',
    handlers,
    calls: [],
    callsOf: (method) => t.calls.filter((c) => c.method === method).map((c) => c.input),
    async invoke(method, input): Promise<Envelope> {
      t.calls.push({ method, input: input as Record<string, unknown> });
      if (status !== 'open') return apiError('NETWORK_EXCEPTION', 'Not connected to Noticeboard');
      const handler = t.handlers[method];
      if (!handler) return apiError('INVALID_REQUEST', `The fake has no ${method}`);
      try {
        const result = await handler(input as Record<string, unknown>);
        return { ok: true, result: result === undefined ? null : result };
      } catch (err) {
        const e = err instanceof KafkaError ? err : new KafkaError('UNKNOWN_SERVER_ERROR', (err as Error).message);
        return apiError(e.errorName, e.message);
      }
    },
    onEvent(listener) {
      events.add(listener);
      return () => events.delete(listener);
    },
    status: () => status,
    onStatus(listener) {
      statuses.add(listener);
      return () => statuses.delete(listener);
    },
    close() {
      events.clear();
    },
    emit(event, payload) {
      for (const l of events) l(event, payload);
    },
    setStatus(s) {
      if (s === status) return;
      status = s;
      for (const l of statuses) l(s);
    },
  };
  return t;
}

/** A fresh Pinia, connected over `transport`; returns the connection store. */
export function connectedPinia(transport: FakeTransport): {
  connection: ReturnType<typeof useConnectionStore>;
  conn: Connection;
} {
  setActivePinia(createPinia());
  const conn = createConnection(transport);
  const connection = useConnectionStore();
  connection.connect(conn);
  return { connection, conn };
}

/**
 * Mounts a component that uses stores in its setup (as a page does) on the active Pinia; unmount() leaves the
 * page, disposing everything its scope owns.
 */
export function mountPage(setup: () => void): App {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const Page: Component = defineComponent({
    setup() {
      setup();
      return () => h('div');
    },
  });
  const pinia = getActivePinia();
  if (!pinia) throw new Error('connectedPinia() first');
  const app = createApp(Page);
  app.use(pinia);
  app.mount(el);
  return app;
}
