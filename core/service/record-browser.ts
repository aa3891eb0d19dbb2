/**
 * The message browser's reads: pages of records from one partition or all of
 * them merged by timestamp, and single records for the detail panel, with
 * keys and values cut to a size the UI can show without freezing.
 *
 * A page covers, per partition, a half-open offset range [lower, upper). The
 * page older than it is read backward from `lower`, the newer one forward
 * from `upper`, so paging needs no server-side state and works the same for
 * one partition and for many. Merging is a k-way merge of the partitions'
 * offset-ordered reads by timestamp, so what each partition contributes to a
 * page is always a contiguous run of its offsets, even where producers' clocks
 * disagree, and no record is skipped or shown twice while paging (the rule and
 * its ties: core/cluster/merge-by-time.ts, shared with the engine's reads).
 *
 * A partition no running broker holds is not read and not merged: the page lists it in `offline`, so "no
 * messages" is never said of a partition whose messages are merely out of reach.
 */
import { KafkaError } from '../errors';
import type { DecodedRecord, PartitionState } from '../cluster/types';
import { mergeByTime } from '../cluster/merge-by-time';
import type { ParsedInput, RecordDto, RecordPage, RecordPosition } from '../api/api';
import { recordToDto } from './dto';
import type { ClusterPort } from './engine-port';

/**
 * A record as a DTO with key and value cut to `maxBytes` (flagged in `truncated`); whole when maxBytes is undefined.
 */
export function recordToCappedDto(r: DecodedRecord, maxBytes: number | undefined): RecordDto {
  if (maxBytes === undefined) return recordToDto(r);
  const keyCut = r.key !== null && r.key.length > maxBytes;
  const valueCut = r.value !== null && r.value.length > maxBytes;
  if (!keyCut && !valueCut) return recordToDto(r);
  const dto = recordToDto({
    ...r,
    key: keyCut ? r.key!.subarray(0, maxBytes) : r.key,
    value: valueCut ? r.value!.subarray(0, maxBytes) : r.value,
  });
  dto.truncated = {};
  if (keyCut) dto.truncated.key = r.key!.length;
  if (valueCut) dto.truncated.value = r.value!.length;
  return dto;
}

function choosePartitions(states: PartitionState[], topic: string, partition: number | undefined): PartitionState[] {
  if (partition === undefined) return states;
  const s = states[partition];
  if (!s)
    throw new KafkaError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `Partition ${partition} of topic ${topic} does not exist (it has ${states.length})`,
    );
  return [s];
}

type Start = ParsedInput<'readRecordPage'>['start'];

/** Why an offline partition cannot be read, naming the brokers that hold it. */
function offlineReason(s: PartitionState): string {
  const on = s.replicas.length === 1 ? `broker ${s.replicas[0]}` : `brokers ${s.replicas.join(', ')}`;
  return `no running broker holds a replica of it (its replicas are on ${on})`;
}

async function resolveStart(c: ClusterPort, topic: string, s: PartitionState, start: Start): Promise<number | null> {
  const clamp = (o: number) => Math.min(Math.max(o, s.logStartOffset), s.highWatermark);
  switch (start.type) {
    case 'earliest':
      return s.logStartOffset;
    case 'latest':
      return s.highWatermark;
    case 'offset':
      return clamp(start.offset);
    case 'timestamp': {
      const [first] = await c.readRecords({ topic, partition: s.partition, start, limit: 1 });
      return first ? first.offset : s.highWatermark;
    }
    case 'positions': {
      const p = start.positions.find((x) => x.partition === s.partition);
      return p ? clamp(p.offset) : null;
    }
  }
}

/**
 * One page: `direction` forward reads at and after the start (oldest first),
 * backward reads before it (newest first); the default is backward from
 * 'latest' and forward from anything else.
 */
export async function readRecordPage(c: ClusterPort, i: ParsedInput<'readRecordPage'>): Promise<RecordPage> {
  const chosen = choosePartitions(c.partitions(i.topic), i.topic, i.partition);
  // An offline partition is not empty: it is named, so the page can say its messages are missing, not absent.
  // `!== false`: a port that cannot tell (a remote cluster's metadata) is read, and its reads answer for it.
  const states = chosen.filter((s) => s.readable !== false);
  const offline = chosen
    .filter((s) => s.readable === false)
    .map((s) => ({ partition: s.partition, reason: offlineReason(s) }));
  const direction = i.direction ?? (i.start.type === 'latest' ? 'backward' : 'forward');
  const backward = direction === 'backward';
  const limit = i.limit;

  const reads = await Promise.all(
    states.map(async (s) => {
      const from = await resolveStart(c, i.topic, s, i.start);
      if (from === null) return null;
      const records = await c.readRecords({
        topic: i.topic,
        partition: s.partition,
        start: { type: 'offset', offset: from },
        limit,
        direction,
      });
      return { state: s, from, records, taken: 0 };
    }),
  );
  const streams = reads.filter((r): r is NonNullable<typeof r> => r !== null);

  // Each stream is in offset order for its direction; merge-by-time.ts keeps that order per partition.
  const merged = mergeByTime(
    streams.map((st) => st.records),
    direction,
    limit,
  );
  const out: DecodedRecord[] = merged.records;
  streams.forEach((st, i) => (st.taken = merged.taken[i]!));

  const lower: RecordPosition[] = [];
  const upper: RecordPosition[] = [];
  for (const st of streams) {
    const lastTaken = st.taken > 0 ? st.records[st.taken - 1]!.offset : null;
    const partition = st.state.partition;
    if (backward) {
      upper.push({ partition, offset: st.from });
      lower.push({ partition, offset: lastTaken ?? st.from });
    } else {
      lower.push({ partition, offset: st.from });
      upper.push({ partition, offset: lastTaken === null ? st.from : lastTaken + 1 });
    }
  }
  return {
    records: out.map((r) => recordToCappedDto(r, i.maxValueBytes)),
    lower,
    upper,
    partitions: states.map((s) => ({
      partition: s.partition,
      logStartOffset: s.logStartOffset,
      highWatermark: s.highWatermark,
    })),
    offline,
  };
}

/** One record by its offset, or null when that offset holds none (deleted, compacted away, or not written yet). */
export async function getRecord(c: ClusterPort, i: ParsedInput<'getRecord'>): Promise<RecordDto | null> {
  const [r] = await c.readRecords({
    topic: i.topic,
    partition: i.partition,
    start: { type: 'offset', offset: i.offset },
    limit: 1,
  });
  return r && r.offset === i.offset ? recordToCappedDto(r, i.maxValueBytes) : null;
}
