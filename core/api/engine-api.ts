/**
 * The API implemented once, against the engine. Transports open a session per
 * connection (a window, a WebSocket) and hand it raw calls; the session
 * validates them against the table, runs the handler and answers with an
 * envelope, so no transport needs to know any method.
 */
import { KafkaError } from '../errors';
import {
  type Envelope,
  type EventName,
  type EventPayload,
  type MethodName,
  type MethodOutput,
  type ParsedInput,
  type ServerInfo,
} from './api';
import { ClusterFeed, type FeedOptions } from './cluster-feed';
import { produceRecordsFromInput, recordToDto } from './dto';
import type { ClusterPort } from './engine-port';
import { RecordWatches } from './record-watches';
import { parseCall, toApiError } from './validate';

export type EmitFn = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface ApiSession {
  call(method: unknown, input: unknown): Promise<Envelope>;
  close(): void;
}

interface SessionState {
  emit: EmitFn;
  watches: Set<string>;
}

type Handlers = { [M in MethodName]: (input: ParsedInput<M>, session: SessionState) => MethodOutput<M> | Promise<MethodOutput<M>> };

export interface EngineApiOptions {
  transport: ServerInfo['transport'];
  dataDir: string;
  version: string;
  feed?: FeedOptions;
}

export class EngineApi {
  private readonly sessions = new Set<SessionState>();
  private readonly feed: ClusterFeed;
  private readonly watches: RecordWatches;
  private readonly onHighWatermark: (e: { topic: string; partition: number; highWatermark: number }) => void;
  private readonly handlers: Handlers;
  private closed = false;

  constructor(private readonly cluster: ClusterPort, private readonly opts: EngineApiOptions) {
    this.watches = new RecordWatches(cluster);
    this.onHighWatermark = (e) => this.watches.onHighWatermark(e);
    cluster.on('highWatermark', this.onHighWatermark);
    this.feed = new ClusterFeed(cluster, (c) => this.broadcast('cluster', c), (m) => this.broadcast('metrics', m), opts.feed);
    this.feed.start();
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
        this.sessions.delete(state);
      },
    };
  }

  /** Stops pushing events and forgets every session; the engine itself is closed by its owner. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    this.watches.close();
    this.cluster.off('highWatermark', this.onHighWatermark);
    this.sessions.clear();
  }

  private async call(state: SessionState, method: unknown, raw: unknown): Promise<Envelope> {
    try {
      if (this.closed) throw new KafkaError('BROKER_NOT_AVAILABLE', 'Noticeboard is shutting down');
      const input = parseCall(method, raw);
      const handler = this.handlers[method as MethodName] as (i: unknown, s: SessionState) => unknown;
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

  private createHandlers(): Handlers {
    const c = this.cluster;
    return {
      getServerInfo: () => ({
        product: 'Noticeboard',
        version: this.opts.version,
        transport: this.opts.transport,
        clusterId: c.clusterId,
        dataDir: this.opts.dataDir,
        bootstrapServers: this.bootstrapServers(),
      }),
      getCluster: () => c.describeCluster(),
      listBrokers: () => c.brokers(),
      listTopics: (i) => c.listTopics({ includeInternal: i.includeInternal ?? false }),
      describeTopic: (i) => c.describeTopic(i.name),
      listPartitions: (i) => c.partitions(i.topic),
      describeConfigs: (i) => c.describeConfigs(i.topic),
      readRecords: async (i) => (await c.readRecords({ topic: i.topic, partition: i.partition, start: i.start, limit: i.limit, direction: i.direction })).map(recordToDto),
      listOffsets: (i) => c.listOffsets(i.topic, i.partition, i.spec),
      getMetrics: () => this.feed.latest(),
      getMetricsHistory: (i) => this.feed.recent(i.seconds ?? 300),

      createTopic: (i) => c.createTopic(i),
      deleteTopic: async (i) => { await c.deleteTopic(i.name); return null; },
      createPartitions: async (i) => { await c.createPartitions(i.topic, i.totalCount); return null; },
      alterConfigs: (i) => c.alterConfigs(i.topic, { set: i.set, delete: i.delete }, i.validateOnly),
      deleteRecords: (i) => c.deleteRecords(i.topic, i.partition, i.beforeOffset),
      produce: (i) => c.produce(i.topic, produceRecordsFromInput(i), { acks: i.acks, timeoutMs: i.timeoutMs }),
      stopBroker: async (i) => { await c.stopBroker(i.id); return null; },
      killBroker: async (i) => { await c.killBroker(i.id); return null; },
      startBroker: async (i) => { await c.startBroker(i.id); return null; },
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
    };
  }
}
