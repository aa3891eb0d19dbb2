/**
 * Serve mode without its command line: the engine's parts from the composition
 * root (noticeboard.ts) and the HTTP/WebSocket server over its API, started and
 * stopped as one. The engine is opened through `openCluster` so tests can start
 * the whole stack on a fake.
 */
import { join } from 'node:path';
import type { ListenerSecurityOptions } from '../kafka-server/kafka-listeners';
import type { EngineApi } from '../service/engine-api';
import type { OwnedGroups } from '../service/engine-port';
import type { FeedOptions } from '../service/cluster-feed';
import { accessTokenPath, loadAccessToken, newAccessToken, storeAccessToken } from './access-token';
import type { ConnectionRouter, RemoteClients } from './connection-router';
import type { FlagSecurity, ListenerSecurity } from './listener-security';
import { openNoticeboard, type KafkaListenersHandle, type OwnedCluster } from './noticeboard';
import { startWsServer, type RunningServer } from './ws-server';

export type { KafkaListenersHandle, OwnedCluster };

export interface ServeOptions<C extends OwnedCluster = OwnedCluster> {
  dataDir: string;
  brokers: number;
  /** Address of the UI and WebSocket API. */
  host: string;
  /** Address of the brokers and their Kafka listeners; 127.0.0.1 unless given, whatever `host` is. */
  kafkaHost?: string;
  port: number;
  staticDir: string | null;
  version: string;
  openCluster: (opts: { dataDir: string; brokers: number; host: string; logFile: string }) => Promise<C>;
  /** Consumer groups over the opened cluster (`Groups.attach`); closed after the API and before the cluster. */
  attachGroups?: (cluster: C) => Promise<OwnedGroups>;
  /**
   * The Kafka listeners over the cluster (`KafkaListeners.start`) speaking `security`; closed first, so clients go
   * before the engine.
   */
  startKafka?: (
    cluster: C,
    groups: OwnedGroups | null,
    security: ListenerSecurityOptions,
  ) => Promise<KafkaListenersHandle>;
  /** The access token; without it, the one stored in the data folder (created on first start, see access-token.ts). */
  token?: string;
  /** Told the new browser URL when the token is regenerated from Settings (the CLI prints it). */
  onTokenChange?: (url: string) => void;
  feed?: FeedOptions;
  /** The Kafka listeners' security: their certificate's host name, and the flags that fix it (listener-security.ts). */
  listenerSecurity?: { advertisedHost?: string; flags?: FlagSecurity | null };
  /** How real clusters are reached (core/remote); secrets go to `<dataDir>/connection-secrets.json`, mode 0600. */
  remote?: RemoteClients | null;
}

export interface ServeHandle {
  server: RunningServer;
  api: EngineApi;
  router: ConnectionRouter;
  cluster: OwnedCluster;
  /** The consumer groups the API uses, or null when serve mode runs without them. */
  groups: OwnedGroups | null;
  /** Kafka bootstrap servers, or null until the wire protocol listens. */
  bootstrapServers: string | null;
  /** The Kafka listeners' security (Settings changes it), or null without listeners. */
  listenerSecurity: ListenerSecurity | null;
  close(): Promise<void>;
}

export async function startServe<C extends OwnedCluster>(opts: ServeOptions<C>): Promise<ServeHandle> {
  const nb = await openNoticeboard({
    dataDir: opts.dataDir,
    transport: 'websocket',
    version: opts.version,
    // The engine log goes in the data folder, where serve mode keeps everything else.
    openCluster: ({ dataDir }) =>
      opts.openCluster({
        dataDir,
        brokers: opts.brokers,
        host: opts.kafkaHost ?? '127.0.0.1',
        logFile: join(dataDir, 'logs', 'noticeboard.log'),
      }),
    attachGroups: opts.attachGroups,
    startKafka: opts.startKafka,
    feed: opts.feed,
    listenerSecurity: opts.listenerSecurity,
    connections: { remote: opts.remote },
  });
  let server: RunningServer;
  try {
    server = await startWsServer({
      api: nb.router,
      host: opts.host,
      port: opts.port,
      staticDir: opts.staticDir,
      token: opts.token ?? (await loadAccessToken(opts.dataDir)),
    });
  } catch (err) {
    await nb.close().catch(() => undefined);
    throw err;
  }
  const running = server;
  nb.api.useAccessToken({
    file: accessTokenPath(opts.dataDir),
    regenerate: async () => {
      const token = await storeAccessToken(opts.dataDir, newAccessToken());
      running.setToken(token);
      opts.onTokenChange?.(running.url);
      return token;
    },
  });
  let closing: Promise<void> | null = null;
  return {
    server,
    api: nb.api,
    router: nb.router,
    cluster: nb.cluster,
    groups: nb.groups,
    bootstrapServers: nb.bootstrapServers,
    listenerSecurity: nb.listenerSecurity,
    // Stop taking calls first, then the engine's parts in the composition root's order.
    close: () =>
      (closing ??= (async () => {
        await server.close();
        await nb.close();
      })()),
  };
}
