/**
 * Broker: one member of the embedded cluster. It owns its LevelDB store, its
 * copy of the metadata image and its ReplicaManager. Lifecycle:
 *   stopped -> starting (store opened, metadata caught up, replicas loaded)
 *           -> running  (registered and unfenced by the controller)
 *           -> stopping (leaderships moved away first) -> stopped
 * A kill skips the graceful steps: queued writes are dropped, nothing the
 * engine buffers is flushed, and the controller learns of it afterwards.
 *
 * Failure: a store that cannot open, or whose writes fail (a full or failing
 * disk: the log dir goes offline), leaves the broker stopped with `failure`
 * saying why, in LevelDB's words; the cluster reports it and the others go on.
 * A store created anew (its folder was emptied or deleted) is a new
 * incarnation: every replica the cluster already knew on this broker is
 * unclean and is refilled from the others (see broker-checkpoint.ts).
 */
import { join } from 'node:path';
import { KafkaError } from '../errors';
import { BrokerStore, type DamagedReplica } from '../storage/broker-store';
import { MetadataImage, type MetadataRecord } from './metadata-image';
import type { MetadataLog, MetadataReplica } from './metadata-log';
import { ReplicaManager, type ReplicaManagerDeps } from './replica-manager';
import type { BrokerLifecycle } from './types';

export class Broker implements MetadataReplica {
  status: BrokerLifecycle = 'stopped';
  image: MetadataImage;
  private _store: BrokerStore | null = null;
  private _replicas: ReplicaManager | null = null;
  private listenerPort: number | null = null;
  /** Why the broker is down against the user's will (store cannot open, log dir offline); null otherwise. */
  failure: string | null = null;
  /** Set while the failure is a store that went offline while running (writes failed). */
  logDirOffline = false;

  /** Listener port of the Kafka protocol server, null while it has none open (Cluster.setListenerPort). */
  get port(): number | null {
    return this.listenerPort;
  }

  /** Only the cluster calls this, for the Kafka listeners (Cluster.setListenerPort). */
  setListenerPort(port: number | null): void {
    this.listenerPort = port;
  }

  constructor(
    readonly id: number,
    readonly dataDir: string,
    private readonly deps: ReplicaManagerDeps & {
      onMetadataApplied: (broker: Broker, record: MetadataRecord) => void;
      onReplicaDamaged: (broker: Broker, log: DamagedReplica, reason: string) => void;
      onStoreFailure: (broker: Broker, reason: string) => void;
    },
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
    if (!this._replicas || this.status === 'stopped')
      throw new KafkaError('BROKER_NOT_AVAILABLE', `Broker ${this.id} is not running`);
    return this._replicas;
  }

  /** The replica manager, or null while stopped or still opening its store: never throws (background lookups). */
  get replicasIfReady(): ReplicaManager | null {
    return this.status === 'stopped' ? null : this._replicas;
  }

  /** Stopped against the user's will: BrokerState reports it as 'failed'. */
  get isFailed(): boolean {
    return this.status === 'stopped' && this.failure !== null;
  }

  get isUp(): boolean {
    return this.status === 'running' || this.status === 'starting' || this.status === 'stopping';
  }

  async openStore(): Promise<BrokerStore> {
    if (!this._store || !this._store.isOpen) {
      try {
        this._store = await BrokerStore.open(this.path);
      } catch (err) {
        this.failure = (err as Error).message;
        throw err;
      }
      this.failure = null;
      this.logDirOffline = false;
      const store = this._store;
      store.onFailure = (reason) => this.deps.onStoreFailure(this, reason);
      store.onReplicaDamaged = (log, reason) => this.deps.onReplicaDamaged(this, log, reason);
    }
    return this._store;
  }

  /** The incarnation of the open store (registered with the controller). */
  get incarnationId(): string {
    return this.store.incarnationId;
  }

  /** Catches up metadata from the log, replays it, and opens every hosted replica. */
  async start(log: MetadataLog): Promise<void> {
    this.status = 'starting';
    try {
      const store = await this.openStore();
      await log.syncReplica(store);
      this.image = log.cloneImage(this.id);
      if (store.fresh && this.hostsAnyReplica()) {
        store.lostData =
          `broker ${this.id}'s store ${this.path} was created anew (incarnation ${store.incarnationId}) ` +
          'although the cluster had replicas on it';
      }
      this._replicas = new ReplicaManager(this.id, store, this.image, this.deps);
      try {
        await this._replicas.loadAll();
      } finally {
        store.lostData = null;
      }
      store.checkpoint.retain(new Set(this._replicas.partitions.keys()));
      if (store.failure) throw store.fail(store.failure);
    } catch (err) {
      this.status = 'stopped';
      await this._replicas?.shutdown(true).catch(() => undefined);
      this._replicas = null;
      await this._store?.close(false).catch(() => undefined);
      this._store = null;
      if (this.failure === null) this.failure = (err as Error).message;
      throw err;
    }
  }

  private hostsAnyReplica(): boolean {
    for (const t of this.image.topicsById.values()) {
      for (const p of t.partitions) if (p?.replicas.includes(this.id)) return true;
    }
    return false;
  }

  /** Replicas that lost data and must not lead or stay in an ISR (reported to the controller at start). */
  uncleanReplicas(): Array<{ topicId: string; partition: number; reason: string }> {
    if (!this._replicas) return [];
    const out: Array<{ topicId: string; partition: number; reason: string }> = [];
    for (const p of this._replicas.partitions.values()) {
      if (p.log.unclean !== null) out.push({ topicId: p.topic.topicId, partition: p.index, reason: p.log.unclean });
    }
    return out;
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
        // log.segment.bytes / log.roll.ms may have changed what topics inherit; so may retention, which the
        // cleaner then has to look at on every replica.
        for (const p of rm.partitions.values()) {
          p.log.settings = { segmentBytes: p.topic.config.segmentBytes, segmentMs: p.topic.config.segmentMs };
          rm.cleanerQueue.mark(p);
        }
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
    if (store) await store.close(!abrupt);
  }

  get bytesOnDisk(): number {
    if (!this._replicas) return 0;
    let n = 0;
    for (const p of this._replicas.partitions.values()) n += p.log.sizeBytes;
    return n;
  }
}
