/**
 * CleanerQueue: which of one broker's replicas the log cleaner must look at,
 * so that a run costs nothing for a replica that did not change. A replica is
 * queued when it may have something to clean:
 * - its high watermark moved (every append ends there, on the leader and on
 *   followers; retention and compaction only act below the HW), it was opened,
 *   or its topic's configs changed (marked by the ReplicaManager);
 * - a time it was given after its last cleaning comes: retention.ms making
 *   its oldest segment expire, min.compaction.lag.ms letting a segment be
 *   compacted (LogCleaner.nextDue).
 * Everything else (size, dirty ratio, segment rolls) changes only with data,
 * hence with the HW. The queue belongs to the ReplicaManager, so it goes away
 * with the broker's replicas and never holds a stopped broker's partitions.
 */
import type { Partition } from './partition';

export class CleanerQueue {
  private readonly changed = new Set<Partition>();
  private readonly deadlines = new Map<Partition, number>();
  /** No deadline comes before this time (may be early after a deadline moved later: that only costs a scan). */
  private earliest = Infinity;

  mark(p: Partition): void {
    this.changed.add(p);
  }

  forget(p: Partition): void {
    this.changed.delete(p);
    this.deadlines.delete(p);
  }

  /** Looks at `p` again at time `at` (ms since the epoch), or only when it changes (null). */
  schedule(p: Partition, at: number | null): void {
    if (at === null) {
      this.deadlines.delete(p);
      return;
    }
    this.deadlines.set(p, at);
    if (at < this.earliest) this.earliest = at;
  }

  /** The replicas due at `now`, each once, taken off the queue (the cleaner schedules them again). */
  take(now: number): Partition[] {
    const due = new Set(this.changed);
    this.changed.clear();
    if (now >= this.earliest) {
      this.earliest = Infinity;
      for (const [p, at] of this.deadlines) {
        if (at <= now) {
          due.add(p);
          this.deadlines.delete(p);
        } else if (at < this.earliest) this.earliest = at;
      }
    }
    return [...due];
  }
}
