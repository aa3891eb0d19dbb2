/**
 * Coordinator shards: one per partition of `__consumer_offsets`. A shard is
 * served by the broker leading its partition, holds the groups that hash to
 * it, and is the only writer of that partition.
 *
 * Rules:
 * - The topic is created on first use: offsets.topic.num.partitions
 *   partitions (50), replication min(3, brokers), cleanup.policy=compact. An
 *   existing topic keeps its partition count (a changed option would move
 *   every group, so it is ignored).
 * - A shard is loaded for one (leader, leader epoch). When the metadata
 *   names another, the shard is unloaded (its groups go Dead, waiting members
 *   get NOT_COORDINATOR) and reloaded from the new leader's log, once that
 *   broker's replica has taken the leadership at that epoch. The log is read
 *   to its end: a newly elected leader's log is what followers will truncate
 *   to, so it holds every record written with acks=all.
 * - Loading is started eagerly (on attach and on every leadership change
 *   the cluster reports) and lazily (by any request meeting a stale shard).
 * - Writes go to the shard's leader replica only, with acks=all, and only
 *   while that replica still leads at the loaded epoch; anything else is
 *   NOT_COORDINATOR, so no write lands under a coordinator that is not
 *   current.
 */
import { KafkaError, asKafkaError, type ErrorName } from '../errors';
import { buildBatch } from '../record';
import type { Cluster } from '../cluster/cluster';
import type { Partition } from '../cluster/partition';
import type { PartitionState } from '../cluster/types';
import { Group, type GroupConfig, type GroupHost } from './group';
import { storedGroupValue } from './member';
import { OFFSETS_TOPIC, encodeGroupKey, encodeGroupValue, loadPartition, partitionForGroup } from './offsets-log';

export interface ShardOptions extends GroupConfig {
  /** offsets.topic.num.partitions (Kafka: 50). */
  offsetsTopicPartitions: number;
  /** offsets.topic.replication.factor, capped at the broker count (Kafka: 3). */
  offsetsReplicationFactor: number;
  /** offsets.commit.timeout.ms: how long a write waits for acks=all (Kafka: 5000). */
  commitTimeoutMs: number;
  /** How long an in-process request waits for a shard to load. */
  loadTimeoutMs: number;
  now: () => number;
}

export type ShardStatus = 'unloaded' | 'loading' | 'loaded' | 'failed';

export class Shard {
  leader = -1;
  epoch = -1;
  status: ShardStatus = 'unloaded';
  /** Bumped by every unload; a load or write started under an older token is stale. */
  token = 0;
  loading: Promise<void> | null = null;
  error: KafkaError | null = null;
  loadedRecords = 0;
  readonly groups = new Map<string, Group>();
  readonly host: GroupHost;

  constructor(
    readonly index: number,
    owner: Shards,
  ) {
    this.host = {
      config: owner.options,
      now: owner.options.now,
      storeGroup: (g, assignments) => owner.storeGroup(this, g, assignments),
      partitionCount: (topic) => owner.topicPartitionCount(topic),
    };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Kafka's mapping of a failed offsets-log append to what the group member is told. */
export function appendError(err: unknown, forCommit: boolean): KafkaError {
  const e = asKafkaError(err);
  const map: Partial<Record<ErrorName, ErrorName>> = {
    UNKNOWN_TOPIC_OR_PARTITION: 'COORDINATOR_NOT_AVAILABLE',
    NOT_ENOUGH_REPLICAS: 'COORDINATOR_NOT_AVAILABLE',
    NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'COORDINATOR_NOT_AVAILABLE',
    BROKER_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
    LEADER_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
    NOT_LEADER_OR_FOLLOWER: 'NOT_COORDINATOR',
    KAFKA_STORAGE_ERROR: 'NOT_COORDINATOR',
    NOT_COORDINATOR: 'NOT_COORDINATOR',
    COORDINATOR_NOT_AVAILABLE: 'COORDINATOR_NOT_AVAILABLE',
    REQUEST_TIMED_OUT: 'REQUEST_TIMED_OUT',
    MESSAGE_TOO_LARGE: forCommit ? 'INVALID_COMMIT_OFFSET_SIZE' : 'UNKNOWN_SERVER_ERROR',
    RECORD_LIST_TOO_LARGE: forCommit ? 'INVALID_COMMIT_OFFSET_SIZE' : 'UNKNOWN_SERVER_ERROR',
  };
  const name = map[e.errorName] ?? 'UNKNOWN_SERVER_ERROR';
  return name === e.errorName
    ? e
    : new KafkaError(name, `Writing to ${OFFSETS_TOPIC} failed: ${e.errorName}: ${e.message}`);
}

export class Shards {
  readonly list: Shard[] = [];
  private creating: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    readonly options: ShardOptions,
  ) {}

  // ---- topic and routing ------------------------------------------------------

  topicPartitionCount(topic: string): number | null {
    try {
      return this.cluster.topicImage(topic).partitions.length;
    } catch {
      return null;
    }
  }

  topicExists(): boolean {
    try {
      return this.cluster.topicImage(OFFSETS_TOPIC) !== undefined;
    } catch {
      return false;
    }
  }

  /** The topic's real partition count once it exists (it wins over the option). */
  get partitionCount(): number {
    try {
      return this.cluster.topicImage(OFFSETS_TOPIC).partitions.length;
    } catch {
      return this.options.offsetsTopicPartitions;
    }
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  async ensureTopic(): Promise<void> {
    if (this.closed) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'The group coordinator is closed');
    if (!this.topicExists()) {
      this.creating ??= (async () => {
        const rf = Math.min(this.options.offsetsReplicationFactor, this.cluster.brokerCount);
        try {
          await this.cluster.createTopic({
            name: OFFSETS_TOPIC,
            partitions: this.options.offsetsTopicPartitions,
            replicationFactor: rf,
            configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': '104857600' },
          });
        } catch (err) {
          const e = asKafkaError(err);
          if (e.errorName !== 'TOPIC_ALREADY_EXISTS') {
            throw new KafkaError(
              'COORDINATOR_NOT_AVAILABLE',
              `${OFFSETS_TOPIC} could not be created (${rf} replicas): ${e.message}`,
            );
          }
        }
      })().finally(() => {
        this.creating = null;
      });
      await this.creating;
    }
    this.syncShardList();
  }

  private syncShardList(): void {
    const n = this.partitionCount;
    while (this.list.length < n) this.list.push(new Shard(this.list.length, this));
  }

  /**
   * The loaded shard of a group. `create` makes the topic when missing;
   * without it, a missing topic yields null (no group exists anywhere).
   * With a broker in `ctx` (the wire path) a wrong broker is NOT_COORDINATOR
   * and a loading shard COORDINATOR_LOAD_IN_PROGRESS; in-process callers wait.
   */
  async shardFor(groupId: string, brokerId: number | undefined, create: boolean): Promise<Shard | null> {
    if (this.closed) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'The group coordinator is closed');
    if (!this.topicExists()) {
      if (!create) return null;
      await this.ensureTopic();
    }
    this.syncShardList();
    const index = this.partitionFor(groupId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const img = this.cluster.topicImage(OFFSETS_TOPIC).partitions[index]!;
      if (img.leader < 0)
        throw new KafkaError(
          'COORDINATOR_NOT_AVAILABLE',
          `${OFFSETS_TOPIC}-${index}, which coordinates group ${groupId}, has no leader`,
        );
      if (brokerId !== undefined && brokerId !== img.leader) {
        throw new KafkaError(
          'NOT_COORDINATOR',
          `Broker ${brokerId} is not the coordinator of group ${groupId}; broker ${img.leader} is`,
        );
      }
      const shard = this.list[index]!;
      if (
        shard.leader !== img.leader ||
        shard.epoch !== img.leaderEpoch ||
        shard.status === 'failed' ||
        shard.status === 'unloaded'
      ) {
        this.startLoad(shard, img.leader, img.leaderEpoch);
      }
      if (shard.status === 'loaded') return shard;
      if (brokerId !== undefined)
        throw new KafkaError(
          'COORDINATOR_LOAD_IN_PROGRESS',
          `Broker ${img.leader} is loading the groups of ${OFFSETS_TOPIC}-${index}`,
        );
      await shard.loading;
      const after = shard.status as ShardStatus; // changed by the load meanwhile
      if (after === 'loaded') return shard;
      if (after === 'failed' && attempt === 4) throw shard.error ?? new KafkaError('COORDINATOR_NOT_AVAILABLE');
    }
    throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `The coordinator of group ${groupId} kept moving while loading`);
  }

  /** Current leader of the group's offsets partition, or -1 (creating the topic when missing). */
  async coordinatorOf(groupId: string): Promise<number> {
    await this.ensureTopic();
    return this.cluster.topicImage(OFFSETS_TOPIC).partitions[this.partitionFor(groupId)]?.leader ?? -1;
  }

  // ---- loading --------------------------------------------------------------------

  /** Loads every shard whose leadership the image changed (eagerly, e.g. at attach); returns when all settled. */
  async syncAll(): Promise<void> {
    if (!this.topicExists() || this.closed) return;
    this.syncShardList();
    const img = this.cluster.topicImage(OFFSETS_TOPIC);
    for (const shard of this.list) {
      const p = img.partitions[shard.index]!;
      if (p.leader < 0) this.unload(shard, 'COORDINATOR_NOT_AVAILABLE', 'no leader');
      else if (
        shard.leader !== p.leader ||
        shard.epoch !== p.leaderEpoch ||
        shard.status === 'failed' ||
        shard.status === 'unloaded'
      )
        this.startLoad(shard, p.leader, p.leaderEpoch);
    }
    await Promise.all(this.list.map((s) => s.loading?.catch(() => undefined)));
  }

  /** Reacts to a leadership change of an offsets partition reported by the cluster. */
  onPartitionState(s: PartitionState): void {
    if (this.closed || s.topic !== OFFSETS_TOPIC) return;
    this.syncShardList();
    const shard = this.list[s.partition];
    if (!shard) return;
    if (s.leader < 0) this.unload(shard, 'COORDINATOR_NOT_AVAILABLE', 'its offsets partition has no leader');
    else if (shard.leader !== s.leader || shard.epoch !== s.leaderEpoch) this.startLoad(shard, s.leader, s.leaderEpoch);
  }

  unload(shard: Shard, error: ErrorName, why: string): void {
    shard.token++;
    for (const g of shard.groups.values())
      g.markDead(error, `The coordinator of group ${g.groupId} moved (${why}); find it again`);
    shard.groups.clear();
    shard.status = 'unloaded';
    shard.loading = null;
    shard.leader = -1;
    shard.epoch = -1;
  }

  private startLoad(shard: Shard, leader: number, epoch: number): void {
    this.unload(shard, 'NOT_COORDINATOR', `leader ${leader}, epoch ${epoch}`);
    shard.leader = leader;
    shard.epoch = epoch;
    shard.status = 'loading';
    shard.error = null;
    const token = shard.token;
    shard.loading = this.load(shard, token).catch((err: unknown) => {
      if (shard.token !== token) return;
      shard.status = 'failed';
      this.cluster.logger.warn('group-coordinator', `Loading ${OFFSETS_TOPIC}-${shard.index} failed`, err);
      const e = asKafkaError(err);
      shard.error = e.retriable
        ? e
        : new KafkaError('COORDINATOR_NOT_AVAILABLE', `Loading ${OFFSETS_TOPIC}-${shard.index} failed: ${e.message}`);
    });
  }

  private async load(shard: Shard, token: number): Promise<void> {
    const deadline = Date.now() + this.options.loadTimeoutMs;
    let replica: Partition | undefined;
    for (;;) {
      if (this.closed || this.cluster.isClosed || shard.token !== token) return;
      replica = this.leaderReplica(shard);
      if (replica) break;
      if (Date.now() > deadline)
        throw new KafkaError(
          'COORDINATOR_NOT_AVAILABLE',
          `Broker ${shard.leader} did not take the leadership of ${OFFSETS_TOPIC}-${shard.index} at epoch ` +
            `${shard.epoch}`,
        );
      // The metadata reaches the new leader's replica a moment after the controller; poll briefly.
      await sleep(5);
    }
    const res = await loadPartition(replica.log, replica.log.logEndOffset);
    if (shard.token !== token) return;
    for (const [groupId, loaded] of res.groups) {
      const g = Group.fromStored(groupId, shard.host, loaded.metadata);
      for (const [topic, byPartition] of loaded.offsets) for (const [p, o] of byPartition) g.offsets.put(topic, p, o);
      shard.groups.set(groupId, g);
    }
    shard.loadedRecords = res.records;
    shard.status = 'loaded';
  }

  /** The shard's leader replica if it still leads at the loaded epoch. */
  leaderReplica(shard: Shard): Partition | undefined {
    try {
      const p = this.cluster.replicaOn(this.cluster.topicImage(OFFSETS_TOPIC), shard.index, shard.leader);
      return p && p.role === 'leader' && p.leaderEpoch === shard.epoch && !p.log.isClosed ? p : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- writing --------------------------------------------------------------------

  /** Appends records (a null value is a tombstone) with acks=all through the shard's leader. */
  async append(shard: Shard, records: Array<{ key: Buffer; value: Buffer | null }>, forCommit: boolean): Promise<void> {
    if (records.length === 0) return;
    if (shard.status !== 'loaded' || !this.leaderReplica(shard)) {
      throw new KafkaError('NOT_COORDINATOR', `The coordinator of ${OFFSETS_TOPIC}-${shard.index} moved`);
    }
    const timestamp = this.options.now();
    const batch = buildBatch({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp })) });
    try {
      await this.cluster
        .broker(shard.leader)
        .replicas.produce(OFFSETS_TOPIC, shard.index, batch, -1, this.options.commitTimeoutMs);
    } catch (err) {
      throw appendError(err, forCommit);
    }
  }

  async storeGroup(shard: Shard, g: Group, assignments: Map<string, Buffer>): Promise<void> {
    if (shard.groups.get(g.groupId) !== g)
      throw new KafkaError('NOT_COORDINATOR', `Group ${g.groupId} is no longer coordinated here`);
    await this.append(
      shard,
      [{ key: encodeGroupKey(g.groupId), value: encodeGroupValue(storedGroupValue(g, assignments)) }],
      false,
    );
  }

  // ---- lifecycle ------------------------------------------------------------------

  /** Every loaded group (for listing, lag and expiry). */
  *loadedGroups(brokerId?: number): Iterable<{ shard: Shard; group: Group }> {
    for (const shard of this.list) {
      if (shard.status !== 'loaded' || (brokerId !== undefined && shard.leader !== brokerId)) continue;
      for (const group of shard.groups.values()) yield { shard, group };
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.list) this.unload(s, 'COORDINATOR_NOT_AVAILABLE', 'the coordinator closed');
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
