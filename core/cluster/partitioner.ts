/**
 * Which partition a produced record goes to, by the Java client's rules so
 * that keys land where real clients put them: an explicit partition wins; a
 * keyed record goes to toPositive(murmur2(key)) % partitions; keyless records
 * stick to one partition per produce call, rotating between calls (the
 * sticky partitioner's effect without its batching timer).
 */
import { KafkaError } from '../errors';
import { partitionForKey } from '../record';
import type { TopicImage } from './metadata-image';
import type { ProduceRecord } from './types';

export class Partitioner {
  private readonly sticky = new Map<string, { partition: number; call: number }>();
  private call = 0;

  /** Starts a new produce call: keyless records of the next call move to the next partition. */
  nextCall(): void {
    this.call++;
  }

  partition(topic: TopicImage, record: ProduceRecord): number {
    const count = topic.partitions.length;
    if (record.partition !== undefined && record.partition !== null) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= count) {
        throw new KafkaError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `Partition ${record.partition} of topic ${topic.name} does not exist (it has ${count})`,
        );
      }
      return record.partition;
    }
    if (record.key !== undefined && record.key !== null) {
      const key = typeof record.key === 'string' ? Buffer.from(record.key) : record.key;
      return partitionForKey(key, count);
    }
    let s = this.sticky.get(topic.topicId);
    if (!s) {
      s = { partition: Math.floor(Math.random() * count), call: this.call };
      this.sticky.set(topic.topicId, s);
    } else if (s.call !== this.call) {
      s.partition = (s.partition + 1) % count;
      s.call = this.call;
    }
    return s.partition % count;
  }
}
