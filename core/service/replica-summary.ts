/**
 * A topic's replicas counted per broker, for the replica map: what one row of
 * a topic says (per broker: leaders, in-sync and out-of-sync followers,
 * offline replicas; the topic's under-replicated and offline partitions)
 * without sending its partitions. Its size grows with brokers, not with
 * partitions, so a topic of 10,000 partitions costs the UI the same as one of
 * ten; the partitions themselves are paged on demand (listPartitionPage).
 *
 * The roles match what the map draws for a replica: offline when its broker
 * is down, else leader, else in sync when in the ISR, else out of sync.
 * Under-replicated counts live ISR members (an ISR member whose broker is down
 * does not count), as the map's "In sync" column does.
 */
import type { BrokerReplicaCounts, TopicReplicaSummary } from '../api/api';
import type { PartitionState } from '../cluster/types';
import type { ClusterPort } from './engine-port';

export function topicReplicaSummary(
  topic: string,
  internal: boolean,
  partitions: PartitionState[],
): TopicReplicaSummary {
  const byBroker = new Map<number, BrokerReplicaCounts>();
  let underReplicated = 0;
  let offline = 0;
  for (const p of partitions) {
    let live = 0;
    for (const b of p.replicas) {
      let c = byBroker.get(b);
      if (!c) byBroker.set(b, (c = { brokerId: b, leaders: 0, inSync: 0, outOfSync: 0, offline: 0 }));
      const isOffline = p.offlineReplicas.includes(b);
      const inIsr = p.isr.includes(b);
      if (inIsr && !isOffline) live++;
      if (isOffline) c.offline++;
      else if (p.leader === b) c.leaders++;
      else if (inIsr) c.inSync++;
      else c.outOfSync++;
    }
    if (p.leader < 0) offline++;
    else if (live < p.replicas.length) underReplicated++;
  }
  return {
    topic,
    internal,
    partitions: partitions.length,
    underReplicated,
    offline,
    brokers: [...byBroker.values()].sort((a, b) => a.brokerId - b.brokerId),
  };
}

/** Every topic's summary (internal topics only when asked), in topic order. */
export function replicaSummaries(cluster: ClusterPort, includeInternal: boolean): TopicReplicaSummary[] {
  return cluster
    .listTopics({ includeInternal })
    .map((t) => topicReplicaSummary(t.name, t.internal, cluster.partitions(t.name)))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}
