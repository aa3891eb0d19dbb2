/**
 * ReplicationScheduler: the only timers replication has, one set per cluster,
 * so that no replica owns a timer and an idle cluster of any size wakes about
 * once a second:
 * - the ISR check (Kafka's isr-expiration task): every min(1 s, lag / 2)
 *   each leader replica drops followers not caught up for
 *   replica.lag.time.max.ms (Partition.checkLaggingFollowers);
 * - high watermark checkpoints, every HW_CHECKPOINT_INTERVAL_MS, of the
 *   partitions whose HW moved (Kafka: replica.high.watermark.checkpoint.interval.ms);
 * - retries of fetchers that cannot fetch yet (the leader's broker is still
 *   opening, the leader has not applied its new epoch, a fetch failed): every
 *   RETRY_BACKOFF_MS, and only while some fetcher is waiting for one.
 * Followers otherwise fetch when the leader tells them something changed
 * (replica-fetcher.ts). A failure in a tick is logged, never thrown.
 */
import type { EngineLogger } from '../logger';

/** What the scheduler drives on each broker (a ReplicaManager). */
export interface ScheduledReplicas {
  readonly brokerId: number;
  /** Returns the replicas it looked at (only leaders that may have a follower to drop or add). */
  checkLaggingFollowers(maxLagMs: number): number;
  /** Returns the replicas it wrote (only those whose HW moved). */
  checkpointHighWatermarks(): Promise<number>;
}

/** A fetcher waiting to try again. */
export interface Retryable {
  kick(): void;
}

export const RETRY_BACKOFF_MS = 50;
export const HW_CHECKPOINT_INTERVAL_MS = 5000;

export class ReplicationScheduler {
  private readonly managers = new Set<ScheduledReplicas>();
  private readonly retries = new Set<Retryable>();
  private lagTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastCheckpoint = Date.now();
  private closed = false;

  constructor(
    private readonly replicaLagTimeMaxMs: number,
    private readonly logger: EngineLogger,
  ) {}

  get lagCheckIntervalMs(): number {
    return Math.max(100, Math.min(1000, this.replicaLagTimeMaxMs / 2));
  }

  /** Fetchers waiting for a retry (for tests: zero once a cluster has settled). */
  get pendingRetries(): number {
    return this.retries.size;
  }

  add(rm: ScheduledReplicas): void {
    if (this.closed) return;
    this.managers.add(rm);
    if (!this.lagTimer) {
      this.lagTimer = setInterval(() => this.lagTick(), this.lagCheckIntervalMs);
      this.lagTimer.unref();
    }
  }

  remove(rm: ScheduledReplicas): void {
    this.managers.delete(rm);
    if (this.managers.size === 0 && this.lagTimer) {
      clearInterval(this.lagTimer);
      this.lagTimer = null;
    }
  }

  retryLater(f: Retryable): void {
    if (this.closed) return;
    this.retries.add(f);
    if (!this.retryTimer) {
      this.retryTimer = setInterval(() => this.retryTick(), RETRY_BACKOFF_MS);
      this.retryTimer.unref();
    }
  }

  cancelRetry(f: Retryable): void {
    this.retries.delete(f);
  }

  close(): void {
    this.closed = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.lagTimer = this.retryTimer = null;
    this.managers.clear();
    this.retries.clear();
  }

  private lagTick(): void {
    this.checkIsrNow();
    if (Date.now() - this.lastCheckpoint < HW_CHECKPOINT_INTERVAL_MS) return;
    void this.checkpointNow();
  }

  /** The ISR check of every broker; returns the replicas looked at. */
  checkIsrNow(): number {
    let n = 0;
    for (const rm of this.managers) {
      try {
        n += rm.checkLaggingFollowers(this.replicaLagTimeMaxMs);
      } catch (e) {
        this.logger.warn('replication', `ISR check on broker ${rm.brokerId} failed`, e);
      }
    }
    return n;
  }

  /** The HW checkpoint of every broker; resolves to the replicas written. Never rejects. */
  async checkpointNow(): Promise<number> {
    this.lastCheckpoint = Date.now();
    const written = await Promise.all(
      [...this.managers].map((rm) =>
        rm.checkpointHighWatermarks().catch((e: unknown) => {
          this.logger.warn('replication', `High watermark checkpoint on broker ${rm.brokerId} failed`, e);
          return 0;
        }),
      ),
    );
    return written.reduce((a, b) => a + b, 0);
  }

  private retryTick(): void {
    const due = [...this.retries];
    this.retries.clear();
    if (due.length === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
      return;
    }
    for (const f of due) f.kick();
  }
}
