/**
 * LogCleaner: retention and compaction, run on a timer over the replicas of
 * every running broker (each broker cleans its own replicas, as in Kafka)
 * that are due: changed since their last cleaning, or at a time their last
 * cleaning set (cleaner-queue.ts). A replica that did not change costs a run
 * nothing, so an idle cluster of any size is cleaned for free.
 *
 * Retention (cleanup.policy contains delete) drops whole segments: those whose
 * newest record is older than retention.ms, then the oldest while the
 * partition stays at or above retention.bytes without them. Only segments
 * wholly below the high watermark go. Dropping advances the log start offset
 * and range-deletes the segment's keys; no record is read.
 *
 * Compaction (cleanup.policy contains compact) runs when the uncleaned share
 * of the log below the active segment reaches min.cleanable.dirty.ratio. It
 * maps each key to its latest offset, then rewrites each batch keeping only
 * the latest record per key. A rewritten batch keeps its base offset and last
 * offset (lastOffsetDelta), so offsets never move and the batch keeps its key.
 * Tombstones (null values) older than delete.retention.ms are dropped too.
 * Records newer than min.compaction.lag.ms, and the active segment, are left alone.
 */
import { batchLastOffset, decodeRecords, filterBatch } from '../record';
import type { LogSegment } from '../storage/log-segment';
import type { RunningReplicas } from './replica-access';
import type { Partition } from './partition';

export class LogCleaner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly cluster: RunningReplicas,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.runOnce().catch((e: unknown) => this.cluster.logger.warn('log-cleaner', 'A cleaner run failed', e));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running.catch(() => undefined);
  }

  /** One run over the replicas due; resolves to how many there were. */
  runOnce(): Promise<number> {
    if (!this.running) {
      this.running = (async () => {
        let touched = 0;
        for (const queue of [...this.cluster.cleanerQueues()]) {
          for (const partition of queue.take(Date.now())) {
            touched++;
            if (partition.log.isClosed) {
              queue.forget(partition);
              continue;
            }
            try {
              await this.clean(partition);
              queue.schedule(partition, this.nextDue(partition, Date.now()));
            } catch (e) {
              // A replica closed under the cleaner (broker stopped, topic deleted) is expected; else try next run.
              if (partition.log.isClosed) {
                queue.forget(partition);
              } else {
                queue.mark(partition);
                this.cluster.logger.warn(
                  'log-cleaner',
                  `Cleaning ${partition.topic.name}-${partition.index} failed`,
                  e,
                );
              }
            }
          }
        }
        return touched;
      })().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * When cleaning `p` could do something without its data changing (null: never): its oldest segment expiring
   * under retention.ms, or its youngest segment under min.compaction.lag.ms coming of age.
   */
  nextDue(p: Partition, now: number): number | null {
    const cfg = p.topic.config;
    const log = p.log;
    let due: number | null = null;
    const live = log.segments.filter((s) => !s.isEmpty && s.lastOffset >= log.logStartOffset);
    const oldest = live[0];
    // A segment not wholly below the HW waits for the HW, whose moves queue the replica anyway.
    if (cfg.cleanupDelete && cfg.retentionMs >= 0 && oldest && oldest.lastOffset < log.highWatermark)
      due = Math.max(now, oldest.maxTimestamp + cfg.retentionMs + 1);
    if (cfg.cleanupCompact && cfg.minCompactionLagMs > 0) {
      const young = live.find((s) => s.maxTimestamp > now - cfg.minCompactionLagMs);
      if (young) {
        const at = young.maxTimestamp + cfg.minCompactionLagMs + 1;
        if (due === null || at < due) due = at;
      }
    }
    return due;
  }

  async clean(p: Partition): Promise<void> {
    const cfg = p.topic.config;
    if (cfg.cleanupDelete) await this.applyRetention(p);
    if (cfg.cleanupCompact) await this.compact(p);
  }

  private async applyRetention(p: Partition): Promise<void> {
    const log = p.log;
    const cfg = p.topic.config;
    const now = Date.now();
    let newStart = log.logStartOffset;
    const segments = log.segments.filter((s) => !s.isEmpty && s.lastOffset >= log.logStartOffset);
    let i = 0;
    if (cfg.retentionMs >= 0) {
      for (; i < segments.length; i++) {
        const s = segments[i]!;
        if (s.maxTimestamp >= now - cfg.retentionMs || s.lastOffset >= log.highWatermark) break;
        newStart = s.lastOffset + 1;
      }
    }
    if (cfg.retentionBytes >= 0) {
      let size = segments.slice(i).reduce((n, s) => n + s.sizeBytes, 0);
      for (; i < segments.length; i++) {
        const s = segments[i]!;
        if (size - s.sizeBytes < cfg.retentionBytes || s.lastOffset >= log.highWatermark) break;
        size -= s.sizeBytes;
        newStart = s.lastOffset + 1;
      }
    }
    if (newStart > log.logStartOffset) {
      await log.advanceLogStart(newStart);
      p.kickFollowers();
      // The log start is one of the offsets listeners follow (lag counted from it, the partition views).
      p.onHighWatermark?.(p);
    }
  }

  private async compact(p: Partition): Promise<void> {
    const log = p.log;
    const cfg = p.topic.config;
    const now = Date.now();
    let end = Math.min(log.activeSegment.baseOffset, log.highWatermark);
    const candidates: LogSegment[] = [];
    for (const s of log.segments) {
      if (s.isEmpty || s.lastOffset < log.logStartOffset) continue;
      if (s.lastOffset >= end || s.maxTimestamp > now - cfg.minCompactionLagMs) {
        end = Math.min(end, s.baseOffset);
        break;
      }
      candidates.push(s);
    }
    if (candidates.length === 0) return;
    const total = candidates.reduce((n, s) => n + s.sizeBytes, 0);
    const dirty = candidates.filter((s) => s.lastOffset >= log.cleanedTo).reduce((n, s) => n + s.sizeBytes, 0);
    if (dirty === 0 || dirty / total < cfg.minCleanableDirtyRatio) return;

    const latest = new Map<string, number>();
    const from = Math.max(log.logStartOffset, candidates[0]!.baseOffset);
    for await (const batch of log.batchesBetween(from, end - 1)) {
      for (const r of await decodeRecords(batch)) if (r.key) latest.set(r.key.toString('latin1'), r.offset);
    }
    const tombstoneHorizon = now - cfg.deleteRetentionMs;
    const puts: Buffer[] = [];
    const deletes: number[] = [];
    const touched: LogSegment[] = [];
    for (const seg of candidates) {
      let changed = false;
      for await (const batch of log.batchesBetween(Math.max(seg.baseOffset, from), seg.lastOffset)) {
        const records = await decodeRecords(batch);
        const keep = new Set<number>();
        for (const r of records) {
          if (!r.key || latest.get(r.key.toString('latin1')) !== r.offset) continue;
          if (r.value === null && r.timestamp < tombstoneHorizon) continue;
          keep.add(r.offset);
        }
        if (keep.size === records.length) continue;
        changed = true;
        const filtered = keep.size === 0 ? null : await filterBatch(batch, (r) => keep.has(r.offset));
        if (filtered) {
          puts.push(filtered);
          seg.sizeBytes += filtered.length - batch.length;
        } else {
          deletes.push(batchLastOffset(batch));
          seg.sizeBytes -= batch.length;
          seg.batches -= 1;
        }
      }
      if (changed) touched.push(seg);
    }
    if (log.isClosed) return;
    await log.replaceBatches(puts, deletes, touched, end);
  }
}
