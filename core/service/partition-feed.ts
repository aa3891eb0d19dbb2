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
 */
import type { ClusterEvents, PartitionState } from '../cluster/types';
import type { PartitionsChange } from '../api/api';
import type { ClusterPort } from './engine-port';

export interface PartitionFeedOptions {
  coalesceMs?: number;
}

export class PartitionFeed {
  /** topic -> partition indexes changed in this window. */
  private readonly dirty = new Map<string, Set<number>>();
  private readonly brokers = new Set<number>();
  private known: Set<string> | null = null;
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

  private topicNames(): Set<string> | null {
    try {
      return new Set(this.cluster.listTopics({ includeInternal: true }).map((t) => t.name));
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
      const deletedTopics = this.known ? [...this.known].filter((n) => !names.has(n)) : [];
      this.known = names;
      const partitions: PartitionState[] = [];
      if (brokers.size > 0) {
        for (const topic of names) {
          const changed = dirty.get(topic);
          for (const p of this.cluster.partitions(topic)) {
            if (changed?.has(p.partition) || p.replicas.some((r) => brokers.has(r))) partitions.push(p);
          }
        }
      } else {
        for (const [topic, indexes] of dirty) {
          if (!names.has(topic)) continue;
          const all = this.cluster.partitions(topic);
          for (const i of [...indexes].sort((a, b) => a - b)) if (all[i]) partitions.push(all[i]!);
        }
      }
      if (partitions.length === 0 && deletedTopics.length === 0) return;
      change = { partitions, deletedTopics };
    } catch {
      return; // the engine closed, or every broker stopped, inside the window
    }
    this.onChange(change);
  }
}
