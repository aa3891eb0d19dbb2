/**
 * Who may talk to the serve-mode server. Any web page the user has open can
 * make their browser send requests to 127.0.0.1, so being on loopback is not
 * enough:
 *  - a foreign page opening a WebSocket sends its own Origin (CSRF), refused;
 *  - a page on an attacker's domain re-pointed at 127.0.0.1 (DNS rebinding)
 *    sends the attacker's Host name, refused;
 *  - and the API additionally needs the random token printed at start (kept in the data folder), which
 *    no other page can know.
 * Scripts (Node, Python) send no Origin and are admitted on the token alone.
 */
import { timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';

const WILDCARD = new Set(['0.0.0.0', '::', '']);

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export class HttpGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(
    boundHost: string,
    readonly port: number,
    private token: string,
  ) {
    const names = new Set(['localhost', '127.0.0.1', '[::1]']);
    if (WILDCARD.has(boundHost)) {
      // Bound to every interface: the machine's own addresses and name are its own, nothing else is.
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(bracket(a.address.split('%')[0]!));
      names.add(hostname().toLowerCase());
    } else {
      names.add(bracket(boundHost.toLowerCase()));
    }
    this.hosts = new Set();
    this.origins = new Set();
    for (const n of names) {
      this.hosts.add(`${n}:${port}`);
      if (port === 80) this.hosts.add(n);
      this.origins.add(`http://${n}:${port}`);
      if (port === 80) this.origins.add(`http://${n}`);
    }
  }

  /** The Host header names this server (not some other name that resolves here). */
  hostAllowed(host: string | undefined): boolean {
    return typeof host === 'string' && this.hosts.has(host.toLowerCase());
  }

  /** No Origin (a script) or this server's own origin (its page). */
  originAllowed(origin: string | undefined): boolean {
    return origin === undefined || this.origins.has(origin.toLowerCase());
  }

  /** Admits `token` instead of the one given at construction (Settings regenerated it). */
  setToken(token: string): void {
    this.token = token;
  }

  tokenValid(candidate: string | null): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Why a WebSocket upgrade is refused, or null to admit it. */
  refuseUpgrade(headers: { host?: string; origin?: string }, url: URL): { status: number; reason: string } | null {
    if (!this.hostAllowed(headers.host)) return { status: 403, reason: 'Host not allowed' };
    if (!this.originAllowed(headers.origin)) return { status: 403, reason: 'Origin not allowed' };
    if (!this.tokenValid(url.searchParams.get('token'))) return { status: 401, reason: 'Missing or wrong token' };
    return null;
  }
}
