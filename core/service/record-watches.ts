/**
 * Live records: a connection watches a topic (or one partition) and receives
 * the records that become readable after the watch started. Reads are driven
 * by the engine's highWatermark events and batched per watch, so a busy topic
 * costs one read per partition every FLUSH_MS rather than one per append, and
 * a watcher that cannot keep up gets the newest records and a skipped count.
 */
import { randomUUID } from 'node:crypto';
import type { LiveRecords } from '../api/api';
import { recordToDto } from './dto';
import type { ClusterPort } from './engine-port';

const FLUSH_MS = 100;
const MAX_RECORDS_PER_FLUSH = 500;

interface Watch {
  id: string;
  topic: string;
  partition: number | undefined;
  /** Next offset to deliver, per partition. */
  next: Map<number, number>;
  /** Latest high watermark seen, per partition with undelivered data. */
  pending: Map<number, number>;
  timer: NodeJS.Timeout | null;
  flushing: Promise<void>;
  emit: (payload: LiveRecords) => void;
  closed: boolean;
}

export class RecordWatches {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly cluster: ClusterPort) {}

  /** Starts a watch at the current end of the log; throws if the topic does not exist. */
  add(topic: string, partition: number | undefined, emit: (payload: LiveRecords) => void): string {
    const states = this.cluster.partitions(topic);
    const next = new Map<number, number>();
    for (const p of states) next.set(p.partition, p.highWatermark);
    const id = randomUUID();
    this.watches.set(id, {
      id,
      topic,
      partition,
      next,
      pending: new Map(),
      timer: null,
      flushing: Promise.resolve(),
      emit,
      closed: false,
    });
    return id;
  }

  remove(id: string): boolean {
    const w = this.watches.get(id);
    if (!w) return false;
    w.closed = true;
    if (w.timer) clearTimeout(w.timer);
    this.watches.delete(id);
    return true;
  }

  onHighWatermark(e: { topic: string; partition: number; highWatermark: number }): void {
    for (const w of this.watches.values()) {
      if (w.topic !== e.topic || (w.partition !== undefined && w.partition !== e.partition)) continue;
      w.pending.set(e.partition, Math.max(e.highWatermark, w.pending.get(e.partition) ?? 0));
      if (!w.timer) {
        w.timer = setTimeout(() => {
          w.timer = null;
          w.flushing = w.flushing.then(() => this.flush(w));
        }, FLUSH_MS);
        w.timer.unref?.();
      }
    }
  }

  close(): void {
    for (const id of [...this.watches.keys()]) this.remove(id);
  }

  private async flush(w: Watch): Promise<void> {
    const pending = [...w.pending.entries()];
    w.pending.clear();
    const payload: LiveRecords = { subscriptionId: w.id, records: [], skipped: 0 };
    for (const [partition, hw] of pending) {
      // A partition created after the watch started begins at offset 0.
      let from = w.next.get(partition) ?? 0;
      if (hw <= from) continue;
      if (hw - from > MAX_RECORDS_PER_FLUSH) {
        payload.skipped += hw - from - MAX_RECORDS_PER_FLUSH;
        from = hw - MAX_RECORDS_PER_FLUSH;
      }
      w.next.set(partition, hw);
      try {
        const records = await this.cluster.readRecords({
          topic: w.topic,
          partition,
          start: { type: 'offset', offset: from },
          limit: hw - from,
        });
        for (const r of records) if (r.offset < hw) payload.records.push(recordToDto(r));
      } catch {
        // Records deleted or the topic removed meanwhile: nothing left to deliver for this range.
      }
    }
    if (!w.closed && (payload.records.length > 0 || payload.skipped > 0)) w.emit(payload);
  }
}
