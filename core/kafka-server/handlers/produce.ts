/**
 * Produce and InitProducerId.
 *
 * Produce hands each partition's record batches to the addressed broker's
 * ReplicaManager, which must lead the partition (NOT_LEADER_OR_FOLLOWER
 * otherwise), validates the batches (core/record/log-validator.ts; a batch
 * refused for its records carries KIP-467 record_errors), stores them as received
 * (compressed or not) and waits as acks requires. acks=0 gets no response at
 * all; if such a request fails the connection is closed instead, as Kafka
 * does, so the client refreshes its metadata.
 *
 * Order: a connection's requests are appended in the order they arrived. The
 * engine assigns offsets synchronously when a produce call starts, so calls
 * started in arrival order append in that order; the one exception is a
 * compacted topic (the engine reads the records to check their keys first),
 * so produce requests touching one are chained per connection.
 *
 * Idempotence: producer ids come from the metadata log (unique across
 * restarts); every InitProducerId without a transactional id gets a new one at
 * epoch 0, as Kafka's TransactionCoordinator does; the partition's ProducerStateTable answers a retried batch with
 * its original offsets and a gap with OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * Transactions (Kafka 3.x/4.x): a request whose records are transactional
 * (the first batch of any partition has the flag) but that carries no
 * transactional id is refused whole with TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
 * every partition alike, before anything is appended (KafkaApis'
 * hasTransactionalRecords check). A request with a transactional id writes
 * into a transaction, and this sandbox has no transaction coordinator, so
 * there is never an ongoing one: INVALID_TXN_STATE, as KIP-890's partition
 * verification answers a batch that is not part of an ongoing transaction.
 *
 * Memory: the engine keeps the batch buffers it is given (it stamps offsets
 * into them and caches them). A records view much smaller than the socket
 * chunk it lies in is copied, so the cache does not pin whole chunks.
 */
import { API_KEYS, type ProduceResponse } from '../../protocol/index';
import { api, CLOSE_CONNECTION, NO_RESPONSE, type ApiHandler, type RequestContext } from '../context';
import { ATTRIBUTES, CURRENT_MAGIC, MAGIC, TRANSACTIONAL_FLAG } from '../../record/index';
import { RecordValidationError } from '../../record/log-validator';
import { codeOf, wireError, type WireError } from '../error-codes';

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

/** A buffer the engine may keep: copied when it pins a much larger allocation. */
export function ownedBuffer(b: Buffer): Buffer {
  return b.byteLength * 2 < b.buffer.byteLength ? Buffer.from(b) : b;
}

function failed(index: number, e: WireError): PartitionResponse {
  return {
    index,
    errorCode: e.errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: e.errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

/** KafkaApis' hasTransactionalRecords: the first batch of any partition has the transactional flag. */
function hasTransactionalRecords(topics: Array<{ partitionData: Array<{ records: Buffer | null }> }>): boolean {
  for (const t of topics) {
    for (const p of t.partitionData) {
      const r = p.records;
      if (r && r.length > ATTRIBUTES + 1 && r[MAGIC] === CURRENT_MAGIC && r[ATTRIBUTES + 1]! & TRANSACTIONAL_FLAG)
        return true;
    }
  }
  return false;
}

function needsOrdering(ctx: RequestContext, topics: Array<{ name: string }>): boolean {
  for (const t of topics) if (ctx.broker.image.topic(t.name)?.config.cleanupCompact) return true;
  return false;
}

async function produce(
  ctx: RequestContext,
  body: {
    transactionalId: string | null;
    acks: number;
    timeoutMs: number;
    topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }>;
  },
) {
  const { acks } = body;
  const timeoutMs = Math.max(0, Math.min(body.timeoutMs, 300_000));
  const pending: Array<Promise<PartitionResponse>> = [];
  const shape: Array<{ name: string; count: number }> = [];
  const request = { produceVersion: ctx.apiVersion, transactional: body.transactionalId !== null };
  const unauthorized = body.transactionalId === null && hasTransactionalRecords(body.topicData);
  for (const td of body.topicData) {
    shape.push({ name: td.name, count: td.partitionData.length });
    for (const pd of td.partitionData) {
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        pending.push(
          Promise.resolve(
            failed(pd.index, {
              errorCode: codeOf('INVALID_REQUIRED_ACKS'),
              errorMessage: `acks must be 0, 1 or -1; got ${acks}`,
            }),
          ),
        );
        continue;
      }
      if (unauthorized) {
        pending.push(
          Promise.resolve(
            failed(pd.index, {
              errorCode: codeOf('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'),
              errorMessage: 'The request carries transactional records but no transactional id',
            }),
          ),
        );
        continue;
      }
      if (body.transactionalId !== null) {
        pending.push(
          Promise.resolve(
            failed(pd.index, {
              errorCode: codeOf('INVALID_TXN_STATE'),
              errorMessage: `Record was not part of an ongoing transaction: transactional id ${body.transactionalId} has none, as this sandbox runs no transaction coordinator`,
            }),
          ),
        );
        continue;
      }
      if (!pd.records || pd.records.length === 0) {
        pending.push(
          Promise.resolve(
            failed(pd.index, {
              errorCode: codeOf('CORRUPT_MESSAGE'),
              errorMessage: 'The produce request carried no records',
            }),
          ),
        );
        continue;
      }
      let call: Promise<{ baseOffset: number; logAppendTime: number; logStartOffset: number }>;
      try {
        call = ctx.broker.replicas.produce(td.name, pd.index, ownedBuffer(pd.records), acks, timeoutMs, request);
      } catch (err) {
        call = Promise.reject(err);
      }
      pending.push(
        call.then(
          (r): PartitionResponse => ({
            index: pd.index,
            errorCode: 0,
            baseOffset: r.baseOffset,
            logAppendTimeMs: r.logAppendTime,
            logStartOffset: r.logStartOffset,
            recordErrors: [],
            errorMessage: null,
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
          }),
          (err: unknown) => {
            const res = failed(pd.index, wireError(err, true));
            // KIP-467: which records made the batch fail (v8+ carry them; older versions just drop the field).
            if (err instanceof RecordValidationError) {
              res.recordErrors = err.recordErrors.map((e) => ({
                batchIndex: e.batchIndex,
                batchIndexErrorMessage: e.message,
              }));
            }
            if (res.errorCode === codeOf('NOT_LEADER_OR_FOLLOWER')) {
              const p = ctx.broker.image.topic(td.name)?.partitions[pd.index];
              if (p) res.currentLeader = { leaderId: p.leader, leaderEpoch: p.leaderEpoch };
            }
            return res;
          },
        ),
      );
    }
  }
  const results = await Promise.all(pending);
  if (acks === 0) return results.some((r) => r.errorCode !== 0) ? CLOSE_CONNECTION : NO_RESPONSE;
  let i = 0;
  const responses = shape.map(({ name, count }) => ({ name, partitionResponses: results.slice(i, (i += count)) }));
  const leaders = new Set<number>();
  for (const r of results) if (r.currentLeader.leaderId >= 0) leaders.add(r.currentLeader.leaderId);
  const nodeEndpoints =
    ctx.apiVersion >= 10 ? [...leaders].map((id) => ctx.server.endpoint(id)).filter((e) => e !== null) : [];
  return { responses, throttleTimeMs: 0, nodeEndpoints };
}

export const produceHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.Produce,
    // v0-2 carry magic 0/1 message sets, which this broker does not store (Kafka 4 dropped them too).
    // They are still advertised, as Kafka 4.0 does (KAFKA-18659), and refused by the router.
    minVersion: 3,
    advertisedMinVersion: 0,
    maxVersion: 11,
    handle(ctx, body) {
      if (!needsOrdering(ctx, body.topicData)) return produce(ctx, body);
      const run = ctx.conn.orderedProduceTail.then(() => produce(ctx, body));
      ctx.conn.orderedProduceTail = run.catch(() => undefined);
      return run;
    },
  }),
  api({
    apiKey: API_KEYS.InitProducerId,
    minVersion: 0,
    maxVersion: 5,
    async handle(ctx, body) {
      if (body.transactionalId !== null) {
        return { throttleTimeMs: 0, errorCode: codeOf('INVALID_REQUEST'), producerId: -1, producerEpoch: -1 };
      }
      // With a null transactional id Kafka always hands out a fresh producer id at epoch 0, whatever
      // producer id/epoch the request carries (@platformatic/kafka sends 0/0): the KIP-360 epoch bump
      // exists only for transactional ids, which this sandbox does not serve. Bumping here gave every
      // such producer the same id, so one producer's batches were taken as another's duplicates.
      try {
        const producerId = await ctx.server.cluster.allocateProducerId();
        return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 0 };
      } catch (err) {
        const e = wireError(err);
        return {
          throttleTimeMs: 0,
          errorCode: e.errorCode === codeOf('NOT_CONTROLLER') ? codeOf('COORDINATOR_NOT_AVAILABLE') : e.errorCode,
          producerId: -1,
          producerEpoch: -1,
        };
      }
    },
  }),
];
