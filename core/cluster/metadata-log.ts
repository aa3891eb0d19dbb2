/**
 * MetadataLog: the cluster's ordered log of metadata records.
 *
 * Every running broker keeps a copy in its own store ('M' keys) and replays it
 * into its MetadataImage. The active controller appends; an append is
 * committed once every running broker has persisted it, and only then applied
 * to their images, so no broker ever acts on a change that could be lost.
 * A broker that was down copies what it missed when it starts again.
 *
 * Choosing the truth on reopen: a controller killed in the middle of an
 * append may leave a record on some brokers that the next controller never
 * saw. Each record carries the epoch of the controller that wrote it; the log
 * whose last record has the highest epoch (then the longest) is authoritative,
 * and every other copy is cut back to where it agrees with it and refilled.
 */
import { FORMAT_VERSION } from '../storage/keys';
import type { BrokerStore } from '../storage/broker-store';
import type { MetadataRecord, MetadataRecordBody } from './metadata-image';

export interface MetadataReplica {
  readonly id: number;
  readonly store: BrokerStore;
  applyMetadata(offset: number, record: MetadataRecord): Promise<void>;
}

export class MetadataLog {
  private records: MetadataRecord[] = [];
  private serialized: string[] = [];
  /** Incremented each time a different broker becomes the active controller. */
  controllerEpoch = 0;
  private tail: Promise<unknown> = Promise.resolve();

  get nextOffset(): number {
    return this.records.length;
  }

  get all(): readonly MetadataRecord[] {
    return this.records;
  }

  /** Picks the authoritative copy among the brokers' stores (see the module comment). */
  static async recover(stores: BrokerStore[]): Promise<MetadataLog> {
    const log = new MetadataLog();
    let best: MetadataRecord[] = [];
    for (const store of stores) {
      const recs = (await store.readMetadata()).map((r) => r.record as MetadataRecord);
      const lastEpoch = (rs: MetadataRecord[]) => (rs.length ? rs[rs.length - 1]!.e : -1);
      if (lastEpoch(recs) > lastEpoch(best) || (lastEpoch(recs) === lastEpoch(best) && recs.length > best.length)) best = recs;
    }
    log.records = best;
    log.serialized = best.map((r) => JSON.stringify(r));
    log.controllerEpoch = best.reduce((m, r) => Math.max(m, r.e), 0);
    return log;
  }

  /**
   * Brings a broker's stored copy in line with this log and returns the
   * records it must replay, from the start, into a fresh image.
   */
  async syncReplica(store: BrokerStore): Promise<void> {
    const stored = await store.readMetadata();
    let agree = 0;
    while (agree < stored.length && agree < this.serialized.length && JSON.stringify(stored[agree]!.record) === this.serialized[agree]) agree++;
    if (agree < stored.length) await store.truncateMetadata(agree);
    if (agree < this.records.length) {
      const missing = [];
      for (let i = agree; i < this.records.length; i++) missing.push({ offset: i, record: this.records[i] });
      await store.appendMetadata(missing);
    }
  }

  /**
   * Appends records as one commit: persisted on every replica, then applied
   * to each replica's image in order. Appends are serialised.
   */
  append(bodies: MetadataRecordBody[], replicas: MetadataReplica[]): Promise<number> {
    const run = async (): Promise<number> => {
      const first = this.records.length;
      const recs = bodies.map((b) => ({ ...b, v: FORMAT_VERSION, e: this.controllerEpoch }) as MetadataRecord);
      const entries = recs.map((record, i) => ({ offset: first + i, record }));
      const results = await Promise.allSettled(replicas.map((r) => r.store.appendMetadata(entries)));
      // A replica whose store failed (killed meanwhile) catches up when it starts again.
      this.records.push(...recs);
      this.serialized.push(...recs.map((r) => JSON.stringify(r)));
      for (let i = 0; i < replicas.length; i++) {
        if (results[i]!.status !== 'fulfilled') continue;
        for (const { offset, record } of entries) await replicas[i]!.applyMetadata(offset, record);
      }
      return first;
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
