/**
 * ReplicaManager: the replicas one broker hosts. It turns metadata changes
 * into replica roles (leader, or follower with a fetcher), and serves the
 * broker's data requests: produce, consumer fetch, list offsets, delete
 * records. Requests for a partition this broker does not lead get
 * NOT_LEADER_OR_FOLLOWER, as a real broker answers them.
 *
 * Produce validation is the LogValidator's (core/record/log-validator.ts):
 * uncompressed records are walked in place, compressed ones decompressed.
 */
import { KafkaError, asKafkaError } from '../errors';
import { batchRecordCount, splitBatches } from '../record';
import { validateForAppend, type AppendPolicy } from '../record/log-validator';
import type { BatchOp, BrokerStore } from '../storage/broker-store';
import { partitionKey, topicRanges } from '../storage/keys';
import { PartitionLog } from '../storage/partition-log';
import type { MetadataImage, PartitionImage, TopicImage } from './metadata-image';
import { CleanerQueue } from './cleaner-queue';
import { Partition, type IsrChangeRequester } from './partition';
import { ReplicaFetcher, type LeaderLookup } from './replica-fetcher';
import type { ReplicationScheduler, ScheduledReplicas } from './replication-scheduler';
import type { ThroughputMeter } from './throughput';
import type { EngineLogger } from '../logger';
import type { Acks } from './types';

export interface ReplicaManagerDeps {
  lookup: LeaderLookup;
  isr: IsrChangeRequester;
  onHighWatermark: (p: Partition) => void;
  replicaLagTimeMaxMs: number;
  /** What the ISR check measures replica.lag.time.max.ms against (default Date.now). */
  clock?: () => number;
  meter: ThroughputMeter;
  logger: EngineLogger;
  /** The cluster-wide ISR check, HW checkpoint and fetch retry timers. */
  scheduler: ReplicationScheduler;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  offset: number;
  maxBytes: number;
}

export interface FetchPartitionResult {
  topic: string;
  partition: number;
  error: KafkaError | null;
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
}

/** What the validator needs to know about the Produce request a blob came in. */
export interface ProduceRequestInfo {
  produceVersion: number;
  transactional: boolean;
}

/** Batches the engine builds itself (API produce, offsets commits): the newest version, no transaction. */
const ENGINE_REQUEST: ProduceRequestInfo = { produceVersion: 11, transactional: false };

/** Replica checkpoints written per store batch. */
const CHECKPOINTS_PER_WRITE = 1000;

export class ReplicaManager implements ScheduledReplicas {
  readonly partitions = new Map<string, Partition>();
  /** Leaders the ISR check looks at: those that asked (Partition.onIsrCheckNeeded) and have not settled yet. */
  private readonly isrWatch = new Set<Partition>();
  /** Replicas whose high watermark moved since the last checkpoint (PartitionLog.onHighWatermarkChange). */
  private readonly hwMoved = new Set<Partition>();
  /** Replicas the log cleaner is to look at (see cleaner-queue.ts). */
  readonly cleanerQueue = new CleanerQueue();
  private readonly watchIsr = (p: Partition): void => void this.isrWatch.add(p);
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  /** Per partition, the turn of the latest produce call still waiting to append (see appendInCallOrder). */
  private readonly appendTurns = new Map<Partition, Promise<void>>();
  private stopped = false;
  private paused = false;

  constructor(
    readonly brokerId: number,
    private readonly store: BrokerStore,
    private readonly image: MetadataImage,
    private readonly deps: ReplicaManagerDeps,
  ) {
    deps.scheduler.add(this);
  }

  /** Sandbox fault: while set, this broker's followers do not fetch (they fall out of the ISR). */
  get replicationPaused(): boolean {
    return this.paused;
  }

  set replicationPaused(paused: boolean) {
    if (paused === this.paused) return;
    this.paused = paused;
    for (const f of this.fetchers.values()) {
      if (paused) f.pause();
      else f.kick();
    }
  }

  /** Called by the scheduler's ISR check: only leaders that may have a follower to drop or add are looked at. */
  checkLaggingFollowers(maxLagMs: number): number {
    let n = 0;
    for (const p of this.isrWatch) {
      n++;
      if (this.partitions.get(p.key) === p) p.checkLaggingFollowers(maxLagMs);
      if (this.partitions.get(p.key) !== p || p.isrSettled()) this.isrWatch.delete(p);
    }
    return n;
  }

  /** Acks=all producers and long-polling consumer fetches waiting on this broker's replicas. */
  get waiterCount(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.waiterCount;
    return n;
  }

  /**
   * Opens every replica the image assigns to this broker (at broker start):
   * their logs are read together (PartitionLog.loadMany), then each takes its role.
   */
  async loadAll(): Promise<void> {
    const hosted: Array<{ topic: TopicImage; image: PartitionImage }> = [];
    for (const topic of this.image.topicsById.values()) {
      for (const image of topic.partitions) {
        if (
          image?.replicas.includes(this.brokerId) &&
          !this.partitions.has(partitionKey(topic.topicId, image.partition))
        )
          hosted.push({ topic, image });
      }
    }
    const logs = await PartitionLog.loadMany(
      this.store,
      hosted.map(({ topic, image }) => ({
        topicId: topic.idBytes,
        partition: image.partition,
        settings: { segmentBytes: topic.config.segmentBytes, segmentMs: topic.config.segmentMs },
      })),
    );
    for (let i = 0; i < hosted.length; i++) {
      await this.reconcilePartition(hosted[i]!.topic, hosted[i]!.image, false, logs[i]);
    }
  }

  async reconcileTopic(topic: TopicImage): Promise<void> {
    for (const p of topic.partitions) if (p) await this.reconcilePartition(topic, p);
    for (const p of this.partitions.values()) {
      if (p.topic.topicId === topic.topicId) {
        p.topic = topic;
        p.log.settings = { segmentBytes: topic.config.segmentBytes, segmentMs: topic.config.segmentMs };
        // Its configs may have changed (retention, cleanup.policy): the cleaner looks again.
        this.cleanerQueue.mark(p);
      }
    }
  }

  /**
   * Applies a partition's metadata to the local replica. `created` says the
   * partition was just created (a Partition record applied live): it has never
   * existed, so its log starts empty without reading the store, which keeps
   * creating thousands of partitions from costing a store round trip each.
   */
  async reconcilePartition(
    topic: TopicImage,
    image: PartitionImage,
    created = false,
    loaded?: PartitionLog,
  ): Promise<void> {
    if (this.stopped) return;
    const key = partitionKey(topic.topicId, image.partition);
    let p = this.partitions.get(key);
    if (!image.replicas.includes(this.brokerId)) {
      if (p) await this.dropPartition(key, p);
      return;
    }
    if (!p) {
      const settings = { segmentBytes: topic.config.segmentBytes, segmentMs: topic.config.segmentMs };
      const log =
        loaded ??
        (created
          ? PartitionLog.createEmpty(this.store, topic.idBytes, image.partition, settings)
          : await PartitionLog.load(this.store, topic.idBytes, image.partition, settings));
      const replica = new Partition(this.brokerId, topic, image.partition, log, this.deps.isr, this.deps.clock);
      replica.onHighWatermark = this.deps.onHighWatermark;
      replica.onIsrCheckNeeded = this.watchIsr;
      log.onHighWatermarkChange = () => {
        this.hwMoved.add(replica);
        this.cleanerQueue.mark(replica);
      };
      this.cleanerQueue.mark(replica);
      p = replica;
      this.partitions.set(key, p);
    }
    p.topic = topic;
    const change = p.applyImage(image);
    if (change.becameLeader || change.leaderChanged || (p.role === 'follower' && !this.fetchers.has(key))) {
      await this.stopFetcher(key);
      if (p.role === 'follower' && image.leader >= 0) {
        const d = this.deps;
        this.fetchers.set(
          key,
          new ReplicaFetcher(p, image.leader, image.leaderEpoch, d.lookup, this, d.scheduler, d.logger),
        );
      }
    } else if (p.role === 'follower' && p.log.needsReset) {
      // Found damaged while following an idle leader: nothing would wake the fetcher, so start the refill now.
      this.fetchers.get(key)?.kick();
    }
  }

  private async stopFetcher(key: string): Promise<void> {
    const f = this.fetchers.get(key);
    if (f) {
      this.fetchers.delete(key);
      await f.stop();
    }
  }

  private async dropPartition(key: string, p: Partition): Promise<void> {
    await this.stopFetcher(key);
    p.failWaiters(
      new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `Replica of ${p.topic.name}-${p.index} moved away from broker ${this.brokerId}`,
      ),
    );
    await p.log.close(false);
    this.partitions.delete(key);
    this.forget(p);
  }

  private forget(p: Partition): void {
    this.isrWatch.delete(p);
    this.hwMoved.delete(p);
    this.cleanerQueue.forget(p);
  }

  /** Deletes every replica and every stored byte of a removed topic. */
  async removeTopic(topicId: string): Promise<void> {
    for (const [key, p] of [...this.partitions]) {
      if (p.topic.topicId !== topicId) continue;
      await this.stopFetcher(key);
      p.failWaiters(new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${p.topic.name} was deleted`));
      await p.log.close(true);
      this.partitions.delete(key);
      this.forget(p);
    }
    const idBytes = Buffer.from(topicId, 'base64url');
    for (const range of topicRanges(idBytes)) await this.store.db.clear(range);
    void this.store.db
      .compactRange?.(topicRanges(idBytes)[0]!.gte, topicRanges(idBytes)[0]!.lt)
      .catch((e: unknown) =>
        this.deps.logger.warn('replica-manager', `Compacting the keys of deleted topic ${topicId} failed`, e),
      );
  }

  /**
   * Writes down high watermarks that moved since the last checkpoint (called by the scheduler), many per store write;
   * replicas whose HW did not move are not looked at.
   */
  async checkpointHighWatermarks(): Promise<number> {
    const ops: Array<BatchOp | null> = [];
    for (const p of this.hwMoved) ops.push(p.log.checkpointOp());
    const n = this.hwMoved.size;
    this.hwMoved.clear();
    if (!this.stopped) await this.writeCheckpoints(ops);
    return n;
  }

  /** The local replica; throws the error a client would get from this broker. */
  partition(topicName: string, index: number): Partition {
    const topic = this.image.topic(topicName);
    if (!topic || !Number.isInteger(index) || index < 0 || index >= topic.partitions.length) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic-partition ${topicName}-${index} does not exist`);
    }
    const p = this.partitions.get(partitionKey(topic.topicId, index));
    if (!p)
      throw new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `Broker ${this.brokerId} hosts no replica of ${topicName}-${index}`,
      );
    return p;
  }

  leaderPartition(topicName: string, index: number): Partition {
    const p = this.partition(topicName, index);
    p.assertLeader();
    return p;
  }

  /**
   * Validates a wire `records` blob (core/record/log-validator.ts: structure, timestamps, keys for
   * compacted topics; maxTimestamp corrected) and appends it as leader.
   */
  async produce(
    topicName: string,
    index: number,
    records: Buffer,
    acks: Acks,
    timeoutMs: number,
    request: ProduceRequestInfo = ENGINE_REQUEST,
  ): Promise<{ baseOffset: number; logAppendTime: number; logStartOffset: number }> {
    const p = this.leaderPartition(topicName, index);
    const batches = splitBatches(records);
    if (batches.length === 0) throw new KafkaError('INVALID_RECORD', 'The produce request carried no record batch');
    const cfg = p.topic.config;
    const policy: AppendPolicy = {
      now: Date.now(),
      logAppendTime: cfg.logAppendTime,
      compacted: cfg.cleanupCompact,
      timestampBeforeMaxMs: cfg.timestampBeforeMaxMs,
      timestampAfterMaxMs: cfg.timestampAfterMaxMs,
      produceVersion: request.produceVersion,
      transactional: request.transactional,
    };
    let pending: Array<Promise<unknown>> | null = null;
    for (const b of batches) {
      if (b.length > cfg.maxMessageBytes) {
        throw new KafkaError(
          'MESSAGE_TOO_LARGE',
          `A record batch of ${b.length} bytes exceeds max.message.bytes=${cfg.maxMessageBytes} of topic ${topicName}`,
        );
      }
      const checked = validateForAppend(b, policy);
      if (checked instanceof Promise) (pending ??= []).push(checked);
    }
    // The caller hands the bytes over: offsets are stamped into them and the log keeps them.
    const r = await this.appendInCallOrder(p, pending, () => p.appendAsLeader(batches, acks, timeoutMs));
    let messages = 0;
    for (const b of batches) messages += batchRecordCount(b);
    this.deps.meter.recordIn(messages, records.length, topicName);
    return { baseOffset: r.baseOffset, logAppendTime: r.logAppendTime, logStartOffset: p.log.logStartOffset };
  }

  /**
   * Appends in the order produce calls started, although compressed batches are validated
   * asynchronously (decompression): a connection's pipelined requests (an idempotent producer's
   * in-flight batches) must not overtake one another. Calls that validated synchronously and have no
   * earlier call still validating append at once, as before; the others wait for their turn. The
   * append itself assigns offsets synchronously when it starts.
   */
  private appendInCallOrder<T>(
    p: Partition,
    pending: Array<Promise<unknown>> | null,
    append: () => Promise<T>,
  ): Promise<T> {
    const prior = this.appendTurns.get(p);
    if (pending === null && prior === undefined) return append();
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.appendTurns.set(p, turn);
    const done = () => {
      release();
      if (this.appendTurns.get(p) === turn) this.appendTurns.delete(p);
    };
    return (async () => {
      try {
        await prior;
        if (pending !== null) await Promise.all(pending);
      } catch (err) {
        done();
        throw err;
      }
      try {
        return append();
      } finally {
        done();
      }
    })();
  }

  /**
   * Consumer fetch over several partitions: returns as soon as `minBytes` are
   * available or `maxWaitMs` has passed, woken by appends, never polling.
   */
  async fetch(
    requests: FetchPartitionRequest[],
    opts: { maxWaitMs: number; minBytes: number; maxBytes: number },
  ): Promise<FetchPartitionResult[]> {
    const deadline = Date.now() + Math.max(0, opts.maxWaitMs);
    for (;;) {
      const results = await this.readOnce(requests, opts.maxBytes);
      const bytes = results.reduce((n, r) => n + r.batches.reduce((m, b) => m + b.length, 0), 0);
      const remaining = deadline - Date.now();
      if (bytes >= Math.max(1, opts.minBytes) || remaining <= 0 || results.some((r) => r.error)) return results;
      await this.waitForAnyData(requests, remaining);
    }
  }

  /** Waits until one of the partitions gets data or `ms` pass; leaves no waiter behind either way. */
  private waitForAnyData(requests: FetchPartitionRequest[], ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancels: Array<() => void> = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const c of cancels) c();
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const req of requests) {
        try {
          cancels.push(this.leaderPartition(req.topic, req.partition).onData(done));
        } catch {
          // Not led here (any more): the next read reports it.
        }
      }
    });
  }

  private async readOnce(requests: FetchPartitionRequest[], maxBytes: number): Promise<FetchPartitionResult[]> {
    let budget = maxBytes;
    const out: FetchPartitionResult[] = [];
    for (const req of requests) {
      const res: FetchPartitionResult = {
        topic: req.topic,
        partition: req.partition,
        error: null,
        batches: [],
        highWatermark: -1,
        logStartOffset: -1,
        lastStableOffset: -1,
      };
      try {
        const p = this.leaderPartition(req.topic, req.partition);
        res.highWatermark = res.lastStableOffset = p.log.highWatermark;
        res.logStartOffset = p.log.logStartOffset;
        if (req.offset < p.log.logStartOffset || req.offset > p.log.highWatermark) {
          if (req.offset > p.log.highWatermark && req.offset <= p.log.logEndOffset) {
            // Between HW and LEO: nothing readable yet, not out of range.
          } else {
            throw new KafkaError(
              'OFFSET_OUT_OF_RANGE',
              `Fetch offset ${req.offset} is out of range for ${req.topic}-${req.partition}: log start ` +
                `${p.log.logStartOffset}, high watermark ${p.log.highWatermark}`,
            );
          }
        } else if (budget > 0 || out.every((r) => r.batches.length === 0)) {
          res.batches = await p.log.read(req.offset, Math.min(req.maxBytes, Math.max(budget, 1)), p.log.highWatermark);
          let messages = 0;
          let bytes = 0;
          for (const b of res.batches) {
            bytes += b.length;
            messages += batchRecordCount(b);
          }
          budget -= bytes;
          // A consumer long-polling an idle partition reads nothing: no meter work for it.
          if (bytes > 0) this.deps.meter.recordOut(messages, bytes);
        }
      } catch (err) {
        res.error = asKafkaError(err);
      }
      out.push(res);
    }
    return out;
  }

  async listOffset(
    topicName: string,
    index: number,
    spec: 'earliest' | 'latest' | { timestamp: number },
  ): Promise<{ offset: number; timestamp: number }> {
    const p = this.leaderPartition(topicName, index);
    if (spec === 'earliest') return { offset: p.log.logStartOffset, timestamp: -1 };
    if (spec === 'latest') return { offset: p.log.highWatermark, timestamp: -1 };
    const found = await p.log.offsetForTimestamp(spec.timestamp, p.log.highWatermark);
    return found ?? { offset: -1, timestamp: -1 };
  }

  /** DeleteRecords: moves the log start to `offset` (-1 = high watermark); followers follow through fetch. */
  async deleteRecords(topicName: string, index: number, offset: number): Promise<number> {
    const p = this.leaderPartition(topicName, index);
    const hw = p.log.highWatermark;
    const target = offset === -1 ? hw : offset;
    if (!Number.isInteger(target) || target < 0 || target > hw) {
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `Cannot delete records of ${topicName}-${index} before offset ${offset}: it must lie between ` +
          `${p.log.logStartOffset} and the high watermark ${hw} (or be -1)`,
      );
    }
    await p.log.advanceLogStart(target);
    p.kickFollowers();
    this.deps.onHighWatermark(p);
    return p.log.logStartOffset;
  }

  /** Stops every replica: gracefully (queued writes finish, HW checkpointed) or abruptly. */
  async shutdown(abrupt: boolean): Promise<void> {
    this.stopped = true;
    this.deps.scheduler.remove(this);
    const stopping = [...this.fetchers.keys()].map((k) => this.stopFetcher(k));
    const err = new KafkaError('NOT_LEADER_OR_FOLLOWER', `Broker ${this.brokerId} is shutting down`);
    for (const p of this.partitions.values()) p.failWaiters(err);
    if (abrupt) {
      const closing = [...this.partitions.values()].map((p) => p.log.close(true));
      // A kill does not wait, but a failure in what it drops still gets reported, not left unhandled.
      void Promise.all([...stopping, ...closing]).catch((e: unknown) =>
        this.deps.logger.warn('replica-manager', `Abrupt stop of broker ${this.brokerId}`, e),
      );
      return;
    }
    await Promise.all(stopping);
    // Thousands of replicas: drain them together and checkpoint them in a few batches, not one write each.
    const logs = [...this.partitions.values()].map((p) => p.log);
    await Promise.all(logs.map((l) => l.drain()));
    await this.writeCheckpoints(logs.map((l) => l.checkpointOp()));
    await Promise.all(logs.map((l) => l.close(false, true)));
  }

  private async writeCheckpoints(ops: Array<BatchOp | null>): Promise<void> {
    const present = ops.filter((op): op is BatchOp => op !== null);
    for (let i = 0; i < present.length; i += CHECKPOINTS_PER_WRITE) {
      const chunk = present.slice(i, i + CHECKPOINTS_PER_WRITE);
      await this.store.write(chunk).catch((e: unknown) => {
        if (this.store.isOpen)
          this.deps.logger.warn('replica-manager', `Checkpoint of ${chunk.length} replicas failed`, e);
      });
    }
  }
}
