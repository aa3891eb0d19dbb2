/**
 * PartitionLog: one replica's log in its broker's LevelDB.
 *
 * Rules a reader cannot see in the code below:
 * - Appends are pipelined, writes are not. Offsets are assigned synchronously,
 *   in call order (`nextOffset`), so any number of appends may be queued; a
 *   batch becomes readable (`logEndOffset`, the tail cache) only once its
 *   LevelDB write has completed. Exactly one LevelDB write per partition is in
 *   flight, and it takes every append queued when it starts (group commit):
 *   classic-level runs each write on a libuv pool thread and LevelDB orders
 *   concurrent writers by whichever thread takes its lock first, so a second
 *   write in flight could reach the write-ahead log before the first; a
 *   SIGKILL between the two would leave a hole below stored data, and the
 *   overwritten 'S', 'R' and 'P' values could end older than the data they
 *   describe. One write at a time keeps the stored log a prefix of the
 *   assigned offsets, and the replica and producer state written with a group
 *   describes exactly the appends in it and before it.
 * - Completions are in order: appends are acknowledged, `logEndOffset` moves
 *   and `onAppend` (the high watermark) runs strictly in offset order, one
 *   write after the other.
 * - A failed write fails its appends and every append queued behind it (they
 *   would land after a hole), and the log takes no append after it
 *   (`writeFailure`, KAFKA_STORAGE_ERROR): `logEndOffset` never moves past a
 *   failed write. The store is offline by then for an I/O failure, and the
 *   broker reloads the log from LevelDB when it starts again (recovery below),
 *   so the next append lands right after what was stored.
 * - An idempotent producer's retry of a batch still queued or in flight is
 *   answered when that batch's write is durable and fails with it
 *   (`whenDurable`): a retry never hears "stored" before the first copy is.
 * - One write holds the batches, the segment records they change, and the
 *   replica state (epochs, producer state) when that changes, so a crash never
 *   leaves a torn append.
 * - Recovery on open reads no record: segments and replica state are small
 *   JSON values, and the batch the last segment claims must be stored (a key
 *   check). A broker opens all its logs together (loadMany, log-recovery.ts)
 *   in a few LevelDB round trips for all of them, not per log. A segment
 *   record that claims more than the data holds (a crash in the middle of a
 *   truncation) fails that check; the log's last 'D' key (one reverse seek)
 *   then gives the real end and that one segment's keys are rescanned.
 * - The high watermark is checkpointed with state writes and on close; after a
 *   crash it may be behind, and replication moves it forward again (as in Kafka).
 * - A small tail cache keeps the newest batches in memory: followers and
 *   consumers at the end of the log are served without touching LevelDB.
 * - Damage: a log found shorter than the broker's checkpoint, older in epoch,
 *   or in a store that lost data is `unclean` (see broker-checkpoint.ts). It
 *   serves nothing as leader until the controller elects it knowingly
 *   (`mayLead`), is emptied before it follows (`needsReset`), and is clean
 *   again once back in the ISR. Every batch read from LevelDB is checked
 *   (header, CRC-32C, its key, no missing offsets above the cleaned part)
 *   before it is served or replicated; a bad one makes the log unclean and
 *   the read fails with KAFKA_STORAGE_ERROR instead of serving it.
 */
import { KafkaError } from '../errors';
import {
  batchBaseOffset,
  batchLastOffset,
  batchMaxTimestamp,
  batchProducerId,
  batchPartitionLeaderEpoch,
  setBaseOffset,
  setPartitionLeaderEpoch,
  setLogAppendTime,
  decodeRecords,
  validateBatch,
} from '../record';
import {
  isStorageFailure,
  TAIL_CACHE_BROKER_BYTES,
  TAIL_CACHE_PARTITION_BYTES,
  type BatchOp,
  type BrokerStore,
} from './broker-store';
import { FORMAT_VERSION, PartitionKeys, partitionKey } from './keys';
import { LogSegment } from './log-segment';
import { readLogHeads, type LogHead } from './log-recovery';
import { ProducerStateTable, type ProducerAppendInfo } from './producer-state';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

interface ReplicaStateJson {
  v: number;
  logStartOffset: number;
  highWatermark: number;
  epochs: Array<[number, number]>;
  cleanedTo: number;
}

export interface LogSettings {
  segmentBytes: number;
  segmentMs: number;
}

interface PendingWrite {
  batches: Buffer[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Newest batches kept in memory per partition, and for all partitions of one broker (budget: broker-store.ts). */
const TAIL_CACHE_BYTES = TAIL_CACHE_PARTITION_BYTES;
const BROKER_TAIL_CACHE_BYTES = TAIL_CACHE_BROKER_BYTES;

export interface LeaderAppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Set when an idempotent producer retried a batch the log already holds. */
  duplicate: boolean;
  done: Promise<void>;
}

export class PartitionLog {
  readonly keys: PartitionKeys;
  logStartOffset = 0;
  /** Next offset after the last durable batch: what readers may see. */
  logEndOffset = 0;
  /** Next offset to assign: includes writes still in flight. */
  nextOffset = 0;
  private hw = 0;
  cleanedTo = 0;
  segments: LogSegment[] = [];
  epochs: EpochEntry[] = [];
  readonly producers = new ProducerStateTable();
  /** Called after each durable append; the replica layer wakes waiters from here. */
  onAppend: (() => void) | null = null;
  /**
   * Called when the high watermark takes a new value: the replica layer checkpoints only the logs whose HW moved
   * since its last checkpoint, instead of looking at every log on every tick.
   */
  onHighWatermarkChange: (() => void) | null = null;

  get highWatermark(): number {
    return this.hw;
  }

  set highWatermark(offset: number) {
    if (offset === this.hw) return;
    this.hw = offset;
    this.onHighWatermarkChange?.();
  }
  /** Why this replica cannot be trusted (lost or corrupt data); null when clean. */
  unclean: string | null = null;
  /** Set with `unclean`: the log must be emptied (`resetTo`) before it follows a leader. */
  needsReset = false;
  /** The newest leader epoch at which it refused to lead while unclean. */
  private refusedEpoch = -1;
  /** The checkpoint key, `topicId:partition` as the replica layer names partitions. */
  readonly key: string;

  private tail: Buffer[] = [];
  private tailBytes = 0;
  private pending: PendingWrite[] = [];
  /** Retried batches waiting for the write of their first copy (whenDurable). */
  private durableWaiters: Array<{ offset: number; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing: Promise<void> | null = null;
  private stateDirty = false;
  private closed = false;
  /** Why a write failed; once set, the log takes no append until it is loaded again. */
  writeFailure: KafkaError | null = null;

  private constructor(
    private readonly store: BrokerStore,
    readonly topicId: Buffer,
    readonly partition: number,
    public settings: LogSettings,
  ) {
    this.keys = new PartitionKeys(topicId, partition);
    this.key = partitionKey(topicId.toString('base64url'), partition);
  }

  /**
   * A log for a partition that has never existed (just created through the
   * metadata log): empty, so nothing is read. Its segment record is written
   * with its first append; a reload before that finds no key and starts the
   * same empty segment (reconcileSegments), so nothing needs writing now.
   */
  static createEmpty(store: BrokerStore, topicId: Buffer, partition: number, settings: LogSettings): PartitionLog {
    const log = new PartitionLog(store, topicId, partition, settings);
    log.segments.push(LogSegment.empty(0, Date.now()));
    return log;
  }

  /** Opens (or creates) the log; reads only the small metadata values. */
  static async load(
    store: BrokerStore,
    topicId: Buffer,
    partition: number,
    settings: LogSettings,
  ): Promise<PartitionLog> {
    return (await PartitionLog.loadMany(store, [{ topicId, partition, settings }]))[0]!;
  }

  /**
   * Opens many logs of one store together (a broker's start): their metadata
   * is read in a few LevelDB round trips for all of them (log-recovery.ts),
   * then each is recovered as `load` would.
   */
  static async loadMany(
    store: BrokerStore,
    specs: Array<{ topicId: Buffer; partition: number; settings: LogSettings }>,
  ): Promise<PartitionLog[]> {
    const logs = specs.map((s) => new PartitionLog(store, s.topicId, s.partition, s.settings));
    const heads = await readLogHeads(
      store,
      logs.map((l) => l.keys),
    );
    for (let i = 0; i < logs.length; i++) await logs[i]!.recover(heads[i]!);
    return logs;
  }

  private async recover(head: LogHead): Promise<void> {
    for (const seg of head.segments) this.segments.push(LogSegment.fromJson(seg));
    const state = head.state && (JSON.parse(head.state.toString()) as ReplicaStateJson);
    if (state) {
      this.logStartOffset = state.logStartOffset;
      this.highWatermark = state.highWatermark;
      this.epochs = state.epochs.map(([epoch, startOffset]) => ({ epoch, startOffset }));
      this.cleanedTo = state.cleanedTo;
    }
    await this.reconcileSegments(head.lastDataOffset);
    const last = this.segments[this.segments.length - 1];
    this.logEndOffset = this.nextOffset = last ? last.lastOffset + 1 : this.logStartOffset;
    if (this.logStartOffset > this.logEndOffset) this.logStartOffset = this.logEndOffset;
    if (this.highWatermark > this.logEndOffset) this.highWatermark = this.logEndOffset;
    if (this.highWatermark < this.logStartOffset) this.highWatermark = this.logStartOffset;
    this.epochs = this.epochs.filter((e) => e.startOffset <= this.logEndOffset);
    const producers = head.producers && (JSON.parse(head.producers.toString()) as { v: number; producers: unknown });
    if (producers) this.producers.load(producers.producers);
    this.verifyAgainstCheckpoint();
  }

  /** Compares the log found with what the broker recorded it had (see broker-checkpoint.ts). */
  private verifyAgainstCheckpoint(): void {
    const cp = this.store.checkpoint.get(this.key);
    let reason: string | null = null;
    if (this.store.lostData) reason = this.store.lostData;
    else if (cp?.unclean) reason = 'it lost data earlier and has not been refilled yet';
    else if (cp && this.logEndOffset < cp.logEndOffset)
      reason = `its log ends at offset ${this.logEndOffset} but the broker's checkpoint recorded ${cp.logEndOffset}`;
    else if (cp && this.latestEpoch() < cp.leaderEpoch)
      reason = `its latest leader epoch is ${this.latestEpoch()} but the checkpoint recorded ${cp.leaderEpoch}`;
    if (reason) this.markUnclean(reason);
    else this.noteCheckpoint();
  }

  /** Marks the replica as holding lost or corrupt data; `epoch` is the leader epoch it must not lead at. */
  markUnclean(reason: string, epoch = -1): void {
    if (this.unclean === null) this.unclean = reason;
    this.needsReset = true;
    if (epoch > this.refusedEpoch) this.refusedEpoch = epoch;
    this.noteCheckpoint();
  }

  /**
   * Whether it may act as leader at `epoch`. An unclean log refuses the epoch
   * it found itself leading at (stale metadata); a newer election is the
   * controller's deliberate choice (unclean leader election), and it then leads.
   */
  mayLead(epoch: number): boolean {
    if (!this.needsReset) return true;
    if (this.refusedEpoch < 0 || epoch <= this.refusedEpoch) {
      this.refusedEpoch = Math.max(this.refusedEpoch, epoch);
      return false;
    }
    this.needsReset = false;
    this.unclean = null;
    this.noteCheckpoint();
    return true;
  }

  /** The replica is in the ISR again: refilled, or chosen as the truth. */
  inSync(): void {
    if (this.unclean === null || this.needsReset) return;
    this.unclean = null;
    this.noteCheckpoint();
  }

  private noteCheckpoint(): void {
    this.store.checkpoint.note(this.key, {
      logEndOffset: this.logEndOffset,
      leaderEpoch: this.latestEpoch(),
      unclean: this.unclean !== null,
    });
  }

  /** Before a cut: the checkpoint must never claim what the log no longer holds, even after a crash. */
  private async lowerCheckpoint(offset: number): Promise<void> {
    const cp = this.store.checkpoint.get(this.key);
    if (!cp || cp.logEndOffset <= offset) return;
    let epoch = -1;
    for (const e of this.epochs) if (e.startOffset < offset) epoch = e.epoch;
    this.store.checkpoint.note(this.key, { logEndOffset: offset, leaderEpoch: epoch, unclean: this.unclean !== null });
    await this.store.checkpoint.save();
  }

  /** Makes the segment records agree with the data keys after a crash. */
  private async reconcileSegments(lastDataOffset: number): Promise<void> {
    const fixes: BatchOp[] = [];
    while (
      this.segments.length > 0 &&
      this.segments[this.segments.length - 1]!.baseOffset > lastDataOffset &&
      this.segments.length > 1
    ) {
      const seg = this.segments.pop()!;
      fixes.push({ type: 'del', key: this.keys.segment(seg.baseOffset) });
    }
    const last = this.segments[this.segments.length - 1];
    if (last && last.lastOffset !== lastDataOffset && lastDataOffset >= last.baseOffset - 1) {
      await this.rescanSegment(last, lastDataOffset);
      fixes.push({ type: 'put', key: this.keys.segment(last.baseOffset), value: last.toValue() });
    }
    if (this.segments.length === 0) {
      const seg = LogSegment.empty(Math.max(this.logStartOffset, lastDataOffset + 1), Date.now());
      this.segments.push(seg);
      // A log that never stored a batch (createEmpty) comes back the same way next time: nothing to write.
      if (lastDataOffset >= 0)
        fixes.push({ type: 'put', key: this.keys.segment(seg.baseOffset), value: seg.toValue() });
    }
    if (fixes.length > 0) await this.store.write(fixes);
  }

  private async rescanSegment(seg: LogSegment, upTo: number): Promise<void> {
    seg.sizeBytes = 0;
    seg.batches = 0;
    seg.maxTimestamp = -1;
    seg.lastOffset = seg.baseOffset - 1;
    if (upTo < seg.baseOffset) return;
    for await (const value of this.store.db.values({
      gte: this.keys.data(seg.baseOffset),
      lte: this.keys.data(upTo),
    })) {
      seg.add(batchLastOffset(value), value.length, batchMaxTimestamp(value));
    }
  }

  get sizeBytes(): number {
    let size = 0;
    for (const s of this.segments) size += s.sizeBytes;
    return size;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  latestEpoch(): number {
    return this.epochs.length > 0 ? this.epochs[this.epochs.length - 1]!.epoch : -1;
  }

  /**
   * Leader append: assigns offsets, stamps the leader epoch (and the broker's
   * clock for LogAppendTime topics) into the batch headers, then queues the
   * write. Only header fields are touched; records are never read.
   */
  appendAsLeader(batches: Buffer[], leaderEpoch: number, logAppendTime: number | null): LeaderAppendResult {
    this.assertWritable();
    const infos: ProducerAppendInfo[] = [];
    for (const batch of batches) {
      const info = this.producers.check(batch, this.nextOffset);
      if (info.duplicateOf) {
        // A retry of a batch whose first write may still be queued or in flight: it is answered only once that
        // write is durable, and fails with it, so a producer never hears "stored" for a batch that is not.
        return {
          baseOffset: info.duplicateOf.firstOffset,
          lastOffset: info.duplicateOf.lastOffset,
          duplicate: true,
          done: this.whenDurable(info.duplicateOf.lastOffset),
        };
      }
      infos.push(info);
    }
    if (this.latestEpoch() < leaderEpoch) {
      this.epochs.push({ epoch: leaderEpoch, startOffset: this.nextOffset });
      this.stateDirty = true;
    }
    const baseOffset = this.nextOffset;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      setBaseOffset(batch, this.nextOffset);
      setPartitionLeaderEpoch(batch, leaderEpoch);
      if (logAppendTime !== null) setLogAppendTime(batch, logAppendTime);
      const last = batchLastOffset(batch);
      this.nextOffset = last + 1;
      if (infos[i]!.producerId >= 0) this.producers.update(infos[i]!, batchBaseOffset(batch), last);
    }
    return { baseOffset, lastOffset: this.nextOffset - 1, duplicate: false, done: this.enqueue(batches) };
  }

  /** Follower append: batches carry the leader's offsets and epochs and must continue the log exactly. */
  appendAsFollower(batches: Buffer[]): Promise<void> {
    this.assertOpen();
    if (this.writeFailure) return Promise.reject(this.writeFailure);
    for (const batch of batches) {
      const base = batchBaseOffset(batch);
      if (base !== this.nextOffset) {
        return Promise.reject(
          new KafkaError(
            'OFFSET_OUT_OF_RANGE',
            `Follower append at ${base} does not continue the log at ${this.nextOffset}`,
          ),
        );
      }
      const epoch = batchPartitionLeaderEpoch(batch);
      if (epoch > this.latestEpoch()) {
        this.epochs.push({ epoch, startOffset: base });
        this.stateDirty = true;
      }
      this.nextOffset = batchLastOffset(batch) + 1;
      if (batchProducerId(batch) >= 0) this.producers.replay(batch);
    }
    return this.enqueue(batches);
  }

  /**
   * Resolves once `offset` is in a durable write (at once when it is already); rejects when the write holding it
   * fails or the log closes first. Writes complete in offset order, so a waiter is done when the log end passes it.
   */
  private whenDurable(offset: number): Promise<void> {
    if (offset < this.logEndOffset) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.durableWaiters.push({ offset, resolve, reject }));
  }

  private settleDurableWaiters(err?: unknown): void {
    if (this.durableWaiters.length === 0) return;
    const waiting = this.durableWaiters;
    this.durableWaiters = [];
    for (const w of waiting) {
      if (err !== undefined) w.reject(err);
      else if (w.offset < this.logEndOffset) w.resolve();
      else this.durableWaiters.push(w);
    }
  }

  private enqueue(batches: Buffer[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ batches, resolve, reject });
      if (!this.writing) this.writing = this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0 && !this.closed) {
      const work = this.pending;
      this.pending = [];
      const ops: BatchOp[] = [];
      const touched = new Set<LogSegment>();
      const now = Date.now();
      const appended: Buffer[] = [];
      let last = this.logEndOffset - 1;
      for (const w of work) {
        for (const batch of w.batches) {
          let seg = this.activeSegment;
          const size = batch.length;
          if (
            !seg.isEmpty &&
            (seg.sizeBytes + size > this.settings.segmentBytes || now - seg.createdAt >= this.settings.segmentMs)
          ) {
            seg = LogSegment.empty(batchBaseOffset(batch), now);
            this.segments.push(seg);
          }
          last = batchLastOffset(batch);
          seg.add(last, size, batchMaxTimestamp(batch));
          touched.add(seg);
          ops.push({ type: 'put', key: this.keys.data(last), value: batch });
          appended.push(batch);
        }
      }
      for (const seg of touched)
        ops.push({ type: 'put', key: this.keys.segment(seg.baseOffset), value: seg.toValue() });
      if (this.stateDirty) {
        this.stateDirty = false;
        ops.push(this.stateOp());
        ops.push(this.producerStateOp());
      } else if (this.producers.dirty) {
        ops.push(this.producerStateOp());
      }
      try {
        await this.store.write(ops);
      } catch (err) {
        this.failWrites(work, err);
        break;
      }
      this.logEndOffset = last + 1;
      this.noteCheckpoint();
      for (const b of appended) this.addToTail(b);
      for (const w of work) w.resolve();
      this.settleDurableWaiters();
      this.onAppend?.();
    }
    this.writing = null;
    if (this.closed) {
      const err = new KafkaError('NOT_LEADER_OR_FOLLOWER', 'The replica was closed before the write completed');
      for (const w of this.pending.splice(0)) w.reject(err);
      this.settleDurableWaiters(err);
    }
  }

  /**
   * A write failed: it and every append queued behind it fail with its error, and the log takes no more appends
   * (later ones would land past the hole). The store is offline already when the cause was I/O (BrokerStore.write).
   */
  private failWrites(work: PendingWrite[], err: unknown): void {
    const failure =
      err instanceof KafkaError
        ? err
        : new KafkaError(
            'KAFKA_STORAGE_ERROR',
            `A write to partition ${this.partition} failed, so the replica takes no more appends until it is ` +
              `loaded again: ${(err as Error)?.message ?? String(err)}`,
            { cause: err },
          );
    this.writeFailure ??= failure;
    for (const w of work) w.reject(err);
    for (const w of this.pending.splice(0)) w.reject(failure);
    this.settleDurableWaiters(failure);
  }

  /**
   * Memory stays bounded with many partitions: past the broker-wide budget a
   * partition keeps only its newest batch, and readers further back go to LevelDB.
   */
  private addToTail(batch: Buffer): void {
    this.tail.push(batch);
    this.setTailBytes(this.tailBytes + batch.length);
    while (
      this.tail.length > 1 &&
      (this.tailBytes > TAIL_CACHE_BYTES || this.store.tailCacheBytes > BROKER_TAIL_CACHE_BYTES)
    ) {
      this.setTailBytes(this.tailBytes - this.tail.shift()!.length);
    }
  }

  private setTailBytes(bytes: number): void {
    this.store.tailCacheBytes += bytes - this.tailBytes;
    this.tailBytes = bytes;
  }

  private resetTail(keep: (b: Buffer) => boolean, replace: (b: Buffer) => Buffer = (b) => b): void {
    this.tail = this.tail.filter(keep).map(replace);
    this.setTailBytes(this.tail.reduce((n, b) => n + b.length, 0));
  }

  private stateOp(): BatchOp {
    const j: ReplicaStateJson = {
      v: FORMAT_VERSION,
      logStartOffset: this.logStartOffset,
      highWatermark: this.highWatermark,
      epochs: this.epochs.map((e) => [e.epoch, e.startOffset]),
      cleanedTo: this.cleanedTo,
    };
    return { type: 'put', key: this.keys.replicaState, value: Buffer.from(JSON.stringify(j)) };
  }

  private producerStateOp(): BatchOp {
    this.producers.dirty = false;
    return {
      type: 'put',
      key: this.keys.producerState,
      value: Buffer.from(JSON.stringify({ v: FORMAT_VERSION, producers: this.producers.toJson() })),
    };
  }

  /** Waits until every queued write has completed. */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Persists log start offset, high watermark and epochs (outside the append path). */
  async checkpoint(): Promise<void> {
    if (this.closed) return;
    await this.store.write([this.stateOp()]);
  }

  /** checkpoint() as an operation, for a broker that writes many logs' checkpoints in one batch; null once closed. */
  checkpointOp(): BatchOp | null {
    return this.closed ? null : this.stateOp();
  }

  /**
   * Whole batches from the one holding `offset`, stopping before `upperBound`
   * (exclusive; the high watermark for consumers, the log end for followers)
   * and once `maxBytes` is reached, but always at least one batch (KIP-74).
   */
  async read(offset: number, maxBytes: number, upperBound: number): Promise<Buffer[]> {
    this.assertOpen();
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range for partition ${this.partition}: log start ${this.logStartOffset}, log end ${this.logEndOffset}`,
      );
    }
    const bound = Math.min(upperBound, this.logEndOffset);
    if (offset >= bound) return [];
    const tail = this.tail;
    if (tail.length > 0 && batchBaseOffset(tail[0]!) <= offset) {
      let lo = 0;
      let hi = tail.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (batchLastOffset(tail[mid]!) >= offset) hi = mid;
        else lo = mid + 1;
      }
      const out: Buffer[] = [];
      let bytes = 0;
      for (let i = lo; i < tail.length; i++) {
        const b = tail[i]!;
        if (batchLastOffset(b) >= bound) break;
        if (out.length > 0 && bytes + b.length > maxBytes) break;
        out.push(b);
        bytes += b.length;
      }
      return out;
    }
    return this.readFromStore(offset, maxBytes, bound);
  }

  private async readFromStore(offset: number, maxBytes: number, bound: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    let bytes = 0;
    let expected = offset;
    const it = this.store.db.iterator({
      gte: this.keys.data(offset),
      lte: this.keys.data(bound - 1),
      fillCache: false,
    });
    try {
      for (;;) {
        let chunk: Array<[Buffer, Buffer]>;
        try {
          chunk = await it.nextv(out.length === 0 ? 4 : 32);
        } catch (err) {
          if (!isStorageFailure(err)) throw err;
          throw this.corrupt(`LevelDB could not read it at offset ${expected}: ${(err as Error).message}`, err);
        }
        if (chunk.length === 0) break;
        for (const [key, b] of chunk) {
          this.checkStoredBatch(key, b, expected);
          expected = batchLastOffset(b) + 1;
          if (out.length > 0 && bytes + b.length > maxBytes) return out;
          out.push(b);
          bytes += b.length;
        }
      }
    } finally {
      await it.close().catch(() => undefined);
    }
    if (out.length === 0 && offset < bound && offset >= this.cleanedTo)
      throw this.corrupt(`offsets ${offset} to ${bound - 1} are missing from LevelDB`);
    return out;
  }

  /**
   * A batch read from LevelDB: well-formed with a matching CRC-32C, stored
   * under its own last offset, and continuing the log (where the cleaner has
   * not removed batches, offsets have no holes).
   */
  private checkStoredBatch(key: Buffer, b: Buffer, expected: number): void {
    try {
      validateBatch(b);
    } catch (err) {
      throw this.corrupt(
        `the batch stored under offset ${PartitionKeys.lastOffsetOfDataKey(key)} is damaged: ${(err as Error).message}`,
      );
    }
    const last = batchLastOffset(b);
    if (PartitionKeys.lastOffsetOfDataKey(key) !== last)
      throw this.corrupt(`the batch stored under offset ${PartitionKeys.lastOffsetOfDataKey(key)} ends at ${last}`);
    const base = batchBaseOffset(b);
    if (base > expected && expected >= this.cleanedTo && expected >= this.logStartOffset)
      throw this.corrupt(`offsets ${expected} to ${base - 1} are missing from LevelDB`);
  }

  /** Marks the log unclean and tells the replica layer; returns the error the reader gets. */
  private corrupt(detail: string, cause?: unknown): KafkaError {
    if (cause !== undefined && isStorageFailure(cause) && !/corrupt/i.test((cause as Error).message)) {
      // Not the data but the device: the whole store goes offline.
      return this.store.fail(cause);
    }
    const reason = `Replica of partition ${this.partition} (topic id ${this.topicId.toString('base64url')}) is damaged: ${detail}`;
    const first = this.unclean === null;
    this.markUnclean(reason);
    if (first) this.store.replicaDamaged(this, reason);
    return new KafkaError('KAFKA_STORAGE_ERROR', reason);
  }

  /** KIP-101: the end offset of `epoch` in this log (the start of the next larger epoch, or the log end). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    let found = -1;
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      if (this.epochs[i]!.epoch <= epoch) {
        found = i;
        break;
      }
    }
    if (found < 0) return { epoch: -1, endOffset: -1 };
    const next = this.epochs[found + 1];
    return { epoch: this.epochs[found]!.epoch, endOffset: next ? next.startOffset : this.nextOffset };
  }

  /** Removes every batch at or after `offset` (a follower's divergent tail). Cuts at batch boundaries. */
  async truncateTo(offset: number): Promise<void> {
    await this.drain();
    if (offset >= this.logEndOffset) return;
    let cut = Math.max(offset, 0);
    try {
      for await (const b of this.store.db.values({
        gte: this.keys.data(cut),
        lte: this.keys.data(Number.MAX_SAFE_INTEGER),
        limit: 1,
      })) {
        cut = Math.min(cut, batchBaseOffset(b));
      }
    } catch (err) {
      // A damaged block where the cut falls: the store is repaired (see BrokerStore.clear).
      if (isStorageFailure(err)) throw this.store.fail(err);
      throw err;
    }
    if (cut < this.logStartOffset) cut = this.logStartOffset;
    await this.lowerCheckpoint(cut);
    await this.store.clear({ gte: this.keys.data(cut), lte: this.keys.data(Number.MAX_SAFE_INTEGER) });
    const ops: BatchOp[] = [];
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= cut) {
      ops.push({ type: 'del', key: this.keys.segment(this.segments.pop()!.baseOffset) });
    }
    await this.rescanSegment(this.activeSegment, cut - 1);
    ops.push({
      type: 'put',
      key: this.keys.segment(this.activeSegment.baseOffset),
      value: this.activeSegment.toValue(),
    });
    this.logEndOffset = this.nextOffset = cut;
    if (this.highWatermark > cut) this.highWatermark = cut;
    this.epochs = this.epochs.filter((e) => e.startOffset < cut);
    this.resetTail((b) => batchLastOffset(b) < cut);
    this.producers.truncate(cut);
    ops.push(this.stateOp(), this.producerStateOp());
    await this.store.write(ops);
    this.noteCheckpoint();
  }

  /** Drops the whole log and restarts it empty at `offset` (a follower whose data the leader no longer has). */
  async resetTo(offset: number): Promise<void> {
    await this.drain();
    await this.lowerCheckpoint(0);
    await this.store.clear(this.keys.dataRange());
    const ops: BatchOp[] = this.segments.map((s) => ({ type: 'del' as const, key: this.keys.segment(s.baseOffset) }));
    const fresh = LogSegment.empty(offset, Date.now());
    this.segments = [fresh];
    this.logStartOffset = this.logEndOffset = this.nextOffset = this.highWatermark = offset;
    this.epochs = [];
    this.resetTail(() => false);
    this.producers.truncate(-1);
    ops.push(
      { type: 'put', key: this.keys.segment(offset), value: fresh.toValue() },
      this.stateOp(),
      this.producerStateOp(),
    );
    await this.store.write(ops);
    this.needsReset = false;
    this.noteCheckpoint();
  }

  /**
   * Advances the log start offset (DeleteRecords, retention) and drops every
   * segment wholly below it: one range delete per segment, no record read.
   */
  async advanceLogStart(offset: number): Promise<number> {
    this.assertOpen();
    if (offset <= this.logStartOffset) return 0;
    this.logStartOffset = Math.min(offset, this.logEndOffset);
    const dropped: LogSegment[] = [];
    while (
      this.segments.length > 0 &&
      this.segments[0]!.lastOffset < this.logStartOffset &&
      !this.segments[0]!.isEmpty
    ) {
      if (this.segments.length === 1) {
        // Everything is deleted: roll an empty active segment at the log end.
        await this.drain();
        if (this.activeSegment.lastOffset >= this.logStartOffset) break;
        dropped.push(this.segments.shift()!);
        const fresh = LogSegment.empty(this.logEndOffset, Date.now());
        this.segments.push(fresh);
        await this.store.write([{ type: 'put', key: this.keys.segment(fresh.baseOffset), value: fresh.toValue() }]);
        break;
      }
      dropped.push(this.segments.shift()!);
    }
    if (this.highWatermark < this.logStartOffset) this.highWatermark = this.logStartOffset;
    const ops: BatchOp[] = [this.stateOp()];
    for (const seg of dropped) ops.push({ type: 'del', key: this.keys.segment(seg.baseOffset) });
    await this.store.write(ops);
    let freed = 0;
    for (const seg of dropped) {
      freed += seg.sizeBytes;
      if (seg.lastOffset >= seg.baseOffset) {
        await this.store.clear({ gte: this.keys.data(seg.baseOffset), lte: this.keys.data(seg.lastOffset) });
      }
    }
    if (dropped.length > 0) {
      const first = dropped[0]!.baseOffset;
      const last = dropped[dropped.length - 1]!.lastOffset;
      this.resetTail((b) => batchLastOffset(b) > last);
      // LevelDB frees the space of deleted keys only when it compacts the range.
      void this.store.db
        .compactRange?.(this.keys.data(first), this.keys.data(Math.max(first, last)))
        .catch(() => undefined);
    }
    return freed;
  }

  /** The first record whose timestamp is >= `timestamp`, or null when none is. */
  async offsetForTimestamp(
    timestamp: number,
    upperBound: number,
  ): Promise<{ offset: number; timestamp: number } | null> {
    this.assertOpen();
    const segIndex = this.segments.findIndex((s) => s.maxTimestamp >= timestamp && !s.isEmpty);
    if (segIndex < 0) return null;
    const from = Math.max(this.segments[segIndex]!.baseOffset, this.logStartOffset);
    const bound = Math.min(upperBound, this.logEndOffset);
    if (from >= bound) return null;
    for await (const batch of this.store.db.values({ gte: this.keys.data(from), lte: this.keys.data(bound - 1) })) {
      if (batchMaxTimestamp(batch) < timestamp) continue;
      for (const r of await decodeRecords(batch)) {
        if (r.offset >= this.logStartOffset && r.timestamp >= timestamp)
          return { offset: r.offset, timestamp: r.timestamp };
      }
    }
    return null;
  }

  /** Rewrites stored batches in place (log compaction keeps keys: first and last offsets never change). */
  async replaceBatches(
    puts: Buffer[],
    deletes: number[],
    segmentUpdates: LogSegment[],
    cleanedTo: number,
  ): Promise<void> {
    const ops: BatchOp[] = [];
    for (const b of puts) ops.push({ type: 'put', key: this.keys.data(batchLastOffset(b)), value: b });
    for (const last of deletes) ops.push({ type: 'del', key: this.keys.data(last) });
    for (const seg of segmentUpdates)
      ops.push({ type: 'put', key: this.keys.segment(seg.baseOffset), value: seg.toValue() });
    this.cleanedTo = cleanedTo;
    ops.push(this.stateOp());
    await this.store.write(ops);
    const replaced = new Map(puts.map((b) => [batchLastOffset(b), b]));
    const removed = new Set(deletes);
    this.resetTail(
      (b) => !removed.has(batchLastOffset(b)),
      (b) => replaced.get(batchLastOffset(b)) ?? b,
    );
  }

  /** Iterates stored batches with offsets in [from, to] (both inclusive) for the cleaner and decoded reads; each is checked. */
  async *batchesBetween(from: number, to: number, reverse = false): AsyncIterable<Buffer> {
    const it = this.store.db.iterator({ gte: this.keys.data(from), lte: this.keys.data(to), reverse });
    try {
      for (;;) {
        let entry: [Buffer, Buffer] | undefined;
        try {
          entry = await it.next();
        } catch (err) {
          if (!isStorageFailure(err)) throw err;
          throw this.corrupt(
            `LevelDB could not read it between offsets ${from} and ${to}: ${(err as Error).message}`,
            err,
          );
        }
        if (!entry) return;
        const [key, b] = entry;
        try {
          validateBatch(b);
        } catch (err) {
          throw this.corrupt(
            `the batch stored under offset ${PartitionKeys.lastOffsetOfDataKey(key)} is damaged: ${(err as Error).message}`,
          );
        }
        yield b;
      }
    } finally {
      await it.close().catch(() => undefined);
    }
  }

  /**
   * Stops the log. `abrupt` (a killed broker) drops queued writes without
   * writing them and skips the checkpoint; otherwise queued writes complete
   * first and the high watermark is checkpointed (unless `checkpointed`).
   */
  async close(abrupt: boolean, checkpointed = false): Promise<void> {
    if (this.closed) return;
    if (!abrupt) {
      await this.drain();
      // `checkpointed`: the owner just wrote checkpointOp() with many others in one batch.
      if (!checkpointed) await this.checkpoint().catch(() => undefined);
    }
    this.closed = true;
    this.resetTail(() => false);
    if (this.writing) await this.writing.catch(() => undefined);
    const err = new KafkaError('NOT_LEADER_OR_FOLLOWER', 'The replica was closed before the write completed');
    for (const w of this.pending.splice(0)) w.reject(err);
    this.settleDurableWaiters(err);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `Replica of partition ${this.partition} is offline`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.writeFailure) throw this.writeFailure;
  }
}
