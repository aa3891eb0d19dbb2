/**
 * One connection to one broker: DNS, TCP, TLS (node:tls), ApiVersions, SASL,
 * then requests. Each step that fails throws a `StageError` naming the step
 * and saying what happened in words (testConnection shows them as they are).
 *
 * Rules:
 * - Requests are written in order and answered in order (Kafka processes one
 *   connection's requests one at a time); answers are still matched by
 *   correlation id, and an answer to no pending request closes the
 *   connection (the stream can no longer be trusted).
 * - Every request has a timeout; when it fires the request fails with
 *   REQUEST_TIMED_OUT and the connection closes, so a late answer is never
 *   taken for the next request's.
 * - When the connection closes, every pending request fails with
 *   NETWORK_EXCEPTION ("connection to host:port closed"); the pool opens a
 *   new one on the next request.
 * - TLS verifies the chain and the host name unless rejectUnauthorized is
 *   false; with an IP address as host no SNI is sent and the certificate
 *   must name that address.
 */
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { KafkaError, errorNameOf, type ErrorName } from '../errors';
import {
  API_KEYS,
  API_NAMES,
  FrameSplitter,
  decodeResponse,
  encodeRequest,
  type RequestBodyInput,
  type ResponseBody,
} from '../protocol/index';
import { SaslClientError, saslSession } from './sasl-client';
import type { ConnectionStage, RemoteConnectionConfig } from './types';
import { chooseVersion, requireVersion, versionsFromApiVersions, type BrokerVersions } from './versions';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Fetch answers are sized by the request; this only guards against a stream gone wrong. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/** A failed connection step: `stage` says which, the message says what happened. */
export class StageError extends KafkaError {
  constructor(
    readonly stage: ConnectionStage,
    errorName: ErrorName,
    message: string,
  ) {
    super(errorName, message);
  }
}

interface Pending {
  apiKey: number;
  version: number;
  resolve(frame: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface BrokerAddress {
  host: string;
  port: number;
}

/** Words for a socket error at the TCP step. */
function tcpWords(e: NodeJS.ErrnoException, where: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `TCP: connection refused by ${where} (is a broker listening on that port?)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `TCP: ${where} is unreachable (no route to the host)`;
    case 'ETIMEDOUT':
      return `TCP: no answer from ${where} (a firewall, or the wrong address)`;
    case 'ECONNRESET':
      return `TCP: ${where} reset the connection`;
    default:
      return `TCP: cannot connect to ${where} (${e.code ?? e.message})`;
  }
}

/** Words for a certificate or handshake failure. */
function tlsWords(e: NodeJS.ErrnoException, where: string): string {
  switch (e.code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return "TLS: self-signed certificate in chain (give the cluster's CA certificate)";
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'TLS: self-signed certificate (give it as the CA certificate to trust it)';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return "TLS: the broker's certificate is not signed by a trusted CA (wrong CA certificate?)";
    case 'CERT_HAS_EXPIRED':
      return "TLS: the broker's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "TLS: the broker's certificate is not valid yet (check the clocks)";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return (
        `TLS: the broker's certificate does not name ${where.replace(/:\d+$/, '')} ` +
        `(${e.message.replace(/^.*?: /, '')})`
      );
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `TLS: ${where} does not speak TLS (is its listener PLAINTEXT or SASL_PLAINTEXT?)`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `TLS: ${where} closed the connection during the handshake (does it require a client certificate?)`;
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return `TLS: ${where} requires a client certificate (mTLS): give a certificate and its key`;
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `TLS: ${where} refused the client certificate (not signed by a CA it trusts?)`;
    default:
      if (/alert (certificate required|handshake failure|bad certificate)/i.test(e.message))
        return (
          `TLS: ${where} refused the handshake: ${e.message.replace(/^.*alert /i, 'alert ')} ` +
          '(client certificate missing or not trusted?)'
        );
      return `TLS: handshake with ${where} failed (${e.code ?? e.message})`;
  }
}

export interface ConnectOptions {
  /** Connect and handshake deadline per step, in ms (default 10,000). */
  connectTimeoutMs?: number;
  /** Called as each step begins (testConnection reports the last one reached). */
  onStage?: (stage: ConnectionStage) => void;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error, cleanup: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup();
      reject(onTimeout());
    }, ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}

export class BrokerConnection {
  private readonly splitter = new FrameSplitter(MAX_FRAME_BYTES);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closedWith: Error | null = null;
  private readonly closeListeners = new Set<() => void>();
  versions: BrokerVersions = new Map();
  /** The broker's mechanisms when SASL is on (from SaslHandshake). */
  saslMechanisms: string[] = [];
  /** The socket's own error, when it failed (a TLS alert after the handshake says what the broker refused). */
  private socketError: NodeJS.ErrnoException | null = null;

  private constructor(
    private readonly socket: Socket | TLSSocket,
    readonly address: BrokerAddress,
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      this.socketError ??= e;
      this.fail(new KafkaError('NETWORK_EXCEPTION', this.closedWords(e)));
    });
    socket.on('close', () => this.fail(new KafkaError('NETWORK_EXCEPTION', this.closedWords())));
  }

  get where(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  onClose(listener: () => void): void {
    if (this.closedWith) listener();
    else this.closeListeners.add(listener);
  }

  private closedWords(e?: NodeJS.ErrnoException): string {
    return e ? `Connection to ${this.where} failed: ${e.code ?? e.message}` : `Connection to ${this.where} closed`;
  }

  /**
   * Opens a connection through every step: DNS, TCP, TLS, ApiVersions, SASL.
   * Throws a StageError at the step that failed.
   */
  static async open(
    address: BrokerAddress,
    config: RemoteConnectionConfig,
    opts: ConnectOptions = {},
  ): Promise<BrokerConnection> {
    const where = `${address.host}:${address.port}`;
    const stepMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const stage = (s: ConnectionStage) => opts.onStage?.(s);

    stage('dns');
    let ip = address.host;
    if (isIP(address.host) === 0) {
      try {
        ip = (await lookup(address.host)).address;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const words =
          e.code === 'ENOTFOUND'
            ? `DNS: no such host ${address.host}`
            : `DNS: cannot resolve ${address.host} (${e.code ?? e.message})`;
        throw new StageError('dns', 'NETWORK_EXCEPTION', words);
      }
    }

    stage('tcp');
    const tcp = new Socket();
    // Until the connection object owns it, errors are reported through the promises below.
    tcp.on('error', () => undefined);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        tcp.once('connect', resolve);
        tcp.once('error', (e: NodeJS.ErrnoException) =>
          reject(new StageError('tcp', 'NETWORK_EXCEPTION', tcpWords(e, where))),
        );
        tcp.connect({ host: ip, port: address.port });
      }),
      stepMs,
      () => new StageError('tcp', 'REQUEST_TIMED_OUT', `TCP: no answer from ${where} within ${stepMs / 1000} s`),
      () => tcp.destroy(),
    );

    let socket: Socket | TLSSocket = tcp;
    const secure = config.securityProtocol === 'SSL' || config.securityProtocol === 'SASL_SSL';
    if (secure) {
      stage('tls');
      const t = config.tls ?? {};
      const servername = t.servername ?? (isIP(address.host) === 0 ? address.host : undefined);
      const tls = tlsConnect({
        socket: tcp,
        servername,
        // Node checks the certificate against `servername`, or `host` when there is none (an IP address).
        host: address.host,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: t.rejectUnauthorized ?? true,
      });
      tls.on('error', () => undefined);
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          tls.once('secureConnect', resolve);
          tls.once('error', (e: NodeJS.ErrnoException) =>
            reject(
              new StageError('tls', 'NETWORK_EXCEPTION', tlsWords(e, `${servername ?? address.host}:${address.port}`)),
            ),
          );
          tls.once('close', () =>
            reject(new StageError('tls', 'NETWORK_EXCEPTION', tlsWords({ code: 'ECONNRESET' } as never, where))),
          );
        }),
        stepMs,
        () => new StageError('tls', 'REQUEST_TIMED_OUT', `TLS: no handshake from ${where} within ${stepMs / 1000} s`),
        () => tls.destroy(),
      );
      socket = tls;
    }

    const conn = new BrokerConnection(
      socket,
      address,
      config.clientId ?? 'noticeboard',
      config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
    try {
      stage('versions');
      await conn.negotiateVersions(secure, stepMs);
      if (config.securityProtocol === 'SASL_PLAINTEXT' || config.securityProtocol === 'SASL_SSL') {
        stage('sasl');
        await conn.authenticate(config);
      }
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  private async negotiateVersions(secure: boolean, stepMs: number): Promise<void> {
    const onDrop = (e: unknown): never => {
      // TLS 1.3 finishes the client's handshake before the broker checks the client's certificate:
      // its refusal arrives as an alert on the first request.
      const se = this.socketError;
      if (secure && se && /ALERT|alert/.test(`${se.code ?? ''} ${se.message}`))
        throw new StageError('tls', 'NETWORK_EXCEPTION', tlsWords(se, this.where));
      if (e instanceof KafkaError && e.errorName === 'NETWORK_EXCEPTION')
        throw new StageError(
          'versions',
          'NETWORK_EXCEPTION',
          secure
            ? `Kafka: ${this.where} closed the connection before answering ApiVersions`
            : `Kafka: ${this.where} closed the connection before answering ApiVersions (does it expect TLS?)`,
        );
      if (e instanceof KafkaError && e.errorName === 'REQUEST_TIMED_OUT')
        throw new StageError(
          'versions',
          'REQUEST_TIMED_OUT',
          `Kafka: ${this.where} did not answer ApiVersions (is it a Kafka port?)`,
        );
      throw e;
    };
    // v3 first (KIP-511); a broker that does not know it answers with its ranges in the v0 layout.
    let frame: Buffer;
    try {
      frame = await this.send(
        API_KEYS.ApiVersions,
        3,
        { clientSoftwareName: 'noticeboard', clientSoftwareVersion: '1' },
        stepMs,
      );
    } catch (e) {
      return onDrop(e);
    }
    let body: ResponseBody<typeof API_KEYS.ApiVersions>;
    try {
      body = decodeResponse(API_KEYS.ApiVersions, 3, frame).body;
    } catch {
      body = decodeResponse(API_KEYS.ApiVersions, 0, frame).body;
    }
    if (body.errorCode === 35) {
      const theirs = versionsFromApiVersions(body.apiKeys);
      const v = Math.min(theirs.get(API_KEYS.ApiVersions)?.max ?? 0, 3);
      try {
        frame = await this.send(API_KEYS.ApiVersions, v, {}, stepMs);
      } catch (e) {
        return onDrop(e);
      }
      body = decodeResponse(API_KEYS.ApiVersions, v, frame).body;
    }
    if (body.errorCode !== 0)
      throw new StageError(
        'versions',
        errorNameOf(body.errorCode),
        `Kafka: ApiVersions failed with ${errorNameOf(body.errorCode)}`,
      );
    this.versions = versionsFromApiVersions(body.apiKeys);
  }

  private async authenticate(config: RemoteConnectionConfig): Promise<void> {
    const sasl = config.sasl;
    if (!sasl) throw new StageError('sasl', 'ILLEGAL_SASL_STATE', 'SASL: no mechanism, username and password given');
    if (chooseVersion(this.versions, API_KEYS.SaslHandshake) === null)
      throw new StageError(
        'sasl',
        'ILLEGAL_SASL_STATE',
        `SASL: ${this.where} does not accept SASL (is its listener PLAINTEXT or SSL?)`,
      );
    const hv = Math.min(requireVersion(this.versions, API_KEYS.SaslHandshake), 1);
    const hs = await this.request(API_KEYS.SaslHandshake, hv, { mechanism: sasl.mechanism });
    this.saslMechanisms = hs.mechanisms;
    if (hs.errorCode !== 0) {
      const offers = hs.mechanisms.length ? hs.mechanisms.join(', ') : 'none';
      throw new StageError(
        'sasl',
        errorNameOf(hs.errorCode),
        errorNameOf(hs.errorCode) === 'UNSUPPORTED_SASL_MECHANISM'
          ? `SASL: ${this.where} does not offer ${sasl.mechanism} (it offers ${offers})`
          : `SASL: handshake failed with ${errorNameOf(hs.errorCode)}`,
      );
    }
    const av = chooseVersion(this.versions, API_KEYS.SaslAuthenticate);
    if (av === null || hv < 1)
      throw new StageError(
        'sasl',
        'UNSUPPORTED_VERSION',
        'Broker too old: needs SaslHandshake v1+ and SaslAuthenticate',
      );
    const session = saslSession(sasl.mechanism, sasl.username, sasl.password);
    let token: Buffer | null = session.first();
    try {
      while (token !== null) {
        let r;
        try {
          r = await this.request(API_KEYS.SaslAuthenticate, av, { authBytes: token });
        } catch (e) {
          if (e instanceof KafkaError && e.errorName === 'NETWORK_EXCEPTION')
            throw new StageError('sasl', 'SASL_AUTHENTICATION_FAILED', 'SASL: authentication failed (bad credentials)');
          throw e;
        }
        if (r.errorCode !== 0) {
          const name = errorNameOf(r.errorCode);
          throw new StageError(
            'sasl',
            name,
            name === 'SASL_AUTHENTICATION_FAILED'
              ? 'SASL: authentication failed (bad credentials)'
              : `SASL: ${name}${r.errorMessage ? ` (${r.errorMessage})` : ''}`,
          );
        }
        token = session.next(r.authBytes);
      }
    } catch (e) {
      if (e instanceof SaslClientError)
        throw new StageError('sasl', 'SASL_AUTHENTICATION_FAILED', `SASL: ${e.message}`);
      throw e;
    }
  }

  /** The version this broker and the codec share for an API, or UNSUPPORTED_VERSION in words. */
  version(apiKey: number): number {
    return requireVersion(this.versions, apiKey);
  }

  /** Sends a request at `version` and decodes its answer. */
  async request<K extends number>(
    apiKey: K,
    version: number,
    body: RequestBodyInput<K>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<ResponseBody<K>> {
    const frame = await this.send(apiKey, version, body, timeoutMs);
    return decodeResponse(apiKey, version, frame).body;
  }

  /** Sends a request at the highest shared version; the version is handed to `build` and returned with the answer. */
  async call<K extends number>(
    apiKey: K,
    build: (version: number) => RequestBodyInput<K>,
    opts: { timeoutMs?: number; maxVersion?: number } = {},
  ): Promise<{ version: number; body: ResponseBody<K> }> {
    let version = this.version(apiKey);
    if (opts.maxVersion !== undefined) version = Math.min(version, opts.maxVersion);
    const body = await this.request(apiKey, version, build(version), opts.timeoutMs ?? this.requestTimeoutMs);
    return { version, body };
  }

  private send<K extends number>(
    apiKey: K,
    version: number,
    body: RequestBodyInput<K>,
    timeoutMs: number,
  ): Promise<Buffer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId >= 0x7fffffff ? 1 : this.nextCorrelationId + 1;
    const bytes = encodeRequest(apiKey, version, correlationId, this.clientId, body);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new KafkaError(
            'REQUEST_TIMED_OUT',
            `${API_NAMES[apiKey] ?? apiKey} to ${this.where} ` +
              `got no answer within ${Math.round(timeoutMs / 100) / 10} s`,
          ),
        );
        this.close();
      }, timeoutMs);
      timer.unref();
      this.pending.set(correlationId, { apiKey, version, resolve, reject, timer });
      this.socket.write(bytes);
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.splitter.push(chunk);
    } catch (e) {
      this.fail(new KafkaError('NETWORK_EXCEPTION', `${this.where} sent a malformed frame: ${(e as Error).message}`));
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      const id = frame.length >= 4 ? frame.readInt32BE(0) : -1;
      const p = this.pending.get(id);
      if (!p) {
        this.fail(new KafkaError('NETWORK_EXCEPTION', `${this.where} answered a request that was not sent (${id})`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.resolve(frame);
    }
  }

  private fail(err: Error): void {
    if (!this.closedWith) this.closedWith = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    if (!this.socket.destroyed) this.socket.destroy();
    for (const l of this.closeListeners) l();
    this.closeListeners.clear();
  }

  close(): void {
    this.fail(new KafkaError('NETWORK_EXCEPTION', `Connection to ${this.where} closed`));
  }
}
