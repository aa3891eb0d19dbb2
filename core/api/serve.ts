/**
 * Serve mode without its command line: the embedded cluster, the API bound to
 * it, and the HTTP/WebSocket server, started and stopped as one. The engine is
 * opened through `openCluster` so tests can start the whole stack on a fake.
 */
import { EngineApi } from './engine-api';
import type { ClusterPort } from './engine-port';
import type { FeedOptions } from './cluster-feed';
import { startWsServer, type RunningServer } from './ws-server';

export interface OwnedCluster extends ClusterPort {
  close(): Promise<void>;
}

export interface ServeOptions {
  dataDir: string;
  brokers: number;
  host: string;
  port: number;
  staticDir: string | null;
  version: string;
  openCluster: (opts: { dataDir: string; brokers: number; host: string }) => Promise<OwnedCluster>;
  token?: string;
  feed?: FeedOptions;
}

export interface ServeHandle {
  server: RunningServer;
  api: EngineApi;
  cluster: OwnedCluster;
  /** Kafka bootstrap servers, or null until the wire protocol listens. */
  bootstrapServers: string | null;
  close(): Promise<void>;
}

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const cluster = await opts.openCluster({ dataDir: opts.dataDir, brokers: opts.brokers, host: opts.host });
  let api: EngineApi | null = null;
  let server: RunningServer | null = null;
  try {
    api = new EngineApi(cluster, { transport: 'websocket', dataDir: opts.dataDir, version: opts.version, feed: opts.feed });
    server = await startWsServer({ api, host: opts.host, port: opts.port, staticDir: opts.staticDir, token: opts.token });
  } catch (err) {
    api?.close();
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
    bootstrapServers: listening.length ? listening.map((b) => `${b.host}:${b.port}`).join(',') : null,
    // Stop taking calls first, then let the engine finish its writes and close LevelDB.
    close: () => (closing ??= (async () => {
      await s.close();
      a.close();
      await cluster.close();
    })()),
  };
}
