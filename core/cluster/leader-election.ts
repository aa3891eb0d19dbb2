/**
 * Leader elections asked for by an operator (Kafka's ElectLeaders, KIP-460), decided per partition on the
 * controller's image. Pure: it returns the PartitionChange records and an outcome per partition; the controller
 * writes the records.
 *
 * Rules, as Kafka's controller applies them:
 * - PREFERRED moves leadership to the first replica of the assignment when that replica is live, in the ISR and
 *   clean (it kept its data); ELECTION_NOT_NEEDED when it leads already; otherwise PREFERRED_LEADER_NOT_AVAILABLE.
 * - UNCLEAN applies only to a partition without a live leader (ELECTION_NOT_NEEDED otherwise), whatever the
 *   topic's unclean.leader.election.enable says: an ISR member if one is live and clean, else any live replica
 *   that kept its data, else any live replica at all; a replica from outside the ISR becomes the whole ISR.
 *   No live replica: ELIGIBLE_LEADERS_NOT_AVAILABLE.
 * - A topic or partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION for that entry alone.
 * - With no selection (null), every partition of every topic is decided; the caller leaves out the
 *   ELECTION_NOT_NEEDED ones when it answers the wire, as Kafka does.
 */
import type { ErrorName } from '../errors';
import type { MetadataImage, MetadataRecordBody, PartitionImage, TopicImage } from './metadata-image';

export type ElectionType = 'PREFERRED' | 'UNCLEAN';

/** Partitions to elect for, by topic; null: every partition of every topic. */
export type ElectionSelection = ReadonlyArray<{ topic: string; partitions: readonly number[] }> | null;

export interface ElectionOutcome {
  topic: string;
  partition: number;
  /** The partition's preferred (first) replica, -1 for an unknown partition. */
  preferred: number;
  /** null when a leader was elected (`from` -> `to`). */
  error: { name: ErrorName; message: string } | null;
  from?: number;
  to?: number;
}

export interface ElectionView {
  image: MetadataImage;
  /** Running, unfenced brokers. */
  live: ReadonlySet<number>;
  /** The replica lost data and has not been refilled. */
  isUnclean(brokerId: number, topicId: string, partition: number): boolean;
}

export function decideElection(
  view: ElectionView,
  type: ElectionType,
  selection: ElectionSelection,
): { records: MetadataRecordBody[]; outcomes: ElectionOutcome[] } {
  const records: MetadataRecordBody[] = [];
  const outcomes: ElectionOutcome[] = [];
  const decide = (t: TopicImage, p: PartitionImage) => {
    const o = type === 'PREFERRED' ? preferred(view, t, p) : unclean(view, t, p);
    if (o.record) records.push(o.record);
    outcomes.push(o.outcome);
  };
  if (selection === null) {
    for (const t of view.image.topicsById.values()) for (const p of t.partitions) if (p) decide(t, p);
  } else {
    for (const { topic, partitions } of selection) {
      const t = view.image.topicsByName.get(topic);
      for (const index of new Set(partitions)) {
        const p = t?.partitions[index];
        if (t && p) {
          decide(t, p);
          continue;
        }
        const message = t
          ? `Topic ${topic} has no partition ${index} (it has ${t.partitions.length})`
          : `Topic ${topic} does not exist`;
        outcomes.push({
          topic,
          partition: index,
          preferred: -1,
          error: { name: 'UNKNOWN_TOPIC_OR_PARTITION', message },
        });
      }
    }
  }
  return { records, outcomes };
}

type Decision = { record: MetadataRecordBody | null; outcome: ElectionOutcome };

function elected(t: TopicImage, p: PartitionImage, leader: number, isr: number[]): Decision {
  return {
    record: {
      type: 'PartitionChange',
      topicId: t.topicId,
      partition: p.partition,
      leader,
      isr,
      leaderEpoch: p.leaderEpoch + 1,
      partitionEpoch: p.partitionEpoch + 1,
    },
    outcome: {
      topic: t.name,
      partition: p.partition,
      preferred: p.replicas[0] ?? -1,
      error: null,
      from: p.leader,
      to: leader,
    },
  };
}

function refused(t: TopicImage, p: PartitionImage, name: ErrorName, message: string): Decision {
  return {
    record: null,
    outcome: { topic: t.name, partition: p.partition, preferred: p.replicas[0] ?? -1, error: { name, message } },
  };
}

function preferred(view: ElectionView, t: TopicImage, p: PartitionImage): Decision {
  const first = p.replicas[0];
  if (first === undefined)
    return refused(t, p, 'PREFERRED_LEADER_NOT_AVAILABLE', 'The preferred leader is not available: no replicas');
  if (p.leader === first)
    return refused(
      t,
      p,
      'ELECTION_NOT_NEEDED',
      `Partition ${t.name}-${p.partition} is led by its preferred replica (broker ${first}) already`,
    );
  const why = !view.live.has(first)
    ? `broker ${first} is not running`
    : !p.isr.includes(first)
      ? `broker ${first} is not in the ISR (catching up)`
      : view.isUnclean(first, t.topicId, p.partition)
        ? `broker ${first}'s replica may have lost data (unclean)`
        : null;
  if (why) return refused(t, p, 'PREFERRED_LEADER_NOT_AVAILABLE', `The preferred leader is not available: ${why}`);
  return elected(t, p, first, p.isr);
}

function unclean(view: ElectionView, t: TopicImage, p: PartitionImage): Decision {
  if (p.leader >= 0 && view.live.has(p.leader))
    return refused(
      t,
      p,
      'ELECTION_NOT_NEEDED',
      `Partition ${t.name}-${p.partition} has a leader (broker ${p.leader}); an unclean election is for partitions without one`,
    );
  const live = (r: number) => view.live.has(r);
  const clean = (r: number) => !view.isUnclean(r, t.topicId, p.partition);
  const inIsr = p.replicas.find((r) => p.isr.includes(r) && live(r) && clean(r));
  if (inIsr !== undefined) return elected(t, p, inIsr, p.isr);
  const any = p.replicas.find((r) => live(r) && clean(r)) ?? p.replicas.find(live);
  if (any !== undefined) return elected(t, p, any, [any]);
  return refused(
    t,
    p,
    'ELIGIBLE_LEADERS_NOT_AVAILABLE',
    `No replica of ${t.name}-${p.partition} is running (replicas on brokers ${p.replicas.join(', ')})`,
  );
}
