/**
 * Serve mode without its command line: the embedded cluster, the API bound to
 * it, and the HTTP/WebSocket server, started and stopped as one. The engine is
 * opened through `openCluster` so tests can start the whole stack on a fake.
 */
import { EngineApi } from './engine-api';
import type { ClusterPort, OwnedGroups } from './engine-port';
import type { FeedOptions } from './cluster-feed';
import { startWsServer, type RunningServer } from './ws-server';

export interface OwnedCluster extends ClusterPort {
  close(): Promise<void>;
}

export interface ServeOptions<C extends OwnedCluster = OwnedCluster> {
  dataDir: string;
  brokers: number;
  host: string;
  port: number;
  staticDir: string | null;
  version: string;
  openCluster: (opts: { dataDir: string; brokers: number; host: string }) => Promise<C>;
  /** Consumer groups over the opened cluster (`Groups.attach`); closed after the API and before the cluster. */
  attachGroups?: (cluster: C) => Promise<OwnedGroups>;
  /** The Kafka listeners over the cluster (`KafkaListeners.start`); closed first, so clients go before the engine. */
  startKafka?: (cluster: C, groups: OwnedGroups | null) => Promise<KafkaListenersHandle>;
  token?: string;
  feed?: FeedOptions;
}

/** What serve mode needs of the Kafka listeners (core/server/kafka-listeners.ts). */
export interface KafkaListenersHandle {
  bootstrapServers(): string;
  close(): Promise<void>;
}

export interface ServeHandle {
  server: RunningServer;
  api: EngineApi;
  cluster: OwnedCluster;
  /** The consumer groups the API uses, or null when serve mode runs without them. */
  groups: OwnedGroups | null;
  /** Kafka bootstrap servers, or null until the wire protocol listens. */
  bootstrapServers: string | null;
  close(): Promise<void>;
}

export async function startServe<C extends OwnedCluster>(opts: ServeOptions<C>): Promise<ServeHandle> {
  const cluster = await opts.openCluster({ dataDir: opts.dataDir, brokers: opts.brokers, host: opts.host });
  let api: EngineApi | null = null;
  let server: RunningServer;
  let groups: OwnedGroups | null = null;
  let kafka: KafkaListenersHandle | null = null;
  try {
    groups = opts.attachGroups ? await opts.attachGroups(cluster) : null;
    kafka = opts.startKafka ? await opts.startKafka(cluster, groups) : null;
    api = new EngineApi(cluster, { transport: 'websocket', dataDir: opts.dataDir, version: opts.version, feed: opts.feed, groups });
    server = await startWsServer({ api, host: opts.host, port: opts.port, staticDir: opts.staticDir, token: opts.token });
  } catch (err) {
    await api?.shutdown();
    await kafka?.close();
    await groups?.close();
    await cluster.close();
    throw err;
  }
  const listening = cluster.brokers().filter((b) => b.port !== null);
  let closing: Promise<void> | null = null;
  const a = api;
  const s = server;
  return {
    server: s,
    api: a,
    cluster,
    groups,
    bootstrapServers: kafka ? kafka.bootstrapServers() : listening.length ? listening.map((b) => `${b.host}:${b.port}`).join(',') : null,
    // Stop taking calls first, then let the engine finish its writes and close LevelDB.
    close: () => (closing ??= (async () => {
      await s.close();
      await kafka?.close();
      // The workload's consumers leave their group before the groups close, and the groups before the cluster.
      await a.shutdown();
      await groups?.close();
      await cluster.close();
    })()),
  };
}
