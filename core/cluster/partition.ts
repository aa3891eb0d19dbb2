/**
 * Partition: one broker's replica of one topic-partition, and, on the leader,
 * the replication state Kafka keeps there: followers' log end offsets, the
 * in-sync replica set, the high watermark, and the producers and fetchers
 * waiting on it.
 *
 * Rules:
 * - HW = the smallest log end offset among the ISR (the leader included);
 *   it only moves forward while the replica leads. Consumers read below it.
 * - A follower counts as caught up when its fetch reaches the leader's log
 *   end, or the log end the leader had at its previous fetch (Kafka's
 *   lastCaughtUpTime rule); one not caught up for `replica.lag.time.max.ms`
 *   leaves the ISR. One whose fetch reaches the HW (and the current epoch's
 *   start) is added back. ISR changes go through the controller and take
 *   effect here when the metadata comes back.
 * - Followers in this process link to the leader (linkFollower) and are
 *   kicked, coalesced per microtask, whenever the log end, HW or log start
 *   moves or the role changes; they fetch then and otherwise not at all. A
 *   linked follower whose last fetch reached the log end is caught up now,
 *   so an idle partition keeps its ISR without any fetch (replica-fetcher.ts).
 * - The ISR check (replica.lag.time.max.ms) looks only at leaders that may
 *   have a follower to drop or add: one gets watched (onIsrCheckNeeded) when
 *   its log end moves, its image or links change, or a follower fetches short
 *   of the end, and is let go (isrSettled) once every in-sync follower is
 *   linked and at the log end with no expansion due. While let go its
 *   followers count as caught up, so when it is watched again they are caught
 *   up as of that moment: an idle partition costs nothing, and a follower that
 *   stops fetching while data arrives still leaves the ISR after the lag time.
 * - Waiters (acks=all producers, consumer long polls) are removed when they
 *   complete, time out or give up: none outlives its request.
 * - acks=all completes when the HW passes the batch; the ISR size is checked
 *   against min.insync.replicas before the append (NOT_ENOUGH_REPLICAS) and
 *   when the write completes (NOT_ENOUGH_REPLICAS_AFTER_APPEND).
 * Single-threaded: every method runs on the one event loop, so no locks.
 */
import { KafkaError } from '../errors';
import type { PartitionLog } from '../storage/partition-log';
import { partitionKey } from '../storage/keys';
import type { PartitionImage, TopicImage } from './metadata-image';
import type { Acks } from './types';

export type ReplicaRole = 'leader' | 'follower';

interface FollowerState {
  logEndOffset: number;
  lastCaughtUpTime: number;
  lastFetchTime: number;
  lastFetchLeaderEnd: number;
}

interface AckWaiter {
  offset: number;
  resolve: () => void;
  reject: (err: KafkaError) => void;
  timer: NodeJS.Timeout;
}

export interface IsrChangeRequester {
  /** Resolves once the controller has decided (the change, if accepted, arrives as metadata). */
  requestIsrChange(p: Partition, isr: number[]): Promise<void>;
}

export class Partition {
  role: ReplicaRole = 'follower';
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: number[] = [];
  isr: number[] = [];
  private followers = new Map<number, FollowerState>();
  private ackWaiters: AckWaiter[] = [];
  private readonly dataWaiters = new Set<() => void>();
  /** Follower broker id -> its fetcher's kick. */
  private readonly followerLinks = new Map<number, () => void>();
  private followersKickQueued = false;
  private pendingIsr: string | null = null;
  /** Set while the ISR check watches this replica (see isrSettled). */
  private isrWatched = false;
  onHighWatermark: ((p: Partition) => void) | null = null;
  /** Asks the ISR check to look at this leader on its next ticks, until isrSettled() says it may stop. */
  onIsrCheckNeeded: ((p: Partition) => void) | null = null;

  constructor(
    readonly brokerId: number,
    public topic: TopicImage,
    readonly index: number,
    readonly log: PartitionLog,
    private readonly isrRequester: IsrChangeRequester,
    private readonly now: () => number = Date.now,
  ) {
    log.onAppend = () => this.onLocalAppend();
  }

  get key(): string {
    return partitionKey(this.topic.topicId, this.index);
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Applies leader, epoch and ISR from the metadata image; returns the role change, if any. */
  applyImage(p: PartitionImage): { becameLeader: boolean; becameFollower: boolean; leaderChanged: boolean } {
    const wasLeader = this.role === 'leader';
    const epochChanged = p.leaderEpoch !== this.leaderEpoch;
    const leaderChanged = p.leader !== this.leaderId || epochChanged;
    // A replica that lost data is clean again once the controller adds it back to the ISR.
    if (this.partitionEpoch >= 0 && !this.isr.includes(this.brokerId) && p.isr.includes(this.brokerId))
      this.log.inSync();
    this.replicas = p.replicas;
    this.isr = p.isr;
    this.partitionEpoch = p.partitionEpoch;
    this.pendingIsr = null;
    this.leaderId = p.leader;
    this.leaderEpoch = p.leaderEpoch;
    // An unclean log does not lead on stale metadata (see PartitionLog.mayLead).
    const isLeader = p.leader === this.brokerId && this.log.mayLead(p.leaderEpoch);
    if (isLeader) {
      if (!wasLeader || epochChanged) {
        this.role = 'leader';
        const now = this.now();
        this.followers = new Map(
          p.replicas
            .filter((r) => r !== this.brokerId)
            .map((r) => [
              r,
              {
                logEndOffset: -1,
                lastCaughtUpTime: p.isr.includes(r) ? now : 0,
                lastFetchTime: 0,
                lastFetchLeaderEnd: -1,
              },
            ]),
        );
      }
      this.maybeAdvanceHighWatermark();
      this.checkAckWaiters();
      this.kickFollowers();
      this.watchIsr();
      return { becameLeader: !wasLeader || epochChanged, becameFollower: false, leaderChanged };
    }
    this.role = 'follower';
    this.kickFollowers();
    if (wasLeader)
      this.failWaiters(
        new KafkaError(
          'NOT_LEADER_OR_FOLLOWER',
          `Broker ${this.brokerId} is no longer the leader of ${this.topic.name}-${this.index}`,
        ),
      );
    return { becameLeader: false, becameFollower: wasLeader || leaderChanged, leaderChanged };
  }

  assertLeader(): void {
    if (this.role !== 'leader') {
      throw new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `Broker ${this.brokerId} is not the leader of ${this.topic.name}-${this.index} (leader: ${this.leaderId})`,
      );
    }
  }

  /** Appends already-validated batches as leader and waits as `acks` requires. */
  async appendAsLeader(
    batches: Buffer[],
    acks: Acks,
    timeoutMs: number,
  ): Promise<{ baseOffset: number; lastOffset: number; logAppendTime: number }> {
    this.assertLeader();
    const minIsr = this.topic.config.minInsyncReplicas;
    if (acks === -1 && this.isr.length < minIsr) {
      throw new KafkaError(
        'NOT_ENOUGH_REPLICAS',
        `${this.topic.name}-${this.index} has ${this.isr.length} in-sync replicas (${this.isr.join(', ')}), fewer ` +
          `than min.insync.replicas=${minIsr}`,
      );
    }
    const logAppendTime = this.topic.config.logAppendTime ? this.now() : -1;
    const epoch = this.leaderEpoch;
    const r = this.log.appendAsLeader(batches, epoch, logAppendTime >= 0 ? logAppendTime : null);
    await r.done;
    if (this.role !== 'leader' || this.leaderEpoch !== epoch || this.log.isClosed) {
      // Leadership moved while the write was in flight: its fate is decided by the new leader.
      throw new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `Leadership of ${this.topic.name}-${this.index} moved away from broker ${this.brokerId} during the write`,
      );
    }
    // A retried batch waits as its first copy would (Kafka's DelayedProduce does the same): its first write may
    // not have reached every in-sync replica yet.
    if (acks === -1) {
      await this.waitForHighWatermark(r.lastOffset + 1, timeoutMs);
      if (this.isr.length < minIsr) {
        throw new KafkaError(
          'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
          `${this.topic.name}-${this.index} was written, but to only ${this.isr.length} in-sync replicas, fewer ` +
            `than min.insync.replicas=${minIsr}`,
        );
      }
    }
    return { baseOffset: r.baseOffset, lastOffset: r.lastOffset, logAppendTime };
  }

  private waitForHighWatermark(offset: number, timeoutMs: number): Promise<void> {
    if (this.log.highWatermark >= offset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: AckWaiter = {
        offset,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.ackWaiters = this.ackWaiters.filter((w) => w !== waiter);
          reject(
            new KafkaError(
              'REQUEST_TIMED_OUT',
              `Not every in-sync replica of ${this.topic.name}-${this.index} acknowledged offset ${offset - 1} ` +
                `within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.ackWaiters.push(waiter);
    });
  }

  private checkAckWaiters(): void {
    if (this.ackWaiters.length === 0) return;
    const hw = this.log.highWatermark;
    const still: AckWaiter[] = [];
    for (const w of this.ackWaiters) {
      if (w.offset <= hw) {
        clearTimeout(w.timer);
        w.resolve();
      } else still.push(w);
    }
    this.ackWaiters = still;
  }

  failWaiters(err: KafkaError): void {
    for (const w of this.ackWaiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.ackWaiters = [];
    this.wakeDataWaiters();
    // The replica stops leading (or goes away): linked followers look their leader up again.
    this.kickFollowers();
  }

  private onLocalAppend(): void {
    if (this.role === 'leader') {
      this.watchIsr();
      this.maybeAdvanceHighWatermark();
      this.kickFollowers();
    }
    this.wakeDataWaiters();
  }

  /**
   * Calls `wake` once on the next append or HW move; returns the function
   * that removes it, which the caller must call when it stops waiting.
   */
  onData(wake: () => void): () => void {
    const once = (): void => {
      this.dataWaiters.delete(once);
      wake();
    };
    this.dataWaiters.add(once);
    return () => {
      this.dataWaiters.delete(once);
    };
  }

  private wakeDataWaiters(): void {
    if (this.dataWaiters.size === 0) return;
    for (const w of [...this.dataWaiters]) w();
  }

  /** Acks=all producers and long-polling fetches waiting here (flat when idle: tests and the soak check it). */
  get waiterCount(): number {
    return this.ackWaiters.length + this.dataWaiters.size;
  }

  linkFollower(brokerId: number, kick: () => void): void {
    this.watchIsr();
    this.followerLinks.set(brokerId, kick);
  }

  unlinkFollower(brokerId: number, kick: () => void): void {
    if (this.followerLinks.get(brokerId) !== kick) return;
    // Watched first, while still linked: caught up until this moment, lagging from now on.
    this.watchIsr();
    this.followerLinks.delete(brokerId);
  }

  /**
   * Has the ISR check watch this leader. While it was not watched (settled), every in-sync follower was linked and
   * at the log end, that is caught up: as of now, since nothing has told otherwise until this call.
   */
  private watchIsr(): void {
    if (this.isrWatched || this.role !== 'leader' || this.followers.size === 0 || !this.onIsrCheckNeeded) return;
    const now = this.now();
    for (const [id, f] of this.followers) {
      if (this.isr.includes(id) && this.followerLinks.has(id) && f.logEndOffset >= 0) f.lastCaughtUpTime = now;
    }
    this.isrWatched = true;
    this.onIsrCheckNeeded(this);
  }

  /**
   * After an ISR check: whether it may stop watching this replica (not a leader, or every in-sync follower linked
   * and at the log end, no follower due to join and no ISR change in flight). Until something calls watchIsr again,
   * the check has nothing to do here.
   */
  isrSettled(): boolean {
    if (this.role === 'leader' && !this.log.isClosed) {
      if (this.pendingIsr !== null) return false;
      const end = this.log.logEndOffset;
      for (const [id, f] of this.followers) {
        const linked = this.followerLinks.has(id);
        if (this.isr.includes(id)) {
          if (!linked || f.logEndOffset < end) return false;
        } else if (linked && f.logEndOffset >= 0 && f.logEndOffset >= this.log.highWatermark) return false;
      }
    }
    this.isrWatched = false;
    return true;
  }

  /** Tells linked followers something changed (log end, HW, log start, role); once per microtask. */
  kickFollowers(): void {
    if (this.followersKickQueued || this.followerLinks.size === 0) return;
    this.followersKickQueued = true;
    queueMicrotask(() => {
      this.followersKickQueued = false;
      for (const kick of [...this.followerLinks.values()]) kick();
    });
  }

  maybeAdvanceHighWatermark(): void {
    if (this.role !== 'leader') return;
    let hw = this.log.logEndOffset;
    for (const id of this.isr) {
      if (id === this.brokerId) continue;
      const f = this.followers.get(id);
      const leo = f ? f.logEndOffset : -1;
      if (leo < hw) hw = leo;
    }
    if (hw > this.log.highWatermark) {
      this.log.highWatermark = hw;
      this.checkAckWaiters();
      this.wakeDataWaiters();
      this.kickFollowers();
      this.onHighWatermark?.(this);
    }
  }

  /**
   * Serves a follower's fetch: records its position (which may move the HW
   * and the ISR), then returns batches from `fetchOffset`. It never waits:
   * a follower at the end is kicked when there is more (kickFollowers).
   */
  async fetchForFollower(
    followerId: number,
    fetchOffset: number,
    followerEpoch: number,
    maxBytes: number,
  ): Promise<{ batches: Buffer[]; highWatermark: number; logStartOffset: number }> {
    this.assertLeader();
    if (followerEpoch < this.leaderEpoch)
      throw new KafkaError(
        'FENCED_LEADER_EPOCH',
        `Follower ${followerId} fetched with epoch ${followerEpoch}; the leader is at ${this.leaderEpoch}`,
      );
    if (followerEpoch > this.leaderEpoch)
      throw new KafkaError(
        'UNKNOWN_LEADER_EPOCH',
        `Follower ${followerId} fetched with epoch ${followerEpoch}; the leader is at ${this.leaderEpoch}`,
      );
    this.updateFollower(followerId, fetchOffset);
    const batches =
      fetchOffset < this.log.logStartOffset || fetchOffset >= this.log.logEndOffset
        ? []
        : await this.log.read(fetchOffset, maxBytes, this.log.logEndOffset);
    return { batches, highWatermark: this.log.highWatermark, logStartOffset: this.log.logStartOffset };
  }

  private updateFollower(id: number, fetchOffset: number): void {
    const f = this.followers.get(id);
    if (!f) return;
    const now = this.now();
    const leaderEnd = this.log.logEndOffset;
    if (fetchOffset >= leaderEnd) f.lastCaughtUpTime = now;
    else if (f.lastFetchLeaderEnd >= 0 && fetchOffset >= f.lastFetchLeaderEnd)
      f.lastCaughtUpTime = Math.max(f.lastCaughtUpTime, f.lastFetchTime);
    f.lastFetchLeaderEnd = leaderEnd;
    f.lastFetchTime = now;
    f.logEndOffset = fetchOffset;
    if (fetchOffset < leaderEnd || !this.isr.includes(id)) this.watchIsr();
    this.maybeExpandIsr(id, fetchOffset);
    this.maybeAdvanceHighWatermark();
  }

  private maybeExpandIsr(id: number, followerEnd: number): void {
    if (this.isr.includes(id)) return;
    const epochStart = this.log.epochs.length ? this.log.epochs[this.log.epochs.length - 1]!.startOffset : 0;
    if (followerEnd >= this.log.highWatermark && followerEnd >= epochStart)
      this.proposeIsr([...this.isr, id].sort((a, b) => a - b));
  }

  /** Drops followers that have not caught up within `maxLagMs` from the ISR. */
  checkLaggingFollowers(maxLagMs: number): void {
    if (this.role !== 'leader') return;
    const now = this.now();
    const end = this.log.logEndOffset;
    for (const [id, f] of this.followers) {
      if (f.logEndOffset < 0 || !this.followerLinks.has(id)) continue;
      // Linked and at the end: caught up now, though an idle follower has no reason to fetch.
      if (f.logEndOffset >= end) f.lastCaughtUpTime = now;
      // An expansion the controller turned down (the broker was still registering) is proposed again.
      this.maybeExpandIsr(id, f.logEndOffset);
    }
    const lagging = this.isr.filter(
      (id) => id !== this.brokerId && now - (this.followers.get(id)?.lastCaughtUpTime ?? 0) > maxLagMs,
    );
    if (lagging.length > 0) this.proposeIsr(this.isr.filter((id) => !lagging.includes(id)));
  }

  private proposeIsr(isr: number[]): void {
    const key = isr.join(',');
    if (this.pendingIsr === key || key === this.isr.join(',')) return;
    this.pendingIsr = key;
    void this.isrRequester.requestIsrChange(this, isr).finally(() => {
      if (this.pendingIsr === key) this.pendingIsr = null;
    });
  }

  followerLogEndOffset(id: number): number | null {
    if (id === this.brokerId) return this.log.logEndOffset;
    const f = this.followers.get(id);
    return f && f.logEndOffset >= 0 ? f.logEndOffset : null;
  }
}
