/**
 * Records of a remote cluster: raw Fetch from partition leaders, decoded
 * reads for the message browser, the search's scan source, and produce.
 *
 * Rules:
 * - Fetch asks for raw batches (maxWaitMs 0, read_uncommitted, no fetch
 *   session) with a byte budget; only complete batches are used (a broker
 *   cuts the last one at the budget). Control batches (transaction markers)
 *   are skipped, as consumers skip them.
 * - Reads decode only the batches that hold the records asked for: forward
 *   from the start offset until `limit` records; backward by windows below
 *   the start (a window of `limit` offsets, doubling where compaction left
 *   gaps) read forward and taken newest first.
 * - Every Fetch answer updates the cached high watermark and log start of
 *   its partition (`onOffsets`).
 * - A request to a partition goes to its leader in the snapshot; on
 *   NOT_LEADER_OR_FOLLOWER and the other retriable errors the snapshot is
 *   reloaded (`refresh`) and the request sent to the new leader. Produce is
 *   retried only on errors that say nothing was written (isWriteRetriable),
 *   never after a timeout; acks=0 is sent as acks=1, since Kafka does not
 *   answer acks=0 and the port returns offsets.
 */
import { KafkaError } from '../errors';
import type { TopicImage } from '../cluster/metadata-image';
import { Partitioner } from '../cluster/partitioner';
import { decodeBatchInto, validateStart } from '../cluster/record-reader';
import type { ScanPartition, ScanSource } from '../cluster/record-search';
import type { Acks, DecodedRecord, ProduceRecord, ReadRecordsOptions, ReadStart } from '../cluster/types';
import { batchBaseOffset, batchLastOffset, buildBatch, isControlBatch, splitBatches } from '../record';
import { API_KEYS } from '../protocol/index';
import { check, isWriteRetriable, type KafkaClient } from './client';
import { listOffsets, topicOf, type CachedTopic, type Snapshot } from './metadata-cache';

const MAX_LIMIT = 100_000;
/** Bytes per Fetch for reads and scans. */
const READ_BYTES = 1024 * 1024;
const SCAN_BYTES = 4 * 1024 * 1024;

export interface FetchedBatches {
  batches: Buffer[];
  highWatermark: number;
  logStartOffset: number;
}

export interface RecordsContext {
  client: KafkaClient;
  snapshot(): Snapshot;
  refresh(): Promise<void>;
  onOffsets(topic: string, partition: number, highWatermark: number, logStartOffset: number): void;
  /** Marks a topic as being looked at (its offsets are polled faster). */
  touch(topic: string): void;
}

function partitionOf(t: CachedTopic, partition: number) {
  const p = t.partitions[partition];
  if (!p)
    throw new KafkaError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `Partition ${partition} of topic ${t.name} does not exist (it has ${t.partitions.length})`,
    );
  return p;
}

function leaderOf(ctx: RecordsContext, topic: string, partition: number): { t: CachedTopic; leader: number } {
  const t = topicOf(ctx.snapshot(), topic);
  const p = partitionOf(t, partition);
  if (p.leader < 0)
    throw new KafkaError('LEADER_NOT_AVAILABLE', `Partition ${partition} of topic ${topic} has no leader (offline)`);
  return { t, leader: p.leader };
}

/** Whole data batches from `offset` on, at most about `maxBytes`. */
export async function fetchBatches(
  ctx: RecordsContext,
  topic: string,
  partition: number,
  offset: number,
  maxBytes = READ_BYTES,
): Promise<FetchedBatches> {
  return ctx.client.retry(
    async () => {
      const { t, leader } = leaderOf(ctx, topic, partition);
      const conn = await ctx.client.connection(leader);
      const { body } = await conn.call(API_KEYS.Fetch, () => ({
        clusterId: null,
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            topicId: t.topicId,
            partitions: [
              {
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: maxBytes,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      }));
      check(body.errorCode, `Fetch from broker ${leader}`);
      const r = body.responses[0]?.partitions.find((x) => x.partitionIndex === partition);
      if (!r) throw new KafkaError('UNKNOWN_SERVER_ERROR', `Fetch answered nothing for ${topic}-${partition}`);
      check(r.errorCode, `Reading ${topic}-${partition} from broker ${leader}`);
      ctx.onOffsets(topic, partition, r.highWatermark, r.logStartOffset);
      const all = r.records && r.records.length > 0 ? splitBatches(r.records, { lenient: true }) : [];
      return {
        batches: all.filter((b) => !isControlBatch(b)),
        highWatermark: r.highWatermark,
        logStartOffset: r.logStartOffset,
        // The last batch's end, control batches included, is where the next fetch starts.
        next: all.length ? batchLastOffset(all[all.length - 1]!) + 1 : offset,
      } as FetchedBatches & { next: number };
    },
    () => ctx.refresh(),
  );
}

/** Records in [from, to), oldest first, at most `limit`. */
async function readRange(
  ctx: RecordsContext,
  topic: string,
  partition: number,
  from: number,
  to: number,
  limit: number,
): Promise<DecodedRecord[]> {
  const out: DecodedRecord[] = [];
  let offset = from;
  while (out.length < limit && offset < to) {
    const f = (await fetchBatches(ctx, topic, partition, offset, READ_BYTES)) as FetchedBatches & { next: number };
    const end = Math.min(to, f.highWatermark);
    for (const b of f.batches) {
      if (batchBaseOffset(b) >= end) break;
      await decodeBatchInto(topic, partition, b, out, (o) => o >= from && o < end, limit);
      if (out.length >= limit) break;
    }
    if (f.next <= offset || f.next >= end) break;
    offset = f.next;
  }
  return out;
}

async function startOffset(ctx: RecordsContext, topic: string, partition: number, start: ReadStart): Promise<number> {
  const p = partitionOf(topicOf(ctx.snapshot(), topic), partition);
  switch (start.type) {
    case 'earliest':
      return p.logStartOffset;
    case 'latest':
      return p.highWatermark;
    case 'offset':
      return Math.min(Math.max(start.offset, p.logStartOffset), p.highWatermark);
    case 'timestamp': {
      const found = await offsetForTimestamp(ctx, topic, partition, start.timestamp);
      return found.offset >= 0 ? found.offset : p.highWatermark;
    }
  }
}

export async function offsetForTimestamp(
  ctx: RecordsContext,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<{ offset: number; timestamp: number }> {
  return ctx.client.retry(
    async () => {
      const { leader } = leaderOf(ctx, topic, partition);
      const r = await listOffsets(ctx.client, new Map([[leader, [{ topic, partition }]]]), timestamp);
      const o = r.get(`${topic}\u0000${partition}`);
      if (!o) throw new KafkaError('UNKNOWN_SERVER_ERROR', `ListOffsets answered nothing for ${topic}-${partition}`);
      check(o.errorCode, `Offsets of ${topic}-${partition}`);
      return { offset: o.offset, timestamp: o.timestamp };
    },
    () => ctx.refresh(),
  );
}

function validate(opts: ReadRecordsOptions): void {
  if (!opts || typeof opts !== 'object')
    throw new KafkaError('INVALID_REQUEST', 'readRecords needs {topic, start, limit}');
  if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > MAX_LIMIT)
    throw new KafkaError('INVALID_REQUEST', `limit must be an integer from 1 to ${MAX_LIMIT}; got ${opts.limit}`);
  validateStart(opts.start);
  const d = opts.direction ?? 'forward';
  if (d !== 'forward' && d !== 'backward')
    throw new KafkaError('INVALID_REQUEST', `direction must be 'forward' or 'backward'; got ${String(d)}`);
}

/** The engine's readRecords over the wire (see core/cluster/record-reader.ts for the semantics). */
export async function readRecords(ctx: RecordsContext, opts: ReadRecordsOptions): Promise<DecodedRecord[]> {
  validate(opts);
  ctx.touch(opts.topic);
  const t = topicOf(ctx.snapshot(), opts.topic);
  const indexes =
    opts.partition === undefined || opts.partition === null ? t.partitions.map((_, i) => i) : [opts.partition];
  for (const i of indexes) partitionOf(t, i);
  const limit = opts.limit;
  const backward = opts.direction === 'backward';
  const per = await Promise.all(
    indexes.map(async (partition) => {
      if (t.partitions[partition]!.leader < 0) return [];
      const start = await startOffset(ctx, opts.topic, partition, opts.start);
      if (!backward) return readRange(ctx, opts.topic, partition, start, Number.MAX_SAFE_INTEGER, limit);
      const out: DecodedRecord[] = [];
      let upper = start;
      let window = limit;
      while (out.length < limit) {
        const logStart = t.partitions[partition]!.logStartOffset;
        if (upper <= logStart) break;
        const lower = Math.max(logStart, upper - window);
        const got = await readRange(ctx, opts.topic, partition, lower, upper, Number.MAX_SAFE_INTEGER);
        for (let i = got.length - 1; i >= 0 && out.length < limit; i--) out.push(got[i]!);
        upper = lower;
        window *= 2;
      }
      return out;
    }),
  );
  if (per.length === 1) return per[0]!;
  const merged = per.flat();
  if (!backward) merged.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  else merged.sort((a, b) => b.timestamp - a.timestamp || a.partition - b.partition || b.offset - a.offset);
  return merged.slice(0, limit);
}

// ---- search -----------------------------------------------------------------------------------

/** The search's scan source over Fetch: raw batches, never decoded here. */
export function remoteScanSource(ctx: RecordsContext): ScanSource {
  return {
    partitionCount: (topic) => {
      ctx.touch(topic);
      return topicOf(ctx.snapshot(), topic).partitions.length;
    },
    open(topic, partition): ScanPartition | null {
      const p = partitionOf(topicOf(ctx.snapshot(), topic), partition);
      if (p.leader < 0) return null;
      return {
        partition,
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        chunks: (from, to, direction) =>
          direction === 'forward'
            ? forwardChunks(ctx, topic, partition, from, to)
            : backwardChunks(ctx, topic, partition, from, to),
      };
    },
  };
}

async function* forwardChunks(ctx: RecordsContext, topic: string, partition: number, from: number, to: number) {
  let offset = from;
  while (offset < to) {
    const f = (await fetchBatches(ctx, topic, partition, offset, SCAN_BYTES)) as FetchedBatches & { next: number };
    const batches = f.batches.filter((b) => batchBaseOffset(b) < to);
    if (batches.length > 0) yield batches;
    if (f.next <= offset) return;
    offset = f.next;
  }
}

/**
 * Newest first: windows of offsets below `to`, each read forward and yielded
 * newest batch first. A batch belongs to the window holding its base offset
 * (the lowest window takes the one holding `from`), so none is yielded twice.
 * The window is sized from the records per byte seen so far, to about one
 * fetch of SCAN_BYTES.
 */
async function* backwardChunks(ctx: RecordsContext, topic: string, partition: number, from: number, to: number) {
  let upper = to;
  let window = 10_000;
  while (upper > from) {
    const lower = Math.max(from, upper - window);
    const got: Buffer[] = [];
    let bytes = 0;
    let offset = lower;
    while (offset < upper) {
      const f = (await fetchBatches(ctx, topic, partition, offset, SCAN_BYTES)) as FetchedBatches & { next: number };
      for (const b of f.batches) {
        const base = batchBaseOffset(b);
        if (base >= upper) break;
        if (base < lower && lower !== from) continue;
        got.push(b);
        bytes += b.length;
      }
      if (f.next <= offset) break;
      offset = f.next;
    }
    if (got.length > 0) yield got.reverse();
    const span = upper - lower;
    upper = lower;
    // Aim at one fetch's worth per window.
    window = bytes > 0 ? Math.max(100, Math.floor((span * SCAN_BYTES) / bytes)) : window * 4;
  }
}

// ---- produce ----------------------------------------------------------------------------------

export class RemoteProducer {
  private readonly partitioner = new Partitioner();

  constructor(private readonly ctx: RecordsContext) {}

  async produce(
    topic: string,
    records: ProduceRecord[],
    opts: { acks?: Acks; timeoutMs?: number } = {},
  ): Promise<Array<{ partition: number; offset: number; timestamp: number }>> {
    if (!Array.isArray(records) || records.length === 0)
      throw new KafkaError('INVALID_RECORD', 'produce needs at least one record');
    const acks = opts.acks ?? -1;
    if (acks !== 0 && acks !== 1 && acks !== -1)
      throw new KafkaError('INVALID_REQUIRED_ACKS', `acks must be 0, 1 or -1 (all); got ${String(acks)}`);
    this.ctx.touch(topic);
    const t = topicOf(this.ctx.snapshot(), topic);
    const groups = new Map<number, number[]>();
    const now = Date.now();
    this.partitioner.nextCall();
    records.forEach((r, i) => {
      // The partitioner reads only the name, id and partition count.
      const partition = this.partitioner.partition(t as unknown as TopicImage, r);
      let g = groups.get(partition);
      if (!g) groups.set(partition, (g = []));
      g.push(i);
    });
    const out: Array<{ partition: number; offset: number; timestamp: number }> = new Array(records.length);
    await Promise.all(
      [...groups].map(async ([partition, idxs]) => {
        const batch = buildBatch({
          records: idxs.map((i) => ({ ...records[i]!, timestamp: records[i]!.timestamp ?? now })),
        });
        const res = await this.send(topic, partition, batch, acks, opts.timeoutMs ?? 30_000);
        // With acks=all the records are below the high watermark once answered: the views see them at once.
        if (acks === -1 && res.baseOffset >= 0) this.ctx.onOffsets(topic, partition, res.baseOffset + idxs.length, -1);
        idxs.forEach((recordIndex, j) => {
          out[recordIndex] = {
            partition,
            offset: res.baseOffset < 0 ? -1 : res.baseOffset + j,
            timestamp: res.logAppendTimeMs >= 0 ? res.logAppendTimeMs : (records[recordIndex]!.timestamp ?? now),
          };
        });
      }),
    );
    return out;
  }

  private send(topic: string, partition: number, batch: Buffer, acks: Acks, timeoutMs: number) {
    const ctx = this.ctx;
    return ctx.client.retry(
      async () => {
        const { leader } = leaderOf(ctx, topic, partition);
        const conn = await ctx.client.connection(leader);
        const { body } = await conn.call(
          API_KEYS.Produce,
          () => ({
            transactionalId: null,
            // acks=0 gets no answer at all, and the port answers with offsets: it is sent as acks=1.
            acks: acks === 0 ? 1 : acks,
            timeoutMs,
            topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }],
          }),
          { timeoutMs: timeoutMs + 30_000 },
        );
        const r = body.responses[0]?.partitionResponses[0];
        if (!r) {
          if (acks === 0) return { baseOffset: -1, logAppendTimeMs: -1 };
          throw new KafkaError('UNKNOWN_SERVER_ERROR', `Produce answered nothing for ${topic}-${partition}`);
        }
        check(r.errorCode, `Producing to ${topic}-${partition}`, r.errorMessage);
        return { baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTimeMs };
      },
      () => ctx.refresh(),
      isWriteRetriable,
    );
  }
}
