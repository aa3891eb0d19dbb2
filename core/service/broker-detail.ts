/**
 * One broker as the broker detail page shows it: its state, its log dir with the bytes each topic takes on it,
 * the partitions it leads and follows (one page at a time: a broker may hold thousands of replicas), and how many
 * messages and bytes go in (appended as leader) and out (fetched from it) per second.
 *
 * Everything comes from the ClusterPort, so the sandbox and a remote connection answer alike with what they know:
 * a remote cluster's sizes come from DescribeLogDirs and its log dir has no path; its per-broker rates are sampled
 * in the app while this is asked for (core/remote/rate-sampler.ts), with null and words for the out rates, which
 * are not observable from outside it. Replicas are read from every partition of every topic, internal ones included (a
 * broker's disk holds those too); the cost is one pass over the partitions per call, on the engine side.
 */
import { KafkaError } from '../errors';
import type { BrokerDetail, BrokerPartitionRole, BrokerReplica, BrokerThroughput } from '../api/api';
import type { PartitionState } from '../cluster/types';
import type { ClusterPort } from './engine-port';

export const MAX_LOG_DIR_TOPICS = 100;

export function brokerDetail(
  cluster: ClusterPort,
  input: { broker: number; role?: BrokerPartitionRole | 'all'; offset?: number; limit: number },
): BrokerDetail {
  const broker = cluster.brokers().find((b) => b.id === input.broker);
  if (!broker) throw new KafkaError('BROKER_NOT_AVAILABLE', `There is no broker ${input.broker}`, { field: 'broker' });
  const role = input.role ?? 'all';
  const offset = input.offset ?? 0;
  const down = broker.status === 'stopped' || broker.status === 'failed';
  let led = 0;
  let followed = 0;
  let outOfSync = 0;
  let matching = 0;
  const items: BrokerReplica[] = [];
  const byTopic = new Map<string, { replicas: number; bytes: number }>();
  let totalBytes = 0;
  for (const t of cluster.listTopics({ includeInternal: true })) {
    for (const p of cluster.partitions(t.name)) {
      if (!p.replicas.includes(broker.id)) continue;
      const r = replicaOf(p, broker.id, down);
      if (r.role === 'leader') led++;
      else followed++;
      if (!r.inSync && !r.offline) outOfSync++;
      const size = r.bytesOnDisk ?? 0;
      totalBytes += size;
      const agg = byTopic.get(p.topic) ?? { replicas: 0, bytes: 0 };
      agg.replicas++;
      agg.bytes += size;
      byTopic.set(p.topic, agg);
      if (role !== 'all' && r.role !== role) continue;
      if (matching >= offset && items.length < input.limit) items.push(r);
      matching++;
    }
  }
  const topics = [...byTopic].map(([topic, a]) => ({ topic, ...a }));
  topics.sort((a, b) => b.bytes - a.bytes || (a.topic < b.topic ? -1 : 1));
  return {
    broker,
    throughput: cluster.brokerMetrics?.(broker.id) ?? null,
    logDir: {
      path: broker.logDir.path,
      error: broker.logDir.error,
      offline: broker.logDirOffline || broker.logDir.error !== null,
      // A down broker's bytes are not measured (BrokerState.bytesOnDisk is its last known figure).
      totalBytes: down ? broker.bytesOnDisk : totalBytes,
      topics: topics.slice(0, MAX_LOG_DIR_TOPICS),
      otherTopics: Math.max(0, topics.length - MAX_LOG_DIR_TOPICS),
    },
    replicas: { led, followed, outOfSync, role, offset, matching, items },
  };
}

/** Every broker's rates (the Brokers page's column): what getBrokerDetail's throughput says, for each. */
export function brokerRates(cluster: ClusterPort): Array<{ broker: number; throughput: BrokerThroughput | null }> {
  return cluster.brokers().map((b) => ({ broker: b.id, throughput: cluster.brokerMetrics?.(b.id) ?? null }));
}

function replicaOf(p: PartitionState, brokerId: number, down: boolean): BrokerReplica {
  const s = p.replicaStates.find((r) => r.brokerId === brokerId);
  return {
    topic: p.topic,
    partition: p.partition,
    leader: p.leader,
    role: p.leader === brokerId ? 'leader' : 'follower',
    inSync: p.isr.includes(brokerId),
    offline: down || (s?.offline ?? p.offlineReplicas.includes(brokerId)),
    logEndOffset: s?.logEndOffset ?? null,
    highWatermark: p.highWatermark,
    bytesOnDisk: s?.bytesOnDisk ?? null,
  };
}
