/**
 * ReplicaFetcher: a follower's replication of one partition from its leader,
 * with Kafka's semantics (the follower fetches from the leader at its log
 * end; the fetch reports the follower's position, which moves the leader's
 * HW and ISR) but event-driven instead of long-polling, since the leader is
 * in the same process:
 * - The fetcher links itself to the leader's Partition, which calls `kick`
 *   (coalesced per microtask) when its log end, HW or log start moves, or
 *   its role changes. A kick runs fetches until one brings nothing new, then
 *   the fetcher does nothing at all: no timer, no pending promise, no waiter
 *   in the leader's lists.
 * - While linked and at the leader's log end, the follower counts as caught
 *   up (Partition.checkLaggingFollowers); a follower cut off
 *   (replicationPaused) or stopped unlinks, so it still leaves the ISR after
 *   replica.lag.time.max.ms as a silent Kafka follower would.
 * - A leader not available yet (its broker still opening, its new epoch not
 *   applied yet) or a failed fetch is retried by the cluster-wide scheduler
 *   (replication-scheduler.ts); nothing here ever throws out of a kick.
 * - Before the first fetch of a leader epoch the local log is truncated by
 *   leader epoch (KIP-101 / KIP-279: ask the leader where our latest epoch
 *   ends there, cut to that), never by high watermark, so a returning broker
 *   drops exactly the records the new leader does not have.
 * Fetched batches are appended and dropped: nothing keeps a reference to
 * them once the append is done.
 */
import { KafkaError } from '../errors';
import type { EngineLogger } from '../logger';
import type { Partition } from './partition';
import type { ReplicationScheduler } from './replication-scheduler';

export type LeaderLookup = (leaderId: number, partitionKey: string) => Partition | undefined;

/** Lets the sandbox cut a broker off from replication (a network partition) without stopping it. */
export interface ReplicationSwitch {
  readonly replicationPaused: boolean;
}

const REPLICA_FETCH_MAX_BYTES = 8 * 1024 * 1024;
/** Kafka errors a fetch meets while leadership moves; anything else means our log must be re-truncated. */
const EPOCH_ERRORS = new Set(['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

type Step = 'more' | 'idle' | 'retry';

export class ReplicaFetcher {
  private active = true;
  private running: Promise<void> | null = null;
  private again = false;
  private truncated = false;
  private linked: Partition | null = null;
  /** Bound once: the leader keeps this one function, not a closure per fetch. */
  readonly kick = (): void => this.schedule();

  constructor(
    private readonly follower: Partition,
    private readonly leaderId: number,
    private readonly leaderEpoch: number,
    private readonly lookup: LeaderLookup,
    private readonly replication: ReplicationSwitch,
    private readonly scheduler: ReplicationScheduler,
    private readonly logger: EngineLogger,
  ) {
    this.schedule();
  }

  /** Stops fetching; resolves once no append of this fetcher is in flight. */
  async stop(): Promise<void> {
    this.active = false;
    this.unlink();
    this.scheduler.cancelRetry(this);
    if (this.running) await this.running;
  }

  /** Cut off (replicationPaused): stop counting as caught up at once; a later kick resumes. */
  pause(): void {
    this.unlink();
  }

  private schedule(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pump().finally(() => {
      this.running = null;
    });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      let next: Step;
      try {
        next = await this.step();
      } catch (err) {
        next = this.failed(err);
      }
      if (!this.active) return;
      if (next === 'more') this.again = true;
      else if (next === 'retry') this.scheduler.retryLater(this);
    } while (this.again && this.active);
  }

  private async step(): Promise<Step> {
    const log = this.follower.log;
    if (log.isClosed) {
      this.unlink();
      return 'idle';
    }
    if (this.replication.replicationPaused) {
      this.unlink();
      return 'idle';
    }
    const leader = this.lookup(this.leaderId, this.follower.key);
    if (!leader) {
      this.unlink();
      return 'retry';
    }
    this.link(leader);
    if (leader.role !== 'leader' || leader.leaderEpoch !== this.leaderEpoch || leader.log.isClosed) return 'retry';
    // A replica found damaged while following is emptied and refilled (truncateByEpoch resets it).
    if (!this.truncated || log.needsReset) {
      await this.truncateByEpoch(leader);
      this.truncated = true;
      return 'more';
    }
    if (log.logEndOffset < leader.log.logStartOffset) {
      // Everything we have was deleted on the leader: start over at its log start.
      await log.resetTo(leader.log.logStartOffset);
    }
    const end = log.logEndOffset;
    const res = await leader.fetchForFollower(
      this.follower.brokerId,
      log.logEndOffset,
      this.leaderEpoch,
      REPLICA_FETCH_MAX_BYTES,
    );
    const batches = res.batches;
    if (!this.active || log.isClosed) return 'idle';
    // Cut off while the fetch was in flight: the response never "arrived".
    if (this.replication.replicationPaused) return 'idle';
    if (batches.length > 0) await log.appendAsFollower(batches);
    const hw = Math.min(res.highWatermark, log.logEndOffset);
    if (hw > log.highWatermark) log.highWatermark = hw;
    if (res.logStartOffset > log.logStartOffset && res.logStartOffset <= log.logEndOffset)
      await log.advanceLogStart(res.logStartOffset);
    // Fetch again while it brought something: the next fetch reports our new end to the leader
    // (which may move its HW; it kicks us then, and that fetch brings the HW back).
    return log.logEndOffset !== end ? 'more' : 'idle';
  }

  private failed(err: unknown): Step {
    if (!this.active || this.follower.log.isClosed) return 'idle';
    const known = err instanceof KafkaError;
    // A follower append that does not continue the log means the leader's log was cut under us: truncate again.
    if (!known || !EPOCH_ERRORS.has(err.errorName)) this.truncated = false;
    if (!known) {
      const p = this.follower;
      this.logger.warn(
        'replica-fetcher',
        `Broker ${p.brokerId} fetching ${p.topic.name}-${p.index} from broker ${this.leaderId}`,
        err,
      );
    }
    return 'retry';
  }

  private link(leader: Partition): void {
    if (this.linked === leader) return;
    this.unlink();
    this.linked = leader;
    leader.linkFollower(this.follower.brokerId, this.kick);
  }

  private unlink(): void {
    this.linked?.unlinkFollower(this.follower.brokerId, this.kick);
    this.linked = null;
  }

  private async truncateByEpoch(leader: Partition): Promise<void> {
    const log = this.follower.log;
    await log.drain();
    // A replica that lost data keeps none of it: it is refilled from the leader.
    if (log.needsReset) return log.resetTo(leader.log.logStartOffset);
    const ours = log.latestEpoch();
    if (ours < 0) {
      // No epoch history (empty log, or written before any leader): keep what the leader also has.
      if (log.logEndOffset > leader.log.logEndOffset) await log.truncateTo(leader.log.logEndOffset);
      return;
    }
    const theirs = leader.log.endOffsetForEpoch(ours);
    let cut: number;
    if (theirs.epoch < 0) cut = Math.min(log.logEndOffset, log.highWatermark);
    else if (theirs.epoch === ours) cut = Math.min(theirs.endOffset, log.logEndOffset);
    else cut = Math.min(theirs.endOffset, log.endOffsetForEpoch(theirs.epoch).endOffset, log.logEndOffset);
    if (cut < log.logEndOffset) await log.truncateTo(cut);
  }
}
