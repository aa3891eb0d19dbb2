/**
 * One broker's LevelDB. Nothing but the broker that owns `<dataDir>/broker-<id>/`
 * opens it. See keys.ts for the key layout. Stores are opened through
 * `classic-level` directly (what the `level` package resolves to in Node; the
 * project does not depend on `level`), loaded on the first open, not at
 * import (core/record/native.ts): without its binary for the platform, every
 * open fails with KAFKA_STORAGE_ERROR naming the module and the platform.
 *
 * Durability: a write is acknowledged once LevelDB has taken it into its
 * write-ahead log (no fsync per write, as Kafka does not fsync per write
 * either); a process killed with SIGKILL keeps it because the OS has it.
 * Every logical change (batch data plus the segment and replica metadata that
 * point at it) is one `db.batch`, so a crash never leaves a torn append.
 *
 * Single-threaded: all calls come from the one Node event loop; LevelDB's own
 * work runs on libuv's pool, which is why PartitionLog keeps at most one write
 * per partition in flight (see partition-log.ts).
 *
 * Damage (see broker-checkpoint.ts for how lost data is noticed):
 * - A folder holding LevelDB files but no CURRENT is refused: LevelDB would
 *   silently create an empty store there and delete the table files.
 *   Otherwise an existing store is opened with createIfMissing off, so only an
 *   empty or missing folder becomes a new store (a new incarnation).
 * - An open that fails says why in LevelDB's words; only a held LOCK is
 *   reported as another process using the folder (`StoreOpenError.locked`).
 * - LevelDB never reads a table file we have not verified: LevelDB does not
 *   check block CRCs and its assertions abort the whole process on the
 *   garbage keys of a damaged block (table-check.ts says how that was found).
 *   So before every open and every repair, table files not verified before
 *   are checked block by block; a damaged one is salvaged (its bad blocks
 *   dropped from its index, or the file moved into lost/ and the rest
 *   repaired), and the store is marked repaired: every replica is refilled.
 * - A write that fails for an I/O reason (a full disk, a read-only or failing
 *   device) or reports corruption takes the store offline (`failure`, and
 *   `onFailure` is told once): LevelDB keeps failing every later write until
 *   the store is reopened, so the broker must stop using it and reopen it later.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ClassicLevel } from 'classic-level';
import type { AbstractBatchOperation } from 'abstract-level';
import { KafkaError } from '../errors';
import { requireNative } from '../record/native';
import { BrokerCheckpoint, CHECKPOINT_FILE } from './broker-checkpoint';
import { forgetVerifiedTables, salvageTables } from './table-check';
import { FORMAT_VERSION, KEY_FORMAT, KEY_INCARNATION, metadataKey, metadataOffsetOfKey, metadataRange } from './keys';

export type Db = ClassicLevel<Buffer, Buffer>;

type ClassicLevelModule = typeof import('classic-level');
let classicLevelModule: ClassicLevelModule | undefined;

function classicLevel(): ClassicLevelModule {
  return (classicLevelModule ??= requireNative<ClassicLevelModule>(
    'classic-level',
    (message, cause) => new KafkaError('KAFKA_STORAGE_ERROR', `Broker stores cannot open: ${message}`, { cause }),
  ));
}
export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/**
 * Memory budget of one broker outside the V8 heap, chosen here and nowhere
 * else (issue 9: the engine must not grow with records stored or uptime):
 * - LevelDB memtables: up to 2 x WRITE_BUFFER_BYTES (the active one and the
 *   one being flushed). 16 MB: record batches are values of up to ~1 MB, and
 *   a larger memtable cuts write amplification for that shape.
 * - LevelDB block cache: BLOCK_CACHE_BYTES. Small on purpose: the newest
 *   batches (what followers and tailing consumers read) come from the tail
 *   cache, and older reads are one-pass scans that a block cache barely helps.
 * - Tail cache (partition-log.ts): TAIL_CACHE_PARTITION_BYTES per partition,
 *   TAIL_CACHE_BROKER_BYTES for all of a broker's partitions together.
 * So at most 2 x 16 + 8 + 32 = 72 MB a broker, 216 MB for a 3-broker cluster,
 * whatever the number of records or partitions.
 */
export const WRITE_BUFFER_BYTES = 16 * 1024 * 1024;
export const BLOCK_CACHE_BYTES = 8 * 1024 * 1024;
export const TAIL_CACHE_PARTITION_BYTES = 8 * 1024 * 1024;
export const TAIL_CACHE_BROKER_BYTES = 32 * 1024 * 1024;

/**
 * LevelDB's own snappy block compression is off: producers compress batches
 * themselves (and the wire hands them out as stored), so compressing again
 * costs CPU on every write and read for little gain.
 */
export const STORE_OPTIONS = {
  keyEncoding: 'buffer',
  valueEncoding: 'buffer',
  writeBufferSize: WRITE_BUFFER_BYTES,
  blockSize: 64 * 1024,
  maxFileSize: 32 * 1024 * 1024,
  cacheSize: BLOCK_CACHE_BYTES,
  compression: false,
} as const;

/** A store that cannot be opened; `locked` when another process holds it. */
export class StoreOpenError extends KafkaError {
  constructor(
    message: string,
    readonly locked: boolean,
  ) {
    super('KAFKA_STORAGE_ERROR', message);
  }
}

const LEVELDB_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(log|ldb|sst))$/;

/** I/O and corruption errors take the store offline; a closed store or bad input does not. */
export function isStorageFailure(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  const code = e?.code ?? '';
  if (
    code === 'LEVEL_IO_ERROR' ||
    code === 'LEVEL_CORRUPTION' ||
    code === 'ENOSPC' ||
    code === 'EIO' ||
    code === 'EROFS'
  )
    return true;
  if (e?.cause?.code === 'LEVEL_IO_ERROR' || e?.cause?.code === 'LEVEL_CORRUPTION') return true;
  return /^(IO error|Corruption):/.test(e?.message ?? '');
}

/**
 * The partition log a damaged read came from, as the store's owner sees it (a PartitionLog; named by shape so this
 * module, which partition-log.ts builds on, does not import it back).
 */
export interface DamagedReplica {
  /** PartitionLog.key: `topicId:partition` (keys.ts partitionKey). */
  readonly key: string;
  markUnclean(reason: string, epoch?: number): void;
}

export class BrokerStore {
  readonly db: Db;
  private closed = false;
  /** Bytes held by the tail caches of this broker's partition logs (see partition-log.ts). */
  tailCacheBytes = 0;
  /** Why the store went offline (a failed write); null while it works. */
  failure: string | null = null;
  onFailure: ((reason: string) => void) | null = null;
  /** Told when a read finds one replica's data damaged (the store itself still works). */
  onReplicaDamaged: ((log: DamagedReplica, reason: string) => void) | null = null;
  /**
   * Set while replicas are loaded at start when none of them can be trusted
   * (a new incarnation where the cluster knew data, or LevelDB lost its records).
   */
  lostData: string | null = null;

  private constructor(
    readonly path: string,
    db: Db,
    /** Created by this open: an empty folder, a new incarnation. */
    readonly fresh: boolean,
    readonly checkpoint: BrokerCheckpoint,
  ) {
    this.db = db;
    checkpoint.onSaveError = (err) => this.fail(err);
  }

  get incarnationId(): string {
    return this.checkpoint.incarnationId;
  }

  static async open(path: string): Promise<BrokerStore> {
    const files = existsSync(path) ? readdirSync(path) : [];
    const fresh = !files.some((n) => LEVELDB_FILE.test(n));
    if (!fresh && !files.includes('CURRENT')) {
      throw new StoreOpenError(
        `Cannot open broker store ${path}: its CURRENT file is missing, so LevelDB would start an empty store and delete the table files. Restore CURRENT, or remove the folder to have the broker refilled from the other replicas.`,
        false,
      );
    }
    mkdirSync(path, { recursive: true });
    if (!fresh) await BrokerStore.checkTables(path, null);
    const db: Db = new (classicLevel().ClassicLevel)<Buffer, Buffer>(path, {
      ...STORE_OPTIONS,
      createIfMissing: fresh,
    });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.message ?? (err as Error).message;
      if (cause?.code === 'LEVEL_LOCKED')
        throw new StoreOpenError(`Broker store ${path} is in use by another process (${detail})`, true);
      throw new StoreOpenError(`Cannot open broker store ${path}: ${detail}`, false);
    }
    try {
      return await BrokerStore.identify(path, db, fresh);
    } catch (err) {
      await db.close().catch(() => undefined);
      if (err instanceof KafkaError) throw err;
      throw new StoreOpenError(`Cannot read broker store ${path}: ${(err as Error).message}`, false);
    }
  }

  /** Format check and incarnation: decides whether the checkpoint describes this store. */
  private static async identify(path: string, db: Db, fresh: boolean): Promise<BrokerStore> {
    const format = await db.get(KEY_FORMAT);
    if (format !== undefined) {
      const v = (JSON.parse(format.toString()) as { v: number }).v;
      if (v !== FORMAT_VERSION)
        throw new StoreOpenError(
          `Broker store at ${path} has format version ${v}; this build reads version ${FORMAT_VERSION}`,
          false,
        );
    }
    const checkpoint = BrokerCheckpoint.load(path);
    const storedValue = await db.get(KEY_INCARNATION);
    const stored =
      storedValue === undefined
        ? null
        : (JSON.parse(storedValue.toString()) as { incarnationId: string }).incarnationId;
    let lostData: string | null = null;
    let incarnation = stored;
    if (stored === null) {
      incarnation = randomBytes(12).toString('base64url');
      // A store without one was made by an earlier build, unless the checkpoint knew one.
      if (!fresh && checkpoint.recordedIncarnation !== null)
        lostData = `the store lost its incarnation record (${CHECKPOINT_FILE} names ${checkpoint.recordedIncarnation})`;
    } else if (checkpoint.recordedIncarnation !== null && checkpoint.recordedIncarnation !== stored) {
      lostData = `the store is incarnation ${stored} but ${CHECKPOINT_FILE} describes ${checkpoint.recordedIncarnation}`;
    }
    if (checkpoint.repaired !== null)
      lostData = `the store was repaired after "${checkpoint.repaired}", so what it kept may be incomplete`;
    const writes: BatchOp[] = [];
    if (format === undefined)
      writes.push({ type: 'put', key: KEY_FORMAT, value: Buffer.from(JSON.stringify({ v: FORMAT_VERSION })) });
    if (stored === null)
      writes.push({
        type: 'put',
        key: KEY_INCARNATION,
        value: Buffer.from(JSON.stringify({ v: FORMAT_VERSION, incarnationId: incarnation })),
      });
    if (writes.length > 0) await db.batch(writes as AbstractBatchOperation<Db, Buffer, Buffer>[]);
    checkpoint.incarnationId = incarnation!;
    if (lostData || fresh) checkpoint.replicas.clear();
    const store = new BrokerStore(path, db, fresh, checkpoint);
    store.lostData = lostData;
    return store;
  }

  /**
   * LevelDB's repair (for a store whose table files are corrupt): it keeps
   * what it can read and rebuilds the MANIFEST. What it kept may have holes,
   * so the next open treats every replica as unclean, to be refilled.
   */
  static async repair(path: string, reason: string): Promise<void> {
    await BrokerCheckpoint.markRepaired(path, reason);
    // LevelDB's repair copies every entry of a damaged table in file order and aborts on the first out of order.
    // Every table is checked, verified before or not: the damage LevelDB reported may have come since.
    await BrokerStore.checkTables(path, reason, true);
    await classicLevel().ClassicLevel.repair(path);
  }

  /**
   * Verifies and salvages the store's table files before LevelDB reads them (table-check.ts). A damaged one
   * marks the store repaired (its replicas are refilled); one moved aside needs LevelDB's repair to rebuild the
   * MANIFEST, unless the caller (`repairing`: the reason it repairs for) runs that repair itself next.
   */
  private static async checkTables(path: string, repairing: string | null, recheckAll = false): Promise<void> {
    let salvage;
    try {
      salvage = await salvageTables(path, recheckAll);
    } catch (err) {
      throw new StoreOpenError(
        `Cannot check the table files of broker store ${path}: ${(err as Error).message}`,
        false,
      );
    }
    if (!salvage) return;
    await BrokerCheckpoint.markRepaired(path, repairing ? `${repairing}; ${salvage.reason}` : salvage.reason);
    if (salvage.needsRepair && repairing === null) await classicLevel().ClassicLevel.repair(path);
  }

  /**
   * A read found one replica's data damaged: the owner is told, and the tables' verification is forgotten, since
   * a table damaged after it was verified may hold more (the next open or repair checks every table again).
   */
  replicaDamaged(log: DamagedReplica, reason: string): void {
    void forgetVerifiedTables(this.path).catch(() => undefined);
    this.onReplicaDamaged?.(log, reason);
  }

  /** Takes the store offline after an I/O failure (once; later failures keep the first reason). */
  fail(err: unknown): KafkaError {
    const reason = (err as Error)?.message ?? String(err);
    if (this.failure === null && !this.closed) {
      this.failure = reason;
      this.onFailure?.(reason);
    }
    return new KafkaError('KAFKA_STORAGE_ERROR', `The log dir ${this.path} is offline: ${this.failure ?? reason}`);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** `flush` writes the checkpoint first (a clean close); a killed broker skips it. */
  async close(flush = true): Promise<void> {
    if (this.closed) return;
    await this.checkpoint.close(flush && this.failure === null);
    this.closed = true;
    await this.db.close();
  }

  async write(ops: BatchOp[]): Promise<void> {
    if (this.closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `Broker store at ${this.path} is closed`);
    if (this.failure !== null) throw this.fail(this.failure);
    try {
      await this.db.batch(ops as AbstractBatchOperation<Db, Buffer, Buffer>[]);
    } catch (err) {
      if (isStorageFailure(err)) throw this.fail(err);
      throw err;
    }
  }

  /**
   * Deletes a key range. LevelDB deletes only keys it can iterate, so a range
   * over a damaged block fails ("Corruption: bad entry in block") and would
   * fail on every retry: that takes the store offline like a failed write, and
   * the broker repairs it (cluster.ts), since its compactions will fail there too.
   */
  async clear(range: { gte: Buffer; lte: Buffer }): Promise<void> {
    if (this.closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `Broker store at ${this.path} is closed`);
    if (this.failure !== null) throw this.fail(this.failure);
    try {
      await this.db.clear(range);
    } catch (err) {
      if (isStorageFailure(err)) throw this.fail(err);
      throw err;
    }
  }

  async getJson<T>(key: Buffer): Promise<T | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : (JSON.parse(value.toString()) as T);
  }

  /** All metadata log records from `fromOffset` on, in offset order. */
  async readMetadata(fromOffset = 0): Promise<Array<{ offset: number; record: unknown }>> {
    const out: Array<{ offset: number; record: unknown }> = [];
    for await (const [key, value] of this.db.iterator(metadataRange(fromOffset))) {
      out.push({ offset: metadataOffsetOfKey(key), record: JSON.parse(value.toString()) });
    }
    return out;
  }

  async appendMetadata(entries: Array<{ offset: number; record: unknown }>): Promise<void> {
    await this.write(
      entries.map(({ offset, record }) => ({
        type: 'put' as const,
        key: metadataKey(offset),
        value: Buffer.from(JSON.stringify(record)),
      })),
    );
  }

  /** Drops metadata records at and after `offset` (a broker whose log diverged from the controller's). */
  async truncateMetadata(offset: number): Promise<void> {
    await this.db.clear(metadataRange(offset));
  }
}
