/**
 * The API in front of several clusters: the embedded sandbox's EngineApi, and one EngineApi per saved connection
 * to a real Kafka cluster, each over a RemoteCluster (core/remote) opened on first use. Transports serve this
 * router exactly as they would one EngineApi (`ApiHost`); each call goes to the connection its frame names, else
 * to the one its session selected (the sandbox until it selects another).
 *
 * Rules:
 * - The connection methods (list/add/edit/remove/test/select) are answered here, never by a cluster.
 * - A read-only connection refuses every call that changes the cluster (CLUSTER_CHANGING_METHODS) with
 *   CLUSTER_AUTHORIZATION_FAILED, except their dry runs (dryRun / validateOnly). Checked here, before the
 *   cluster is reached, so no client of a real cluster ever sees the request.
 * - The sandbox-only methods (chaos on brokers, the workload simulator, its listener security) are refused on any other connection with
 *   INVALID_REQUEST and words saying why; the host methods (the access token, the sandbox CA) always go to the
 *   sandbox's API, whatever the connection.
 * - Cluster events (cluster, metrics, partitions, groups, workload) reach a session only from the connection it
 *   selected, so a page never mixes two clusters; watch and search events always reach the session that asked.
 * - A remote connection's client is opened lazily, kept while used, and closed when the connection is edited
 *   (reopened with the new settings on next use) or removed (its sessions fall back to the sandbox), and on
 *   close(). A client that fails to open is forgotten, so the next call tries again.
 * - Without a remote client factory (`remote: null`), calls to a remote connection fail with words saying remote
 *   clusters are not available in this build, never with a made-up result.
 */
import {
  CLUSTER_CHANGING_METHODS,
  HOST_METHODS,
  isConnectionMethod,
  SANDBOX_CONNECTION_ID,
  SANDBOX_ONLY_METHODS,
  type ConnectionMethodName,
  type ConnectionSummary,
  type ConnectionTest,
  type Envelope,
  type EventName,
  type KafkaSecurityInfo,
  type ImportReport,
  type ParsedInput,
} from '../api/api';
import { KafkaError } from '../errors';
import type { ConnectionTestResult, RemoteCluster, RemoteConnectionConfig } from '../remote';
import {
  EngineApi,
  type ApiHost,
  type ApiSession,
  type EmitFn,
  type ExportJob,
  type ExportOptions,
} from '../service/engine-api';
import type { ExportSpec } from '../service/record-export';
import type { ImportOptions } from '../service/record-import';
import { parseCall, toApiError } from '../service/validate';
import { toRemoteConfig, type ConnectionStore } from './connection-store';

/** How the host reaches real clusters (core/remote's openRemoteCluster and testConnection). */
export interface RemoteClients {
  open(config: RemoteConnectionConfig): Promise<RemoteCluster>;
  test(config: RemoteConnectionConfig): Promise<ConnectionTestResult>;
}

export interface ConnectionRouterOptions {
  sandbox: EngineApi;
  store: ConnectionStore;
  remote: RemoteClients | null;
  transport: 'ipc' | 'websocket';
  dataDir: string;
  version: string;
  /** The sandbox's Kafka bootstrap servers and listener security, for its entry in the list. */
  sandboxBootstrap(): string | null;
  sandboxSecurity?: () => KafkaSecurityInfo | undefined;
}

const CLUSTER_EVENTS = new Set<EventName>(['cluster', 'metrics', 'partitions', 'groups', 'workload']);
const CHANGING = new Set<string>(CLUSTER_CHANGING_METHODS);
const SANDBOX_ONLY = new Set<string>(SANDBOX_ONLY_METHODS);
const HOST = new Set<string>(HOST_METHODS);

interface RemoteEntry {
  opening: Promise<{ api: EngineApi; cluster: RemoteCluster }>;
}

interface RouterSession {
  selected: string;
  emit: EmitFn;
  /** One EngineApi session per connection this session has called. */
  subs: Map<string, ApiSession>;
}

function isDryRun(raw: unknown): boolean {
  const r = raw as { dryRun?: unknown; validateOnly?: unknown } | null;
  return typeof r === 'object' && r !== null && (r.dryRun === true || r.validateOnly === true);
}

function sandboxOnlyReason(method: string): string {
  if (method.endsWith('Broker'))
    return (
      `${method} applies to the Local sandbox only: ` +
      'Noticeboard never stops, kills or starts the brokers of a real cluster'
    );
  if (method.endsWith('Workload'))
    return `${method}: the workload simulator runs on the Local sandbox only, so it never writes to a real cluster`;
  if (method === 'copyRecords')
    return 'Copying messages works on the Local sandbox only for now: it is refused on remote connections';
  if (method.endsWith('ListenerSecurity'))
    return (
      `${method} applies to the Local sandbox only: a real cluster's listeners are set in its brokers' own ` +
      'configuration; switch to the Local sandbox to change what its Kafka ports speak'
    );
  return `${method} applies to the Local sandbox only`;
}

export class ConnectionRouter implements ApiHost {
  private readonly sessions = new Set<RouterSession>();
  private readonly remotes = new Map<string, RemoteEntry>();
  private closed = false;

  constructor(private readonly opts: ConnectionRouterOptions) {}

  openSession(emit: EmitFn): ApiSession {
    const state: RouterSession = { selected: SANDBOX_CONNECTION_ID, emit, subs: new Map() };
    // The sandbox session opens at once: its events flow before any call, as they did without connections.
    state.subs.set(SANDBOX_CONNECTION_ID, this.opts.sandbox.openSession(this.filtered(state, SANDBOX_CONNECTION_ID)));
    this.sessions.add(state);
    return {
      call: (method, input, connection) => this.call(state, method, input, connection),
      close: () => {
        for (const s of state.subs.values()) s.close();
        state.subs.clear();
        this.sessions.delete(state);
      },
    };
  }

  /**
   * Exports come from the connection the export link names: the sandbox's at once, a remote one's once its cluster
   * is open (its records are fetched from the partition leaders as raw batches, core/remote/records.ts, and
   * formatted by the same record-export.ts), never the sandbox's records in place of a remote's.
   */
  async exportRecords(spec: ExportSpec, opts: ExportOptions = {}): Promise<ExportJob> {
    const id = opts.connection;
    if (id === undefined || id === SANDBOX_CONNECTION_ID) return this.opts.sandbox.exportRecords(spec, opts);
    if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'Noticeboard is shutting down');
    const api = await this.remoteApi(id, await this.summaryOf(id));
    return api.exportRecords(spec, opts);
  }

  /** Imports go to the sandbox; on any other connection they are refused in words. */
  importRecords(path: string, opts: ImportOptions & { connection?: string }): Promise<ImportReport> {
    if (opts.connection !== undefined && opts.connection !== SANDBOX_CONNECTION_ID)
      throw new KafkaError(
        'INVALID_REQUEST',
        'Import is not available for remote connections yet: it writes to the Local sandbox only',
      );
    return this.opts.sandbox.importRecords(path, opts);
  }

  /** Closes every remote connection's API and client; the sandbox's API is its owner's to close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) {
      for (const [id, sub] of s.subs) if (id !== SANDBOX_CONNECTION_ID) sub.close();
    }
    const ids = [...this.remotes.keys()];
    await Promise.all(ids.map((id) => this.closeRemote(id)));
  }

  private filtered(state: RouterSession, id: string): EmitFn {
    return (event, payload) => {
      if (CLUSTER_EVENTS.has(event) && state.selected !== id) return;
      state.emit(event, payload);
    };
  }

  private async call(state: RouterSession, method: unknown, raw: unknown, connection: unknown): Promise<Envelope> {
    try {
      if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'Noticeboard is shutting down');
      if (typeof method === 'string' && isConnectionMethod(method)) {
        const result = await this.connectionCall(state, method, parseCall(method, raw));
        return { ok: true, result: result ?? null };
      }
      if (connection !== undefined && connection !== null && typeof connection !== 'string')
        throw new KafkaError('INVALID_REQUEST', 'A call frame\'s "connection" is a connection id (a string)');
      const target = HOST.has(method as string)
        ? SANDBOX_CONNECTION_ID
        : ((connection as string | undefined) ?? state.selected);
      if (target === SANDBOX_CONNECTION_ID) return await this.sub(state, target, this.opts.sandbox).call(method, raw);
      const summary = await this.opts.store.summary(target);
      const name = typeof method === 'string' ? method : '';
      if (SANDBOX_ONLY.has(name)) throw new KafkaError('INVALID_REQUEST', sandboxOnlyReason(name));
      if (summary.readOnly && CHANGING.has(name) && !isDryRun(raw)) {
        throw new KafkaError(
          'CLUSTER_AUTHORIZATION_FAILED',
          `Connection "${summary.name}" is read-only: ${name} would change the cluster. ` +
            "Turn off read-only in the connection's settings to allow it.",
        );
      }
      const api = await this.remoteApi(target, summary);
      return await this.sub(state, target, api).call(method, raw);
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  }

  private sub(state: RouterSession, id: string, api: EngineApi): ApiSession {
    let s = state.subs.get(id);
    if (!s) {
      s = api.openSession(this.filtered(state, id));
      state.subs.set(id, s);
    }
    return s;
  }

  private notAvailable(summary: ConnectionSummary): KafkaError {
    return new KafkaError(
      'BROKER_NOT_AVAILABLE',
      `Connection "${summary.name}": real Kafka clusters are not available for remote connections yet ` +
        '(this build has no remote cluster client); the Local sandbox works as before',
    );
  }

  private async remoteApi(id: string, summary: ConnectionSummary): Promise<EngineApi> {
    const remote = this.opts.remote;
    if (!remote) throw this.notAvailable(summary);
    let entry = this.remotes.get(id);
    if (!entry) {
      const opening = (async () => {
        const cluster = await remote.open(await this.opts.store.remoteConfig(id));
        const api = new EngineApi(cluster, {
          transport: this.opts.transport,
          dataDir: this.opts.dataDir,
          version: this.opts.version,
          groups: cluster,
          kafkaSecurity: null,
        });
        return { api, cluster };
      })();
      entry = { opening };
      this.remotes.set(id, entry);
      const mine = entry;
      opening.catch(() => {
        if (this.remotes.get(id) === mine) this.remotes.delete(id);
      });
    }
    try {
      return (await entry.opening).api;
    } catch (err) {
      const e = err as KafkaError;
      throw new KafkaError(
        e.errorName ?? 'BROKER_NOT_AVAILABLE',
        `Connection "${summary.name}" cannot reach its cluster: ${e.message}`,
      );
    }
  }

  /** Forgets a connection's open client: its sessions' sub-sessions close, then its API, then the client. */
  private async closeRemote(id: string): Promise<void> {
    const entry = this.remotes.get(id);
    for (const s of this.sessions) {
      s.subs.get(id)?.close();
      s.subs.delete(id);
    }
    if (!entry) return;
    this.remotes.delete(id);
    let opened: { api: EngineApi; cluster: RemoteCluster };
    try {
      opened = await entry.opening;
    } catch {
      return; // never opened: nothing to close
    }
    await opened.api.shutdown().catch(() => undefined);
    await opened.cluster.close();
  }

  private sandboxSummary(): ConnectionSummary {
    const security = this.opts.sandboxSecurity?.();
    const bootstrap = this.opts.sandboxBootstrap();
    return {
      id: SANDBOX_CONNECTION_ID,
      kind: 'sandbox',
      name: 'Local sandbox',
      color: 'grey',
      bootstrapServers: bootstrap ? bootstrap.split(',') : [],
      securityProtocol: security?.protocol ?? 'PLAINTEXT',
      sasl: null,
      tls: null,
      readOnly: false,
    };
  }

  private async summaryOf(id: string): Promise<ConnectionSummary> {
    return id === SANDBOX_CONNECTION_ID ? this.sandboxSummary() : this.opts.store.summary(id);
  }

  private refuseSandbox(id: string, what: string): void {
    if (id === SANDBOX_CONNECTION_ID)
      throw new KafkaError('INVALID_REQUEST', `The Local sandbox is built in and cannot be ${what}`, { field: 'id' });
  }

  private async connectionCall(state: RouterSession, method: ConnectionMethodName, input: unknown): Promise<unknown> {
    const store = this.opts.store;
    switch (method) {
      case 'listConnections':
        return { connections: [this.sandboxSummary(), ...(await store.list())], selected: state.selected };
      case 'addConnection':
        return store.add(input as ParsedInput<'addConnection'>);
      case 'editConnection': {
        const i = input as ParsedInput<'editConnection'>;
        this.refuseSandbox(i.id, 'edited');
        const summary = await store.edit(i);
        await this.closeRemote(i.id);
        return summary;
      }
      case 'removeConnection': {
        const { id } = input as ParsedInput<'removeConnection'>;
        this.refuseSandbox(id, 'removed');
        await store.remove(id);
        for (const s of this.sessions) if (s.selected === id) s.selected = SANDBOX_CONNECTION_ID;
        await this.closeRemote(id);
        return null;
      }
      case 'testConnection':
        return this.test(input as ParsedInput<'testConnection'>);
      case 'selectConnection': {
        const { id } = input as ParsedInput<'selectConnection'>;
        const summary = await this.summaryOf(id);
        state.selected = id;
        return summary;
      }
    }
  }

  private async test(input: ParsedInput<'testConnection'>): Promise<ConnectionTest> {
    const started = Date.now();
    if (!input.draft && input.id === undefined)
      throw new KafkaError('INVALID_REQUEST', 'testConnection needs the id of a saved connection or a draft');
    if (!input.draft && input.id === SANDBOX_CONNECTION_ID) {
      const s = this.sandboxSummary();
      return {
        ok: true,
        stage: 'metadata',
        message: `The Local sandbox is built in: ${s.bootstrapServers.length} broker(s) listening`,
        elapsedMs: Date.now() - started,
      };
    }
    let config: RemoteConnectionConfig;
    let name: string;
    if (input.draft) {
      const base = input.id !== undefined && input.id !== SANDBOX_CONNECTION_ID ? input.id : null;
      const { conn, secrets } = await this.opts.store.resolve(input.draft, base);
      config = toRemoteConfig(conn, secrets);
      name = conn.name;
    } else {
      const id = input.id!;
      name = (await this.opts.store.summary(id)).name;
      config = await this.opts.store.remoteConfig(id);
    }
    if (!this.opts.remote) {
      throw this.notAvailable({ name } as ConnectionSummary);
    }
    const r = await this.opts.remote.test(config);
    return {
      ok: r.ok,
      stage: r.stage,
      message: r.message,
      ...(r.brokers ? { brokers: r.brokers } : {}),
      ...(r.clusterId !== undefined ? { clusterId: r.clusterId } : {}),
      elapsedMs: r.elapsedMs,
    };
  }
}
