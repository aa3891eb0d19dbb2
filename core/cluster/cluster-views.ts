/**
 * What the cluster looks like, as the UI and the API read it: the cluster's and each broker's state, partition
 * states (one page at a time for topics with thousands of partitions) and topic summaries. Built on each call from
 * the metadata image and the replicas in this process; nothing here changes the cluster or keeps state.
 *
 * Cheap by design: describeCluster counts from the image alone, and a partition page builds only its own states,
 * so a 10,000-partition topic costs one page of work per call (issue 9's figures in the bench).
 */
import { KafkaError } from '../errors';
import type { Broker } from './broker';
import type { MetadataImage, PartitionImage, TopicImage } from './metadata-image';
import type { Partition } from './partition';
import { isInternalTopic } from './topic-configs';
import type {
  BrokerState,
  ClusterState,
  PartitionFilter,
  PartitionPage,
  PartitionState,
  ReplicaState,
  TopicSummary,
} from './types';

/** What the views read from the cluster. */
export interface ClusterViewSource {
  clusterId(): string;
  controllerId(): number;
  metadataOffset(): number;
  /** The host name brokers advertise. */
  readonly host: string;
  /** The metadata image of any running broker (they agree once replayed). */
  image(): MetadataImage;
  brokers(): readonly Broker[];
  topicImage(name: string): TopicImage;
  replicaOn(topic: TopicImage, partition: number, brokerId: number): Partition | undefined;
  readableReplica(topic: TopicImage, partition: number): Partition | null;
}

/** Under-replicated or offline: what the 'problems' partition filter keeps. */
function isProblem(p: PartitionImage): boolean {
  return p.leader < 0 || p.isr.length < p.replicas.length;
}

export class ClusterViews {
  constructor(private readonly source: ClusterViewSource) {}

  /** Counted from the image alone (no replica is looked at), so it stays cheap at tens of thousands of partitions. */
  describeCluster(): ClusterState {
    const image = this.source.image();
    let partitions = 0;
    let under = 0;
    let offline = 0;
    const internal = { topics: 0, partitions: 0, underReplicatedPartitions: 0, offlinePartitions: 0 };
    for (const t of image.topicsById.values()) {
      const isInternal = isInternalTopic(t.name);
      if (isInternal) internal.topics++;
      for (const p of t.partitions) {
        if (!p) continue;
        partitions++;
        if (p.isr.length < p.replicas.length) under++;
        if (p.leader < 0) offline++;
        if (!isInternal) continue;
        internal.partitions++;
        if (p.isr.length < p.replicas.length) internal.underReplicatedPartitions++;
        if (p.leader < 0) internal.offlinePartitions++;
      }
    }
    return {
      clusterId: this.source.clusterId(),
      controllerId: this.source.controllerId(),
      brokers: this.brokers(),
      topics: image.topicsById.size,
      partitions,
      underReplicatedPartitions: under,
      offlinePartitions: offline,
      internal,
      metadataOffset: this.source.metadataOffset(),
    };
  }

  brokers(): BrokerState[] {
    return this.source.brokers().map((b) => this.brokerState(b));
  }

  brokerState(b: Broker): BrokerState {
    let led = 0;
    let replicas = 0;
    const image = this.source.brokers().find((x) => x.status !== 'stopped')?.image;
    if (b.status !== 'stopped') {
      for (const p of b.replicas.partitions.values()) {
        replicas++;
        if (p.role === 'leader') led++;
      }
    } else if (image) {
      // A stopped broker still has its replicas assigned (all offline now): count them, as the Brokers page does.
      for (const t of image.topicsByName.values())
        for (const p of t.partitions) if (p?.replicas.includes(b.id)) replicas++;
    }
    return {
      id: b.id,
      status: b.isFailed ? 'failed' : b.status,
      isController: b.id === this.source.controllerId(),
      fenced: image ? image.isFenced(b.id) : true,
      partitionsLed: led,
      replicas,
      bytesOnDisk: b.bytesOnDisk,
      host: this.source.host,
      port: b.port,
      failure: b.failure,
      logDirOffline: b.logDirOffline,
      logDir: { path: b.path, error: b.isFailed ? 'KAFKA_STORAGE_ERROR' : null },
    };
  }

  partitionState(t: TopicImage, index: number): PartitionState {
    const img = t.partitions[index]!;
    const local = (id: number): Partition | undefined => this.source.replicaOn(t, index, id);
    const replicaStates: ReplicaState[] = img.replicas.map((id) => {
      const p = local(id);
      return {
        brokerId: id,
        logEndOffset: p ? p.log.logEndOffset : null,
        logStartOffset: p ? p.log.logStartOffset : null,
        bytesOnDisk: p ? p.log.sizeBytes : null,
        inSync: img.isr.includes(id),
        offline: !p,
        isLeader: id === img.leader,
      };
    });
    const anyReplica = this.source.readableReplica(t, index);
    return {
      topic: t.name,
      partition: index,
      leader: img.leader,
      leaderEpoch: img.leaderEpoch,
      replicas: img.replicas,
      isr: img.isr,
      offlineReplicas: replicaStates.filter((r) => r.offline).map((r) => r.brokerId),
      readable: anyReplica !== null,
      logStartOffset: anyReplica?.log.logStartOffset ?? 0,
      highWatermark: anyReplica?.log.highWatermark ?? 0,
      logEndOffset: anyReplica?.log.logEndOffset ?? 0,
      bytesOnDisk: anyReplica?.log.sizeBytes ?? 0,
      replicaStates,
    };
  }

  partitions(topic: string): PartitionState[] {
    const t = this.source.topicImage(topic);
    return t.partitions.map((_, i) => this.partitionState(t, i));
  }

  /**
   * One page of a topic's partitions, in partition order: `offset` and
   * `limit` count within those the filter keeps ('problems': under-replicated
   * or offline). Only the page's states are built.
   */
  partitionPage(topic: string, opts: { offset: number; limit: number; filter?: PartitionFilter }): PartitionPage {
    const t = this.source.topicImage(topic);
    if (!Number.isInteger(opts.offset) || opts.offset < 0)
      throw new KafkaError('INVALID_REQUEST', `offset must be a non-negative integer; got ${opts.offset}`);
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new KafkaError('INVALID_REQUEST', `limit must be a positive integer; got ${opts.limit}`);
    const filter = opts.filter ?? 'all';
    let problems = 0;
    const matching: number[] = [];
    for (const p of t.partitions) {
      if (!p) continue;
      const problem = isProblem(p);
      if (problem) problems++;
      if (filter === 'all' || problem) matching.push(p.partition);
    }
    const partitions = matching.slice(opts.offset, opts.offset + opts.limit).map((i) => this.partitionState(t, i));
    return {
      topic: t.name,
      filter,
      offset: opts.offset,
      total: t.partitions.length,
      matching: matching.length,
      problems,
      partitions,
    };
  }

  summary(t: TopicImage): TopicSummary {
    let messages = 0;
    let bytesOnDisk = 0;
    let under = 0;
    let offline = 0;
    for (const img of t.partitions) {
      if (!img) continue;
      if (img.isr.length < img.replicas.length) under++;
      if (img.leader < 0) offline++;
      const r = this.source.readableReplica(t, img.partition);
      if (!r) continue;
      messages += Math.max(0, r.log.highWatermark - r.log.logStartOffset);
      bytesOnDisk += r.log.sizeBytes;
    }
    return {
      name: t.name,
      topicId: t.topicId,
      internal: isInternalTopic(t.name),
      partitions: t.partitions.length,
      replicationFactor: t.partitions[0]?.replicas.length ?? 0,
      messages,
      bytesOnDisk,
      underReplicatedPartitions: under,
      offlinePartitions: offline,
      cleanupPolicy: t.config.cleanupPolicy,
    };
  }

  listTopics(opts: { includeInternal?: boolean } = {}): TopicSummary[] {
    return [...this.source.image().topicsByName.values()]
      .filter((t) => opts.includeInternal || !isInternalTopic(t.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => this.summary(t));
  }
}
