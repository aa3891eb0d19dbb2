/**
 * The replica map's live feed. A view of every partition (leader, replicas,
 * ISR, which replicas are offline) would need the whole cluster re-read on
 * each change; instead the partitions whose shape changed are pushed, with
 * their new states, as one coalesced `partitions` event per window.
 *
 * What marks a partition changed:
 * - the engine's `partition` event (leader, ISR or replicas written to the
 *   metadata log);
 * - a broker changing status, which changes whether each replica it hosts is
 *   online without any partition record being written, so every partition
 *   with a replica on that broker is sent;
 * - a topic disappearing, reported by name (a deleted topic has no partition
 *   left to send).
 * High-watermark movement is not a change here: offsets travel in the
 * `cluster` event's topic list and in listPartitions.
 *
 * Each event also carries the new replica summary (replica-summary.ts) of
 * every topic it touches, so a cluster-wide map is kept by summaries alone.
 * It sends at most MAX_PARTITIONS_PER_CHANGE partition states: a broker
 * stopping under 10,000 partitions would otherwise push megabytes to every
 * window; the topics whose states did not fit are named in `resync`, and a
 * view re-reads the page it shows of them.
 */
import type { ClusterEvents, PartitionState } from '../cluster/types';
import { MAX_PARTITIONS_PER_CHANGE, type PartitionsChange, type TopicReplicaSummary } from '../api/api';
import type { ClusterPort } from './engine-port';
import { topicReplicaSummary } from './replica-summary';

export interface PartitionFeedOptions {
  coalesceMs?: number;
}

export class PartitionFeed {
  /** topic -> partition indexes changed in this window. */
  private readonly dirty = new Map<string, Set<number>>();
  private readonly brokers = new Set<number>();
  /** Topic name -> whether it is internal, as of the last window. */
  private known: Map<string, boolean> | null = null;
  private topicsMayHaveChanged = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly coalesceMs: number;
  private readonly listeners: Pick<
    { [E in keyof ClusterEvents]: (...args: ClusterEvents[E]) => void },
    'partition' | 'broker' | 'metadata'
  >;

  constructor(
    private readonly cluster: ClusterPort,
    private readonly onChange: (change: PartitionsChange) => void,
    opts: PartitionFeedOptions = {},
  ) {
    this.coalesceMs = opts.coalesceMs ?? 150;
    this.listeners = {
      partition: (p) => {
        let set = this.dirty.get(p.topic);
        if (!set) this.dirty.set(p.topic, (set = new Set()));
        set.add(p.partition);
        this.schedule();
      },
      broker: (b) => {
        this.brokers.add(b.id);
        this.schedule();
      },
      metadata: () => {
        this.topicsMayHaveChanged = true;
        this.schedule();
      },
    };
  }

  start(): void {
    this.known = this.topicNames();
    this.cluster.on('partition', this.listeners.partition);
    this.cluster.on('broker', this.listeners.broker);
    this.cluster.on('metadata', this.listeners.metadata);
  }

  close(): void {
    this.cluster.off('partition', this.listeners.partition);
    this.cluster.off('broker', this.listeners.broker);
    this.cluster.off('metadata', this.listeners.metadata);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Every partition of every topic (internal topics only when asked), in topic then partition order. */
  static all(cluster: ClusterPort, includeInternal: boolean): PartitionState[] {
    return cluster.listTopics({ includeInternal }).flatMap((t) => cluster.partitions(t.name));
  }

  private topicNames(): Map<string, boolean> | null {
    try {
      return new Map(this.cluster.listTopics({ includeInternal: true }).map((t) => [t.name, t.internal]));
    } catch {
      return null; // no broker is running; the next change will tell
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.coalesceMs);
    this.timer.unref?.();
  }

  private flush(): void {
    this.timer = null;
    const dirty = new Map(this.dirty);
    const brokers = new Set(this.brokers);
    const checkTopics = this.topicsMayHaveChanged;
    this.dirty.clear();
    this.brokers.clear();
    this.topicsMayHaveChanged = false;

    let change: PartitionsChange;
    try {
      const names = checkTopics || brokers.size > 0 || this.known === null ? this.topicNames() : this.known;
      if (!names) return;
      const deletedTopics = this.known ? [...this.known.keys()].filter((n) => !names.has(n)) : [];
      this.known = names;
      const partitions: PartitionState[] = [];
      const resync: string[] = [];
      const topics: TopicReplicaSummary[] = [];
      const add = (topic: string, all: PartitionState[], changed: PartitionState[]) => {
        if (changed.length === 0) return;
        topics.push(topicReplicaSummary(topic, names.get(topic) ?? false, all));
        if (partitions.length + changed.length > MAX_PARTITIONS_PER_CHANGE) resync.push(topic);
        else partitions.push(...changed);
      };
      if (brokers.size > 0) {
        for (const topic of [...names.keys()].sort()) {
          const changed = dirty.get(topic);
          const all = this.cluster.partitions(topic);
          add(
            topic,
            all,
            all.filter((p) => changed?.has(p.partition) || p.replicas.some((r) => brokers.has(r))),
          );
        }
      } else {
        for (const topic of [...dirty.keys()].sort()) {
          if (!names.has(topic)) continue;
          const all = this.cluster.partitions(topic);
          const indexes = [...dirty.get(topic)!].sort((a, b) => a - b);
          add(
            topic,
            all,
            indexes.flatMap((i) => (all[i] ? [all[i]] : [])),
          );
        }
      }
      if (topics.length === 0 && deletedTopics.length === 0) return;
      change = { partitions, resync, topics, deletedTopics };
    } catch {
      return; // the engine closed, or every broker stopped, inside the window
    }
    this.onChange(change);
  }
}
