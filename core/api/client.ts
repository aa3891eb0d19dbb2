/**
 * The client side of the API, independent of transport: turns the table into
 * a typed object whose methods send (method, input) over whatever transport
 * the host provides and unwrap the envelope, throwing `ApiError` on failure.
 * Runs in the browser as well as in Node: no Node imports here.
 */
import {
  METHOD_NAMES,
  type ApiClient,
  type ApiErrorShape,
  type Envelope,
  type EventName,
  type EventPayload,
} from './api';
import { errorCodeOf, type ErrorName } from '../errors';

/** An API error built from the one error table (core/errors.ts), for failures a transport itself detects. */
export function apiError(errorName: ErrorName, message: string, field?: string): Envelope {
  return {
    ok: false,
    error:
      field === undefined
        ? { code: errorCodeOf(errorName), errorName, message }
        : { code: errorCodeOf(errorName), errorName, message, field },
  };
}

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

/** What a transport must offer: one request/response primitive and one event stream. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket';
  invoke(method: string, input: unknown): Promise<Envelope>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): void;
}

export class ApiError extends Error implements ApiErrorShape {
  readonly code: number;
  readonly errorName: ErrorName;
  readonly field: string | undefined;

  constructor(shape: ApiErrorShape) {
    super(shape.message);
    this.name = 'ApiError';
    this.code = shape.code;
    this.errorName = shape.errorName;
    this.field = shape.field;
  }
}

export interface Connection {
  api: ApiClient;
  transport: Transport;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createConnection(transport: Transport): Connection {
  const api = {} as Record<string, (input?: unknown) => Promise<unknown>>;
  for (const method of METHOD_NAMES) {
    api[method] = async (input?: unknown) => {
      const envelope = await transport.invoke(method, input ?? {});
      if (envelope.ok) return envelope.result;
      throw new ApiError(envelope.error);
    };
  }
  return {
    api: Object.freeze(api) as unknown as ApiClient,
    transport,
    on(event, listener) {
      return transport.onEvent((name, payload) => {
        if (name === event) listener(payload as never);
      });
    },
  };
}
