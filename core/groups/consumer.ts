/**
 * The engine's own consumer: a group member that talks to the coordinator
 * and the brokers in-process, with the Java client's behaviour and defaults
 * where they matter to what a user sees (tests, the benchmark and the GUI's
 * workload simulator use it).
 *
 * Rules (the Java consumer's):
 * - Rebalances happen inside poll(): a member rejoins when a heartbeat says
 *   REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID. The
 *   protocol is eager: before rejoining it commits (with auto commit) and
 *   gives up every partition ('revoked'), and takes the new ones after
 *   SyncGroup ('assigned'). A member that does not poll within the
 *   rebalance timeout is dropped by the coordinator.
 * - Heartbeats run on a timer between polls, every heartbeat.interval.ms.
 * - A newly assigned partition starts at the group's committed offset, or
 *   else where auto.offset.reset says: earliest (log start), latest (high
 *   watermark) or none, which makes poll() throw OFFSET_OUT_OF_RANGE naming
 *   the partition (Java's NoOffsetForPartitionException). A position that
 *   falls out of the log (records deleted) is reset the same way.
 * - The committed position is the offset after the last record poll()
 *   returned. Auto commit commits it every auto.commit.interval.ms (checked
 *   in poll, against the injected clock), before a rebalance and on close().
 * - Static members (groupInstanceId) do not leave the group on close(), so
 *   a restart within the session timeout keeps their partitions.
 * - Paused partitions are neither fetched nor returned until resumed; seek()
 *   drops what was fetched for the partition and reads from the new offset.
 */
import { EventEmitter } from 'node:events';
import { ERRORS, KafkaError, errorNameOf, type ErrorName } from '../errors';
import {
  batchLastOffset,
  batchPartitionLeaderEpoch,
  batchTimestampType,
  decodeRecords,
  isControlBatch,
} from '../record';
import type { Cluster } from '../cluster/cluster';
import type { RecordHeader } from '../cluster/types';
import {
  ASSIGNORS,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type AssignorName,
  type TopicPartitions,
} from './assignors';
import type { GroupCoordinator } from './group-coordinator';
import type { ErrorResult, GroupsClock, TopicPartition } from './types';

export interface ConsumerConfig {
  groupId: string;
  clientId?: string;
  clientHost?: string;
  groupInstanceId?: string | null;
  /** session.timeout.ms (Java: 45000). */
  sessionTimeoutMs?: number;
  /** max.poll.interval.ms, sent as the rebalance timeout (Java: 300000). */
  rebalanceTimeoutMs?: number;
  /** heartbeat.interval.ms (Java: 3000). */
  heartbeatIntervalMs?: number;
  /** auto.offset.reset (Java: latest). */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** enable.auto.commit (Java: true). */
  enableAutoCommit?: boolean;
  /** auto.commit.interval.ms (Java: 5000). */
  autoCommitIntervalMs?: number;
  /** partition.assignment.strategy, in preference order (default: range). */
  assignors?: AssignorName[];
  /** max.poll.records (Java: 500). */
  maxPollRecords?: number;
  /** max.partition.fetch.bytes (Java: 1 MiB). */
  maxPartitionFetchBytes?: number;
}

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  leaderEpoch: number;
}

export interface ConsumerEvents {
  assigned: [TopicPartition[]];
  revoked: [TopicPartition[]];
  /** A background failure (auto commit, heartbeat) that poll() does not throw. */
  error: [KafkaError];
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset poll() returns; undefined until initialised. */
  position: number | undefined;
  /** Next offset to fetch (ahead of position by what is buffered). */
  fetchPosition: number;
  leaderEpoch: number;
  buffer: ConsumerRecord[];
  bufferIndex: number;
  paused: boolean;
  lastCommitted: number;
  /** A reset is due (no committed offset, or out of range), with the reason. */
  needsReset: string | null;
}

const RETRIABLE: ReadonlySet<ErrorName> = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'UNKNOWN_SERVER_ERROR',
]);
const RETRY_BACKOFF_MS = 50;
const MAX_RETRIES = 200;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const toError = (r: ErrorResult): KafkaError => new KafkaError(errorNameOf(r.errorCode), r.errorMessage ?? undefined);

let clientSeq = 0;

export class EngineConsumer extends EventEmitter<ConsumerEvents> {
  readonly config: Required<Omit<ConsumerConfig, 'groupInstanceId'>> & { groupInstanceId: string | null };
  memberId = '';
  generationId = -1;
  private topics: string[] = [];
  private readonly assigned = new Map<string, PartitionState>();
  private needsJoin = false;
  private stable = false;
  private closed = false;
  private polling = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private nextAutoCommit = 0;
  private wake: (() => void) | null = null;
  private pendingError: KafkaError | null = null;
  private readonly onHighWatermark = (e: { topic: string; partition: number }): void => {
    if (this.wake && this.assigned.has(tpKey(e.topic, e.partition))) this.signal();
  };

  constructor(
    private readonly cluster: Cluster,
    private readonly coordinator: GroupCoordinator,
    config: ConsumerConfig,
    /** Read for poll()'s deadline and the auto-commit interval (types.ts GroupsClock). */
    private readonly clock: GroupsClock = Date,
  ) {
    super();
    if (!config || typeof config.groupId !== 'string' || config.groupId === '')
      throw new KafkaError('INVALID_GROUP_ID', 'A consumer needs a non-empty groupId');
    const sessionTimeoutMs = config.sessionTimeoutMs ?? 45_000;
    this.config = {
      groupId: config.groupId,
      clientId: config.clientId ?? `engine-consumer-${++clientSeq}`,
      clientHost: config.clientHost ?? `/${cluster.host}`,
      groupInstanceId: config.groupInstanceId ?? null,
      sessionTimeoutMs,
      rebalanceTimeoutMs: config.rebalanceTimeoutMs ?? 300_000,
      heartbeatIntervalMs: config.heartbeatIntervalMs ?? Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      autoOffsetReset: config.autoOffsetReset ?? 'latest',
      enableAutoCommit: config.enableAutoCommit ?? true,
      autoCommitIntervalMs: config.autoCommitIntervalMs ?? 5000,
      assignors: config.assignors && config.assignors.length > 0 ? config.assignors : ['range'],
      maxPollRecords: config.maxPollRecords ?? 500,
      maxPartitionFetchBytes: config.maxPartitionFetchBytes ?? 1024 * 1024,
    };
    for (const a of this.config.assignors)
      if (!ASSIGNORS[a])
        throw new KafkaError('INVALID_CONFIG', `Unknown assignor ${a}; known: ${Object.keys(ASSIGNORS).join(', ')}`);
    if (!['earliest', 'latest', 'none'].includes(this.config.autoOffsetReset))
      throw new KafkaError(
        'INVALID_CONFIG',
        `auto.offset.reset must be earliest, latest or none; got ${this.config.autoOffsetReset}`,
      );
    cluster.on('highWatermark', this.onHighWatermark);
  }

  // ---- subscription and membership -----------------------------------------------------

  subscribe(topics: string[]): void {
    this.assertOpen();
    if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || t === ''))
      throw new KafkaError('INVALID_REQUEST', 'subscribe needs a list of topic names');
    this.topics = [...new Set(topics)].sort();
    this.needsJoin = true;
    this.signal();
  }

  /** Gives up every partition (committing first with auto commit) and leaves the group. */
  async unsubscribe(): Promise<void> {
    this.assertOpen();
    this.topics = [];
    this.needsJoin = false;
    this.stable = false;
    this.stopHeartbeats();
    await this.revokeAll();
    if (this.memberId !== '') {
      await this.coordinator.leaveGroup({
        groupId: this.config.groupId,
        members: [
          {
            memberId: this.memberId,
            groupInstanceId: this.config.groupInstanceId,
            reason: 'the consumer unsubscribed',
          },
        ],
      });
    }
    this.memberId = '';
    this.generationId = -1;
  }

  subscription(): string[] {
    return [...this.topics];
  }

  assignment(): TopicPartition[] {
    return [...this.assigned.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  private protocols(): Array<{ name: string; metadata: Buffer }> {
    const metadata = encodeSubscription(this.topics);
    return this.config.assignors.map((name) => ({ name, metadata }));
  }

  /** Joins (or rejoins) until it holds an assignment of a stable generation. */
  private async rejoin(): Promise<void> {
    this.stable = false;
    this.stopHeartbeats();
    await this.revokeAll();
    for (let attempt = 0; !this.closed; attempt++) {
      if (attempt > MAX_RETRIES)
        throw new KafkaError(
          'COORDINATOR_NOT_AVAILABLE',
          `Group ${this.config.groupId}: no stable generation after ${MAX_RETRIES} attempts`,
        );
      const join = await this.coordinator.joinGroup({
        groupId: this.config.groupId,
        memberId: this.memberId,
        groupInstanceId: this.config.groupInstanceId,
        protocolType: 'consumer',
        protocols: this.protocols(),
        sessionTimeoutMs: this.config.sessionTimeoutMs,
        rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
        clientId: this.config.clientId,
        clientHost: this.config.clientHost,
      });
      const joinError = errorNameOf(join.errorCode);
      if (joinError === 'MEMBER_ID_REQUIRED') {
        this.memberId = join.memberId;
        continue;
      }
      if (joinError === 'UNKNOWN_MEMBER_ID') {
        this.memberId = '';
        continue;
      }
      if (joinError === 'REBALANCE_IN_PROGRESS' || RETRIABLE.has(joinError)) {
        await sleep(RETRY_BACKOFF_MS);
        continue;
      }
      if (join.errorCode !== 0) throw toError(join);
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      const assignments =
        join.leader === join.memberId && !join.skipAssignment
          ? this.computeAssignment(join.protocolName ?? '', join.members)
          : [];
      const sync = await this.coordinator.syncGroup({
        groupId: this.config.groupId,
        generationId: join.generationId,
        memberId: join.memberId,
        groupInstanceId: this.config.groupInstanceId,
        protocolType: 'consumer',
        protocolName: join.protocolName,
        assignments,
      });
      const syncError = errorNameOf(sync.errorCode);
      if (syncError === 'UNKNOWN_MEMBER_ID') this.memberId = '';
      if (
        syncError === 'UNKNOWN_MEMBER_ID' ||
        syncError === 'ILLEGAL_GENERATION' ||
        syncError === 'REBALANCE_IN_PROGRESS'
      )
        continue;
      if (RETRIABLE.has(syncError)) {
        await sleep(RETRY_BACKOFF_MS);
        continue;
      }
      if (sync.errorCode !== 0) throw toError(sync);
      await this.takeAssignment(decodeAssignment(sync.assignment));
      this.stable = true;
      this.needsJoin = false;
      this.startHeartbeats();
      return;
    }
  }

  /** The leader's job: run the selected assignor over every member's subscription. */
  private computeAssignment(
    protocol: string,
    members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>,
  ): Array<{ memberId: string; assignment: Buffer }> {
    const assignor = ASSIGNORS[protocol];
    if (!assignor)
      throw new KafkaError(
        'INCONSISTENT_GROUP_PROTOCOL',
        `The group selected assignor ${protocol}, which this consumer does not have`,
      );
    const subs = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      ...decodeSubscription(m.metadata),
    }));
    const counts = new Map<string, number>();
    for (const t of new Set(subs.flatMap((s) => s.topics))) {
      try {
        counts.set(t, this.cluster.topicImage(t).partitions.length);
      } catch {
        /* not created yet: the coordinator rebalances when it appears */
      }
    }
    const result = assignor.assign(counts, subs);
    return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(result.get(m.memberId) ?? []) }));
  }

  private async takeAssignment(list: TopicPartitions[]): Promise<void> {
    this.assigned.clear();
    for (const { topic, partitions } of list) {
      for (const partition of partitions) {
        this.assigned.set(tpKey(topic, partition), {
          topic,
          partition,
          position: undefined,
          fetchPosition: 0,
          leaderEpoch: -1,
          buffer: [],
          bufferIndex: 0,
          paused: false,
          lastCommitted: -1,
          needsReset: null,
        });
      }
    }
    await this.initPositions();
    this.emit('assigned', this.assignment());
  }

  private async revokeAll(): Promise<void> {
    if (this.assigned.size === 0) return;
    if (this.config.enableAutoCommit && this.generationId >= 0)
      await this.commitSync().catch((e: unknown) => this.emitError(e));
    const revoked = this.assignment();
    this.assigned.clear();
    this.emit('revoked', revoked);
  }

  // ---- heartbeats -------------------------------------------------------------------------

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => {
      void this.heartbeatOnce();
    }, this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeatOnce(): Promise<void> {
    if (!this.stable || this.closed) return;
    const generation = this.generationId;
    const r = await this.coordinator.heartbeat({
      groupId: this.config.groupId,
      generationId: generation,
      memberId: this.memberId,
      groupInstanceId: this.config.groupInstanceId,
    });
    if (this.closed || generation !== this.generationId || !this.stable) return;
    const name = errorNameOf(r.errorCode);
    if (name === 'NONE' || RETRIABLE.has(name)) return;
    if (name === 'FENCED_INSTANCE_ID') {
      this.pendingError = toError(r);
      this.stopHeartbeats();
    }
    if (name === 'UNKNOWN_MEMBER_ID') this.memberId = '';
    this.needsJoin = true;
    this.signal();
  }

  // ---- positions ---------------------------------------------------------------------------

  private async initPositions(): Promise<void> {
    const parts = [...this.assigned.values()];
    if (parts.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      const r = await this.coordinator.fetchOffsets({
        groupId: this.config.groupId,
        partitions: parts.map((p) => ({ topic: p.topic, partition: p.partition })),
      });
      if (r.errorCode === 0) {
        for (const o of r.offsets) {
          const p = this.assigned.get(tpKey(o.topic, o.partition));
          if (!p) continue;
          if (o.offset >= 0) {
            p.position = p.fetchPosition = p.lastCommitted = o.offset;
            p.leaderEpoch = o.leaderEpoch;
          } else {
            p.needsReset = `no committed offset for ${o.topic}-${o.partition} in group ${this.config.groupId}`;
          }
        }
        return; // partitions without one are reset by poll(), once the join is complete
      }
      if (!RETRIABLE.has(errorNameOf(r.errorCode)) || attempt >= MAX_RETRIES) throw toError(r);
      await sleep(RETRY_BACKOFF_MS);
    }
  }

  /** Applies auto.offset.reset to partitions that need it; 'none' throws for the first one. */
  private async resetPositions(): Promise<void> {
    for (const p of this.assigned.values()) {
      if (p.needsReset === null) continue;
      if (this.config.autoOffsetReset === 'none') {
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `${p.needsReset}, and auto.offset.reset is none`);
      }
      try {
        const { offset } = await this.cluster.listOffsets(p.topic, p.partition, this.config.autoOffsetReset);
        this.setPosition(p, offset);
      } catch {
        // No leader right now: the next poll tries again.
      }
    }
  }

  private setPosition(p: PartitionState, offset: number): void {
    p.position = p.fetchPosition = offset;
    p.buffer = [];
    p.bufferIndex = 0;
    p.needsReset = null;
  }

  private partitionOrThrow(topic: string, partition: number): PartitionState {
    const p = this.assigned.get(tpKey(topic, partition));
    if (!p)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} is not assigned to this consumer`);
    return p;
  }

  seek(topic: string, partition: number, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new KafkaError('INVALID_REQUEST', `seek needs a non-negative offset; got ${offset}`);
    this.setPosition(this.partitionOrThrow(topic, partition), offset);
  }

  position(topic: string, partition: number): number | undefined {
    return this.assigned.get(tpKey(topic, partition))?.position;
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.partitionOrThrow(tp.topic, tp.partition).paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.partitionOrThrow(tp.topic, tp.partition).paused = false;
    this.signal();
  }

  paused(): TopicPartition[] {
    return [...this.assigned.values()].filter((p) => p.paused).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  // ---- polling -------------------------------------------------------------------------------

  /** Returns up to max.poll.records records, waiting up to `timeoutMs` for some; rebalances first if needed. */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    this.assertOpen();
    if (this.polling)
      throw new KafkaError(
        'INVALID_REQUEST',
        'poll() is already running on this consumer; it is not safe for concurrent use',
      );
    this.polling = true;
    try {
      const deadline = this.clock.now() + Math.max(0, timeoutMs);
      for (;;) {
        if (this.pendingError) {
          const e = this.pendingError;
          this.pendingError = null;
          throw e;
        }
        if (this.topics.length > 0 && this.needsJoin) await this.rejoin();
        if (this.closed) return [];
        await this.maybeAutoCommit();
        await this.resetPositions();
        let out = this.drain();
        if (out.length > 0) return out;
        const fetchedAny = await this.fetchAll();
        out = this.drain();
        if (out.length > 0) return out;
        const remaining = deadline - this.clock.now();
        if (remaining <= 0) return [];
        if (!fetchedAny) await this.waitForSignal(remaining);
      }
    } finally {
      this.polling = false;
    }
  }

  private drain(): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    const max = this.config.maxPollRecords;
    for (const p of this.assigned.values()) {
      if (p.paused || p.bufferIndex >= p.buffer.length) continue;
      const take = Math.min(max - out.length, p.buffer.length - p.bufferIndex);
      for (let i = 0; i < take; i++) out.push(p.buffer[p.bufferIndex + i]!);
      p.bufferIndex += take;
      const last = out[out.length - 1]!;
      p.position = last.offset + 1;
      p.leaderEpoch = last.leaderEpoch;
      if (p.bufferIndex >= p.buffer.length) {
        p.buffer = [];
        p.bufferIndex = 0;
      }
      if (out.length >= max) break;
    }
    return out;
  }

  /** Fetches every fetchable partition whose buffer is empty; true when any position advanced. */
  private async fetchAll(): Promise<boolean> {
    const todo = [...this.assigned.values()].filter(
      (p) => !p.paused && p.position !== undefined && p.needsReset === null && p.bufferIndex >= p.buffer.length,
    );
    const got = await Promise.all(todo.map((p) => this.fetchPartition(p)));
    return got.some(Boolean);
  }

  private async fetchPartition(p: PartitionState): Promise<boolean> {
    const at = p.fetchPosition;
    let res;
    try {
      res = await this.cluster.fetch(p.topic, p.partition, at, { maxBytes: this.config.maxPartitionFetchBytes });
    } catch (e) {
      if (e instanceof KafkaError && e.errorName === 'OFFSET_OUT_OF_RANGE')
        p.needsReset = `offset ${at} is out of range for ${p.topic}-${p.partition}`;
      return false; // no leader, broker down, topic gone: retried on the next poll
    }
    // The partition may have been revoked, seeked or reassigned while fetching.
    if (this.assigned.get(tpKey(p.topic, p.partition)) !== p || p.fetchPosition !== at) return false;
    const records: ConsumerRecord[] = [];
    let next = at;
    for (const batch of res.batches) {
      next = batchLastOffset(batch) + 1;
      if (isControlBatch(batch)) continue;
      const timestampType = batchTimestampType(batch) === 1 ? 'LogAppendTime' : 'CreateTime';
      const leaderEpoch = batchPartitionLeaderEpoch(batch);
      for (const r of await decodeRecords(batch)) {
        if (r.offset < at) continue;
        records.push({
          topic: p.topic,
          partition: p.partition,
          offset: r.offset,
          timestamp: r.timestamp,
          timestampType,
          key: r.key,
          value: r.value,
          headers: r.headers,
          leaderEpoch,
        });
      }
    }
    if (this.assigned.get(tpKey(p.topic, p.partition)) !== p || p.fetchPosition !== at) return false;
    p.fetchPosition = next;
    p.buffer = records;
    p.bufferIndex = 0;
    // Progress without records (a compacted or control-only stretch) also means: fetch again at once.
    return next > at;
  }

  private waitForSignal(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.signal(), Math.min(ms, 250));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  // ---- committing ---------------------------------------------------------------------------

  private async maybeAutoCommit(): Promise<void> {
    if (!this.config.enableAutoCommit || !this.stable) return;
    const now = this.clock.now();
    if (now < this.nextAutoCommit) return;
    this.nextAutoCommit = now + this.config.autoCommitIntervalMs;
    await this.commitSync().catch((e: unknown) => this.emitError(e));
  }

  /**
   * Commits the given offsets, or the position of every assigned partition
   * that moved since its last commit. Retries while the coordinator moves;
   * throws REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID
   * when the group moved on (the partitions may belong to another member now).
   */
  async commitSync(
    offsets?: Array<{ topic: string; partition: number; offset: number; metadata?: string }>,
  ): Promise<void> {
    const list =
      offsets ??
      [...this.assigned.values()]
        .filter((p) => p.position !== undefined && p.position !== p.lastCommitted)
        .map((p) => ({ topic: p.topic, partition: p.partition, offset: p.position!, leaderEpoch: p.leaderEpoch }));
    if (list.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      const r = await this.coordinator.commitOffsets({
        groupId: this.config.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.config.groupInstanceId,
        offsets: list,
      });
      const failed = r.partitions.find((p) => p.errorCode !== 0);
      if (!failed) {
        for (const o of list) {
          const p = this.assigned.get(tpKey(o.topic, o.partition));
          if (p) p.lastCommitted = o.offset;
        }
        return;
      }
      const name = errorNameOf(failed.errorCode);
      if (RETRIABLE.has(name) && attempt < MAX_RETRIES) {
        await sleep(RETRY_BACKOFF_MS);
        continue;
      }
      if (name === 'UNKNOWN_MEMBER_ID' || name === 'ILLEGAL_GENERATION' || name === 'REBALANCE_IN_PROGRESS') {
        if (name === 'UNKNOWN_MEMBER_ID') this.memberId = '';
        this.needsJoin = true;
      }
      throw new KafkaError(
        name,
        `Commit of ${failed.topic}-${failed.partition} failed: ${failed.errorMessage ?? ERRORS[name].text}`,
      );
    }
  }

  /** The group's committed offsets for these partitions (-1 where none). */
  async committed(partitions: TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string }>> {
    const r = await this.coordinator.fetchOffsets({ groupId: this.config.groupId, partitions });
    if (r.errorCode !== 0) throw toError(r);
    return r.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata }));
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Commits (with auto commit) and leaves the group; a static member stays in it until its session expires. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.config.enableAutoCommit && this.stable) await this.commitSync().catch(() => undefined);
    this.shutdown();
    if (this.memberId !== '' && !this.config.groupInstanceId) {
      await this.coordinator
        .leaveGroup({
          groupId: this.config.groupId,
          members: [{ memberId: this.memberId, reason: 'the consumer is closing' }],
        })
        .catch(() => undefined);
    }
  }

  /**
   * Stops at once without committing or leaving, as a killed process would: the coordinator notices when the session
   * expires.
   */
  crash(): void {
    this.shutdown();
  }

  private shutdown(): void {
    this.closed = true;
    this.stable = false;
    this.stopHeartbeats();
    this.cluster.off('highWatermark', this.onHighWatermark);
    this.signal();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The consumer is closed');
  }

  private emitError(e: unknown): void {
    if (this.listenerCount('error') > 0)
      this.emit('error', e instanceof KafkaError ? e : new KafkaError('UNKNOWN_SERVER_ERROR', String(e)));
  }
}
