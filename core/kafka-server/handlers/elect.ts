/**
 * ElectLeaders (API 43, KIP-460): preferred and unclean leader elections, decided by the cluster's controller
 * whichever broker received the request (Kafka's brokers forward it to the controller the same way).
 *
 * - v0 has no ElectionType: it is a preferred election (Kafka 2.2's ElectPreferredLeaders). v1+ carry the type
 *   (PREFERRED = 0, UNCLEAN = 1) and a top-level error code; another type is INVALID_REQUEST there.
 * - Null TopicPartitions means every partition; the answer then leaves out the partitions that needed no election,
 *   as Kafka's controller does. Named partitions each get an answer, ELECTION_NOT_NEEDED included.
 * - The answer is sent once the changes are committed to every running broker's metadata, so a Metadata request
 *   that follows sees the new leaders; an election takes no longer than that commit, so TimeoutMs never expires.
 * - A failure of the whole request (no controller, the cluster closing) is the top-level code in v1+ and each
 *   named partition's code.
 */
import type { ElectionOutcome, ElectionType } from '../../cluster/leader-election';
import { API_KEYS } from '../../protocol/index';
import type { ElectLeadersResponse } from '../../protocol/index';
import { api, type ApiHandler } from '../context';
import { codeOf, kafkaError, OK, wireError, type WireError } from '../error-codes';

type TopicResult = ElectLeadersResponse['replicaElectionResults'][number];

const TYPES: Record<number, ElectionType> = { 0: 'PREFERRED', 1: 'UNCLEAN' };

function byTopic(outcomes: ElectionOutcome[]): TopicResult[] {
  const topics = new Map<string, TopicResult>();
  for (const o of outcomes) {
    let t = topics.get(o.topic);
    if (!t) topics.set(o.topic, (t = { topic: o.topic, partitionResult: [] }));
    t.partitionResult.push({
      partitionId: o.partition,
      errorCode: o.error ? codeOf(o.error.name) : 0,
      errorMessage: o.error ? o.error.message : null,
    });
  }
  return [...topics.values()];
}

/** Every named partition with the same error (the request as a whole failed). */
function allFailed(
  topicPartitions: Array<{ topic: string; partitions: number[] }> | null,
  e: WireError,
): TopicResult[] {
  return (topicPartitions ?? []).map((t) => ({
    topic: t.topic,
    partitionResult: [...new Set(t.partitions)].map((partitionId) => ({ partitionId, ...e })),
  }));
}

export const electHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.ElectLeaders,
    minVersion: 0,
    maxVersion: 2,
    async handle(ctx, body) {
      const type = ctx.apiVersion === 0 ? 'PREFERRED' : TYPES[body.electionType];
      if (!type) {
        const e = kafkaError(
          'INVALID_REQUEST',
          `ElectionType ${body.electionType} is not one of 0 (PREFERRED) and 1 (UNCLEAN)`,
        );
        return {
          throttleTimeMs: 0,
          errorCode: e.errorCode,
          replicaElectionResults: allFailed(body.topicPartitions, e),
        };
      }
      try {
        const outcomes = await ctx.server.cluster.electLeaders(type, body.topicPartitions);
        const answered =
          body.topicPartitions === null ? outcomes.filter((o) => o.error?.name !== 'ELECTION_NOT_NEEDED') : outcomes;
        return { throttleTimeMs: 0, errorCode: OK.errorCode, replicaElectionResults: byTopic(answered) };
      } catch (err) {
        const e = wireError(err);
        return {
          throttleTimeMs: 0,
          errorCode: e.errorCode,
          replicaElectionResults: allFailed(body.topicPartitions, e),
        };
      }
    },
  }),
];
