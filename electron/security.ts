/**
 * The desktop shell's security rules, in one place: the page's CSP, which
 * IPC senders are trusted, and what a web contents may not do (navigate away,
 * open windows, attach webviews, ask for or check permissions: the app needs
 * none, so every request and every check is denied).
 */
import type { Session, WebContents, WebFrameMain } from 'electron';
import { contentSecurityPolicy } from '../core/host/csp';
import { APP_HOST, APP_SCHEME } from './app-protocol';

/**
 * The page the app loads: a built file (served as app://noticeboard/…) in production, the dev server in development.
 */
export type AppPage = { kind: 'file'; path: string } | { kind: 'url'; url: string };

function samePage(url: string, page: AppPage): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (page.kind === 'url') return u.origin === new URL(page.url).origin;
  // The built page is served by the app's own scheme (app-protocol.ts); file:// is never the app.
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return false;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return false;
  }
  return path === `/${page.path.split(/[\\/]/).pop()}`;
}

/**
 * An IPC message is trusted only when it comes from the top frame of one of
 * our windows showing our own page: not an iframe, not a page navigated
 * elsewhere, not another web contents.
 */
export function isTrustedSender(
  frame: WebFrameMain | null | undefined,
  page: AppPage,
  ownContents: (id: number) => boolean,
  senderId: number,
): boolean {
  if (!frame || frame.parent !== null) return false;
  if (!ownContents(senderId)) return false;
  return samePage(frame.url, page);
}

export function installContentSecurityPolicy(session: Session): void {
  const csp = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // The app needs no camera, microphone, notifications, clipboard reads or geolocation: refuse asking and checking.
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Applied to every web contents the app creates. */
export function lockDownContents(contents: WebContents, page: AppPage, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!samePage(url, page)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!samePage(url, page)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser; nothing opens inside the app.
    if (/^https:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}
