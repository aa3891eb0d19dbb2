/**
 * Shapes shared by the Kafka protocol server's pieces: the server-wide
 * context handlers read (cluster, options, endpoints), the per-connection
 * state, the per-request context, the handler contract and the log events.
 */
import type { Broker } from '../cluster/broker';
import type { Cluster } from '../cluster/cluster';
import type { ApiKey, RequestHeader, ResponseBodyInput } from '../protocol/index';
import type { RequestBodies } from '../protocol/messages/types.generated';
import type { GroupCoordinator } from '../groups/group-coordinator';
import type { SaslAuthenticator, SaslSession } from './sasl';

export interface ServerLogEvent {
  level: 'info' | 'warn' | 'error';
  /**
   * listening / closed: a broker's listener opened or closed; malformed: a
   * frame that does not decode (connection closed); unsupported: unknown API
   * key or version (closed, or KIP-511 answer for ApiVersions); oversized: a
   * frame above socket.request.max.bytes (closed); unauthenticated: a request
   * before SASL completed (closed); auth-failed / authenticated: SASL outcome;
   * handler-error: a bug or unexpected failure while serving a request
   * (closed); socket-error: the socket failed; listen-error: a port could not
   * be opened; deprecated-config: a request set a config Kafka deprecated;
   * idle: closed after connections.max.idle.ms without traffic;
   * frame-timeout: closed because a request frame stayed unfinished too long; tls-error: a TLS handshake failed
   * (wrong CA, no client certificate when one is required, plain text on a TLS port);
   * broker-failed: a request that needs replicas reached a failed broker (log dir offline);
   * connection-refused: over max.connections or max.connections.per.ip, closed at once;
   * suppressed: how many events of a type the default log left out.
   */
  type:
    | 'listening'
    | 'closed'
    | 'malformed'
    | 'unsupported'
    | 'oversized'
    | 'unauthenticated'
    | 'auth-failed'
    | 'authenticated'
    | 'handler-error'
    | 'socket-error'
    | 'listen-error'
    | 'deprecated-config'
    | 'idle'
    | 'frame-timeout'
    | 'tls-error'
    | 'broker-failed'
    | 'connection-refused'
    | 'suppressed';
  brokerId: number;
  message: string;
  /** Client address as host:port, for connection-level events. */
  remote?: string;
  apiKey?: number;
  apiVersion?: number;
  clientId?: string | null;
}

export type ServerLog = (event: ServerLogEvent) => void;

export interface ResolvedServerOptions {
  /** Address the listeners bind to. */
  host: string;
  /** Host name given to clients in Metadata/FindCoordinator. */
  advertisedHost: string;
  /** Broker N listens on basePort + N; 0 = ephemeral ports. */
  basePort: number;
  autoCreateTopics: boolean;
  /** socket.request.max.bytes. */
  maxRequestBytes: number;
  /** connections.max.idle.ms: a connection without traffic this long is closed. */
  connectionsMaxIdleMs: number;
  /** A request frame must arrive whole within this long of its first byte. */
  requestFrameTimeoutMs: number;
  /** max.connections: connections one broker accepts in all. */
  maxConnections: number;
  /** max.connections.per.ip, and its per-address overrides (normalised addresses). */
  maxConnectionsPerIp: number;
  maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  log: ServerLog;
  /** What every broker port speaks, for the listeners configs (TLS from KafkaListenersOptions.tls, SASL from users). */
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
}

export interface Endpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** What every handler may read about the server as a whole. */
export interface ServerContext {
  readonly cluster: Cluster;
  readonly options: ResolvedServerOptions;
  readonly groups: GroupCoordinator | null;
  readonly sasl: SaslAuthenticator | null;
  /** The endpoint of a broker whose listener is open and which is running, else null. */
  endpoint(brokerId: number): Endpoint | null;
  /** Every such endpoint, by broker id. */
  liveEndpoints(): Endpoint[];
  /** The active controller's id, or -1. */
  controllerId(): number;
  /** Deduplicates concurrent auto-creations of the same topic. */
  readonly creatingTopics: Map<string, Promise<void>>;
}

/** Per-connection state. */
export interface ConnectionState {
  readonly id: number;
  readonly brokerId: number;
  /** host:port of the client. */
  readonly remote: string;
  readonly clientHost: string;
  clientId: string | null;
  authenticated: boolean;
  principal: string | null;
  sasl: SaslSession | null;
  /** Tail of this connection's produce requests to compacted topics (kept in order, see produce.ts). */
  orderedProduceTail: Promise<unknown>;
}

export interface RequestContext {
  readonly server: ServerContext;
  readonly conn: ConnectionState;
  /** The broker the request was sent to. */
  readonly broker: Broker;
  readonly header: RequestHeader;
  readonly apiVersion: number;
  /** Set by a handler to close the connection once its response is written (failed SASL). */
  closeAfterResponse: boolean;
}

/** A handler's way of saying "send nothing" (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no-response');
/** A handler's way of saying "close the connection without a response" (acks=0 failures). */
export const CLOSE_CONNECTION: unique symbol = Symbol('close-connection');

export type HandlerResult<K extends ApiKey> = ResponseBodyInput<K> | typeof NO_RESPONSE | typeof CLOSE_CONNECTION;

export interface ApiHandler<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  /** Versions served (intersected with the codec's valid versions when advertised). */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Lowest version advertised in ApiVersions when below minVersion: versions in
   * [advertisedMinVersion, minVersion) are announced but refused like any
   * unserved version (Produce v0-2, KAFKA-18659: librdkafka <= 2.x only
   * compresses when the broker advertises Produce v0).
   */
  readonly advertisedMinVersion?: number;
  /** Encode with zero-copy chunks (Fetch: record batches are not copied into the frame). */
  readonly zeroCopy?: boolean;
  handle(ctx: RequestContext, body: RequestBodies[K]): HandlerResult<K> | Promise<HandlerResult<K>>;
}

/** Typed helper for handler tables. */
export function api<K extends ApiKey>(h: ApiHandler<K>): ApiHandler<K> {
  return h;
}
