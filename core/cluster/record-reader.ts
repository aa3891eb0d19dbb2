/**
 * Decoded reads for people (the GUI's message browser), as opposed to the
 * raw batch reads of consumers. It reads below the high watermark, from the
 * leader, or from any running replica when the partition has no leader so
 * data stays inspectable while a partition is offline.
 *
 * Directions: 'forward' returns records at and after the start, oldest first;
 * 'backward' returns records before the start, newest first. With no
 * partition given, every partition is read and the results are merged by
 * time as merge-by-time.ts says (oldest first forward, newest first backward,
 * each partition's records kept in offset order).
 *
 * A stored batch that does not decode becomes one entry with `corrupt` set
 * (its offsets, the reason) instead of failing the whole read.
 */
import { KafkaError, asKafkaError } from '../errors';
import { batchBaseOffset, batchLastOffset, batchMaxTimestamp, batchTimestampType, decodeRecords } from '../record';
import { mergeByTime } from './merge-by-time';
import type { Partition } from './partition';
import type { ReadableReplicas } from './replica-access';
import type { DecodedRecord, ReadRecordsOptions, ReadStart } from './types';

const MAX_LIMIT = 100_000;
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

export class RecordReader {
  constructor(private readonly cluster: ReadableReplicas) {}

  async read(opts: ReadRecordsOptions): Promise<DecodedRecord[]> {
    if (!opts || typeof opts !== 'object')
      throw new KafkaError('INVALID_REQUEST', 'readRecords needs {topic, start, limit}');
    const t = this.cluster.topicImage(opts.topic);
    const limit = opts.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new KafkaError('INVALID_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}; got ${limit}`);
    validateStart(opts.start);
    const direction = opts.direction ?? 'forward';
    if (direction !== 'forward' && direction !== 'backward')
      throw new KafkaError('INVALID_REQUEST', `direction must be 'forward' or 'backward'; got ${String(direction)}`);
    const partitions =
      opts.partition === undefined || opts.partition === null ? t.partitions.map((_, i) => i) : [opts.partition];
    for (const p of partitions) {
      if (!Number.isInteger(p) || p < 0 || p >= t.partitions.length)
        throw new KafkaError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `Partition ${p} of topic ${opts.topic} does not exist (it has ${t.partitions.length})`,
        );
    }
    const perPartition = await Promise.all(
      partitions.map(async (index) => {
        const replica = this.cluster.readableReplica(t, index);
        if (!replica) return [];
        const start = await this.startOffset(replica, opts.start);
        return direction === 'forward' ? this.forward(replica, start, limit) : this.backward(replica, start, limit);
      }),
    );
    if (perPartition.length === 1) return perPartition[0]!;
    return mergeByTime(perPartition, direction, limit).records;
  }

  private async startOffset(p: Partition, start: ReadStart): Promise<number> {
    const log = p.log;
    switch (start.type) {
      case 'earliest':
        return log.logStartOffset;
      case 'latest':
        return log.highWatermark;
      case 'offset':
        return Math.min(Math.max(start.offset, log.logStartOffset), log.highWatermark);
      case 'timestamp': {
        const found = await log.offsetForTimestamp(start.timestamp, log.highWatermark);
        return found ? found.offset : log.highWatermark;
      }
    }
  }

  private async forward(p: Partition, from: number, limit: number): Promise<DecodedRecord[]> {
    const out: DecodedRecord[] = [];
    let offset = from;
    const log = p.log;
    while (out.length < limit && offset < log.highWatermark) {
      const batches = await log.read(Math.max(offset, log.logStartOffset), READ_CHUNK_BYTES, log.highWatermark);
      if (batches.length === 0) break;
      for (const batch of batches) {
        await decodeBatchInto(p.topic.name, p.index, batch, out, (o) => o >= from && o >= log.logStartOffset, limit);
        if (out.length >= limit) break;
      }
      offset = batchLastOffset(batches[batches.length - 1]!) + 1;
    }
    return out;
  }

  private async backward(p: Partition, before: number, limit: number): Promise<DecodedRecord[]> {
    const out: DecodedRecord[] = [];
    const log = p.log;
    const end = Math.min(before, log.highWatermark) - 1;
    if (end < log.logStartOffset) return out;
    // Batches are keyed by last offset: find the key of the batch holding `end`, then walk back from it.
    let upper = end;
    for await (const b of log.batchesBetween(end, Number.MAX_SAFE_INTEGER)) {
      upper = batchLastOffset(b);
      break;
    }
    for await (const batch of log.batchesBetween(log.logStartOffset, upper, true)) {
      const recs: DecodedRecord[] = [];
      await decodeBatchInto(
        p.topic.name,
        p.index,
        batch,
        recs,
        (o) => o <= end && o >= log.logStartOffset,
        Number.MAX_SAFE_INTEGER,
      );
      for (let i = recs.length - 1; i >= 0 && out.length < limit; i--) out.push(recs[i]!);
      if (out.length >= limit) break;
    }
    return out;
  }
}

/**
 * Decodes one stored batch into `out`: the records whose offsets `keep` takes,
 * until `out` holds `limit`. A batch that does not decode (written before the
 * LogValidator existed, or damaged) becomes one entry at its base offset with
 * `corrupt` set, so the rest of the partition stays readable. The remote
 * cluster's reads (core/remote/records.ts) decode with it too.
 */
export async function decodeBatchInto(
  topic: string,
  partition: number,
  batch: Buffer,
  out: DecodedRecord[],
  keep: (offset: number) => boolean,
  limit: number,
): Promise<void> {
  const timestampType = batchTimestampType(batch) === 1 ? 'LogAppendTime' : 'CreateTime';
  let records;
  try {
    records = await decodeRecords(batch);
  } catch (err) {
    const base = batchBaseOffset(batch);
    if (keep(base)) {
      out.push({
        topic,
        partition,
        offset: base,
        timestamp: batchMaxTimestamp(batch),
        timestampType,
        key: null,
        value: null,
        headers: [],
        sizeInBytes: batch.length,
        corrupt: `Offsets ${base}-${batchLastOffset(batch)} are unreadable: ${asKafkaError(err).message}`,
      });
    }
    return;
  }
  for (const r of records) {
    if (!keep(r.offset)) continue;
    out.push({
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType,
      key: r.key,
      value: r.value,
      headers: r.headers,
      sizeInBytes: r.sizeInBytes,
    });
    if (out.length >= limit) return;
  }
}

/** Checks a read's start position: INVALID_REQUEST, OFFSET_OUT_OF_RANGE or INVALID_TIMESTAMP says what is wrong. */
export function validateStart(start: ReadStart): void {
  if (!start || typeof start !== 'object')
    throw new KafkaError('INVALID_REQUEST', 'start must be {type: earliest|latest|offset|timestamp}');
  switch (start.type) {
    case 'earliest':
    case 'latest':
      return;
    case 'offset':
      if (!Number.isInteger(start.offset) || start.offset < 0)
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `Start offset must be a non-negative integer; got ${start.offset}`);
      return;
    case 'timestamp':
      if (!Number.isFinite(start.timestamp))
        throw new KafkaError(
          'INVALID_TIMESTAMP',
          `Start timestamp must be a number of milliseconds; got ${start.timestamp}`,
        );
      return;
    default:
      throw new KafkaError('INVALID_REQUEST', `Unknown start type ${(start as { type: unknown }).type}`);
  }
}
