/**
 * Request router: decodes a frame, checks it may be served on this
 * connection, runs the handler for its API key and encodes the response.
 *
 * The ApiVersions answer is derived from the handler table: each handler's
 * version range intersected with the codec's valid versions, so nothing is
 * advertised that is not served, with one exception Kafka 4.0 makes too
 * (KAFKA-18659): Produce is advertised from v0 although v0-2 are refused
 * (connection closed), because librdkafka <= 2.x disables compression when
 * Produce v0 is missing from the answer. ApiVersions itself follows KIP-511: a
 * version above the supported ones gets UNSUPPORTED_VERSION plus the
 * supported ranges in a v0 response (header v0), which old and new clients
 * read alike.
 *
 * What is not served is never guessed at: a frame that does not decode, an
 * unknown API key, a version outside the advertised range, or a request
 * before SASL authentication completes is logged and the connection closed
 * (what Kafka does for these). Handler failures that are not Kafka errors
 * are bugs: logged, connection closed, stored data untouched.
 */
import type { Broker } from '../cluster/broker';
import { errorCodeOf } from '../errors';
import {
  API_KEYS,
  API_NAMES,
  decodeRequest,
  encodeResponse,
  encodeResponseChunks,
  messageSchema,
  UnsupportedRequestError,
  type ApiKey,
} from '../protocol/index';
import {
  CLOSE_CONNECTION,
  NO_RESPONSE,
  api,
  type ApiHandler,
  type ConnectionState,
  type HandlerResult,
  type RequestContext,
  type ServerContext,
  type ServerLogEvent,
} from './context';

export interface Outcome {
  /** Response bytes (size prefix included), or null for no response. */
  chunks: Buffer[] | null;
  /** Close the connection after writing `chunks`. */
  close: boolean;
}

const CLOSE: Outcome = Object.freeze({ chunks: null, close: true }) as Outcome;
const NOTHING: Outcome = Object.freeze({ chunks: null, close: false }) as Outcome;

/** Record payloads at least this large are written by reference, not copied into the response frame. */
const ZERO_COPY_MIN_BYTES = 16 * 1024;

/**
 * APIs a failed broker (its store cannot open, its log dir went offline)
 * still answers on its listener, as a Kafka broker whose log dir is offline
 * keeps answering what needs no log: DescribeLogDirs reports the dir with
 * KAFKA_STORAGE_ERROR, Metadata the cluster as it is now. Any other request
 * would need its replicas: it is logged and the connection closed, as the
 * closed listener of a stopped broker does.
 */
const FAILED_BROKER_APIS = new Set<number>([
  API_KEYS.ApiVersions,
  API_KEYS.SaslHandshake,
  API_KEYS.SaslAuthenticate,
  API_KEYS.Metadata,
  API_KEYS.DescribeCluster,
  API_KEYS.DescribeLogDirs,
]);

/** APIs a connection may use before SASL authentication completes. */
const PRE_AUTH = new Set<number>([API_KEYS.ApiVersions, API_KEYS.SaslHandshake, API_KEYS.SaslAuthenticate]);

export interface AdvertisedApi {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
}

export class Router {
  private readonly table: Array<ApiHandler | undefined> = [];
  readonly advertised: AdvertisedApi[];

  constructor(
    private readonly server: ServerContext,
    private readonly broker: (id: number) => Broker,
    handlers: ApiHandler[],
    /** Narrowed ranges by API key (api-version-profiles.ts); an API whose range empties is not offered. */
    limits?: ReadonlyMap<number, { min: number; max: number }>,
  ) {
    const all: ApiHandler[] = [
      api({ apiKey: API_KEYS.ApiVersions, minVersion: 0, maxVersion: 4, handle: () => this.apiVersionsBody(0) }),
      ...handlers,
    ];
    for (const h of all) {
      const s = messageSchema(h.apiKey);
      if (!s) throw new Error(`handler for API key ${h.apiKey}, which the codec does not carry`);
      const limit = h.apiKey === API_KEYS.ApiVersions ? undefined : limits?.get(h.apiKey);
      const min = Math.max(h.minVersion, s.validVersions.min, limit?.min ?? 0);
      const max = Math.min(h.maxVersion, s.validVersions.max, limit?.max ?? Infinity);
      if (min > max) {
        if (limit) continue;
        throw new Error(`${s.name}: no version both served and decodable`);
      }
      this.table[h.apiKey] = { ...h, minVersion: min, maxVersion: max } as ApiHandler;
    }
    this.advertised = this.table
      .filter((h): h is ApiHandler => h !== undefined)
      .map((h) => ({
        apiKey: h.apiKey,
        name: API_NAMES[h.apiKey]!,
        minVersion: Math.max(
          Math.min(h.minVersion, h.advertisedMinVersion ?? h.minVersion),
          limits?.get(h.apiKey)?.min ?? 0,
        ),
        maxVersion: h.maxVersion,
      }));
  }

  private apiVersionsBody(errorCode: number) {
    return {
      errorCode,
      apiKeys: this.advertised.map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
      throttleTimeMs: 0,
    };
  }

  private log(
    conn: ConnectionState,
    level: ServerLogEvent['level'],
    type: ServerLogEvent['type'],
    message: string,
    apiKey?: number,
    apiVersion?: number,
  ): void {
    try {
      this.server.options.log({
        level,
        type,
        brokerId: conn.brokerId,
        remote: conn.remote,
        clientId: conn.clientId,
        message,
        apiKey,
        apiVersion,
      });
    } catch {
      // ignore logger failures
    }
  }

  handle(conn: ConnectionState, frame: Buffer): Outcome | Promise<Outcome> {
    let req;
    try {
      req = decodeRequest(frame);
    } catch (err) {
      if (err instanceof UnsupportedRequestError) {
        const h = err.header;
        if (h.apiKey === API_KEYS.ApiVersions) {
          // KIP-511: answer in v0, which every client can read, with the ranges we do support.
          this.log(
            conn,
            'info',
            'unsupported',
            `ApiVersions v${h.apiVersion} is not supported; answered UNSUPPORTED_VERSION with the supported ranges`,
            h.apiKey,
            h.apiVersion,
          );
          return {
            chunks: [
              encodeResponse(
                API_KEYS.ApiVersions,
                0,
                h.correlationId,
                this.apiVersionsBody(errorCodeOf('UNSUPPORTED_VERSION')),
              ),
            ],
            close: false,
          };
        }
        this.log(conn, 'warn', 'unsupported', `${err.message}; closing the connection`, h.apiKey, h.apiVersion);
        return CLOSE;
      }
      this.log(
        conn,
        'warn',
        'malformed',
        `request does not decode: ${(err as Error).message}; closing the connection`,
        frame.length >= 2 ? frame.readInt16BE(0) : undefined,
        frame.length >= 4 ? frame.readInt16BE(2) : undefined,
      );
      return CLOSE;
    }
    const { apiKey, apiVersion, header } = req;
    conn.clientId = header.clientId;
    const h = this.table[apiKey];
    if (!h || apiVersion < h.minVersion || apiVersion > h.maxVersion) {
      if (apiKey === API_KEYS.ApiVersions) {
        return {
          chunks: [
            encodeResponse(
              API_KEYS.ApiVersions,
              0,
              header.correlationId,
              this.apiVersionsBody(errorCodeOf('UNSUPPORTED_VERSION')),
            ),
          ],
          close: false,
        };
      }
      const name = API_NAMES[apiKey] ?? `API ${apiKey}`;
      this.log(
        conn,
        'warn',
        'unsupported',
        h
          ? `${name} v${apiVersion} is not served (versions ${h.minVersion}-${h.maxVersion}); closing the connection`
          : `${name} is not served by this broker; closing the connection`,
        apiKey,
        apiVersion,
      );
      return CLOSE;
    }
    if (!conn.authenticated && !PRE_AUTH.has(apiKey)) {
      this.log(
        conn,
        'warn',
        'unauthenticated',
        `${API_NAMES[apiKey]} before SASL authentication; closing the connection`,
        apiKey,
        apiVersion,
      );
      return CLOSE;
    }
    let broker: Broker;
    try {
      broker = this.broker(conn.brokerId);
    } catch {
      return CLOSE;
    }
    if (broker.isFailed && !FAILED_BROKER_APIS.has(apiKey)) {
      this.log(
        conn,
        'warn',
        'broker-failed',
        `${API_NAMES[apiKey]} needs broker ${broker.id}'s replicas, ` +
          `but its log dir is offline (${broker.failure}); closing the connection`,
        apiKey,
        apiVersion,
      );
      return CLOSE;
    }
    const ctx: RequestContext = { server: this.server, conn, broker, header, apiVersion, closeAfterResponse: false };
    let result: HandlerResult<ApiKey> | Promise<HandlerResult<ApiKey>>;
    try {
      result = (h.handle as (c: RequestContext, b: unknown) => HandlerResult<ApiKey> | Promise<HandlerResult<ApiKey>>)(
        ctx,
        req.body,
      );
    } catch (err) {
      return this.failed(conn, apiKey, apiVersion, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.encode(ctx, h, r),
        (err: unknown) => this.failed(conn, apiKey, apiVersion, err),
      );
    }
    return this.encode(ctx, h, result);
  }

  private failed(conn: ConnectionState, apiKey: number, apiVersion: number, err: unknown): Outcome {
    this.log(
      conn,
      'error',
      'handler-error',
      `${API_NAMES[apiKey]} v${apiVersion} failed: ${(err as Error)?.stack ?? String(err)}; closing the connection`,
      apiKey,
      apiVersion,
    );
    return CLOSE;
  }

  private encode(ctx: RequestContext, h: ApiHandler, result: HandlerResult<ApiKey>): Outcome {
    if (result === NO_RESPONSE) return NOTHING;
    if (result === CLOSE_CONNECTION) return CLOSE;
    const { apiKey } = h;
    const { apiVersion } = ctx;
    const correlationId = ctx.header.correlationId;
    try {
      const chunks = h.zeroCopy
        ? encodeResponseChunks(apiKey, apiVersion, correlationId, result as never, ZERO_COPY_MIN_BYTES)
        : [encodeResponse(apiKey, apiVersion, correlationId, result as never)];
      return { chunks, close: ctx.closeAfterResponse };
    } catch (err) {
      return this.failed(ctx.conn, apiKey, apiVersion, err);
    }
  }
}
