/**
 * The connection pool and request routing for one remote cluster.
 *
 * Rules:
 * - One connection per broker (by node id, at the address Metadata gives),
 *   plus the bootstrap connection used for cluster-wide requests until a
 *   broker's own is open. Opening is shared: concurrent requests to a broker
 *   wait for the same connection. A closed connection is forgotten and the
 *   next request opens a new one.
 * - Versions are chosen per connection (per broker) from its ApiVersions.
 * - `retry` runs an operation up to 5 times on retriable Kafka errors
 *   (leader or coordinator moved, partition not there yet, timeouts, a
 *   dropped connection), refreshing what the operation depends on first
 *   (`onRetry`: metadata, a coordinator), with 100 ms doubling to 1 s
 *   between attempts.
 */
import { KafkaError, errorNameOf, type ErrorName } from '../errors';
import { API_KEYS, type ResponseBody } from '../protocol/index';
import { BrokerConnection, StageError, type BrokerAddress, type ConnectOptions } from './connection';
import type { RemoteConnectionConfig } from './types';

export type MetadataBody = ResponseBody<typeof API_KEYS.Metadata>;

const RETRIABLE = new Set<ErrorName>([
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'NOT_CONTROLLER',
  'OFFSET_NOT_AVAILABLE',
  'REBALANCE_IN_PROGRESS',
]);

export const isRetriable = (e: unknown): boolean => e instanceof KafkaError && RETRIABLE.has(e.errorName);

/**
 * For writes (Produce): only the errors that say the broker wrote nothing. A timeout or a dropped
 * connection after the request went out may have written the records; retrying would duplicate them.
 */
const WRITE_RETRIABLE = new Set<ErrorName>([
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'NOT_ENOUGH_REPLICAS',
  'BROKER_NOT_AVAILABLE',
]);
export const isWriteRetriable = (e: unknown): boolean => e instanceof KafkaError && WRITE_RETRIABLE.has(e.errorName);

const sleep = (ms: number) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    t.unref();
  });

/** Throws the Kafka error for a non-zero code, with words naming what it was about. */
export function check(code: number, what: string, message?: string | null): void {
  if (code === 0) return;
  const name = errorNameOf(code);
  throw new KafkaError(name, `${what}: ${message || name}`);
}

export function parseBootstrap(servers: string[]): BrokerAddress[] {
  if (!Array.isArray(servers) || servers.length === 0)
    throw new KafkaError('INVALID_REQUEST', 'Give at least one bootstrap server as host:port', {
      field: 'bootstrapServers',
    });
  return servers.map((s) => {
    const m = /^\s*\[?([^\]\s]+?)\]?:(\d{1,5})\s*$/.exec(String(s));
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535)
      throw new KafkaError('INVALID_REQUEST', `Bootstrap server "${s}" is not host:port`, {
        field: 'bootstrapServers',
      });
    return { host: m[1]!, port };
  });
}

export interface KnownBroker extends BrokerAddress {
  nodeId: number;
  rack: string | null;
}

export class KafkaClient {
  readonly bootstrap: BrokerAddress[];
  /** Brokers by node id, from the last Metadata answer. */
  brokers = new Map<number, KnownBroker>();
  controllerId = -1;
  clusterId: string | null = null;
  private readonly connections = new Map<number, Promise<BrokerConnection>>();
  private bootstrapConn: Promise<BrokerConnection> | null = null;
  private closed = false;

  constructor(
    readonly config: RemoteConnectionConfig,
    private readonly connectOptions: ConnectOptions = {},
  ) {
    this.bootstrap = parseBootstrap(config.bootstrapServers);
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'This remote cluster connection is closed');
  }

  private track(p: Promise<BrokerConnection>, forget: () => void): Promise<BrokerConnection> {
    p.then(
      (c) => c.onClose(forget),
      () => forget(),
    );
    return p;
  }

  /** A connection to the cluster: a known broker's, or a bootstrap server's (tried in order). */
  async any(): Promise<BrokerConnection> {
    this.assertOpen();
    for (const p of this.connections.values()) {
      const c = await p.catch(() => null);
      if (c && !c.closed) return c;
    }
    if (!this.bootstrapConn) {
      const p = this.openBootstrap();
      this.bootstrapConn = this.track(p, () => {
        if (this.bootstrapConn === p) this.bootstrapConn = null;
      });
    }
    return this.bootstrapConn;
  }

  private async openBootstrap(): Promise<BrokerConnection> {
    let last: unknown = null;
    // Known brokers first (the bootstrap list may name one that is down), then the bootstrap servers.
    const addresses = [...this.brokers.values(), ...this.bootstrap];
    for (const a of addresses) {
      try {
        return await BrokerConnection.open(a, this.config, this.connectOptions);
      } catch (e) {
        // Security and version failures are the same on every broker: no point trying the others.
        if (e instanceof StageError && (e.stage === 'tls' || e.stage === 'sasl' || e.stage === 'versions')) throw e;
        last = e;
      }
    }
    throw last instanceof Error ? last : new KafkaError('NETWORK_EXCEPTION', 'No bootstrap server answered');
  }

  /** The connection to broker `nodeId`, opened on first use. */
  connection(nodeId: number): Promise<BrokerConnection> {
    this.assertOpen();
    const existing = this.connections.get(nodeId);
    if (existing) return existing;
    const b = this.brokers.get(nodeId);
    if (!b)
      return Promise.reject(
        new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${nodeId} is not in the cluster's metadata`),
      );
    const p = BrokerConnection.open(b, this.config, this.connectOptions);
    const tracked = this.track(p, () => {
      if (this.connections.get(nodeId) === tracked) this.connections.delete(nodeId);
    });
    this.connections.set(nodeId, tracked);
    return tracked;
  }

  /** The controller's connection (admin requests), or any broker's when the controller is unknown. */
  controller(): Promise<BrokerConnection> {
    return this.controllerId >= 0 && this.brokers.has(this.controllerId)
      ? this.connection(this.controllerId)
      : this.any();
  }

  /** Metadata for every topic (null) or the named ones; updates the broker table. */
  async metadata(topics: string[] | null = null): Promise<{ version: number; body: MetadataBody }> {
    const conn = await this.any();
    const r = await conn.call(API_KEYS.Metadata, (v) => ({
      topics: topics === null ? (v === 0 ? [] : null) : topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    }));
    const next = new Map<number, KnownBroker>();
    for (const b of r.body.brokers) next.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    // A broker that moved address gets a new connection.
    for (const [id, b] of next) {
      const old = this.brokers.get(id);
      if (old && (old.host !== b.host || old.port !== b.port)) this.drop(id);
    }
    this.brokers = next;
    this.controllerId = r.body.controllerId;
    this.clusterId = r.body.clusterId;
    return r;
  }

  /** Closes the connection to one broker (a request to it failed at the network level). */
  drop(nodeId: number): void {
    const p = this.connections.get(nodeId);
    this.connections.delete(nodeId);
    void p?.then((c) => c.close()).catch(() => undefined);
  }

  /** Runs `op` with retries on retriable errors; `onRetry` refreshes what it depends on. */
  async retry<T>(
    op: (attempt: number) => Promise<T>,
    onRetry: (err: KafkaError) => Promise<void> = async () => undefined,
    retriable: (e: unknown) => boolean = isRetriable,
  ): Promise<T> {
    let delay = 100;
    for (let attempt = 0; ; attempt++) {
      this.assertOpen();
      try {
        return await op(attempt);
      } catch (e) {
        if (attempt >= 4 || !retriable(e) || this.closed) throw e;
        await sleep(delay);
        delay = Math.min(delay * 2, 1000);
        try {
          await onRetry(e as KafkaError);
        } catch {
          // The refresh failing is the next attempt's error to report.
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values(), ...(this.bootstrapConn ? [this.bootstrapConn] : [])];
    this.connections.clear();
    this.bootstrapConn = null;
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
