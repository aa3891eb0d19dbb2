/**
 * Preferred leader election on a remote cluster through ElectLeaders (API 43), answered in the engine's
 * PreferredElection shape (core/cluster/types.ts) so the same report shows either cluster's.
 *
 * Rules:
 * - Sent to the controller (any Kafka broker forwards it there, but the controller needs no hop), at the highest
 *   version both sides have: v1+ say PREFERRED, v0 (Kafka 2.2-2.3's ElectPreferredLeaders) is preferred anyway.
 *   A broker without API 43 (Kafka before 2.2, Redpanda) is UNSUPPORTED_VERSION, said in words.
 * - The partitions are always named, every partition of the topics asked for (or of every topic), never null:
 *   with null Kafka leaves out the partitions that needed no election, and the report counts those too.
 * - "from" is the leader the metadata snapshot (refreshed first) showed and "to" the first replica; a partition
 *   that could not move gets Kafka's message, or, where a broker gives only the code's generic text, why as the
 *   snapshot tells it (its preferred broker is not in the cluster's metadata, or not in the ISR).
 * - Afterwards the snapshot is refreshed, so the pages show the new leaders at once.
 */
import type { PreferredElection } from '../cluster/types';
import { errorNameOf, KafkaError, type ErrorName } from '../errors';
import { API_KEYS } from '../protocol/index';
import { check, type KafkaClient } from './client';
import type { Snapshot } from './metadata-cache';
import { chooseVersion } from './versions';

export interface ElectionContext {
  client: KafkaClient;
  snapshot(): Snapshot;
  refresh(): Promise<void>;
}

/** The error table's generic words for a code. */
const genericText = (name: ErrorName) => new KafkaError(name).message;

const NEEDS =
  'Preferred leader election needs ElectLeaders (API 43), which Apache Kafka has from 2.2 on (election types from ' +
  '2.4); Redpanda balances leaders by itself and does not offer it';

export async function electPreferredLeaders(ctx: ElectionContext, topics?: string[]): Promise<PreferredElection> {
  // A broker that just went away can fail one load: retried, as the other requests are.
  await ctx.client.retry(() => ctx.refresh());
  const snap = ctx.snapshot();
  for (const t of topics ?? [])
    if (!snap.topics.has(t))
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${t} does not exist`, { field: 'topics' });
  const chosen = (topics ?? [...snap.topics.keys()]).map((name) => snap.topics.get(name)!);
  const result: PreferredElection = { moved: [], alreadyPreferred: 0, failed: [] };
  const selection = chosen
    .filter((t) => t.partitions.length > 0)
    .map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partition) }));
  if (selection.length === 0) return result;

  const body = await ctx.client.retry(
    async () => {
      const conn = await ctx.client.controller();
      if (chooseVersion(conn.versions, API_KEYS.ElectLeaders) === null) {
        const offered = conn.versions.has(API_KEYS.ElectLeaders)
          ? 'only versions this app cannot speak'
          : 'no ElectLeaders';
        throw new KafkaError('UNSUPPORTED_VERSION', `${NEEDS}. This cluster's controller offers ${offered}.`);
      }
      const r = await conn.call(API_KEYS.ElectLeaders, () => ({
        electionType: 0,
        topicPartitions: selection,
        timeoutMs: 30_000,
      }));
      check(r.body.errorCode, 'Preferred leader election');
      return r.body;
    },
    () => ctx.refresh(),
  );

  for (const t of body.replicaElectionResults) {
    const cached = snap.topics.get(t.topic);
    for (const r of t.partitionResult) {
      const p = cached?.partitions[r.partitionId];
      const preferred = p?.replicas[0] ?? -1;
      if (r.errorCode === 0) {
        result.moved.push({ topic: t.topic, partition: r.partitionId, from: p?.leader ?? -1, to: preferred });
        continue;
      }
      const name = errorNameOf(r.errorCode);
      if (name === 'ELECTION_NOT_NEEDED') {
        result.alreadyPreferred++;
        continue;
      }
      let reason = r.errorMessage && r.errorMessage !== genericText(name) ? r.errorMessage : '';
      if (!reason && name === 'PREFERRED_LEADER_NOT_AVAILABLE') {
        const why = !snap.brokers.has(preferred)
          ? `broker ${preferred} is not running`
          : p && !p.isr.includes(preferred)
            ? `broker ${preferred} is not in the ISR (catching up)`
            : 'the controller refused it';
        reason = `The preferred leader is not available: ${why}`;
      }
      result.failed.push({
        topic: t.topic,
        partition: r.partitionId,
        preferred,
        errorName: name,
        reason: reason || genericText(name),
      });
    }
  }
  const order = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
  result.moved.sort(order);
  result.failed.sort(order);
  await ctx.client.retry(() => ctx.refresh());
  return result;
}
