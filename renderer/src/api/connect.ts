/**
 * Picks the transport at start: the preload's bridge in the desktop app,
 * otherwise a WebSocket back to the serve-mode server that sent this page,
 * authenticated by the token the printed URL carried.
 */
import { createConnection, type Connection } from '@core/api/client';
import { createWsTransport } from '@core/api/ws-transport';
import { EXPORT_PATH, WS_PATH } from '@core/api/ws-protocol';
import { createIpcTransport } from './ipc-transport';

const TOKEN_KEY = 'noticeboard.token';

/**
 * The serve-mode token: taken from the URL once, then kept for this tab only
 * and removed from the address bar so it does not end up in history or on a
 * screenshot.
 */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps a token the server handed out (Settings regenerated it) for this tab's next (re)connect. */
export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** The serve-mode download address of an export (record-export.ts), token included; null in the desktop app. */
export function exportUrl(query: Record<string, string | number | undefined>): string | null {
  if (window.noticeboard) return null;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  q.set('token', sessionStorage.getItem(TOKEN_KEY) ?? '');
  return `${EXPORT_PATH}?${q.toString()}`;
}

/**
 * Asks the serve-mode server whether this tab's token is its token (a plain GET of the API path answers 204 or
 * 401); 'unreachable' while the server is down, so a restart is not mistaken for a wrong token.
 */
export async function checkToken(): Promise<'valid' | 'wrong' | 'unreachable'> {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  try {
    const res = await fetch(`${WS_PATH}?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
    return res.status === 401 ? 'wrong' : res.ok ? 'valid' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

export type ConnectResult = { ok: true; connection: Connection } | { ok: false; reason: 'no-token' };

export function connectToEngine(): ConnectResult {
  if (window.noticeboard) return { ok: true, connection: createConnection(createIpcTransport(window.noticeboard)) };
  const first = takeToken();
  if (!first) return { ok: false, reason: 'no-token' };
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  // Read on every attempt: a token regenerated from Settings is used by the next reconnect.
  const url = () => {
    const token = encodeURIComponent(sessionStorage.getItem(TOKEN_KEY) ?? first);
    return `${scheme}://${window.location.host}${WS_PATH}?token=${token}`;
  };
  return { ok: true, connection: createConnection(createWsTransport({ url })) };
}
