/**
 * KafkaListeners: the embedded cluster's Kafka protocol endpoints. Each
 * broker listens on its own TCP port (basePort + broker id; 9092, 9093, ...
 * by default) and speaks the Apache Kafka protocol, so unmodified Kafka
 * clients produce, consume in groups and administer topics against it.
 *
 *   const groups = await Groups.attach(cluster);
 *   const kafka = await KafkaListeners.start(cluster, { basePort: 9092, groups });
 *   kafka.bootstrapServers();   // '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094'
 *   ...
 *   await kafka.close();        // before groups.close() and cluster.close()
 *
 * It follows the cluster's 'broker' events: when a broker stops or is killed
 * its listener and every connection to it close (clients then find the new
 * leaders through Metadata, as with a real cluster); when it starts again the
 * same port opens again. `broker.port` is set (Cluster.setListenerPort) while a listener is open.
 *
 * setSecurity() changes what every port speaks (TLS, SASL users, client certificates) while the cluster runs:
 * the new settings are checked first (a bad one throws and nothing changes), then each open listener closes with
 * its connections and opens again on the same port speaking the new protocol. A port that cannot open again puts
 * the old settings back on every port and throws.
 * A failed broker (its store cannot open, its log dir went offline) keeps
 * its listener for DescribeLogDirs (its dir with KAFKA_STORAGE_ERROR),
 * Metadata and ApiVersions only; see router.ts.
 *
 * Files: connection.ts (framing, ordering, backpressure), router.ts (API
 * table, ApiVersions, errors), handlers/* (one module per domain), sasl.ts (the authenticator).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Broker } from '../cluster/broker';
import type { Cluster } from '../cluster/cluster';
import type { BrokerState } from '../cluster/types';
import type { GroupCoordinator } from '../groups/group-coordinator';
import { DEFAULT_MAX_FRAME_SIZE } from '../protocol/index';
import { Connection } from './connection';
import { throttleLog } from './log-throttle';
import type { ApiHandler, Endpoint, ResolvedServerOptions, ServerContext, ServerLog, ServerLogEvent } from './context';
import { adminHandlers } from './handlers/admin';
import { electHandlers } from './handlers/elect';
import { configHandlers, listenerStaticConfigs } from './handlers/configs';
import { fetchHandlers } from './handlers/fetch';
import { groupHandlers } from './handlers/groups';
import { metadataHandlers } from './handlers/metadata';
import { produceHandlers } from './handlers/produce';
import { Router, type AdvertisedApi } from './router';
import { SaslAuthenticator, type SaslUser } from './sasl';
import { saslHandlers } from './handlers/sasl';

export type { ServerLogEvent, ServerLog, SaslUser, AdvertisedApi };

/** What a listener speaks: TLS material (see KafkaListenersOptions.tls) and SASL users. */
export interface ListenerSecurityOptions {
  users?: SaslUser[];
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
}

export interface KafkaListenersOptions {
  /** Address to bind (default: the cluster's host, 127.0.0.1). */
  host?: string;
  /** Host name clients are told to connect to (default: `host`, or 127.0.0.1 when binding every interface). */
  advertisedHost?: string;
  /** Broker N listens on basePort + N (default 9092); 0 picks free ports (tests), kept across broker restarts. */
  basePort?: number;
  /** SASL users; when given, every connection must authenticate (PLAIN, SCRAM-SHA-256/512). Off by default. */
  users?: SaslUser[];
  /**
   * TLS on every broker port (security protocol SSL, or SASL_SSL with `users`): the broker's certificate chain and
   * key (PEM). With `requireClientCert` a client must present a certificate signed by `ca` (mTLS); handshakes that
   * fail are logged as 'tls-error' and the socket closed.
   */
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
  /** auto.create.topics.enable (default true, as in Kafka). */
  autoCreateTopics?: boolean;
  /** The consumer-group entry point (`Groups` or its `coordinator`); without it the group APIs are not offered. */
  groups?: { coordinator: GroupCoordinator } | GroupCoordinator | null;
  /** socket.request.max.bytes (default 100 MB). */
  maxRequestBytes?: number;
  /** connections.max.idle.ms (default 600000, Kafka's 10 minutes): connections without traffic this long are closed. */
  connectionsMaxIdleMs?: number;
  /** How long a request frame may stay unfinished after its first byte (default 60000) before the connection closes. */
  requestFrameTimeoutMs?: number;
  /**
   * Narrowed API versions (a test option: api-version-profiles.ts), so the cluster answers as an older
   * Kafka or as Redpanda would.
   */
  apiVersionLimits?: ReadonlyMap<number, { min: number; max: number }>;
  /**
   * max.connections.per.ip: connections one broker accepts from one client address (default 1,000;
   * Kafka's default is unlimited). One more is closed at once, counted and logged.
   */
  maxConnectionsPerIp?: number;
  /**
   * max.connections.per.ip.overrides: per-address limits, as a map or in Kafka's form
   * ('127.0.0.1:5000,10.0.0.7:0'); 0 refuses that address. Host names are not resolved.
   */
  maxConnectionsPerIpOverrides?: Record<string, number> | string;
  /** max.connections: connections one broker accepts in all (default 10,000; Kafka's default is unlimited). */
  maxConnections?: number;
  /**
   * Receives connection-level events (malformed frames, unsupported requests, SASL...), unthrottled. Default: warnings
   * and errors to stderr, at most 5 lines per event type every 10 s plus a count of the rest.
   */
  log?: ServerLog;
}

const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 600_000;
const DEFAULT_REQUEST_FRAME_TIMEOUT_MS = 60_000;
/**
 * Connection caps. Kafka leaves both unlimited (Integer.MAX_VALUE); a
 * sandbox on a desktop gets limits a runaway client hits long before the
 * process runs out of file descriptors or memory, and that no real workload
 * on one machine reaches.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 1000;
export const DEFAULT_MAX_CONNECTIONS = 10_000;

function count(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min || v > 2 ** 31 - 1)
    throw new RangeError(`${name} must be a whole number from ${min} to ${2 ** 31 - 1}; got ${v}`);
  return v;
}

/** An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d: one address, one count. */
function normalizeIp(address: string | undefined): string {
  const a = (address ?? '').toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** max.connections.per.ip.overrides, as a map or Kafka's 'address:count,...' string. */
function parseOverrides(v: Record<string, number> | string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (v === undefined || v === '') return out;
  const entries: Array<[string, number]> =
    typeof v === 'string'
      ? v.split(',').map((pair) => {
          const i = pair.trim().lastIndexOf(':');
          const n = i > 0 ? Number(pair.trim().slice(i + 1)) : NaN;
          if (i <= 0 || !/^\d+$/.test(pair.trim().slice(i + 1)))
            throw new RangeError(`maxConnectionsPerIpOverrides: '${pair}' is not address:count`);
          return [pair.trim().slice(0, i), n];
        })
      : Object.entries(v);
  for (const [address, n] of entries) {
    out.set(normalizeIp(address), count(`maxConnectionsPerIpOverrides['${address}']`, n, 0));
  }
  return out;
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1)
    throw new RangeError(`${name} must be a whole number of milliseconds from 1 to ${2 ** 31 - 1}; got ${v}`);
  return v;
}

function defaultLog(e: ServerLogEvent): void {
  if (e.level === 'info') return;
  process.stderr.write(
    `[kafka broker ${e.brokerId}] ${e.level} ${e.type}${e.remote ? ` ${e.remote}` : ''}: ${e.message}\n`,
  );
}

class BrokerListener {
  server: Server | null = null;
  port: number | null = null;
  /** The port last opened; reused when the broker starts again. */
  lastPort: number | null = null;
  readonly connections = new Set<Connection>();
  /** Open connections per normalised client address (max.connections.per.ip). */
  readonly perIp = new Map<string, number>();
  /** Connections closed at once for a connection cap, since the listeners started. */
  refused = 0;
  chain: Promise<void> = Promise.resolve();

  constructor(readonly brokerId: number) {}
}

export class KafkaListeners {
  private readonly listeners: BrokerListener[];
  private router: Router;
  private context: ServerContext;
  private options: ResolvedServerOptions;
  /** Every handler but the SASL ones, which are added while the listeners have users. */
  private readonly baseHandlers: ApiHandler[];
  private closed = false;
  private readonly onBroker = (s: BrokerState): void => this.brokerChanged(s);
  private removeStaticConfigs: () => void = () => undefined;

  private constructor(
    private readonly cluster: Cluster,
    options: ResolvedServerOptions,
    private readonly groups: GroupCoordinator | null,
    sasl: SaslAuthenticator | null,
    private readonly limits?: ReadonlyMap<number, { min: number; max: number }>,
  ) {
    this.listeners = cluster.allBrokers().map((b) => new BrokerListener(b.id));
    this.options = options;
    this.context = this.makeContext(options, sasl, new Map());
    const handlers: ApiHandler[] = [
      ...metadataHandlers,
      ...produceHandlers,
      ...fetchHandlers,
      ...adminHandlers,
      ...configHandlers,
      ...electHandlers,
    ];
    if (groups) handlers.push(...groupHandlers);
    this.baseHandlers = handlers;
    this.router = this.makeRouter();
  }

  private makeContext(
    options: ResolvedServerOptions,
    sasl: SaslAuthenticator | null,
    creatingTopics: Map<string, Promise<void>>,
  ): ServerContext {
    const cluster = this.cluster;
    return {
      cluster,
      options,
      groups: this.groups,
      sasl,
      creatingTopics,
      endpoint: (id) => this.endpoint(id),
      liveEndpoints: () =>
        this.listeners.map((l) => this.endpoint(l.brokerId)).filter((e): e is Endpoint => e !== null),
      controllerId: () => cluster.brokers().find((b) => b.isController)?.id ?? -1,
    };
  }

  private makeRouter(): Router {
    const handlers = this.context.sasl ? [...this.baseHandlers, ...saslHandlers] : this.baseHandlers;
    return new Router(this.context, (id) => this.cluster.broker(id), handlers, this.limits);
  }

  static async start(cluster: Cluster, opts: KafkaListenersOptions = {}): Promise<KafkaListeners> {
    const host = opts.host ?? cluster.host;
    const basePort = opts.basePort ?? 9092;
    if (!Number.isInteger(basePort) || basePort < 0 || basePort + cluster.brokerCount - 1 > 65535) {
      throw new RangeError(
        `basePort must be 0 (free ports) or a port such that basePort + ${cluster.brokerCount - 1} <= 65535; ` +
          `got ${basePort}`,
      );
    }
    const wildcard = host === '0.0.0.0' || host === '::' || host === '';
    const options: ResolvedServerOptions = {
      host,
      advertisedHost: opts.advertisedHost ?? (wildcard ? '127.0.0.1' : host),
      basePort,
      autoCreateTopics: opts.autoCreateTopics ?? true,
      maxRequestBytes: opts.maxRequestBytes ?? DEFAULT_MAX_FRAME_SIZE,
      connectionsMaxIdleMs: positive(
        'connectionsMaxIdleMs',
        opts.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS,
      ),
      requestFrameTimeoutMs: positive(
        'requestFrameTimeoutMs',
        opts.requestFrameTimeoutMs ?? DEFAULT_REQUEST_FRAME_TIMEOUT_MS,
      ),
      maxConnections: count('maxConnections', opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 1),
      maxConnectionsPerIp: count('maxConnectionsPerIp', opts.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP, 1),
      maxConnectionsPerIpOverrides: parseOverrides(opts.maxConnectionsPerIpOverrides),
      log: opts.log ?? throttleLog(defaultLog),
      securityProtocol: protocolOf(opts),
    };
    checkTls(opts.tls);
    tlsOptions.set(options, opts.tls ?? null);
    const g = opts.groups ?? null;
    const coordinator = g === null ? null : 'coordinator' in g ? g.coordinator : g;
    const sasl = opts.users && opts.users.length > 0 ? new SaslAuthenticator(opts.users) : null;
    const kl = new KafkaListeners(cluster, options, coordinator, sasl, opts.apiVersionLimits);
    cluster.on('broker', kl.onBroker);
    // kl.context is read on each call: setSecurity replaces it.
    kl.removeStaticConfigs = cluster.addStaticBrokerConfigs((id) => listenerStaticConfigs(kl.context, id));
    try {
      for (const l of kl.listeners) {
        const b = cluster.broker(l.brokerId);
        if (listens(b)) await kl.serial(l, () => kl.open(l, true));
      }
    } catch (err) {
      await kl.close();
      throw err;
    }
    return kl;
  }

  /** What every port speaks now. */
  securityProtocol(): ResolvedServerOptions['securityProtocol'] {
    return this.options.securityProtocol;
  }

  /**
   * Makes every port speak `security` from now on (see the header): checked first, then each open listener closes
   * (its connections with it) and opens again on its port; brokers that are down listen that way when they start.
   */
  async setSecurity(security: ListenerSecurityOptions): Promise<void> {
    if (this.closed) throw new Error('The Kafka listeners are closed');
    checkTls(security.tls);
    const sasl = security.users && security.users.length > 0 ? new SaslAuthenticator(security.users) : null;
    const previous = { options: this.options, context: this.context, router: this.router };
    const wasOpen = this.listeners.filter((l) => l.server !== null);
    /** Each listener that was open closes with its connections and opens on its port with what is set now. */
    const reopen = () =>
      Promise.allSettled(
        wasOpen.map((l) =>
          this.serial(l, async () => {
            if (l.server) await this.shut(l);
            if (!this.closed && listens(this.cluster.broker(l.brokerId))) await this.open(l, true);
          }),
        ),
      );
    const options: ResolvedServerOptions = { ...this.options, securityProtocol: protocolOf(security) };
    tlsOptions.set(options, security.tls ?? null);
    this.options = options;
    this.context = this.makeContext(options, sasl, previous.context.creatingTopics);
    this.router = this.makeRouter();
    const failed = (await reopen()).find((r) => r.status === 'rejected');
    if (!failed) return;
    // A port that would not open again: every port goes back to what it spoke, so clients keep their settings.
    this.options = previous.options;
    this.context = previous.context;
    this.router = previous.router;
    await reopen();
    throw new Error(`The Kafka listeners kept their security: ${(failed.reason as Error).message}`, {
      cause: failed.reason,
    });
  }

  /** host:port of every listening broker, comma-separated (what clients take as bootstrap servers). */
  bootstrapServers(): string {
    return this.listeners
      .filter((l) => l.port !== null)
      .map((l) => `${this.options.advertisedHost}:${l.port}`)
      .join(',');
  }

  /** Each broker's listener port, or null while it does not listen. */
  ports(): Array<{ brokerId: number; port: number | null }> {
    return this.listeners.map((l) => ({ brokerId: l.brokerId, port: l.port }));
  }

  /** The APIs and version ranges ApiVersions advertises. */
  advertisedApis(): AdvertisedApi[] {
    return this.router.advertised.map((a) => ({ ...a }));
  }

  /** Open client connections per broker, and how many were refused for a connection cap. */
  connectionCounts(): Array<{ brokerId: number; connections: number; refused: number }> {
    return this.listeners.map((l) => ({ brokerId: l.brokerId, connections: l.connections.size, refused: l.refused }));
  }

  private endpoint(id: number): Endpoint | null {
    const l = this.listeners[id];
    if (!l || l.port === null) return null;
    if (this.cluster.broker(id).status !== 'running') return null;
    return { nodeId: id, host: this.options.advertisedHost, port: l.port, rack: null };
  }

  private log(event: ServerLogEvent): void {
    try {
      this.options.log(event);
    } catch {
      // ignore
    }
  }

  private serial(l: BrokerListener, fn: () => Promise<void>): Promise<void> {
    const p = l.chain.then(fn, fn);
    l.chain = p.catch(() => undefined);
    return p;
  }

  private brokerChanged(s: BrokerState): void {
    if (this.closed) return;
    const l = this.listeners[s.id];
    if (!l) return;
    if (s.status === 'stopped') {
      // Drop the port at once, so Metadata and the GUI stop naming it.
      this.cluster.setListenerPort(s.id, null);
      void this.serial(l, () => this.shut(l));
    } else if (s.status === 'running' || s.status === 'failed') {
      void this.serial(l, async () => {
        if (this.closed || l.server || !listens(this.cluster.broker(s.id))) return;
        await this.open(l, false).catch(() => undefined);
      });
    }
  }

  private portFor(l: BrokerListener): number {
    if (l.lastPort !== null) return l.lastPort;
    return this.options.basePort === 0 ? 0 : this.options.basePort + l.brokerId;
  }

  private async open(l: BrokerListener, initial: boolean): Promise<void> {
    const tls = tlsOptions.get(this.options) ?? null;
    const server = tls
      ? createTlsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            requestCert: tls.requireClientCert === true,
            rejectUnauthorized: tls.requireClientCert === true,
            noDelay: true,
          },
          (socket: TLSSocket) => this.accept(l, socket),
        )
      : createServer({ noDelay: true }, (socket) => this.accept(l, socket));
    if (tls) {
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        socket.destroy();
        this.log({
          level: 'warn',
          type: 'tls-error',
          brokerId: l.brokerId,
          remote: `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`,
          message: `TLS handshake failed: ${err.message}`,
        });
      });
    }
    const port = this.portFor(l);
    try {
      await listen(server, port, this.options.host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!initial && this.options.basePort === 0 && code === 'EADDRINUSE') {
        // A free port was taken meanwhile; any free port will do in ephemeral mode.
        await listen(server, 0, this.options.host);
      } else {
        const why = code === 'EADDRINUSE' ? 'the port is in use' : (err as Error).message;
        const message = `Broker ${l.brokerId} cannot listen on ${this.options.host}:${port}: ${why}`;
        this.log({ level: 'error', type: 'listen-error', brokerId: l.brokerId, message });
        throw new Error(message, { cause: err });
      }
    }
    server.on('error', (err) =>
      this.log({ level: 'error', type: 'listen-error', brokerId: l.brokerId, message: err.message }),
    );
    l.server = server;
    l.port = l.lastPort = (server.address() as { port: number }).port;
    this.cluster.setListenerPort(l.brokerId, l.port);
    this.log({
      level: 'info',
      type: 'listening',
      brokerId: l.brokerId,
      message: `listening on ${this.options.host}:${l.port}`,
    });
    // The broker may have stopped while the port was opening.
    if (this.closed || !listens(this.cluster.broker(l.brokerId))) await this.shut(l);
  }

  private accept(l: BrokerListener, socket: Socket): void {
    if (this.closed || l.server === null) {
      socket.destroy();
      return;
    }
    const ip = normalizeIp(socket.remoteAddress);
    const o = this.options;
    const fromIp = l.perIp.get(ip) ?? 0;
    // A dynamic broker config (this broker's, else cluster-wide) wins over the option the listeners started with.
    const own = this.cluster.brokerConfigOverrides(l.brokerId);
    const all = this.cluster.brokerConfigOverrides();
    const dynamic = (name: string) => {
      const v = own[name] ?? all[name];
      return v === undefined ? undefined : Number(v);
    };
    const maxConnections = dynamic('max.connections') ?? o.maxConnections;
    const perIpLimit =
      o.maxConnectionsPerIpOverrides.get(ip) ?? dynamic('max.connections.per.ip') ?? o.maxConnectionsPerIp;
    if (l.connections.size >= maxConnections || fromIp >= perIpLimit) {
      // Kafka's ConnectionQuotas: closed at once, before a byte is read.
      socket.on('error', () => undefined);
      socket.destroy();
      l.refused++;
      const why =
        l.connections.size >= maxConnections
          ? `max.connections (${maxConnections}) reached`
          : `max.connections.per.ip (${perIpLimit}) reached for ${ip}`;
      this.log({
        level: 'warn',
        type: 'connection-refused',
        brokerId: l.brokerId,
        remote: `${ip}:${socket.remotePort ?? 0}`,
        message: `connection refused: ${why}`,
      });
      return;
    }
    const c = new Connection(socket, l.brokerId, this.context, this.router);
    l.connections.add(c);
    l.perIp.set(ip, fromIp + 1);
    c.onClose = () => {
      if (!l.connections.delete(c)) return;
      const n = (l.perIp.get(ip) ?? 1) - 1;
      if (n > 0) l.perIp.set(ip, n);
      else l.perIp.delete(ip);
    };
  }

  private async shut(l: BrokerListener): Promise<void> {
    const server = l.server;
    l.server = null;
    l.port = null;
    this.cluster.setListenerPort(l.brokerId, null);
    for (const c of [...l.connections]) c.destroy();
    l.connections.clear();
    l.perIp.clear();
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      this.log({ level: 'info', type: 'closed', brokerId: l.brokerId, message: 'listener closed' });
    }
  }

  /** Closes every listener and connection. Call before closing the groups and the cluster. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cluster.off('broker', this.onBroker);
    this.removeStaticConfigs();
    await Promise.all(this.listeners.map((l) => this.serial(l, () => this.shut(l))));
  }
}

function protocolOf(s: ListenerSecurityOptions): ResolvedServerOptions['securityProtocol'] {
  const sasl = (s.users?.length ?? 0) > 0;
  if (s.tls) return sasl ? 'SASL_SSL' : 'SSL';
  return sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
}

/** TLS settings that cannot work are refused before any port changes: a key that is not the certificate's, say. */
function checkTls(tls: ListenerSecurityOptions['tls']): void {
  if (!tls) return;
  if (tls.requireClientCert && !tls.ca)
    throw new RangeError('tls.requireClientCert needs tls.ca: the CA whose client certificates are accepted');
  try {
    createSecureContext({ cert: tls.cert, key: tls.key, ca: tls.ca });
  } catch (err) {
    throw new RangeError(`The TLS certificate and key cannot be used: ${(err as Error).message}`, { cause: err });
  }
}

/** Each listener set's TLS material, kept out of ResolvedServerOptions so no handler or log can reach the key. */
const tlsOptions = new WeakMap<ResolvedServerOptions, KafkaListenersOptions['tls'] | null>();
/**
 * A running broker listens, and so does a failed one (store cannot open, log
 * dir offline): it answers DescribeLogDirs and Metadata (see router.ts) but
 * is not in Metadata's broker list, as KRaft lists no fenced broker.
 */
function listens(b: Broker | undefined): boolean {
  return b !== undefined && (b.status === 'running' || b.isFailed);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}
