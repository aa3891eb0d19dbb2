/**
 * The page's own scheme: the built renderer is served as app://noticeboard/… rather than loaded from file://,
 * so the page has a real origin of its own (no file:// privileges, nothing else on disk reachable by URL), as
 * Electron's security checklist asks.
 *
 * Rules:
 * - The scheme is registered as privileged (standard, secure, fetch) before the app is ready, as Electron requires,
 *   and handled once it is ready.
 * - Only files under the renderer's folder are served; a path that resolves outside it (`..`, encoded or not), a
 *   directory or another host answers 404. `/` is the page itself.
 * - Every response carries the page's Content-Security-Policy header: the session's header hook does not see
 *   responses of a custom protocol (the built page also has the policy as a meta tag).
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Protocol } from 'electron';
import { contentSecurityPolicy } from '../core/host/csp';

export const APP_SCHEME = 'app';
export const APP_HOST = 'noticeboard';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The URL the window loads for the page file at `pagePath`. */
export function appPageUrl(pagePath: string): string {
  return `${APP_ORIGIN}/${encodeURIComponent(pagePath.split(/[\\/]/).pop()!)}`;
}

/** The file an app:// URL names under `root`, or null when it names nothing there. */
export function appFileFor(root: string, url: string, pageName: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const file = resolve(root, `.${path === '/' ? `/${pageName}` : path}`);
  const inside = relative(root, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) return null;
  return file;
}

/** Before the app is ready: the scheme behaves like https for the page (origin, fetch, secure context). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Once ready: answers app:// requests from the renderer's folder; `fetchFile` is Electron's net.fetch. */
export function handleAppProtocol(
  protocol: Pick<Protocol, 'handle'>,
  pagePath: string,
  fetchFile: (fileUrl: string) => Promise<Response>,
): void {
  const root = dirname(resolve(pagePath));
  const pageName = pagePath.split(/[\\/]/).pop()!;
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(root, request.url, pageName);
    const notFound = () => new Response('Not found', { status: 404, headers: { 'Content-Security-Policy': csp } });
    if (!file) return notFound();
    let res: Response;
    try {
      res = await fetchFile(pathToFileURL(file).href);
    } catch {
      return notFound();
    }
    if (!res.ok) return notFound();
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp);
    return new Response(res.body, { status: 200, headers });
  });
}
