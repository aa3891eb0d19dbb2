/**
 * Test support for the Kafka protocol server: a cluster with groups and
 * listeners on free ports, and a raw protocol client (this project's codec
 * over a socket) for what real clients cannot be made to send.
 */
import { connect, type Socket } from 'node:net';
import { Cluster, type ClusterOptions } from '../../../core/cluster/cluster';
import { Groups, type GroupsOptions } from '../../../core/groups/index';
import {
  decodeResponse,
  encodeRequest,
  FrameSplitter,
  type RequestBodyInput,
  type ResponseBody,
} from '../../../core/protocol/index';
import {
  KafkaListeners,
  type KafkaListenersOptions,
  type ServerLogEvent,
} from '../../../core/kafka-server/kafka-listeners';
import { tempDir } from '../../helpers/temp-cluster';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export interface TestKafka {
  cluster: Cluster;
  groups: Groups | null;
  kafka: KafkaListeners;
  /** Bootstrap servers as a list of host:port. */
  brokers: string[];
  logs: ServerLogEvent[];
  port(brokerId: number): number;
  stop(): Promise<void>;
}

export async function startKafka(
  opts: {
    cluster?: Partial<ClusterOptions>;
    listeners?: Partial<KafkaListenersOptions>;
    groups?: GroupsOptions | false;
  } = {},
): Promise<TestKafka> {
  const dir = tempDir('noticeboard-wire-');
  const cluster = await Cluster.open({ dataDir: dir.path, brokers: 3, replicaLagTimeMaxMs: 2000, ...opts.cluster });
  const groups =
    opts.groups === false
      ? null
      : await Groups.attach(cluster, {
          initialRebalanceDelayMs: 0,
          offsetsTopicPartitions: 3,
          lagSampler: false,
          ...opts.groups,
        });
  const logs: ServerLogEvent[] = [];
  const kafka = await KafkaListeners.start(cluster, {
    basePort: 0,
    groups,
    log: (e) => logs.push(e),
    ...opts.listeners,
  });
  return {
    cluster,
    groups,
    kafka,
    brokers: kafka.bootstrapServers().split(','),
    logs,
    port: (id) => {
      const p = kafka.ports().find((x) => x.brokerId === id)?.port;
      if (p === null || p === undefined) throw new Error(`broker ${id} is not listening`);
      return p;
    },
    stop: async () => {
      await kafka.close();
      await groups?.close();
      await cluster.close();
      dir.remove();
    },
  };
}

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
}

/** A minimal Kafka client speaking this project's codec; one connection. */
export class RawClient {
  private readonly splitter = new FrameSplitter();
  private readonly pending = new Map<number, Pending>();
  private correlationId = 0;
  readonly closed: Promise<void>;
  /** Raw response frames, in arrival order (without size prefix). */
  readonly frames: Buffer[] = [];
  isClosed = false;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        for (const p of this.pending.values()) p.reject(new Error('connection closed'));
        this.pending.clear();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.splitter.push(chunk)) {
        this.frames.push(f);
        const id = f.readInt32BE(0);
        const p = this.pending.get(id);
        if (!p) continue;
        this.pending.delete(id);
        try {
          p.resolve(decodeResponse(p.apiKey, p.version, f).body);
        } catch (err) {
          p.reject(err as Error);
        }
      }
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => {
        s.off('error', reject);
        resolve(new RawClient(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends a request and resolves with the decoded response body. */
  request<K extends number>(
    apiKey: K,
    version: number,
    body?: RequestBodyInput<K>,
    clientId = 'raw-client',
  ): Promise<ResponseBody<K>> {
    const id = this.correlationId++;
    return new Promise<ResponseBody<K>>((resolve, reject) => {
      this.pending.set(id, { apiKey, version, resolve: resolve as (b: unknown) => void, reject });
      this.socket.write(encodeRequest(apiKey, version, id, clientId, body));
    });
  }

  /** Sends a request without waiting for (or expecting) a response; returns its correlation id. */
  send<K extends number>(apiKey: K, version: number, body?: RequestBodyInput<K>): number {
    const id = this.correlationId++;
    this.socket.write(encodeRequest(apiKey, version, id, 'raw-client', body));
    return id;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when `p` settles or after `ms`, whichever is first; tells which. */
export async function within<T>(p: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    p.then((value) => ({ done: true as const, value })),
    new Promise<{ done: false }>((resolve) => {
      timer = setTimeout(() => resolve({ done: false }), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}
