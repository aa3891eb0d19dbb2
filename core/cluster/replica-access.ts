/**
 * The narrow views of the cluster that its own helpers (record-reader.ts, record-search.ts, log-cleaner.ts) are
 * given. cluster.ts owns those helpers and implements these views; the helpers import only this module, never
 * cluster.ts, so the cluster module has no import cycle and a helper can be tested against a hand-built view.
 */
import type { EngineLogger } from '../logger';
import type { TopicImage } from './metadata-image';
import type { CleanerQueue } from './cleaner-queue';
import type { Partition } from './partition';

/** What people's reads need: a topic's image and the replica to read each partition from. */
export interface ReadableReplicas {
  /** Throws UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist. */
  topicImage(name: string): TopicImage;
  /** The leader's replica, else any up replica; null when none is up (Cluster.readableReplica). */
  readableReplica(topic: string | TopicImage, partition: number): Partition | null;
}

/** What the log cleaner needs: each running broker's queue of replicas to look at, and where failures go. */
export interface RunningReplicas {
  readonly logger: EngineLogger;
  cleanerQueues(): Iterable<CleanerQueue>;
}
