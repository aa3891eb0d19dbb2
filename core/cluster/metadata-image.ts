/**
 * Metadata records (KRaft's idea: every cluster change is a record in one
 * ordered log) and the image a broker builds by replaying them. Replaying the
 * same records always yields the same image; nothing else mutates it.
 *
 * Records are JSON with a format version `v` and the epoch `e` of the
 * controller that wrote them (used to pick the authoritative log on reopen).
 *
 * `toRecords()` is the inverse of replay: the records that rebuild this image
 * from empty. A metadata snapshot (metadata-snapshot.ts) stores exactly those,
 * so whoever adds state to the image (a new record type handled in `apply`)
 * must emit it in `toRecords` too; the snapshot tests replay one record of
 * every type and compare the two images.
 */
import { inheritedTopicDefaults, isTopicDefault } from './broker-configs';
import { effectiveConfig, type TopicConfig } from './topic-configs';

interface Base {
  v: number;
  e: number;
}

export type MetadataRecord = Base &
  (
    | { type: 'Cluster'; clusterId: string; brokers: number }
    /** `incarnationId` names the broker's store (KRaft's directory id); a new one means the old store is gone. */
    | { type: 'RegisterBroker'; brokerId: number; incarnationId?: string }
    | { type: 'FenceBroker'; brokerId: number }
    | { type: 'UnfenceBroker'; brokerId: number }
    | { type: 'Topic'; name: string; topicId: string }
    | { type: 'RemoveTopic'; topicId: string }
    | {
        type: 'Partition';
        topicId: string;
        partition: number;
        replicas: number[];
        isr: number[];
        leader: number;
        leaderEpoch: number;
        partitionEpoch: number;
      }
    | {
        type: 'PartitionChange';
        topicId: string;
        partition: number;
        leader?: number;
        isr?: number[];
        leaderEpoch: number;
        partitionEpoch: number;
      }
    | { type: 'Config'; topicId: string; name: string; value: string | null }
    /** A dynamic broker config: resource '' is the cluster-wide default, else a broker id; null value removes it. */
    | { type: 'BrokerConfig'; resource: string; name: string; value: string | null }
    /** A block of producer ids handed out: ids below `nextProducerId` are never given again. */
    | { type: 'ProducerIds'; nextProducerId: number }
  );

/** The record body without the fields the metadata log stamps on it. */
export type MetadataRecordBody = MetadataRecord extends infer R ? (R extends Base ? Omit<R, 'v' | 'e'> : never) : never;

export interface PartitionImage {
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
}

export interface TopicImage {
  name: string;
  topicId: string;
  /** The 16 id bytes used in storage keys. */
  idBytes: Buffer;
  partitions: PartitionImage[];
  configs: Record<string, string>;
  config: TopicConfig;
}

export interface BrokerRegistration {
  id: number;
  fenced: boolean;
  incarnationId?: string;
}

export class MetadataImage {
  clusterId = '';
  brokerCount = 0;
  /** Offset of the last record applied; -1 for an empty image. */
  offset = -1;
  /** First producer id not yet allocated (InitProducerId). */
  nextProducerId = 0;
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topicsByName = new Map<string, TopicImage>();
  readonly topicsById = new Map<string, TopicImage>();
  /** Dynamic broker configs by resource ('' cluster-wide, else the broker id), see broker-configs.ts. */
  readonly brokerConfigs = new Map<string, Record<string, string>>();
  /** What this broker's topics inherit from dynamic broker configs, by topic config name. */
  private inherited: Record<string, string> = {};

  /** `brokerId`: the broker whose image this is (its per-broker configs apply to its topics); -1 for none. */
  constructor(readonly brokerId = -1) {}

  apply(offset: number, r: MetadataRecord): void {
    this.offset = offset;
    switch (r.type) {
      case 'Cluster':
        this.clusterId = r.clusterId;
        this.brokerCount = r.brokers;
        break;
      case 'RegisterBroker':
        this.brokers.set(r.brokerId, { id: r.brokerId, fenced: true, incarnationId: r.incarnationId });
        break;
      case 'FenceBroker':
      case 'UnfenceBroker': {
        const b = this.brokers.get(r.brokerId) ?? { id: r.brokerId, fenced: true };
        b.fenced = r.type === 'FenceBroker';
        this.brokers.set(r.brokerId, b);
        break;
      }
      case 'Topic': {
        const t: TopicImage = {
          name: r.name,
          topicId: r.topicId,
          idBytes: Buffer.from(r.topicId, 'base64url'),
          partitions: [],
          configs: {},
          config: effectiveConfig({}, this.inherited),
        };
        this.topicsByName.set(r.name, t);
        this.topicsById.set(r.topicId, t);
        break;
      }
      case 'RemoveTopic': {
        const t = this.topicsById.get(r.topicId);
        if (t) {
          this.topicsById.delete(r.topicId);
          this.topicsByName.delete(t.name);
        }
        break;
      }
      case 'Partition': {
        const t = this.topicsById.get(r.topicId);
        if (t)
          t.partitions[r.partition] = {
            partition: r.partition,
            replicas: r.replicas,
            isr: r.isr,
            leader: r.leader,
            leaderEpoch: r.leaderEpoch,
            partitionEpoch: r.partitionEpoch,
          };
        break;
      }
      case 'PartitionChange': {
        const p = this.topicsById.get(r.topicId)?.partitions[r.partition];
        if (p) {
          if (r.leader !== undefined) p.leader = r.leader;
          if (r.isr !== undefined) p.isr = r.isr;
          p.leaderEpoch = r.leaderEpoch;
          p.partitionEpoch = r.partitionEpoch;
        }
        break;
      }
      case 'Config': {
        const t = this.topicsById.get(r.topicId);
        if (t) {
          if (r.value === null) delete t.configs[r.name];
          else t.configs[r.name] = r.value;
          t.config = effectiveConfig(t.configs, this.inherited);
        }
        break;
      }
      case 'BrokerConfig': {
        const values = { ...this.brokerConfigs.get(r.resource) };
        if (r.value === null) delete values[r.name];
        else values[r.name] = r.value;
        if (Object.keys(values).length) this.brokerConfigs.set(r.resource, values);
        else this.brokerConfigs.delete(r.resource);
        if (isTopicDefault(r.name) && (r.resource === '' || r.resource === String(this.brokerId))) {
          this.inherited = inheritedTopicDefaults(this.brokerConfigs, this.brokerId < 0 ? null : this.brokerId);
          for (const t of this.topicsById.values()) t.config = effectiveConfig(t.configs, this.inherited);
        }
        break;
      }
      case 'ProducerIds':
        this.nextProducerId = Math.max(this.nextProducerId, r.nextProducerId);
        break;
    }
  }

  /**
   * The records that rebuild this image when replayed into an empty one, in
   * an order that respects their dependencies (topics before their partitions
   * and configs). Arrays are copied so the new image shares nothing mutable.
   */
  toRecords(): MetadataRecordBody[] {
    const out: MetadataRecordBody[] = [];
    if (this.clusterId !== '' || this.brokerCount !== 0)
      out.push({ type: 'Cluster', clusterId: this.clusterId, brokers: this.brokerCount });
    for (const b of this.brokers.values()) {
      out.push({
        type: 'RegisterBroker',
        brokerId: b.id,
        ...(b.incarnationId !== undefined ? { incarnationId: b.incarnationId } : {}),
      });
      if (!b.fenced) out.push({ type: 'UnfenceBroker', brokerId: b.id });
    }
    for (const [resource, values] of this.brokerConfigs) {
      for (const [name, value] of Object.entries(values)) out.push({ type: 'BrokerConfig', resource, name, value });
    }
    for (const t of this.topicsById.values()) {
      out.push({ type: 'Topic', name: t.name, topicId: t.topicId });
      for (const [name, value] of Object.entries(t.configs))
        out.push({ type: 'Config', topicId: t.topicId, name, value });
      for (const p of t.partitions) {
        if (!p) continue;
        out.push({
          type: 'Partition',
          topicId: t.topicId,
          partition: p.partition,
          replicas: [...p.replicas],
          isr: [...p.isr],
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
        });
      }
    }
    if (this.nextProducerId > 0) out.push({ type: 'ProducerIds', nextProducerId: this.nextProducerId });
    return out;
  }

  /** How many records `toRecords()` returns, without building them. */
  get recordCount(): number {
    let n = this.clusterId !== '' || this.brokerCount !== 0 ? 1 : 0;
    for (const b of this.brokers.values()) n += b.fenced ? 1 : 2;
    for (const values of this.brokerConfigs.values()) n += Object.keys(values).length;
    for (const t of this.topicsById.values()) n += 1 + Object.keys(t.configs).length + t.partitions.length;
    return n + (this.nextProducerId > 0 ? 1 : 0);
  }

  /** Broker `brokerId`'s image rebuilt from `records` (a snapshot's), as of `offset`. */
  static fromRecords(records: readonly MetadataRecord[], offset: number, brokerId = -1): MetadataImage {
    const image = new MetadataImage(brokerId);
    for (const r of records) image.apply(offset, r);
    image.offset = offset;
    return image;
  }

  topic(name: string): TopicImage | undefined {
    return this.topicsByName.get(name);
  }

  isFenced(brokerId: number): boolean {
    return this.brokers.get(brokerId)?.fenced ?? true;
  }
}
