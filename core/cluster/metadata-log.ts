/**
 * MetadataLog: the cluster's ordered log of metadata records.
 *
 * Every running broker keeps a copy in its own store ('M' keys, plus
 * snapshots: metadata-snapshot.ts describes their format) and builds its
 * MetadataImage from it. The active controller appends.
 *
 * Commit: an append is committed once every broker that is still up has
 * persisted it; only then is it applied to the images, so no broker ever acts
 * on a change that could be lost. A broker stopped or killed while the append
 * was in flight is excused (it copies what it missed when it starts again).
 * If a broker that is up fails to persist it, or nobody persisted it, the
 * append fails with KAFKA_STORAGE_ERROR: nothing is applied, the log does not
 * advance, and the copies that did take it are cut back (were that cut to
 * fail too, the next append overwrites the same offsets).
 * So a commit needs every up broker's copy and at least one copy, not a
 * majority: the sandbox must keep changing metadata (leader elections) with
 * one broker of three left, and the brokers share one process, so in-process
 * the log in memory is the truth and every broker that starts later copies it
 * (syncReplica). What this gives on reopen: a committed record survives as
 * long as one store that persisted it opens at the next open; the recovery rule
 * below then picks a copy that holds it (the highest last epoch, or the same
 * epoch and is longer). A record whose append failed may survive on a copy
 * whose cut back failed too; if that copy wins, the record is there after
 * reopen, as an uncommitted record of a failed KRaft leader may be.
 *
 * Snapshots: once the records since the last snapshot reach both
 * `snapshotIntervalRecords` and the image's own size (so a snapshot never
 * costs more writes than the records it replaces), and on a clean close, the
 * image is written as a snapshot at the log's end offset to every running
 * broker's store, and each store range-deletes what its previous snapshot
 * makes unnecessary. In memory the log keeps only the image and the records
 * after its latest snapshot (`snapshotOffset`).
 *
 * Choosing the truth on reopen ("which copy wins"): each store's copy is its
 * newest valid snapshot plus the contiguous log after it (a torn or corrupt
 * snapshot falls back to the previous one). A controller killed in the middle
 * of an append may leave a record on some stores that the next controller
 * never saw. Each record carries the epoch of the controller that wrote it
 * (a snapshot header carries its last record's epoch); the copy whose last
 * record has the highest epoch, then the longest, is authoritative.
 *
 * Bringing a copy in line (`syncReplica`, on every broker start): if its
 * snapshot is one this log can check (at or after `snapshotOffset`, ending in
 * a record of the same epoch, KRaft's snapshot-id check) it is kept, its log
 * is compared record by record, cut back where it disagrees and refilled from
 * memory. Otherwise (behind the latest snapshot, ahead of the log, or of
 * another history) the current image is installed as a fresh snapshot and the
 * store's own snapshots and log are dropped.
 */
import { KafkaError } from '../errors';
import { FORMAT_VERSION } from '../storage/keys';
import type { BrokerStore } from '../storage/broker-store';
import { MetadataImage, type MetadataRecord, type MetadataRecordBody } from './metadata-image';
import {
  deleteSnapshot,
  dropSnapshotsExcept,
  pruneAfterSnapshot,
  readStoreView,
  viewEnd,
  viewLastEpoch,
  viewStart,
  writeSnapshot,
  type StoreMetadataView,
} from './metadata-snapshot';

export interface MetadataReplica {
  readonly id: number;
  readonly store: BrokerStore;
  /** False once the broker is stopped or killed: a failed write of it does not block a commit. */
  readonly isUp: boolean;
  applyMetadata(offset: number, record: MetadataRecord): Promise<void>;
}

export interface MetadataLogOptions {
  /** Fewest records between two snapshots (default 1,000). */
  snapshotIntervalRecords?: number;
  /** Where failures that cost nothing but a snapshot are reported. */
  warn?: (message: string, err?: unknown) => void;
}

export const DEFAULT_SNAPSHOT_INTERVAL_RECORDS = 1000;

export class MetadataLog {
  /** Records from `snapshotOffset` on, and their JSON (for comparing stored copies). */
  private records: MetadataRecord[] = [];
  private serialized: string[] = [];
  private base = 0;
  /** Epoch of the record just below `base` (-1 if none). */
  private baseEpoch = -1;
  /** The state after every committed record. */
  private image = new MetadataImage();
  /** Incremented each time a different broker becomes the active controller. */
  controllerEpoch = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly interval: number;
  private readonly warn: (message: string, err?: unknown) => void;

  constructor(opts: MetadataLogOptions = {}) {
    this.interval = opts.snapshotIntervalRecords ?? DEFAULT_SNAPSHOT_INTERVAL_RECORDS;
    if (!Number.isInteger(this.interval) || this.interval < 1) {
      throw new KafkaError(
        'INVALID_CONFIG',
        `The metadata snapshot interval must be a positive integer; got ${this.interval}`,
      );
    }
    this.warn = opts.warn ?? ((m, err) => process.emitWarning(`${m}: ${String(err)}`, 'MetadataLogWarning'));
  }

  get nextOffset(): number {
    return this.base + this.records.length;
  }

  /** End offset of the latest snapshot this log wrote or recovered from (0 if none). */
  get snapshotOffset(): number {
    return this.base;
  }

  /** Records kept in memory since the latest snapshot. */
  get recordsSinceSnapshot(): number {
    return this.records.length;
  }

  /** A fresh copy of the committed image, as broker `brokerId` sees it (what a starting broker replays). */
  cloneImage(brokerId = -1): MetadataImage {
    return MetadataImage.fromRecords(this.snapshotRecords(), this.nextOffset - 1, brokerId);
  }

  private snapshotRecords(): MetadataRecord[] {
    const e = this.lastEpoch;
    return this.image.toRecords().map((b) => ({ ...b, v: FORMAT_VERSION, e }) as MetadataRecord);
  }

  private get lastEpoch(): number {
    return this.records.length > 0 ? this.records[this.records.length - 1]!.e : this.baseEpoch;
  }

  /** Epoch of the record at `offset - 1` if this log can tell (`offset` in [base, nextOffset]). */
  private epochBefore(offset: number): number | undefined {
    if (offset < this.base || offset > this.nextOffset) return undefined;
    return offset === this.base ? this.baseEpoch : this.records[offset - 1 - this.base]!.e;
  }

  /** Picks the authoritative copy among the brokers' stores (see the module comment). */
  static async recover(stores: BrokerStore[], opts: MetadataLogOptions = {}): Promise<MetadataLog> {
    const log = new MetadataLog(opts);
    let best: StoreMetadataView | null = null;
    for (const store of stores) {
      const v = await readStoreView(store);
      if (
        !best ||
        viewLastEpoch(v) > viewLastEpoch(best) ||
        (viewLastEpoch(v) === viewLastEpoch(best) && viewEnd(v) > viewEnd(best))
      )
        best = v;
    }
    if (!best) return log;
    log.base = viewStart(best);
    log.baseEpoch = best.snapshot?.header.lastEpoch ?? -1;
    log.image = MetadataImage.fromRecords(best.snapshot?.records ?? [], log.base - 1);
    best.tail.forEach((r, i) => log.image.apply(log.base + i, r));
    log.records = best.tail;
    log.serialized = best.tailJson;
    log.controllerEpoch = Math.max(0, viewLastEpoch(best));
    return log;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Brings a broker's stored copy in line with this log (see the module comment). */
  syncReplica(store: BrokerStore): Promise<void> {
    return this.serial(async () => {
      const view = await readStoreView(store);
      const start = viewStart(view);
      const checkable =
        view.snapshot === null
          ? start === 0 && this.base === 0
          : this.epochBefore(start) === view.snapshot.header.lastEpoch;
      if (!checkable) {
        await this.install(store);
        return;
      }
      for (const offset of view.invalidSnapshots) await deleteSnapshot(store, offset);
      const end = viewEnd(view);
      let agree = start;
      while (
        agree < end &&
        agree < this.nextOffset &&
        view.tailJson[agree - start] === this.serialized[agree - this.base]
      )
        agree++;
      if (agree < end || view.strayLogKeys) await store.truncateMetadata(agree);
      if (agree < this.nextOffset) {
        const missing = [];
        for (let i = agree; i < this.nextOffset; i++) missing.push({ offset: i, record: this.records[i - this.base] });
        await store.appendMetadata(missing);
      }
    });
  }

  /** Replaces a store's copy by the current image as one snapshot (its own history is not trusted). */
  private async install(store: BrokerStore): Promise<void> {
    const end = this.nextOffset;
    // Records at or past `end` would read as the new snapshot's tail: they go first.
    await store.truncateMetadata(end);
    await writeSnapshot(store, end, this.lastEpoch, this.image.toRecords());
    await store.truncateMetadata(0);
    await dropSnapshotsExcept(store, end);
  }

  /**
   * Appends records as one commit (see the module comment for when it
   * commits), then applies them to each replica's image in order. Appends
   * are serialised. Resolves with the first record's offset.
   */
  append(bodies: MetadataRecordBody[], replicas: MetadataReplica[]): Promise<number> {
    return this.serial(async () => {
      const first = this.nextOffset;
      const recs = bodies.map((b) => ({ ...b, v: FORMAT_VERSION, e: this.controllerEpoch }) as MetadataRecord);
      const entries = recs.map((record, i) => ({ offset: first + i, record }));
      const results = await Promise.allSettled(replicas.map(async (r) => r.store.appendMetadata(entries)));
      const persisted = replicas.filter((_, i) => results[i]!.status === 'fulfilled');
      const failedUp = replicas.filter((r, i) => results[i]!.status === 'rejected' && r.isUp);
      if (failedUp.length > 0 || persisted.length === 0) {
        await Promise.allSettled(persisted.map(async (r) => r.store.truncateMetadata(first)));
        const reasons = replicas
          .map((r, i) => {
            const res = results[i]!;
            return res.status === 'rejected'
              ? `broker ${r.id}: ${(res.reason as Error)?.message ?? String(res.reason)}`
              : null;
          })
          .filter((x) => x);
        const why = replicas.length === 0 ? 'no broker is running' : reasons.join('; ');
        throw new KafkaError('KAFKA_STORAGE_ERROR', `Metadata change not committed: ${why}`);
      }
      this.records.push(...recs);
      this.serialized.push(...recs.map((r) => JSON.stringify(r)));
      for (const { offset, record } of entries) this.image.apply(offset, record);
      for (const r of persisted) {
        for (const { offset, record } of entries) await r.applyMetadata(offset, record);
      }
      if (this.records.length >= Math.max(this.interval, this.image.recordCount)) await this.writeSnapshots(replicas);
      return first;
    });
  }

  /** Writes a snapshot of the current image to every given broker's store now (clean shutdown). */
  snapshot(replicas: MetadataReplica[]): Promise<void> {
    return this.serial(async () => {
      if (this.records.length > 0) await this.writeSnapshots(replicas);
    });
  }

  private async writeSnapshots(replicas: MetadataReplica[]): Promise<void> {
    const end = this.nextOffset;
    const epoch = this.lastEpoch;
    const bodies = this.image.toRecords();
    const results = await Promise.allSettled(
      replicas
        .filter((r) => r.isUp)
        .map(async (r) => {
          await writeSnapshot(r.store, end, epoch, bodies);
          await pruneAfterSnapshot(r.store, end);
        }),
    );
    for (const res of results) {
      // The store keeps its previous snapshot and log; it is brought in line when it next starts.
      if (res.status === 'rejected') this.warn(`Metadata snapshot at offset ${end} not written`, res.reason);
    }
    this.records = [];
    this.serialized = [];
    this.base = end;
    this.baseEpoch = epoch;
  }
}
