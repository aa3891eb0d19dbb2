/**
 * BrokerCheckpoint: what one broker's store is known to hold, kept in a small
 * file beside LevelDB's own files (`<broker dir>/replica-checkpoint.json`) and
 * outside LevelDB, so that LevelDB losing data is noticed on the next start
 * (Kafka's replication-offset-checkpoint and KRaft's log directory id).
 *
 * Rules a reader cannot see in the code:
 * - The incarnation id names one life of the store. It is made when the store
 *   is created, kept both here and in LevelDB (key 'I'), and registered with
 *   the controller. A store that comes back without it, or with another one,
 *   is not the store this checkpoint describes: none of its replicas is trusted.
 * - Per replica: the log end offset and latest leader epoch at the last
 *   checkpoint, and `unclean` for a replica that lost data and has not been
 *   refilled yet (it may not lead or rejoin the ISR until it is).
 * - It never claims more than the log holds: it is written from durable log
 *   end offsets only (about once a second while appends happen, and at a
 *   clean close), and a truncation lowers it, written, before the log is cut.
 *   So a log found shorter than its checkpoint, or with an older epoch, lost data.
 * - Written to a temporary file and renamed: a crash leaves the old or the new one.
 * - Nothing is written once closed: a killed broker's store may still have a
 *   truncation in flight when the broker starts again with a new store on the
 *   same folder, and its late write would race the new one's (each instance
 *   also has its own temporary file, so two never rename the same one).
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FORMAT_VERSION } from './keys';

export const CHECKPOINT_FILE = 'replica-checkpoint.json';
/** How long a changed checkpoint may wait before it is written. */
const SAVE_DELAY_MS = 1000;

export interface ReplicaCheckpoint {
  logEndOffset: number;
  leaderEpoch: number;
  unclean: boolean;
}

interface CheckpointJson {
  v: number;
  incarnationId: string;
  /** Set when LevelDB's repair rewrote the store: what it had may be incomplete. */
  repaired?: string;
  /** `topicId:partition` -> [logEndOffset, leaderEpoch, unclean 0/1] */
  replicas: Record<string, [number, number, number]>;
}

export class BrokerCheckpoint {
  private queued: Promise<void> | null = null;
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  /**
   * Set by close(): a closed checkpoint never writes again. A replica torn down with its broker may still note its
   * state afterwards; writing that would race the next incarnation of this store, which writes the same file (the
   * two renames of one `.tmp` fail with ENOENT, taking the log dir offline) and could put stale state over its own.
   */
  private closed = false;
  private static instances = 0;
  private readonly tmp: string;
  /** Set while the file cannot be written (a full or failing disk). */
  onSaveError: ((err: Error) => void) | null = null;

  private constructor(
    readonly file: string,
    /** The incarnation the file describes; null when there is no (readable) file. */
    readonly recordedIncarnation: string | null,
    readonly replicas: Map<string, ReplicaCheckpoint>,
    public incarnationId: string,
    /** Why LevelDB repaired the store since the last start; null when it did not. */
    readonly repaired: string | null = null,
  ) {
    this.tmp = `${file}.${process.pid}-${++BrokerCheckpoint.instances}.tmp`;
  }

  /** Records, before the store reopens, that LevelDB's repair rewrote it (see BrokerStore.repair). */
  static async markRepaired(dir: string, reason: string): Promise<void> {
    const cp = BrokerCheckpoint.load(dir);
    const j: CheckpointJson = { v: FORMAT_VERSION, incarnationId: cp.incarnationId, repaired: reason, replicas: {} };
    await writeFile(`${cp.file}.tmp`, JSON.stringify(j));
    await rename(`${cp.file}.tmp`, cp.file);
  }

  /** Reads the file in `dir`; a missing or unreadable one describes nothing. */
  static load(dir: string): BrokerCheckpoint {
    const file = join(dir, CHECKPOINT_FILE);
    const replicas = new Map<string, ReplicaCheckpoint>();
    let incarnation: string | null = null;
    let repaired: string | null = null;
    if (existsSync(file)) {
      try {
        const j = JSON.parse(readFileSync(file, 'utf8')) as CheckpointJson;
        if (j.v === FORMAT_VERSION && typeof j.incarnationId === 'string') {
          incarnation = j.incarnationId;
          repaired = typeof j.repaired === 'string' ? j.repaired : null;
          for (const [key, [logEndOffset, leaderEpoch, unclean]] of Object.entries(j.replicas ?? {})) {
            replicas.set(key, { logEndOffset, leaderEpoch, unclean: unclean === 1 });
          }
        }
      } catch {
        // A torn or foreign file: nothing is known, so nothing can be found missing.
      }
    }
    return new BrokerCheckpoint(file, incarnation, replicas, incarnation ?? '', repaired);
  }

  get(key: string): ReplicaCheckpoint | undefined {
    return this.replicas.get(key);
  }

  /** Records a replica's durable state; written within about a second. */
  note(key: string, cp: ReplicaCheckpoint): void {
    const old = this.replicas.get(key);
    if (old && old.logEndOffset === cp.logEndOffset && old.leaderEpoch === cp.leaderEpoch && old.unclean === cp.unclean)
      return;
    this.replicas.set(key, cp);
    this.dirty = true;
    if (!this.timer && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.save().catch(() => undefined);
      }, SAVE_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Forgets replicas this broker no longer hosts. */
  retain(keys: Set<string>): void {
    for (const key of [...this.replicas.keys()]) {
      if (!keys.has(key)) {
        this.replicas.delete(key);
        this.dirty = true;
      }
    }
  }

  /** Writes the file now (coalescing calls made while a write is in flight). */
  save(): Promise<void> {
    if (this.closed) return this.running.catch(() => undefined);
    if (this.queued) return this.queued;
    const q = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.writeNow();
      });
    this.queued = q;
    this.running = q;
    return q;
  }

  /** Stops the delayed write; `flush` writes what changed first. */
  async close(flush: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (flush && this.dirty) await this.save().catch(() => undefined);
    this.closed = true;
    await this.running.catch(() => undefined);
  }

  private async writeNow(): Promise<void> {
    this.dirty = false;
    const j: CheckpointJson = { v: FORMAT_VERSION, incarnationId: this.incarnationId, replicas: {} };
    for (const [key, r] of this.replicas) j.replicas[key] = [r.logEndOffset, r.leaderEpoch, r.unclean ? 1 : 0];
    const tmp = this.tmp;
    try {
      await writeFile(tmp, JSON.stringify(j));
      await rename(tmp, this.file);
    } catch (err) {
      this.dirty = true;
      this.onSaveError?.(err as Error);
      throw err;
    }
  }
}
