/** The desktop transport: calls go through the bridge the preload installed; the connection never drops. */
import { apiError, type Transport } from '@core/api/client';
import type { EventName } from '@core/api/api';
import { EVENT_NAMES, isMethodName } from '@core/api/api';
import type { NoticeboardBridge } from '@electron/ipc-contract';

export function createIpcTransport(bridge: NoticeboardBridge): Transport {
  const unsubscribers: Array<() => void> = [];
  return {
    kind: 'ipc',
    invoke(method, input) {
      if (!isMethodName(method)) return Promise.resolve(apiError('INVALID_REQUEST', `Unknown method: ${method}`));
      // A handler that throws (rather than answering with an envelope) still reaches the page as an API error.
      return bridge.api[method](input).catch((err: Error) => apiError('UNKNOWN_SERVER_ERROR', err.message));
    },
    onEvent(listener) {
      const offs = EVENT_NAMES.map((name: EventName) => bridge.on(name, (payload) => listener(name, payload)));
      const off = () => offs.forEach((f) => f());
      unsubscribers.push(off);
      return off;
    },
    status: () => 'open',
    onStatus: () => () => {},
    close() {
      unsubscribers.forEach((f) => f());
    },
  };
}
