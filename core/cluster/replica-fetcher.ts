/**
 * ReplicaFetcher: a follower's replication loop for one partition, as Kafka's
 * fetcher threads do it, but as an async loop calling the leader's broker in
 * process. Before the first fetch of a leader epoch it truncates the local
 * log by leader epoch (KIP-101 / KIP-279: ask the leader where our latest
 * epoch ends there, cut to that), never by high watermark, so a returning
 * broker drops exactly the records the new leader does not have.
 */
import { KafkaError } from '../errors';
import type { Partition } from './partition';

export type LeaderLookup = (leaderId: number, partitionKey: string) => Partition | undefined;

/** Lets the sandbox cut a broker off from replication (a network partition) without stopping it. */
export interface ReplicationSwitch {
  readonly replicationPaused: boolean;
}

const REPLICA_FETCH_MAX_BYTES = 8 * 1024 * 1024;
const REPLICA_FETCH_WAIT_MS = 500;
const RETRY_BACKOFF_MS = 50;

export class ReplicaFetcher {
  private active = true;
  private readonly loop: Promise<void>;
  private signalStop!: () => void;
  /** Resolves on stop, so a fetch long-polling on the leader is abandoned at once. */
  private readonly stopped = new Promise<null>((resolve) => { this.signalStop = () => resolve(null); });

  constructor(
    private readonly follower: Partition,
    private readonly leaderId: number,
    private readonly leaderEpoch: number,
    private readonly lookup: LeaderLookup,
    private readonly replication: ReplicationSwitch,
  ) {
    this.loop = this.run();
  }

  /** Stops the loop; resolves once no append of this fetcher is in flight. */
  async stop(): Promise<void> {
    this.active = false;
    this.signalStop();
    await this.loop;
  }

  private async run(): Promise<void> {
    const log = this.follower.log;
    let truncated = false;
    while (this.active && !log.isClosed) {
      try {
        const leader = this.replication.replicationPaused ? undefined : this.lookup(this.leaderId, this.follower.key);
        if (!leader || leader.role !== 'leader' || leader.leaderEpoch !== this.leaderEpoch) {
          await Promise.race([sleep(RETRY_BACKOFF_MS), this.stopped]);
          continue;
        }
        if (!truncated) {
          await this.truncateByEpoch(leader);
          truncated = true;
          continue;
        }
        if (log.logEndOffset < leader.log.logStartOffset) {
          // Everything we have was deleted on the leader: start over at its log start.
          await log.resetTo(leader.log.logStartOffset);
        }
        const res = await Promise.race([
          leader.fetchForFollower(this.follower.brokerId, log.logEndOffset, this.leaderEpoch, REPLICA_FETCH_MAX_BYTES, REPLICA_FETCH_WAIT_MS),
          this.stopped,
        ]);
        if (!res || !this.active || log.isClosed) return;
        // Cut off while the fetch was in flight: the response never "arrived".
        if (this.replication.replicationPaused) continue;
        if (res.batches.length > 0) await log.appendAsFollower(res.batches);
        const hw = Math.min(res.highWatermark, log.logEndOffset);
        if (hw > log.highWatermark) log.highWatermark = hw;
        if (res.logStartOffset > log.logStartOffset && res.logStartOffset <= log.logEndOffset) await log.advanceLogStart(res.logStartOffset);
      } catch (err) {
        if (!this.active || log.isClosed) return;
        const code = err instanceof KafkaError ? err.errorName : '';
        if (code !== 'NOT_LEADER_OR_FOLLOWER' && code !== 'FENCED_LEADER_EPOCH' && code !== 'UNKNOWN_LEADER_EPOCH') {
          // A follower append that does not continue the log means the leader's
          // log was cut under us: truncate again by epoch.
          truncated = false;
        }
        await Promise.race([sleep(RETRY_BACKOFF_MS), this.stopped]);
      }
    }
  }

  private async truncateByEpoch(leader: Partition): Promise<void> {
    const log = this.follower.log;
    await log.drain();
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
