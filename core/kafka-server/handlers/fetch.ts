/**
 * Fetch and ListOffsets.
 *
 * Fetch reads whole record batches, as stored, from the partitions the
 * addressed broker leads, up to each partition's and the response's max
 * bytes (at least one batch, KIP-74), below the high watermark. When less
 * than min_bytes is readable it waits up to max_wait_ms, woken by appends
 * (ReplicaManager.fetch), never polling. Fetch sessions (KIP-227) are
 * declined: every response carries session id 0, so clients send full fetch
 * requests; a request naming a session id we never gave gets
 * FETCH_SESSION_ID_NOT_FOUND. Topics are named (v0-12) or identified by id
 * (v13+). A current_leader_epoch older or newer than the leader's gets
 * FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH. The response is encoded in
 * chunks, so large batches are not copied into the frame.
 *
 * ListOffsets: earliest (-2), latest (-1), max timestamp (-3), earliest
 * local (-4, = earliest: there is no tiered storage), latest tiered (-5: none,
 * so -1), or the first offset whose timestamp is at least the one given.
 */
import type { TopicImage } from '../../cluster/metadata-image';
import { asKafkaError } from '../../errors';
import { API_KEYS, type FetchResponse } from '../../protocol/index';
import type { FetchPartitionRequest } from '../../cluster/replica-manager';
import { api, type ApiHandler, type RequestContext } from '../context';
import { codeOf, wireError } from '../error-codes';

type PartitionData = FetchResponse['responses'][number]['partitions'][number];

/** Longest a fetch may wait (clients ask for 0.5-5 s; this bounds a hostile value). */
const MAX_WAIT_CAP_MS = 30_000;
const EMPTY = Buffer.alloc(0);

/** Checks a request's current leader epoch against the partition's; returns an error code or 0. */
export function epochError(t: TopicImage | undefined, partition: number, currentLeaderEpoch: number): number {
  if (currentLeaderEpoch < 0 || !t) return 0;
  const p = t.partitions[partition];
  if (!p) return 0;
  if (currentLeaderEpoch < p.leaderEpoch) return codeOf('FENCED_LEADER_EPOCH');
  if (currentLeaderEpoch > p.leaderEpoch) return codeOf('UNKNOWN_LEADER_EPOCH');
  return 0;
}

function emptyPartition(partitionIndex: number, errorCode: number): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

function withLeader(
  ctx: RequestContext,
  t: TopicImage | undefined,
  d: PartitionData,
  leaders: Set<number>,
): PartitionData {
  const p = t?.partitions[d.partitionIndex];
  if (p && (d.errorCode === codeOf('NOT_LEADER_OR_FOLLOWER') || d.errorCode === codeOf('FENCED_LEADER_EPOCH'))) {
    d.currentLeader = { leaderId: p.leader, leaderEpoch: p.leaderEpoch };
    if (p.leader >= 0) leaders.add(p.leader);
  }
  return d;
}

export const fetchHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.Fetch,
    // v0-3 answer with magic 0/1 message sets, which this broker does not keep (Kafka 4 dropped them too).
    minVersion: 4,
    maxVersion: 17,
    zeroCopy: true,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const image = ctx.broker.image;
      const base = {
        throttleTimeMs: 0,
        sessionId: 0,
        nodeEndpoints: [] as Array<{ nodeId: number; host: string; port: number; rack: string | null }>,
      };
      if (v >= 7 && body.sessionId !== 0) {
        return { ...base, errorCode: codeOf('FETCH_SESSION_ID_NOT_FOUND'), responses: [] };
      }
      if (v >= 7 && body.sessionEpoch > 0) {
        return { ...base, errorCode: codeOf('INVALID_FETCH_SESSION_EPOCH'), responses: [] };
      }
      const readCommitted = body.isolationLevel === 1;
      // Resolve topics, and answer partitions that cannot be read without asking the engine.
      const plan: Array<{
        topicName: string;
        topicId: string;
        image: TopicImage | undefined;
        parts: Array<{ index: number; req: number; early: PartitionData | null }>;
      }> = [];
      const requests: FetchPartitionRequest[] = [];
      let anyEarly = false;
      for (const ft of body.topics) {
        const t = v >= 13 ? image.topicsById.get(ft.topicId) : image.topic(ft.topic);
        const entry = {
          topicName: t?.name ?? ft.topic,
          topicId: t?.topicId ?? ft.topicId,
          image: t,
          parts: [] as Array<{ index: number; req: number; early: PartitionData | null }>,
        };
        for (const fp of ft.partitions) {
          let code: number;
          if (!t) code = v >= 13 ? codeOf('UNKNOWN_TOPIC_ID') : codeOf('UNKNOWN_TOPIC_OR_PARTITION');
          else code = epochError(t, fp.partition, v >= 9 ? fp.currentLeaderEpoch : -1);
          if (code !== 0) {
            anyEarly = true;
            entry.parts.push({ index: fp.partition, req: -1, early: emptyPartition(fp.partition, code) });
            continue;
          }
          entry.parts.push({ index: fp.partition, req: requests.length, early: null });
          requests.push({
            topic: t!.name,
            partition: fp.partition,
            offset: fp.fetchOffset,
            maxBytes: Math.max(0, fp.partitionMaxBytes),
          });
        }
        plan.push(entry);
      }
      const maxBytes = v >= 3 ? Math.max(0, body.maxBytes) : 0x7fffffff;
      const maxWaitMs = anyEarly || body.minBytes <= 0 ? 0 : Math.max(0, Math.min(body.maxWaitMs, MAX_WAIT_CAP_MS));
      let results: Awaited<ReturnType<typeof ctx.broker.replicas.fetch>> = [];
      if (requests.length > 0) {
        try {
          results = await ctx.broker.replicas.fetch(requests, { maxWaitMs, minBytes: body.minBytes, maxBytes });
        } catch (err) {
          const error = asKafkaError(err);
          results = requests.map((r) => ({
            topic: r.topic,
            partition: r.partition,
            error,
            batches: [],
            highWatermark: -1,
            logStartOffset: -1,
            lastStableOffset: -1,
          }));
        }
      }
      const leaders = new Set<number>();
      const responses = plan.map((entry) => ({
        topic: entry.topicName,
        topicId: entry.topicId,
        partitions: entry.parts.map((part) => {
          if (part.early) return withLeader(ctx, entry.image, part.early, leaders);
          const r = results[part.req]!;
          if (r.error)
            return withLeader(
              ctx,
              entry.image,
              emptyPartition(part.index, wireError(r.error, true).errorCode),
              leaders,
            );
          const d = emptyPartition(part.index, 0);
          d.highWatermark = r.highWatermark;
          d.lastStableOffset = r.lastStableOffset;
          d.logStartOffset = r.logStartOffset;
          d.abortedTransactions = readCommitted ? [] : null;
          d.records =
            r.batches.length === 0 ? EMPTY : r.batches.length === 1 ? r.batches[0]! : Buffer.concat(r.batches);
          return d;
        }),
      }));
      if (v >= 16) base.nodeEndpoints = [...leaders].map((id) => ctx.server.endpoint(id)).filter((e) => e !== null);
      return { ...base, errorCode: 0, responses };
    },
  }),
  api({
    apiKey: API_KEYS.ListOffsets,
    minVersion: 0,
    maxVersion: 10,
    async handle(ctx, body) {
      const v = ctx.apiVersion;
      const image = ctx.broker.image;
      const topics = await Promise.all(
        body.topics.map(async (t) => ({
          name: t.name,
          partitions: await Promise.all(
            t.partitions.map(async (p) => {
              const out = {
                partitionIndex: p.partitionIndex,
                errorCode: 0,
                oldStyleOffsets: [] as number[],
                timestamp: -1,
                offset: -1,
                leaderEpoch: -1,
              };
              const ti = image.topic(t.name);
              const fenced = epochError(ti, p.partitionIndex, v >= 4 ? p.currentLeaderEpoch : -1);
              if (fenced) return { ...out, errorCode: fenced };
              try {
                const r = await listOffset(ctx, t.name, p.partitionIndex, p.timestamp);
                out.offset = r.offset;
                out.timestamp = r.timestamp;
                out.leaderEpoch = ti?.partitions[p.partitionIndex]?.leaderEpoch ?? -1;
                if (v === 0) out.oldStyleOffsets = r.offset >= 0 && p.maxNumOffsets > 0 ? [r.offset] : [];
              } catch (err) {
                out.errorCode = wireError(err, true).errorCode;
              }
              return out;
            }),
          ),
        })),
      );
      return { throttleTimeMs: 0, topics };
    },
  }),
];

async function listOffset(
  ctx: RequestContext,
  topic: string,
  partition: number,
  timestamp: number,
): Promise<{ offset: number; timestamp: number }> {
  const rm = ctx.broker.replicas;
  switch (timestamp) {
    case -2:
    case -4:
      return rm.listOffset(topic, partition, 'earliest');
    case -1:
      return rm.listOffset(topic, partition, 'latest');
    case -5: {
      rm.leaderPartition(topic, partition);
      return { offset: -1, timestamp: -1 };
    }
    case -3: {
      const p = rm.leaderPartition(topic, partition);
      let max = -1;
      for (const s of p.log.segments) if (!s.isEmpty && s.maxTimestamp > max) max = s.maxTimestamp;
      if (max < 0) return { offset: -1, timestamp: -1 };
      return (await rm.listOffset(topic, partition, { timestamp: max })) ?? { offset: -1, timestamp: -1 };
    }
    default:
      if (timestamp < 0) return { offset: -1, timestamp: -1 };
      return rm.listOffset(topic, partition, { timestamp });
  }
}
