/**
 * Controller: owns cluster metadata. The active controller is the running
 * broker with the lowest id; it decides every change (topics, assignments,
 * leaders, ISRs, configs, broker fencing) and writes it to the MetadataLog,
 * which commits it to every running broker before any of them acts on it.
 *
 * Decisions are serialised through one queue, so each reads the image its
 * predecessors left. Leader election follows Kafka: the first live replica in
 * the ISR, in assignment order; a replica outside the ISR only when the topic
 * sets unclean.leader.election.enable. A fenced broker leaves every ISR except
 * where it is the last member (so that it can lead again cleanly); each new
 * leader bumps the leader epoch.
 *
 * Damaged replicas (KIP-966's idea of eligibility): a replica its broker
 * reports as unclean (it lost data: see storage/broker-checkpoint.ts) leaves
 * the ISR when the broker starts or when the damage is found, is never
 * elected while it is unclean (nor by the preferred-leader balancer), and an
 * unclean election prefers any replica that kept its data. It becomes
 * eligible again when its leader adds it back to the ISR after a refill.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { KafkaError } from '../errors';
import type { MetadataImage, MetadataRecordBody, PartitionImage, TopicImage } from './metadata-image';
import type { MetadataLog, MetadataReplica } from './metadata-log';
import type { Partition } from './partition';
import { brokerResource, validateBrokerConfigChange } from './broker-configs';
import { MAX_PARTITIONS } from './limits';
import { describeTopicConfigs, effectiveConfig, validateTopicConfigs, validateTopicName } from './topic-configs';
import type { ConfigEntry, CreateTopicOptions, PreferredElection } from './types';
import { decideElection, type ElectionOutcome, type ElectionSelection, type ElectionType } from './leader-election';

export interface ControllerContext {
  log: MetadataLog;
  /** The active controller's image (every running broker has the same one). */
  image(): MetadataImage;
  replicas(): MetadataReplica[];
  liveBrokerIds(): number[];
  /** A live broker's own view of its replica; undefined when it is down or does not host it. */
  replicaHealth(
    brokerId: number,
    topicId: string,
    partition: number,
  ): { unclean: boolean; needsReset: boolean } | undefined;
  /** num.partitions and default.replication.factor, read at each creation (they may change dynamically). */
  readonly defaultPartitions: number;
  readonly defaultReplicationFactor: number;
}

export class Controller {
  private queue: Promise<unknown> = Promise.resolve();
  /** Metadata offset and live brokers of the last balance check that found nothing to do (balanceLeaders). */
  private balancedState: string | null = null;

  constructor(private readonly ctx: ControllerContext) {}

  /** Runs a decision after every earlier one has been committed. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private write(records: MetadataRecordBody[]): Promise<number> {
    if (records.length === 0) return Promise.resolve(this.ctx.log.nextOffset);
    return this.ctx.log.append(records, this.ctx.replicas());
  }

  private get image(): MetadataImage {
    return this.ctx.image();
  }

  private unfencedLive(): number[] {
    return this.ctx
      .liveBrokerIds()
      .filter((id) => !this.image.isFenced(id))
      .sort((a, b) => a - b);
  }

  private topicOrThrow(name: string): TopicImage {
    const t = this.image.topic(name);
    if (!t) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${name} does not exist`);
    return t;
  }

  /** Kafka's rack-unaware assignment: leaders round-robin from a random start, followers shifted. */
  static assignReplicas(brokers: number[], partitions: number, rf: number, startPartition = 0): number[][] {
    const n = brokers.length;
    const start = randomInt(n);
    let shift = randomInt(n);
    const out: number[][] = [];
    for (let p = startPartition; p < startPartition + partitions; p++) {
      if (p > 0 && p % n === 0) shift++;
      const first = (p + start) % n;
      const replicas = [brokers[first]!];
      for (let j = 0; j < rf - 1; j++) replicas.push(brokers[(first + 1 + ((shift + j) % (n - 1))) % n]!);
      out.push(replicas);
    }
    return out;
  }

  createTopic(opts: CreateTopicOptions): Promise<string> {
    return this.run(async () => {
      const name = validateTopicName(opts.name);
      if (this.image.topic(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
      const configs = validateTopicConfigs(opts.configs ?? {});
      const live = this.unfencedLive();
      let assignments: number[][];
      if (opts.assignments && opts.assignments.length > 0) {
        assignments = opts.assignments;
        if (assignments.length > MAX_PARTITIONS) {
          throw new KafkaError(
            'INVALID_PARTITIONS',
            `assignments lists ${assignments.length} partitions; a topic has at most ${MAX_PARTITIONS}`,
            { field: 'assignments' },
          );
        }
        const rf = assignments[0]!.length;
        for (const [i, a] of assignments.entries()) {
          if (a.length !== rf || a.length === 0)
            throw new KafkaError(
              'INVALID_REPLICA_ASSIGNMENT',
              `Partition ${i} has ${a.length} replicas; every partition needs the same, non-zero number`,
            );
          if (new Set(a).size !== a.length)
            throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Partition ${i} lists a broker twice: ${a.join(', ')}`);
          const bad = a.find((b) => !Number.isInteger(b) || b < 0 || b >= this.image.brokerCount);
          if (bad !== undefined)
            throw new KafkaError(
              'INVALID_REPLICA_ASSIGNMENT',
              `Partition ${i} names broker ${bad}, which does not exist`,
            );
        }
      } else {
        const partitions = opts.partitions ?? this.ctx.defaultPartitions;
        const rf = opts.replicationFactor ?? Math.min(this.ctx.defaultReplicationFactor, live.length);
        if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
          throw new KafkaError(
            'INVALID_PARTITIONS',
            `partitions must be an integer from 1 to ${MAX_PARTITIONS} (the most this engine is measured to ` +
              `handle in one topic); got ${partitions}`,
            { field: 'partitions' },
          );
        }
        if (!Number.isInteger(rf) || rf < 1)
          throw new KafkaError(
            'INVALID_REPLICATION_FACTOR',
            `Replication factor must be a positive integer; got ${rf}`,
          );
        if (rf > live.length) {
          throw new KafkaError(
            'INVALID_REPLICATION_FACTOR',
            `Replication factor: ${rf} larger than available brokers: ${live.length}.`,
          );
        }
        assignments = Controller.assignReplicas(live, partitions, rf);
      }
      const minIsr = effectiveConfig(configs).minInsyncReplicas;
      if (minIsr > assignments[0]!.length) {
        // Kafka accepts this, but acks=all would then always fail; say so now.
        throw new KafkaError(
          'INVALID_CONFIG',
          `min.insync.replicas=${minIsr} is larger than the replication factor ${assignments[0]!.length}, so ` +
            `acks=all writes could never succeed`,
          { field: 'min.insync.replicas' },
        );
      }
      if (opts.validateOnly) return '';
      const topicId = randomBytes(16).toString('base64url');
      const records: MetadataRecordBody[] = [{ type: 'Topic', name, topicId }];
      for (const [name2, value] of Object.entries(configs))
        records.push({ type: 'Config', topicId, name: name2, value });
      const liveSet = new Set(live);
      assignments.forEach((replicas, partition) =>
        records.push(this.newPartitionRecord(topicId, partition, replicas, liveSet)),
      );
      await this.write(records);
      return topicId;
    });
  }

  private newPartitionRecord(
    topicId: string,
    partition: number,
    replicas: number[],
    live: Set<number>,
  ): MetadataRecordBody {
    const isr = replicas.filter((r) => live.has(r));
    const leader = isr[0] ?? -1;
    return {
      type: 'Partition',
      topicId,
      partition,
      replicas,
      isr: isr.length ? isr : [replicas[0]!],
      leader,
      leaderEpoch: 0,
      partitionEpoch: 0,
    };
  }

  deleteTopic(name: string): Promise<void> {
    return this.run(async () => {
      const t = this.topicOrThrow(name);
      await this.write([{ type: 'RemoveTopic', topicId: t.topicId }]);
    });
  }

  /**
   * Grows a topic to `totalCount` partitions. With `assignments` (one broker
   * list per new partition) the replicas are placed as given, validated as
   * KRaft's ReplicationControlManager does; otherwise the controller places them.
   */
  createPartitions(name: string, totalCount: number, validateOnly = false, assignments?: number[][]): Promise<void> {
    return this.run(async () => {
      const t = this.topicOrThrow(name);
      const current = t.partitions.length;
      if (!Number.isInteger(totalCount) || totalCount > MAX_PARTITIONS)
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `totalCount must be an integer up to ${MAX_PARTITIONS} (the most this engine is measured to handle in ` +
            `one topic); got ${totalCount}`,
          { field: 'totalCount' },
        );
      if (totalCount <= current) {
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `Topic currently has ${current} partitions, which is higher than or equal to the requested ${totalCount}.`,
        );
      }
      const rf = t.partitions[0]!.replicas.length;
      const additional = totalCount - current;
      let placed: number[][];
      if (assignments) {
        if (assignments.length !== additional) {
          throw new KafkaError(
            'INVALID_REPLICA_ASSIGNMENT',
            `Attempted to add ${additional} additional partition(s), but only ${assignments.length} assignment(s) ` +
              `were specified.`,
          );
        }
        const active = new Set(this.unfencedLive());
        assignments.forEach((replicas, i) => {
          this.validateManualAssignment(replicas, rf);
          if (!replicas.some((b) => active.has(b))) {
            throw new KafkaError(
              'INVALID_REPLICA_ASSIGNMENT',
              `All brokers specified in the manual partition assignment for partition ${current + i} are fenced ` +
                `or in controlled shutdown.`,
            );
          }
        });
        placed = assignments;
      } else {
        const live = this.unfencedLive();
        if (rf > live.length)
          throw new KafkaError(
            'INVALID_REPLICATION_FACTOR',
            `Replication factor ${rf} is larger than the ${live.length} available brokers`,
          );
        placed = Controller.assignReplicas(live, additional, rf, current);
      }
      if (validateOnly) return;
      const liveSet = new Set(this.unfencedLive());
      await this.write(placed.map((replicas, i) => this.newPartitionRecord(t.topicId, current + i, replicas, liveSet)));
    });
  }

  /**
   * Kafka's checks of one manual partition assignment: registered brokers, each once, as many as the topic's replicas.
   */
  private validateManualAssignment(replicas: number[], rf: number): void {
    if (replicas.length === 0)
      throw new KafkaError(
        'INVALID_REPLICA_ASSIGNMENT',
        'The manual partition assignment includes an empty replica list.',
      );
    const sorted = [...replicas].sort((a, b) => a - b);
    sorted.forEach((id, i) => {
      if (!Number.isInteger(id) || !this.image.brokers.has(id)) {
        throw new KafkaError(
          'INVALID_REPLICA_ASSIGNMENT',
          `The manual partition assignment includes broker ${id}, but no such broker is registered.`,
        );
      }
      if (i > 0 && sorted[i - 1] === id)
        throw new KafkaError(
          'INVALID_REPLICA_ASSIGNMENT',
          `The manual partition assignment includes the broker ${id} more than once.`,
        );
    });
    if (replicas.length !== rf) {
      throw new KafkaError(
        'INVALID_REPLICA_ASSIGNMENT',
        `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not ` +
          `consistent with previous partitions, which have ${rf} replica(s).`,
      );
    }
  }

  alterConfigs(
    name: string,
    set: Record<string, string>,
    remove: string[],
    validateOnly: boolean,
  ): Promise<ConfigEntry[]> {
    return this.run(async () => {
      const t = this.topicOrThrow(name);
      const valid = validateTopicConfigs(set);
      for (const n of remove) validateTopicConfigs({ [n]: effectiveDefault(n) });
      const next = { ...t.configs, ...valid };
      for (const n of remove) delete next[n];
      const rf = t.partitions[0]?.replicas.length ?? 1;
      if (effectiveConfig(next).minInsyncReplicas > rf) {
        throw new KafkaError(
          'INVALID_CONFIG',
          `min.insync.replicas=${effectiveConfig(next).minInsyncReplicas} is larger than the replication factor ${rf}`,
          { field: 'min.insync.replicas' },
        );
      }
      if (validateOnly) return describeTopicConfigs(next);
      const records: MetadataRecordBody[] = [];
      for (const [n, v] of Object.entries(valid))
        if (t.configs[n] !== v) records.push({ type: 'Config', topicId: t.topicId, name: n, value: v });
      for (const n of remove)
        if (n in t.configs) records.push({ type: 'Config', topicId: t.topicId, name: n, value: null });
      await this.write(records);
      return describeTopicConfigs(this.image.topicsById.get(t.topicId)?.configs ?? next);
    });
  }

  /**
   * Changes the dynamic broker configs of one resource ('' = cluster-wide
   * default, else a broker id): `set` entries stored, `remove` ones dropped
   * (back to the next level). Validated by broker-configs.ts.
   */
  alterBrokerConfigs(
    resource: string,
    set: Record<string, string>,
    remove: string[],
    validateOnly: boolean,
  ): Promise<void> {
    return this.run(async () => {
      const brokerCount = this.image.brokerCount;
      const name = brokerResource(resource, brokerCount);
      const valid = validateBrokerConfigChange(name, set, remove, { brokerCount });
      if (validateOnly) return;
      const current = this.image.brokerConfigs.get(name) ?? {};
      const records: MetadataRecordBody[] = [];
      for (const [n, v] of Object.entries(valid))
        if (current[n] !== v) records.push({ type: 'BrokerConfig', resource: name, name: n, value: v });
      for (const n of remove)
        if (n in current && !(n in valid)) records.push({ type: 'BrokerConfig', resource: name, name: n, value: null });
      await this.write(records);
    });
  }

  /**
   * A broker that finished starting: registers its store's incarnation,
   * unfences it, takes its unclean replicas out of the ISRs (moving their
   * leadership), and gives leaderless partitions a leader.
   */
  brokerStarted(id: number, incarnationId?: string): Promise<void> {
    return this.run(async () => {
      const records: MetadataRecordBody[] = [];
      const reg = this.image.brokers.get(id);
      if (!reg || (incarnationId !== undefined && reg.incarnationId !== incarnationId))
        records.push({ type: 'RegisterBroker', brokerId: id, incarnationId });
      records.push({ type: 'UnfenceBroker', brokerId: id });
      await this.write(records);
      const live = new Set(this.unfencedLive());
      const fenced: MetadataRecordBody[] = [];
      for (const t of this.image.topicsById.values()) {
        for (const p of t.partitions) {
          if (!p || !p.replicas.includes(id) || !this.isUnclean(id, t.topicId, p.partition)) continue;
          const change = this.withoutReplica(t, p, id, live);
          if (change) fenced.push(change);
        }
      }
      await this.write(fenced);
      await this.write(this.electLeaders(new Set(this.unfencedLive())));
    });
  }

  /** A replica found damaged while running: out of the ISR, and its leadership moves. */
  replicaDamaged(brokerId: number, topicId: string, partition: number): Promise<void> {
    return this.run(async () => {
      const t = this.image.topicsById.get(topicId);
      const p = t?.partitions[partition];
      if (!t || !p || !p.replicas.includes(brokerId)) return;
      const change = this.withoutReplica(t, p, brokerId, new Set(this.unfencedLive()));
      if (change) await this.write([change]);
    });
  }

  /** The ISR without `id` (unless it is the last member) and, if it led, another leader. */
  private withoutReplica(t: TopicImage, p: PartitionImage, id: number, live: Set<number>): MetadataRecordBody | null {
    const isr = p.isr.length > 1 || p.isr[0] !== id ? p.isr.filter((r) => r !== id) : p.isr;
    return this.chooseLeader(t, p, isr, live, p.leader === id);
  }

  private isUnclean(brokerId: number, topicId: string, partition: number): boolean {
    return this.ctx.replicaHealth(brokerId, topicId, partition)?.unclean ?? false;
  }

  /** Fences a broker that is stopping (controlled shutdown) or was killed, moving its leaderships. */
  brokerGone(id: number): Promise<void> {
    return this.run(async () => {
      const live = new Set(this.unfencedLive().filter((b) => b !== id));
      const records: MetadataRecordBody[] = [];
      for (const t of this.image.topicsById.values()) {
        for (const p of t.partitions) {
          if (!p || !p.replicas.includes(id)) continue;
          const isr = p.isr.length > 1 || p.isr[0] !== id ? p.isr.filter((r) => r !== id) : p.isr;
          const change = this.chooseLeader(t, p, isr, live, p.leader === id);
          if (change) records.push(change);
        }
      }
      records.push({ type: 'FenceBroker', brokerId: id });
      await this.write(records);
    });
  }

  /** Leader and ISR for a partition whose leader must change (or whose ISR did). */
  private chooseLeader(
    t: TopicImage,
    p: PartitionImage,
    isr: number[],
    live: Set<number>,
    mustMove: boolean,
  ): MetadataRecordBody | null {
    const clean = (r: number) => !this.isUnclean(r, t.topicId, p.partition);
    const leaderOk = p.leader >= 0 && live.has(p.leader) && !mustMove && clean(p.leader);
    if (leaderOk) {
      if (isr.join(',') === p.isr.join(',')) return null;
      return {
        type: 'PartitionChange',
        topicId: t.topicId,
        partition: p.partition,
        isr,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch + 1,
      };
    }
    let leader = p.replicas.find((r) => isr.includes(r) && live.has(r) && clean(r)) ?? -1;
    let newIsr = isr;
    if (leader < 0 && t.config.uncleanLeaderElection) {
      // Unclean, but never an emptied replica over one that kept its data.
      leader = p.replicas.find((r) => live.has(r) && clean(r)) ?? p.replicas.find((r) => live.has(r)) ?? -1;
      if (leader >= 0) newIsr = [leader];
    }
    if (leader === p.leader && newIsr.join(',') === p.isr.join(',')) return null;
    return {
      type: 'PartitionChange',
      topicId: t.topicId,
      partition: p.partition,
      leader,
      isr: newIsr,
      leaderEpoch: p.leaderEpoch + 1,
      partitionEpoch: p.partitionEpoch + 1,
    };
  }

  private electLeaders(live: Set<number>): MetadataRecordBody[] {
    const records: MetadataRecordBody[] = [];
    for (const t of this.image.topicsById.values()) {
      for (const p of t.partitions) {
        if (!p || (p.leader >= 0 && live.has(p.leader))) continue;
        const change = this.chooseLeader(t, p, p.isr, live, true);
        if (change) records.push(change);
      }
    }
    return records;
  }

  /** AlterPartition from a leader: accepted only from the current leader at the current epoch. */
  requestIsrChange(p: Partition, isr: number[]): Promise<void> {
    return this.run(async () => {
      const t = this.image.topicsById.get(p.topic.topicId);
      const img = t?.partitions[p.index];
      if (!t || !img || img.leader !== p.brokerId || img.leaderEpoch !== p.leaderEpoch) return;
      const live = new Set(this.unfencedLive());
      // A replica that lost data joins only once it has been emptied and refilled.
      const accepted = isr.filter(
        (r) =>
          live.has(r) &&
          img.replicas.includes(r) &&
          (img.isr.includes(r) || !this.ctx.replicaHealth(r, t.topicId, p.index)?.needsReset),
      );
      if (!accepted.includes(p.brokerId) || accepted.join(',') === img.isr.join(',')) return;
      await this.write([
        {
          type: 'PartitionChange',
          topicId: t.topicId,
          partition: p.index,
          isr: accepted,
          leaderEpoch: img.leaderEpoch,
          partitionEpoch: img.partitionEpoch + 1,
        },
      ]);
    }).catch(() => undefined);
  }

  /** Reserves `count` producer ids (KRaft's AllocateProducerIds); returns the first. */
  allocateProducerIds(count: number): Promise<number> {
    return this.run(async () => {
      const first = this.image.nextProducerId;
      await this.write([{ type: 'ProducerIds', nextProducerId: first + count }]);
      return first;
    });
  }

  /** Moves leadership back to each partition's preferred replica where it is live and in sync. */
  async balanceLeaders(): Promise<number> {
    // A check that moved nothing and was refused nothing decides the same until the metadata or the live brokers
    // change, so an idle cluster of any size skips it (it would build an outcome for every partition each time).
    // A refused partition keeps the check running: its preferred replica may become clean without a record.
    const state = `${this.ctx.log.nextOffset}/${this.unfencedLive().join(',')}`;
    if (state === this.balancedState) return 0;
    const result = await this.electPreferredLeaders(null);
    this.balancedState = result.moved.length === 0 && result.failed.length === 0 ? state : null;
    return result.moved.length;
  }

  /**
   * Preferred leader election for the partitions of `topics` or, with null, of every topic, in the engine's own
   * report shape: moved, led by their preferred replica already, and those whose preferred replica cannot lead.
   */
  async electPreferredLeaders(topics: ReadonlySet<string> | null): Promise<PreferredElection> {
    const selection = topics
      ? () =>
          [...topics].map((topic) => ({
            topic,
            partitions: (this.image.topicsByName.get(topic)?.partitions ?? []).map((p) => p.partition),
          }))
      : null;
    const outcomes = await this.electLeadersFor('PREFERRED', selection);
    const result: PreferredElection = { moved: [], alreadyPreferred: 0, failed: [] };
    for (const o of outcomes) {
      if (!o.error) result.moved.push({ topic: o.topic, partition: o.partition, from: o.from!, to: o.to! });
      else if (o.error.name === 'ELECTION_NOT_NEEDED') result.alreadyPreferred++;
      else if (o.error.name === 'PREFERRED_LEADER_NOT_AVAILABLE')
        result.failed.push({
          topic: o.topic,
          partition: o.partition,
          preferred: o.preferred,
          errorName: 'PREFERRED_LEADER_NOT_AVAILABLE',
          reason: o.error.message,
        });
    }
    const order = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
    result.moved.sort(order);
    result.failed.sort(order);
    return result;
  }

  /**
   * Kafka's ElectLeaders (leader-election.ts has the rules): one outcome per selected partition, the changes
   * committed before it resolves. `selection` may be a function, read inside the queue on the image then current.
   */
  electLeadersFor(
    type: ElectionType,
    selection: ElectionSelection | (() => ElectionSelection),
  ): Promise<ElectionOutcome[]> {
    return this.run(async () => {
      const { records, outcomes } = decideElection(
        {
          image: this.image,
          live: new Set(this.unfencedLive()),
          isUnclean: (b, t, p) => this.isUnclean(b, t, p),
        },
        type,
        typeof selection === 'function' ? selection() : selection,
      );
      await this.write(records);
      return outcomes;
    });
  }
}

function effectiveDefault(name: string): string {
  return describeTopicConfigs({}).find((c) => c.name === name)?.value ?? '';
}
