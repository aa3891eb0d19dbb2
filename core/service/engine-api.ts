/**
 * The API implemented once, against the engine. Transports open a session per
 * connection (a window, a WebSocket) and hand it raw calls; the session
 * validates them against the table, runs the handler and answers with an
 * envelope, so no transport needs to know any method.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { KafkaError } from '../errors';
import {
  type Envelope,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodOutput,
  type ParsedInput,
  isConnectionMethod,
  type ConnectionMethodName,
  type KafkaSecurityInfo,
  type ListenerSecurityState,
  type ImportReport,
  type ServerInfo,
} from '../api/api';
import { ClusterFeed, type FeedOptions } from './cluster-feed';
import { PartitionFeed } from './partition-feed';
import { replicaSummaries } from './replica-summary';
import { describeTopicConfigs, refuseInternalTopicCreation } from '../cluster/topic-configs';
import { produceRecordsFromInput, recordToDto } from './dto';
import type { ClusterPort, GroupsPort } from './engine-port';
import { GroupsApi } from './groups-api';
import { RecordWatches } from './record-watches';
import { getRecord, readRecordPage } from './record-browser';
import { checkFilter, ConnectionSearches } from './record-searches';
import { exportChunks, planExport, type ExportSpec } from './record-export';
import { copyRecords } from './record-copy';
import { importJsonLines, type ImportOptions } from './record-import';

/** A planned export: the records to expect and their bytes, pulled one chunk at a time (backpressure). */
export interface ExportJob {
  total: number;
  chunks: AsyncGenerator<Buffer>;
}

export interface ExportOptions {
  signal?: AbortSignal;
  /** The connection it reads from, as a call frame's (the host's router picks). */
  connection?: string;
  /** Records written so far, after each chunk. */
  onProgress?: (records: number) => void;
}
import { parseCall, toApiError } from './validate';
import { brokerDetail, brokerRates } from './broker-detail';
import { topicActivity } from './topic-activity';

export type EmitFn = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface ApiSession {
  /** `connection`: the connection a call goes to, where a host routes calls by connection (WebSocket frames). */
  call(method: unknown, input: unknown, connection?: unknown): Promise<Envelope>;
  close(): void;
}

/** What a transport serves: the EngineApi itself, or the host's connection router in front of several. */
export interface ApiHost {
  openSession(emit: EmitFn): ApiSession;
  /** A streamed export of stored records (serve mode's GET /api/export); `connection` as a call frame's. */
  exportRecords(spec: ExportSpec, opts?: ExportOptions): Promise<ExportJob>;
  /** An import of a JSON Lines file into a topic (serve mode's POST /api/import, the desktop's open dialog). */
  importRecords(path: string, opts: ImportOptions & { connection?: string }): Promise<ImportReport>;
}

interface SessionState {
  emit: EmitFn;
  watches: Set<string>;
  /** This connection's message searches, made on its first startSearch. */
  searches?: ConnectionSearches;
  /** This connection's group watches (watchGroup). */
  groupWatches?: Set<string>;
}

/** Connection methods are the host's connection router's (core/host/connection-router.ts), not a cluster's. */
type ClusterMethodName = Exclude<MethodName, ConnectionMethodName>;

type Handlers = {
  [M in ClusterMethodName]: (
    input: ParsedInput<M>,
    session: SessionState,
  ) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

export interface EngineApiOptions {
  transport: ServerInfo['transport'];
  dataDir: string;
  version: string;
  feed?: FeedOptions;
  /**
   * Consumer groups (core/groups' `Groups`); without them the group and workload methods answer
   * COORDINATOR_NOT_AVAILABLE.
   */
  groups?: GroupsPort | null;
  /**
   * The sandbox's Kafka listener security, shown by getServerInfo (default: PLAINTEXT, or null for a remote cluster).
   */
  kafkaSecurity?: KafkaSecurityInfo | null;
  /**
   * The host's control of the sandbox's listener security (Settings); it then answers getServerInfo's
   * kafkaSecurity too. Without it getListenerSecurity and setListenerSecurity say this host has none.
   * `unavailable`: why the host has none (the listeners' setting could not be read), for those answers.
   */
  listenerSecurity?: ListenerSecurityPort | null;
  listenerSecurityUnavailable?: string;
  /** How often group lists, watched groups' lag and the workload are pushed, in ms (default 1000). */
  groupsIntervalMs?: number;
}

/** The sandbox's Kafka listener security, as its host keeps it (core/host/listener-security.ts). */
export interface ListenerSecurityPort {
  info(): KafkaSecurityInfo;
  state(): ListenerSecurityState;
  set(input: ParsedInput<'setListenerSecurity'>): Promise<ListenerSecurityState>;
  clientCertificate(): Promise<MethodOutput<'getSandboxClientCertificate'>>;
}

/** Serve mode's access token, as the host keeps it (core/host/access-token.ts). */
export interface AccessTokenControl {
  file: string;
  /** Stores a new token, admits only it from now on, and returns it. */
  regenerate(): Promise<string>;
}

function searchesOf(s: SessionState): ConnectionSearches {
  if (!s.searches) throw new KafkaError('INVALID_REQUEST', 'This connection has started no search');
  return s.searches;
}

export class EngineApi implements ApiHost {
  private readonly sessions = new Set<SessionState>();
  private readonly feed: ClusterFeed;
  private readonly partitionFeed: PartitionFeed;
  private readonly watches: RecordWatches;
  private readonly onHighWatermark: (e: { topic: string; partition: number; highWatermark: number }) => void;
  private readonly handlers: Handlers;
  private readonly groupsApi: GroupsApi;
  private closed = false;
  private accessToken: AccessTokenControl | null = null;

  constructor(
    private readonly cluster: ClusterPort,
    private readonly opts: EngineApiOptions,
  ) {
    this.watches = new RecordWatches(cluster);
    this.onHighWatermark = (e) => this.watches.onHighWatermark(e);
    cluster.on('highWatermark', this.onHighWatermark);
    this.feed = new ClusterFeed(
      cluster,
      (c) => this.broadcast('cluster', c),
      (m) => this.broadcast('metrics', m),
      opts.feed,
    );
    this.feed.start();
    this.partitionFeed = new PartitionFeed(cluster, (p) => this.broadcast('partitions', p), {
      coalesceMs: opts.feed?.coalesceMs,
    });
    this.partitionFeed.start();
    this.groupsApi = new GroupsApi(
      cluster,
      opts.groups ?? null,
      {
        groups: (u) => this.broadcast('groups', u),
        workload: (w) => this.broadcast('workload', w),
        active: () => this.sessions.size > 0,
      },
      { intervalMs: opts.groupsIntervalMs },
    );
    this.groupsApi.start();
    this.handlers = this.createHandlers();
  }

  /** A connection's view of the API; `emit` receives the events meant for it. */
  openSession(emit: EmitFn): ApiSession {
    const state: SessionState = { emit, watches: new Set() };
    this.sessions.add(state);
    return {
      call: (method, input) => this.call(state, method, input),
      close: () => {
        for (const id of state.watches) this.watches.remove(id);
        state.watches.clear();
        state.searches?.close();
        for (const id of state.groupWatches ?? []) this.groupsApi.unwatch(id);
        this.sessions.delete(state);
      },
    };
  }

  /** Records of a topic as JSON Lines or CSV chunks (record-export.ts), for the download and the desktop's save. */
  async exportRecords(spec: ExportSpec, opts: ExportOptions = {}): Promise<ExportJob> {
    const plan = await planExport(this.cluster, spec, opts.signal); // a bad spec fails here, before any byte is sent
    return { total: plan.total, chunks: exportChunks(this.cluster, spec, plan, opts.signal, opts.onProgress) };
  }

  /**
   * Imports a JSON Lines file (record-import.ts): serve mode's upload (spooled to a file), the desktop's chosen file.
   */
  importRecords(path: string, opts: ImportOptions): Promise<ImportReport> {
    return importJsonLines(this.cluster, path, opts);
  }

  /**
   * Serve mode hands over its access token once its server listens; until then (and in the desktop app) there is none.
   */
  useAccessToken(control: AccessTokenControl): void {
    this.accessToken = control;
  }

  /** Stops pushing events and forgets every session; the engine itself is closed by its owner. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    this.partitionFeed.close();
    this.watches.close();
    this.cluster.off('highWatermark', this.onHighWatermark);
    for (const s of this.sessions) s.searches?.close();
    this.groupsApi.close();
    this.sessions.clear();
  }

  /**
   * close(), after stopping the workload simulator (its consumers commit and
   * leave the group). Owners call this, then close the groups, then the cluster.
   */
  async shutdown(): Promise<void> {
    await this.groupsApi.shutdown();
    this.close();
  }

  private async call(state: SessionState, method: unknown, raw: unknown): Promise<Envelope> {
    try {
      if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'Noticeboard is shutting down');
      const input = parseCall(method, raw);
      if (isConnectionMethod(method as MethodName)) {
        throw new KafkaError('INVALID_REQUEST', `${String(method)}: connections are managed by the host, not here`);
      }
      const handler = this.handlers[method as ClusterMethodName] as (i: unknown, s: SessionState) => unknown;
      const result = await handler(input, state);
      return { ok: true, result: result === undefined ? null : result };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  }

  private broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const s of this.sessions) {
      try {
        s.emit(event, payload);
      } catch {
        // A connection that cannot take an event is the transport's to drop, not ours.
      }
    }
  }

  private bootstrapServers(): string | null {
    const listening = this.cluster.brokers().filter((b) => b.port !== null);
    return listening.length ? listening.map((b) => `${b.host}:${b.port}`).join(',') : null;
  }

  private kafkaSecurity(): KafkaSecurityInfo | null {
    if (this.opts.listenerSecurity) return this.opts.listenerSecurity.info();
    if (this.opts.kafkaSecurity !== undefined) return this.opts.kafkaSecurity;
    return {
      protocol: 'PLAINTEXT',
      clientAuth: false,
      saslMechanisms: [],
      caCertPath: null,
      clientCertPath: null,
      clientKeyPath: null,
    };
  }

  private listenerSecurity(): ListenerSecurityPort {
    const port = this.opts.listenerSecurity;
    if (!port)
      throw new KafkaError(
        'INVALID_REQUEST',
        this.opts.listenerSecurityUnavailable ??
          'This Noticeboard runs no Kafka listeners of its own, so it has no listener security to show or change',
      );
    return port;
  }

  private createHandlers(): Handlers {
    const c = this.cluster;
    return {
      getServerInfo: () => ({
        product: 'Noticeboard',
        version: this.opts.version,
        transport: this.opts.transport,
        clusterId: c.clusterId,
        dataDir: this.opts.dataDir,
        logFile: c.logger?.path ?? null,
        bootstrapServers: this.bootstrapServers(),
        accessTokenFile: this.accessToken?.file ?? null,
        kafkaSecurity: this.kafkaSecurity(),
      }),
      regenerateAccessToken: async () => {
        const control = this.accessToken;
        if (!control)
          throw new KafkaError('INVALID_REQUEST', 'Only serve mode has an access token; the desktop app needs none');
        return { token: await control.regenerate(), file: control.file };
      },
      getSandboxCaCertificate: async () => {
        const path = this.kafkaSecurity()?.caCertPath;
        if (!path) {
          throw new KafkaError(
            'INVALID_REQUEST',
            "The sandbox's Kafka ports do not use TLS, so there is no CA certificate; " +
              'choose SSL or SASL_SSL in Settings → Kafka security (or start serve mode with --kafka-security ssl)',
          );
        }
        return { fileName: basename(path), pem: await readFile(path, 'utf8') };
      },
      getSandboxClientCertificate: () => this.listenerSecurity().clientCertificate(),
      getListenerSecurity: () => this.listenerSecurity().state(),
      setListenerSecurity: (i) => this.listenerSecurity().set(i),
      getCluster: () => c.describeCluster(),
      listBrokers: () => c.brokers(),
      listTopics: (i) => c.listTopics({ includeInternal: i.includeInternal ?? false }),
      describeTopic: (i) => c.describeTopic(i.name),
      getTopic: (i) => c.topicDetails(i.name),
      listPartitions: (i) => c.partitions(i.topic),
      listPartitionPage: (i) => c.partitionPage(i.topic, { offset: i.offset, limit: i.limit, filter: i.filter }),
      listAllPartitions: (i) => PartitionFeed.all(c, i.includeInternal ?? false),
      getReplicaSummary: (i) => replicaSummaries(c, i.includeInternal ?? false),
      describeConfigs: (i) => c.describeConfigs(i.topic),
      describeDefaultConfigs: () => describeTopicConfigs({}),
      describeBrokerConfigs: (i) => c.describeBrokerConfigs(i.broker ?? null),
      getBrokerDetail: (i) => brokerDetail(c, i),
      listBrokerRates: () => brokerRates(c),
      listTopicActivity: async (i) => {
        // Without consumer groups (or while their coordinator cannot answer) the columns still show the rates.
        const groups = await this.groupsApi.listGroups().catch(() => []);
        return topicActivity(c, groups, i.includeInternal ?? false);
      },
      readRecords: async (i) =>
        (
          await c.readRecords({
            topic: i.topic,
            partition: i.partition,
            start: i.start,
            limit: i.limit,
            direction: i.direction,
          })
        ).map(recordToDto),
      listOffsets: (i) => c.listOffsets(i.topic, i.partition, i.spec),
      getMetrics: () => this.feed.latest(),
      getMetricsHistory: (i) => this.feed.recent(i.seconds ?? 300),

      createTopic: (i) => {
        refuseInternalTopicCreation(i.name);
        return c.createTopic(i);
      },
      deleteTopic: async (i) => {
        await c.deleteTopic(i.name);
        return null;
      },
      createPartitions: async (i) => {
        await c.createPartitions(i.topic, i.totalCount, false, i.assignments);
        return null;
      },
      alterConfigs: (i) => c.alterConfigs(i.topic, { set: i.set, delete: i.delete }, i.validateOnly),
      alterBrokerConfigs: (i) =>
        c.alterBrokerConfigs(i.broker ?? null, { set: i.set, delete: i.delete }, i.validateOnly),
      electPreferredLeaders: (i) => {
        if (!c.electPreferredLeaders)
          throw new KafkaError('UNSUPPORTED_VERSION', 'This connection cannot run a preferred leader election');
        return c.electPreferredLeaders(i.topics);
      },
      deleteRecords: (i) => c.deleteRecords(i.topic, i.partition, i.beforeOffset),
      produce: (i) => c.produce(i.topic, produceRecordsFromInput(i), { acks: i.acks, timeoutMs: i.timeoutMs }),
      stopBroker: async (i) => {
        await c.stopBroker(i.id);
        return null;
      },
      killBroker: async (i) => {
        await c.killBroker(i.id);
        return null;
      },
      startBroker: async (i) => {
        await c.startBroker(i.id);
        return null;
      },
      watchRecords: (i, s) => {
        const id = this.watches.add(i.topic, i.partition, (payload) => s.emit('records', payload));
        s.watches.add(id);
        return { subscriptionId: id };
      },
      unwatchRecords: (i, s) => {
        // Only the connection that started a watch may end it.
        if (s.watches.delete(i.subscriptionId)) this.watches.remove(i.subscriptionId);
        return null;
      },
      readRecordPage: (i) => readRecordPage(c, i),
      getRecord: (i) => getRecord(c, i),
      startSearch: (i, s) =>
        (s.searches ??= new ConnectionSearches(c, (status) => s.emit('searchProgress', status))).start(i),
      stopSearch: (i, s) => searchesOf(s).stop(i.searchId),
      getSearchResults: (i, s) => searchesOf(s).results(i.searchId, i.from ?? 0, i.limit),
      copyRecords: (i) => copyRecords(c, i),
      checkFilter: (i) => checkFilter(i.expression),

      listGroups: () => this.groupsApi.listGroups(),
      describeGroup: (i) => this.groupsApi.describeGroup(i.groupId),
      getLagHistory: (i) => this.groupsApi.lagHistory(i),
      resetGroupOffsets: (i) => this.groupsApi.resetOffsets(i),
      deleteGroup: (i) => this.groupsApi.deleteGroup(i.groupId),
      deleteGroupOffsets: (i) => this.groupsApi.deleteOffsets(i),
      watchGroup: (i, s) => {
        const id = this.groupsApi.watch(i.groupId, (u) => s.emit('groupLag', u));
        (s.groupWatches ??= new Set()).add(id);
        return { subscriptionId: id };
      },
      unwatchGroup: (i, s) => {
        // Only the connection that started a watch may end it.
        if (s.groupWatches?.delete(i.subscriptionId)) this.groupsApi.unwatch(i.subscriptionId);
        return null;
      },
      getWorkload: () => this.groupsApi.workloadStatus(),
      startWorkload: (i) => this.groupsApi.startWorkload(i),
      updateWorkload: (i) => this.groupsApi.updateWorkload(i),
      stopWorkload: () => this.groupsApi.stopWorkload(),
    };
  }
}
