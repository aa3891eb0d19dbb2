/**
 * The remote-cluster seam: what a host (core/host, the connection store) hands
 * this module and what it gets back. See README.md in this folder for the
 * design (codecs, pool, versions, caches, security).
 */
import type { EngineLogger } from '../logger';
import type { ClusterPort, GroupsPort } from '../service/engine-port';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface RemoteConnectionConfig {
  /** "host:port" entries; at least one. */
  bootstrapServers: string[];
  securityProtocol: SecurityProtocol;
  /** Required for SASL_PLAINTEXT and SASL_SSL. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /**
   * PEM strings. Certificates are verified (chain and host name) unless
   * rejectUnauthorized is false; without `ca` the system store is used.
   * `servername` overrides the name sent in SNI and checked against the certificate.
   */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  /** Sent in every request header; default "noticeboard". */
  clientId?: string;
  /** How long one request may wait for its answer, in ms (default 30,000). */
  requestTimeoutMs?: number;
}

/** The step of a connection attempt, in the order they happen. */
export type ConnectionStage = 'dns' | 'tcp' | 'tls' | 'sasl' | 'versions' | 'metadata';

export interface ConnectionTestResult {
  ok: boolean;
  /** The last stage reached: on success 'metadata', on failure the stage that failed. */
  stage: ConnectionStage;
  /** What happened, in words a person can act on ("SASL: authentication failed (bad credentials)"). */
  message: string;
  brokers?: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  clusterId?: string | null;
  controllerId?: number;
  elapsedMs: number;
}

export interface RemoteClusterOptions {
  /** How often the metadata cache (topics, partitions, offsets, sizes) is refreshed, in ms (default 5,000). */
  metadataRefreshMs?: number;
  /** How often the lag of watched groups is sampled, in ms (default 5,000); 0 turns sampling off. */
  lagSampleIntervalMs?: number;
  /** How often the rates of topics and brokers being looked at are sampled, in ms (default 3,000). */
  rateSampleMs?: number;
  /** Groups whose lag is sampled at most at once (default 20): the groups being looked at. */
  maxSampledGroups?: number;
  logger?: EngineLogger;
}

/**
 * A remote cluster behind the engine ports: `new EngineApi(remote, { groups: remote })`
 * works unchanged over it. Synchronous queries read the metadata cache, so
 * the cluster is usable once `openRemoteCluster` resolves (it loads the
 * cache once before).
 */
export interface RemoteCluster extends ClusterPort, GroupsPort {
  readonly remote: true;
  /** Reloads the metadata cache now (the replica map's "refresh"). */
  refreshMetadata(): Promise<void>;
  /** Samples the lag of this group from now on (bounded by maxSampledGroups; the oldest is dropped). */
  sampleLagOf(groupId: string): void;
  /** Closes every connection and timer; further calls fail with BROKER_NOT_AVAILABLE. */
  close(): Promise<void>;
}
