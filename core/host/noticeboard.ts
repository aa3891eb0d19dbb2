/**
 * The one composition root, shared by both hosts (serve mode's core/host/serve.ts and the desktop shell's
 * electron/app.ts): opens the engine's parts, binds the API to them, and closes them in the one order that keeps
 * data safe. Plain Node; the parts come from factories so tests can open the whole stack on fakes.
 *
 * Rules:
 * - Opening order: the cluster, consumer groups over it, the Kafka listeners (so a client only ever reaches an
 *   engine that is open), then the API.
 * - A part that fails to open closes what was already open, in the closing order below, and the error goes to the
 *   caller. The exception is the Kafka listeners when the host passes `onKafkaError` (the desktop app): it is told
 *   why, and the rest runs without listeners.
 * - The Kafka listeners' security comes from the host's ListenerSecurity (listener-security.ts: the data folder's
 *   setting, or serve-mode flags), opened just before them; when it cannot be read the listeners do not start, as if
 *   they had failed, and the API says why when asked for it.
 * - Transports serve the connection router (one API per connection, the sandbox's first), made last.
 * - close(): the Kafka listeners first (clients go before the engine), then the remote connections' clients, then
 *   the API (the workload's consumers
 *   leave their group and its watches stop), then the groups, then the cluster (it finishes its writes and closes
 *   LevelDB). A part that fails to close does not stop the later ones; the first failure is thrown at the end.
 *   Calling close() again returns the same promise. The host stops its own transport (IPC handlers, HTTP and
 *   WebSocket server) before calling it, so no call arrives at an engine that is closing.
 */
import type { ListenerSecurityOptions } from '../kafka-server/kafka-listeners';
import type { FeedOptions } from '../service/cluster-feed';
import { EngineApi } from '../service/engine-api';
import type { ClusterPort, OwnedGroups } from '../service/engine-port';
import { openRemoteCluster, testConnection } from '../remote';
import { ConnectionRouter, type RemoteClients } from './connection-router';
import { ConnectionStore, FileSecretStore, type SecretStore } from './connection-store';
import { ListenerSecurity, type FlagSecurity } from './listener-security';

export interface OwnedCluster extends ClusterPort {
  close(): Promise<void>;
}

/** What a host needs of the Kafka listeners (core/kafka-server/kafka-listeners.ts). */
export interface KafkaListenersHandle {
  bootstrapServers(): string;
  /** Restarts the listeners in place speaking `security` (Settings' changes); without it they cannot change. */
  setSecurity?(security: ListenerSecurityOptions): Promise<void>;
  close(): Promise<void>;
}

export interface NoticeboardOptions<C extends OwnedCluster = OwnedCluster> {
  dataDir: string;
  transport: 'ipc' | 'websocket';
  version: string;
  openCluster(opts: { dataDir: string }): Promise<C>;
  /** Consumer groups over the opened cluster (`Groups.attach`); without it, group methods answer unavailable. */
  attachGroups?(cluster: C): Promise<OwnedGroups>;
  /** The Kafka listeners over the cluster (`KafkaListeners.start`), speaking `security` (TLS and SASL users). */
  startKafka?(cluster: C, groups: OwnedGroups | null, security: ListenerSecurityOptions): Promise<KafkaListenersHandle>;
  /** Given: a listener failure is reported here and the rest opens without them. Absent: it fails the open. */
  onKafkaError?(err: Error): void;
  feed?: FeedOptions;
  /**
   * The Kafka listeners' security: the host name their certificate must name (default 127.0.0.1) and serve-mode
   * flags, which win over the data folder's setting (listener-security.ts).
   */
  listenerSecurity?: { advertisedHost?: string; flags?: FlagSecurity | null };
  /**
   * Saved connections to real clusters: where their secrets go (default: `<dataDir>/connection-secrets.json`,
   * mode 0600) and how real clusters are reached (default: core/remote's client; null: remote calls fail with words).
   */
  connections?: { secrets?: SecretStore; remote?: RemoteClients | null };
}

export interface Noticeboard<C extends OwnedCluster = OwnedCluster> {
  cluster: C;
  /** The consumer groups the API uses, or null when opened without them. */
  groups: OwnedGroups | null;
  /** The Kafka listeners, or null when opened without them (or they failed under `onKafkaError`). */
  kafka: KafkaListenersHandle | null;
  /** Their security as Settings changes it, or null without listeners (or when it could not be read). */
  listenerSecurity: ListenerSecurity | null;
  /** The sandbox's API. */
  api: EngineApi;
  /** What transports serve: every connection's API, the sandbox's first (core/host/connection-router.ts). */
  router: ConnectionRouter;
  connections: ConnectionStore;
  /** Kafka bootstrap servers, or null when no broker listens. */
  bootstrapServers: string | null;
  close(): Promise<void>;
}

type Step = [part: string, close: () => Promise<void> | void];

/** Runs every step even when one fails, then throws the first failure, naming its part. */
async function closeInOrder(steps: Step[]): Promise<void> {
  let first: Error | null = null;
  for (const [part, close] of steps) {
    try {
      await close();
    } catch (err) {
      first ??= new Error(`closing the ${part} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  if (first) throw first;
}

export async function openNoticeboard<C extends OwnedCluster>(opts: NoticeboardOptions<C>): Promise<Noticeboard<C>> {
  const cluster = await opts.openCluster({ dataDir: opts.dataDir });
  let groups: OwnedGroups | null = null;
  let kafka: KafkaListenersHandle | null = null;
  let security: ListenerSecurity | null = null;
  let securityProblem: string | undefined;
  let api: EngineApi | null = null;
  let router: ConnectionRouter | null = null;
  const steps = (): Step[] => [
    ['Kafka listeners', () => kafka?.close()],
    ['remote connections', () => router?.close()],
    ['API', () => api?.shutdown()],
    ['consumer groups', () => groups?.close()],
    ['cluster', () => cluster.close()],
  ];
  try {
    groups = opts.attachGroups ? await opts.attachGroups(cluster) : null;
    if (opts.startKafka) {
      try {
        security = await ListenerSecurity.open({ dataDir: opts.dataDir, ...opts.listenerSecurity });
        kafka = await opts.startKafka(cluster, groups, security.listenerOptions());
      } catch (err) {
        if (!opts.onKafkaError) throw err;
        if (!security) securityProblem = (err as Error).message;
        opts.onKafkaError(err as Error);
      }
      const k = kafka;
      security?.attach(
        k?.setSecurity ? { setSecurity: (s) => k.setSecurity!(s), bootstrapServers: () => k.bootstrapServers() } : null,
      );
    }
    api = new EngineApi(cluster, {
      transport: opts.transport,
      dataDir: opts.dataDir,
      version: opts.version,
      feed: opts.feed,
      groups,
      listenerSecurity: security,
      listenerSecurityUnavailable: securityProblem,
    });
  } catch (err) {
    await closeInOrder(steps()).catch(() => undefined);
    throw err;
  }
  const listening = cluster.brokers().filter((b) => b.port !== null);
  const bootstrap = () => {
    if (kafka) return kafka.bootstrapServers() || null;
    const l = cluster.brokers().filter((b) => b.port !== null);
    return l.length ? l.map((b) => `${b.host}:${b.port}`).join(',') : null;
  };
  const connections = new ConnectionStore(opts.dataDir, opts.connections?.secrets ?? new FileSecretStore(opts.dataDir));
  router = new ConnectionRouter({
    sandbox: api,
    store: connections,
    remote:
      opts.connections?.remote === undefined
        ? {
            open: (config) => openRemoteCluster(config, { logger: cluster.logger }),
            test: (config) => testConnection(config),
          }
        : opts.connections.remote,
    transport: opts.transport,
    dataDir: opts.dataDir,
    version: opts.version,
    sandboxBootstrap: bootstrap,
    sandboxSecurity: () => security?.info(),
  });
  let closing: Promise<void> | null = null;
  return {
    cluster,
    groups,
    kafka,
    listenerSecurity: security,
    api,
    router,
    connections,
    bootstrapServers: kafka
      ? kafka.bootstrapServers()
      : listening.length
        ? listening.map((b) => `${b.host}:${b.port}`).join(',')
        : null,
    close: () => (closing ??= closeInOrder(steps())),
  };
}
