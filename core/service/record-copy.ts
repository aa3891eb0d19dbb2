/**
 * Copy (replay) of messages from one topic to another: the same choice of
 * records an export takes (a partition and offset or timestamp range, a
 * selection, a search's matches: record-export.ts's planExport fixes them
 * before anything is written), produced again with their keys, values and
 * headers, and optionally their partitions and timestamps.
 *
 * Rules a reader cannot see in the code below:
 * - Keeping partitions needs the target to have every source partition used;
 *   otherwise the copy is refused before any write, naming the partition.
 *   Without it the producer's rule picks (murmur2 of the key; keyless records
 *   spread, counted as "by the producer" in the dry run).
 * - Without keepTimestamps the records get the time of the write.
 * - Records go in source order, partition after partition, in produce calls
 *   of up to COPY_RECORDS records, acks all; a refused call stops the copy and
 *   the error says how many records were written. A damaged stored batch is
 *   skipped, as the export skips it, and counted in `skipped`.
 * - A copy into its own source topic replays the range fixed at the start: it
 *   does not chase the records it writes.
 */
import { KafkaError, asKafkaError } from '../errors';
import { partitionForKey } from '../record';
import type { ProduceRecord } from '../cluster/types';
import type { CopyReport, RecordSourceSpec } from '../api/api';
import type { ClusterPort } from './engine-port';
import { planExport, type ExportSpec } from './record-export';

export type CopySource = RecordSourceSpec;

export interface CopyOptions {
  source: CopySource;
  target: string;
  keepPartitions?: boolean;
  keepTimestamps?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (written: number, total: number) => void;
}

export type { CopyReport };

const COPY_RECORDS = 5000;

export async function copyRecords(c: ClusterPort, opts: CopyOptions): Promise<CopyReport> {
  const started = performance.now();
  if (typeof opts.target !== 'string' || opts.target === '')
    throw new KafkaError('INVALID_REQUEST', 'A copy needs a target topic', { field: 'target' });
  const targetCount = c.partitions(opts.target).length;
  const keepPartitions = opts.keepPartitions === true;
  const spec: ExportSpec = { ...opts.source, format: 'jsonl' };
  const plan = await planExport(c, spec, opts.signal);
  if (keepPartitions) {
    const missing = plan.ranges.find((r) => r.partition >= targetCount && r.to > r.from);
    if (missing)
      throw new KafkaError(
        'UNKNOWN_TOPIC_OR_PARTITION',
        `Partition ${missing.partition} of ${spec.topic} has no counterpart in ${opts.target} ` +
          `(it has ${targetCount} partition${targetCount === 1 ? '' : 's'}): add partitions, or let the producer pick`,
        { field: 'keepPartitions' },
      );
  }
  const report: CopyReport = {
    source: spec.topic,
    target: opts.target,
    dryRun: opts.dryRun === true,
    records: plan.total,
    perPartition: [],
    written: 0,
    skipped: 0,
    cancelled: false,
    elapsedMs: 0,
  };
  const counts = new Map<number | null, number>();
  let pending: ProduceRecord[] = [];
  const flush = async () => {
    if (pending.length === 0 || report.dryRun) return void (pending = []);
    try {
      await c.produce(opts.target, pending, { acks: -1 });
    } catch (err) {
      const e = asKafkaError(err);
      throw new KafkaError(
        e.errorName,
        `${e.message}; the copy stopped after ${report.written.toLocaleString('en')} of ` +
          `${plan.total.toLocaleString('en')} records were written to ${opts.target}`,
      );
    }
    report.written += pending.length;
    opts.onProgress?.(report.written, plan.total);
    pending = [];
  };
  for (const range of plan.ranges) {
    const wanted = range.offsets ? new Set(range.offsets) : null;
    let offset = range.from;
    while (offset < range.to && !opts.signal?.aborted) {
      const records = await c.readRecords({
        topic: spec.topic,
        partition: range.partition,
        start: { type: 'offset', offset },
        limit: Math.min(COPY_RECORDS, range.to - offset),
      });
      if (records.length === 0) break;
      for (const r of records) {
        if (r.offset >= range.to) break;
        if (wanted && !wanted.has(r.offset)) continue;
        if (r.corrupt !== undefined) {
          report.skipped++;
          continue;
        }
        const partition = keepPartitions ? r.partition : undefined;
        const counted = partition ?? (r.key ? partitionForKey(r.key, targetCount) : null);
        counts.set(counted, (counts.get(counted) ?? 0) + 1);
        if (report.dryRun) continue;
        pending.push({
          // Copies: the decoded records are views into batches that the next read may reuse.
          key: r.key && Buffer.from(r.key),
          value: r.value && Buffer.from(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
          partition,
          timestamp: opts.keepTimestamps ? r.timestamp : undefined,
        });
        if (pending.length >= COPY_RECORDS) await flush();
      }
      offset = records[records.length - 1]!.offset + 1;
    }
  }
  if (opts.signal?.aborted) report.cancelled = true;
  else await flush();
  report.perPartition = [...counts]
    .map(([partition, records]) => ({ partition, records }))
    .sort((a, b) => (a.partition ?? Infinity) - (b.partition ?? Infinity));
  report.elapsedMs = Math.round(performance.now() - started);
  return report;
}
