/**
 * Broker: one member of the embedded cluster. It owns its LevelDB store, its
 * copy of the metadata image and its ReplicaManager. Lifecycle:
 *   stopped -> starting (store opened, metadata caught up, replicas loaded)
 *           -> running  (registered and unfenced by the controller)
 *           -> stopping (leaderships moved away first) -> stopped
 * A kill skips the graceful steps: queued writes are dropped, nothing the
 * engine buffers is flushed, and the controller learns of it afterwards.
 */
import { join } from 'node:path';
import { KafkaError } from '../errors';
import { BrokerStore } from '../storage/broker-store';
import { MetadataImage, type MetadataRecord } from './metadata-image';
import type { MetadataLog, MetadataReplica } from './metadata-log';
import { ReplicaManager, type ReplicaManagerDeps } from './replica-manager';
import type { BrokerStatus } from './types';

export class Broker implements MetadataReplica {
  status: BrokerStatus = 'stopped';
  image: MetadataImage;
  private _store: BrokerStore | null = null;
  private _replicas: ReplicaManager | null = null;
  /** Listener port of the Kafka protocol server, set by it. */
  port: number | null = null;

  constructor(
    readonly id: number,
    readonly dataDir: string,
    private readonly deps: ReplicaManagerDeps & { onMetadataApplied: (broker: Broker, record: MetadataRecord) => void },
  ) {
    this.image = new MetadataImage(id);
  }

  get path(): string {
    return join(this.dataDir, `broker-${this.id}`);
  }

  get store(): BrokerStore {
    if (!this._store) throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${this.id} is not running`);
    return this._store;
  }

  get replicas(): ReplicaManager {
    if (!this._replicas || this.status === 'stopped') throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${this.id} is not running`);
    return this._replicas;
  }

  /** The replica manager, or null while stopped or still opening its store: never throws (background lookups). */
  get replicasIfReady(): ReplicaManager | null {
    return this.status === 'stopped' ? null : this._replicas;
  }

  get isUp(): boolean {
    return this.status === 'running' || this.status === 'starting' || this.status === 'stopping';
  }

  async openStore(): Promise<BrokerStore> {
    if (!this._store || !this._store.isOpen) this._store = await BrokerStore.open(this.path);
    return this._store;
  }

  /** Catches up metadata from the log, replays it, and opens every hosted replica. */
  async start(log: MetadataLog): Promise<void> {
    this.status = 'starting';
    try {
      const store = await this.openStore();
      await log.syncReplica(store);
      this.image = log.cloneImage(this.id);
      this._replicas = new ReplicaManager(this.id, store, this.image, this.deps);
      await this._replicas.loadAll();
    } catch (err) {
      this.status = 'stopped';
      await this._store?.close().catch(() => undefined);
      this._store = null;
      throw err;
    }
  }

  async applyMetadata(offset: number, record: MetadataRecord): Promise<void> {
    if (!this._replicas || this.status === 'stopped') return;
    this.image.apply(offset, record);
    const rm = this._replicas;
    switch (record.type) {
      case 'Partition':
      case 'PartitionChange': {
        const t = this.image.topicsById.get(record.topicId);
        const p = t?.partitions[record.partition];
        // A Partition record is only ever written for a partition that did not exist before.
        if (t && p) await rm.reconcilePartition(t, p, record.type === 'Partition');
        break;
      }
      case 'Config': {
        const t = this.image.topicsById.get(record.topicId);
        if (t) await rm.reconcileTopic(t);
        break;
      }
      case 'RemoveTopic':
        await rm.removeTopic(record.topicId);
        break;
      case 'BrokerConfig':
        // log.segment.bytes / log.roll.ms may have changed what topics inherit.
        for (const p of rm.partitions.values()) p.log.settings = { segmentBytes: p.topic.config.segmentBytes, segmentMs: p.topic.config.segmentMs };
        break;
      default:
        break;
    }
    this.deps.onMetadataApplied(this, record);
  }

  async shutdown(abrupt: boolean): Promise<void> {
    const rm = this._replicas;
    const store = this._store;
    this.status = 'stopped';
    this._replicas = null;
    this._store = null;
    if (rm) await rm.shutdown(abrupt);
    if (store) await store.close();
  }

  get bytesOnDisk(): number {
    if (!this._replicas) return 0;
    let n = 0;
    for (const p of this._replicas.partitions.values()) n += p.log.sizeBytes;
    return n;
  }
}
