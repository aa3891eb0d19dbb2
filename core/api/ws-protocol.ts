/**
 * The WebSocket API's frames (documented for scripts in docs/websocket-api.md).
 * Every frame is one JSON text message.
 */
import type { ApiErrorShape } from './api';

/** Path of the WebSocket endpoint; the token goes in its query string. */
export const WS_PATH = '/api';
/**
 * Serve mode's download of stored records as JSON Lines or CSV (GET, with the token): topic, partition (repeatable),
 * from, to, format.
 */
export const EXPORT_PATH = '/api/export';
/** Serve mode's upload of a JSON Lines file to import (POST, with the token): core/host/import-upload.ts. */
export const IMPORT_PATH = '/api/import';

/** Client → server. `id` is echoed in the reply so calls may overlap. */
export interface CallFrame {
  id: number | string;
  method: string;
  params?: unknown;
  /** The connection this call goes to (a saved connection's id, or "sandbox"); default: the session's selected one. */
  connection?: string;
}

/** Server → client, answering a CallFrame. */
export type ReplyFrame =
  | { id: number | string | null; ok: true; result: unknown }
  | { id: number | string | null; ok: false; error: ApiErrorShape };

/** Server → client, pushed. */
export interface EventFrame {
  event: string;
  data: unknown;
}
