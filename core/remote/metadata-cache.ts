/**
 * The snapshot of a remote cluster that the port's synchronous queries read
 * (topics, partitions with offsets and sizes, brokers), and how it is loaded.
 *
 * Rules:
 * - One load = Metadata for every topic, then, in parallel: ListOffsets
 *   earliest and latest for every partition (one request per leader and
 *   spec), DescribeLogDirs of every broker that offers it (replica sizes,
 *   offline log dirs), and DescribeConfigs of cleanup.policy for every topic
 *   (the topic list shows it), in requests of 1,000 topics.
 * - A partition whose offsets could not be read keeps the last ones known
 *   (0 for a new one); a broker without DescribeLogDirs reports sizes of 0.
 * - Brokers that were in an earlier answer and are not in this one are kept
 *   as 'stopped' (a broker that is down drops out of Metadata).
 * - `updateOffsets` takes offsets from Fetch and the fast offsets loop
 *   between loads, and a load keeps the larger of its offsets and those (it
 *   read its own before they were seen): offsets of a topic only grow. A
 *   recreated topic has a new id and starts afresh; before Metadata v10
 *   (no ids) a topic recreated under the same name between two loads keeps
 *   the old offsets until they are passed (a limit of those brokers).
 */
import { KafkaError } from '../errors';
import type { BrokerState, ClusterState, PartitionState, ReplicaState, TopicSummary } from '../cluster/types';
import { API_KEYS } from '../protocol/index';
import { check, type KafkaClient, type KnownBroker } from './client';
import { chooseVersion } from './versions';

export interface CachedPartition {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  logStartOffset: number;
  highWatermark: number;
  /** Replica sizes by broker, from DescribeLogDirs. */
  sizes: Map<number, number>;
  /** Replica lag behind the high watermark by broker (DescribeLogDirs offsetLag). */
  lags: Map<number, number>;
}

export interface CachedTopic {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: CachedPartition[];
  cleanupPolicy: string;
}

export interface Snapshot {
  clusterId: string;
  controllerId: number;
  brokers: Map<number, KnownBroker>;
  topics: Map<string, CachedTopic>;
  /** Brokers whose log dirs reported an error. */
  offlineLogDirs: Set<number>;
}

const CONFIG_BATCH = 1000;

const TIMESTAMP = { earliest: -2, latest: -1 } as const;

/** Offsets of many partitions from their leaders: `spec` -2 earliest, -1 latest, or a timestamp. */
export async function listOffsets(
  client: KafkaClient,
  byLeader: Map<number, Array<{ topic: string; partition: number }>>,
  timestamp: number,
): Promise<Map<string, { offset: number; timestamp: number; errorCode: number }>> {
  const out = new Map<string, { offset: number; timestamp: number; errorCode: number }>();
  await Promise.all(
    [...byLeader].map(async ([leader, parts]) => {
      if (leader < 0) return;
      const byTopic = new Map<string, number[]>();
      for (const p of parts) {
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push(p.partition);
      }
      const conn = await client.connection(leader);
      const { body } = await conn.call(API_KEYS.ListOffsets, () => ({
        replicaId: -1,
        isolationLevel: 0,
        timeoutMs: 30_000,
        topics: [...byTopic].map(([name, ps]) => ({
          name,
          partitions: ps.map((partitionIndex) => ({
            partitionIndex,
            currentLeaderEpoch: -1,
            timestamp,
            maxNumOffsets: 1,
          })),
        })),
      }));
      for (const t of body.topics)
        for (const p of t.partitions)
          out.set(`${t.name}\u0000${p.partitionIndex}`, {
            offset: p.offset,
            timestamp: p.timestamp,
            errorCode: p.errorCode,
          });
    }),
  );
  return out;
}

export function leadersOf(topics: Iterable<CachedTopic>): Map<number, Array<{ topic: string; partition: number }>> {
  const byLeader = new Map<number, Array<{ topic: string; partition: number }>>();
  for (const t of topics)
    for (const p of t.partitions) {
      let list = byLeader.get(p.leader);
      if (!list) byLeader.set(p.leader, (list = []));
      list.push({ topic: t.name, partition: p.partition });
    }
  return byLeader;
}

async function logDirs(client: KafkaClient, brokers: number[], snapshot: Snapshot): Promise<void> {
  await Promise.all(
    brokers.map(async (id) => {
      try {
        const conn = await client.connection(id);
        if (chooseVersion(conn.versions, API_KEYS.DescribeLogDirs) === null) return;
        const { body } = await conn.call(API_KEYS.DescribeLogDirs, () => ({ topics: null }));
        for (const dir of body.results) {
          if (dir.errorCode !== 0) snapshot.offlineLogDirs.add(id);
          for (const t of dir.topics) {
            const topic = snapshot.topics.get(t.name);
            if (!topic) continue;
            for (const p of t.partitions) {
              const c = topic.partitions[p.partitionIndex];
              if (!c || p.isFutureKey) continue;
              c.sizes.set(id, p.partitionSize);
              c.lags.set(id, p.offsetLag);
            }
          }
        }
      } catch {
        // Sizes are a nicety: a broker that cannot answer shows none.
      }
    }),
  );
}

async function cleanupPolicies(client: KafkaClient, snapshot: Snapshot): Promise<void> {
  const names = [...snapshot.topics.keys()];
  for (let i = 0; i < names.length; i += CONFIG_BATCH) {
    const chunk = names.slice(i, i + CONFIG_BATCH);
    const conn = await client.any();
    const { body } = await conn.call(API_KEYS.DescribeConfigs, () => ({
      resources: chunk.map((resourceName) => ({
        resourceType: 2,
        resourceName,
        configurationKeys: ['cleanup.policy'],
      })),
      includeSynonyms: false,
      includeDocumentation: false,
    }));
    for (const r of body.results) {
      const t = snapshot.topics.get(r.resourceName);
      const v = r.configs.find((c) => c.name === 'cleanup.policy')?.value;
      if (t && r.errorCode === 0 && v) t.cleanupPolicy = v;
    }
  }
}

/** Loads a whole snapshot; `previous` supplies offsets that could not be read this time. */
export async function loadSnapshot(client: KafkaClient, previous: Snapshot | null): Promise<Snapshot> {
  const { body } = await client.metadata(null);
  const topics = new Map<string, CachedTopic>();
  for (const t of body.topics) {
    if (t.errorCode !== 0 || t.name === null) continue;
    const old = previous?.topics.get(t.name);
    const sameTopic = old !== undefined && (old.topicId === t.topicId || t.topicId === 'AAAAAAAAAAAAAAAAAAAAAA');
    const partitions: CachedPartition[] = [];
    for (const p of [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
      const was = sameTopic ? old.partitions[p.partitionIndex] : undefined;
      partitions[p.partitionIndex] = {
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
        offlineReplicas: p.offlineReplicas,
        logStartOffset: was?.logStartOffset ?? 0,
        highWatermark: was?.highWatermark ?? 0,
        sizes: new Map(),
        lags: new Map(),
      };
    }
    topics.set(t.name, {
      name: t.name,
      topicId: t.topicId,
      internal: t.isInternal,
      partitions,
      cleanupPolicy: sameTopic ? old.cleanupPolicy : 'delete',
    });
  }
  const snapshot: Snapshot = {
    clusterId: body.clusterId ?? '',
    controllerId: body.controllerId,
    brokers: new Map(client.brokers),
    topics,
    offlineLogDirs: new Set(),
  };
  const byLeader = leadersOf(topics.values());
  const [earliest, latest] = await Promise.all([
    listOffsets(client, byLeader, TIMESTAMP.earliest).catch(() => new Map()),
    listOffsets(client, byLeader, TIMESTAMP.latest).catch(() => new Map()),
    logDirs(client, [...client.brokers.keys()], snapshot),
    cleanupPolicies(client, snapshot).catch(() => undefined),
  ]);
  for (const t of topics.values())
    for (const p of t.partitions) {
      const key = `${t.name}\u0000${p.partition}`;
      const e = earliest.get(key);
      const l = latest.get(key);
      if (e && e.errorCode === 0) p.logStartOffset = e.offset;
      if (l && l.errorCode === 0) p.highWatermark = l.offset;
    }
  return snapshot;
}

// ---- views of the snapshot, in the engine's shapes ---------------------------------------------

export function partitionState(t: CachedTopic, p: CachedPartition, live: Set<number>): PartitionState {
  const replicaStates: ReplicaState[] = p.replicas.map((brokerId) => {
    const offline = !live.has(brokerId) || p.offlineReplicas.includes(brokerId);
    const lag = p.lags.get(brokerId);
    const inSync = p.isr.includes(brokerId);
    return {
      brokerId,
      logEndOffset: offline ? null : inSync ? p.highWatermark : lag !== undefined ? p.highWatermark - lag : null,
      logStartOffset: offline ? null : p.logStartOffset,
      bytesOnDisk: offline ? null : (p.sizes.get(brokerId) ?? null),
      inSync,
      offline,
      isLeader: brokerId === p.leader,
    };
  });
  return {
    topic: t.name,
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.offlineReplicas,
    // A remote partition without a leader cannot be read; its offsets are the last ones the cache saw.
    readable: p.leader >= 0,
    logStartOffset: p.logStartOffset,
    highWatermark: p.highWatermark,
    logEndOffset: p.highWatermark,
    bytesOnDisk: p.sizes.get(p.leader) ?? 0,
    replicaStates,
  };
}

export const isUnderReplicated = (p: CachedPartition) => p.leader >= 0 && p.isr.length < p.replicas.length;
export const isOffline = (p: CachedPartition) => p.leader < 0;

export function topicSummary(t: CachedTopic): TopicSummary {
  let messages = 0;
  let bytes = 0;
  let under = 0;
  let offline = 0;
  for (const p of t.partitions) {
    messages += Math.max(0, p.highWatermark - p.logStartOffset);
    bytes += p.sizes.get(p.leader) ?? 0;
    if (isUnderReplicated(p)) under++;
    if (isOffline(p)) offline++;
  }
  return {
    name: t.name,
    topicId: t.topicId,
    internal: t.internal,
    partitions: t.partitions.length,
    replicationFactor: t.partitions[0]?.replicas.length ?? 0,
    messages,
    bytesOnDisk: bytes,
    underReplicatedPartitions: under,
    offlinePartitions: offline,
    cleanupPolicy: t.cleanupPolicy,
  };
}

export function brokerStates(s: Snapshot, seen: Map<number, KnownBroker>): BrokerState[] {
  const led = new Map<number, number>();
  const replicas = new Map<number, number>();
  const bytes = new Map<number, number>();
  for (const t of s.topics.values())
    for (const p of t.partitions) {
      led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
      for (const r of p.replicas) replicas.set(r, (replicas.get(r) ?? 0) + 1);
      for (const [b, n] of p.sizes) bytes.set(b, (bytes.get(b) ?? 0) + n);
    }
  return [...seen.values()]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => {
      const running = s.brokers.has(b.nodeId);
      return {
        id: b.nodeId,
        status: running ? 'running' : 'stopped',
        isController: b.nodeId === s.controllerId,
        fenced: false,
        partitionsLed: running ? (led.get(b.nodeId) ?? 0) : 0,
        replicas: replicas.get(b.nodeId) ?? 0,
        bytesOnDisk: bytes.get(b.nodeId) ?? 0,
        host: b.host,
        port: running ? b.port : null,
        failure: running ? null : 'Not in the cluster metadata (down or removed)',
        logDirOffline: s.offlineLogDirs.has(b.nodeId),
        // Metadata names no log dir path; DescribeLogDirs would (the path stays empty here).
        logDir: { path: '', error: s.offlineLogDirs.has(b.nodeId) ? ('KAFKA_STORAGE_ERROR' as const) : null },
      };
    });
}

export function clusterState(s: Snapshot, brokers: BrokerState[], metadataOffset: number): ClusterState {
  let partitions = 0;
  let under = 0;
  let offline = 0;
  const internal = { topics: 0, partitions: 0, underReplicatedPartitions: 0, offlinePartitions: 0 };
  for (const t of s.topics.values()) {
    if (t.internal) internal.topics++;
    for (const p of t.partitions) {
      partitions++;
      if (isUnderReplicated(p)) under++;
      if (isOffline(p)) offline++;
      if (!t.internal) continue;
      internal.partitions++;
      if (isUnderReplicated(p)) internal.underReplicatedPartitions++;
      if (isOffline(p)) internal.offlinePartitions++;
    }
  }
  return {
    clusterId: s.clusterId,
    controllerId: s.controllerId,
    brokers,
    topics: s.topics.size,
    partitions,
    underReplicatedPartitions: under,
    offlinePartitions: offline,
    internal,
    metadataOffset,
  };
}

/** The topic or UNKNOWN_TOPIC_OR_PARTITION, as the engine says it. */
export function topicOf(s: Snapshot, name: string): CachedTopic {
  const t = s.topics.get(name);
  if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${name} does not exist`);
  return t;
}

export { check };
