/**
 * One broker's LevelDB. Nothing but the broker that owns `<dataDir>/broker-<id>/`
 * opens it. See keys.ts for the key layout. Stores are opened through
 * `classic-level` directly (what the `level` package resolves to in Node; the
 * project does not depend on `level`).
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
 */
import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import type { AbstractBatchOperation } from 'abstract-level';
import { KafkaError } from '../errors';
import { FORMAT_VERSION, KEY_FORMAT, metadataKey, metadataOffsetOfKey, metadataRange } from './keys';

export type Db = ClassicLevel<Buffer, Buffer>;
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

export class BrokerStore {
  readonly db: Db;
  private closed = false;
  /** Bytes held by the tail caches of this broker's partition logs (see partition-log.ts). */
  tailCacheBytes = 0;

  private constructor(readonly path: string, db: Db) {
    this.db = db;
  }

  static async open(path: string): Promise<BrokerStore> {
    mkdirSync(path, { recursive: true });
    const db: Db = new ClassicLevel<Buffer, Buffer>(path, STORE_OPTIONS);
    try {
      await db.open();
    } catch (err) {
      throw new KafkaError('KAFKA_STORAGE_ERROR', `Cannot open broker store at ${path}: ${(err as Error).message}`);
    }
    const store = new BrokerStore(path, db);
    const format = await db.get(KEY_FORMAT);
    if (format === undefined) {
      await db.put(KEY_FORMAT, Buffer.from(JSON.stringify({ v: FORMAT_VERSION })));
    } else {
      const v = (JSON.parse(format.toString()) as { v: number }).v;
      if (v !== FORMAT_VERSION) {
        await db.close();
        throw new KafkaError('KAFKA_STORAGE_ERROR', `Broker store at ${path} has format version ${v}; this build reads version ${FORMAT_VERSION}`);
      }
    }
    return store;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  async write(ops: BatchOp[]): Promise<void> {
    if (this.closed) throw new KafkaError('KAFKA_STORAGE_ERROR', `Broker store at ${this.path} is closed`);
    await this.db.batch(ops as AbstractBatchOperation<Db, Buffer, Buffer>[]);
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
    await this.write(entries.map(({ offset, record }) => ({ type: 'put' as const, key: metadataKey(offset), value: Buffer.from(JSON.stringify(record)) })));
  }

  /** Drops metadata records at and after `offset` (a broker whose log diverged from the controller's). */
  async truncateMetadata(offset: number): Promise<void> {
    await this.db.clear(metadataRange(offset));
  }
}
