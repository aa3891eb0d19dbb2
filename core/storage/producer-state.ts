/**
 * Idempotent-producer state of one partition: per producer id its epoch and
 * the last five batches it wrote (sequence range and offsets), which is what
 * Kafka keeps to recognise a retried batch and answer it with the original
 * offsets instead of writing it twice.
 *
 * Leaders check and update it on append; followers replay it from the batch
 * headers they copy, so a new leader after failover still deduplicates. It is
 * persisted as the partition's 'P' value in the same write as the batches.
 */
import { KafkaError } from '../errors';
import {
  batchBaseSequence,
  batchLastOffset,
  batchBaseOffset,
  batchProducerEpoch,
  batchProducerId,
  batchRecordCount,
} from '../record';

const CACHED_BATCHES = 5;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}
interface ProducerEntry {
  epoch: number;
  batches: BatchMeta[];
}

export interface ProducerAppendInfo {
  producerId: number;
  epoch: number;
  firstSeq: number;
  lastSeq: number;
  duplicateOf: BatchMeta | null;
}

const NO_PRODUCER: ProducerAppendInfo = { producerId: -1, epoch: -1, firstSeq: -1, lastSeq: -1, duplicateOf: null };

function nextSeq(seq: number): number {
  return seq === 0x7fffffff ? 0 : seq + 1;
}

function lastSeqOf(firstSeq: number, count: number): number {
  return (firstSeq + count - 1) % 0x80000000;
}

export class ProducerStateTable {
  private readonly entries = new Map<number, ProducerEntry>();
  dirty = false;

  get size(): number {
    return this.entries.size;
  }

  /** Validates a batch's producer fields against the table; throws Kafka's errors. */
  check(batch: Buffer, _nextOffset: number): ProducerAppendInfo {
    const producerId = batchProducerId(batch);
    if (producerId < 0) return NO_PRODUCER;
    const epoch = batchProducerEpoch(batch);
    const firstSeq = batchBaseSequence(batch);
    const lastSeq = lastSeqOf(firstSeq, Math.max(batchRecordCount(batch), 1));
    const entry = this.entries.get(producerId);
    const info: ProducerAppendInfo = { producerId, epoch, firstSeq, lastSeq, duplicateOf: null };
    if (!entry) return info;
    if (epoch < entry.epoch) {
      throw new KafkaError(
        'INVALID_PRODUCER_EPOCH',
        `Producer ${producerId} wrote with epoch ${epoch}, but epoch ${entry.epoch} is current`,
      );
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0)
        throw new KafkaError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `Producer ${producerId} started epoch ${epoch} at sequence ${firstSeq}; expected 0`,
        );
      return info;
    }
    const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (dup) return { ...info, duplicateOf: dup };
    const last = entry.batches[entry.batches.length - 1];
    if (last && firstSeq !== nextSeq(last.lastSeq)) {
      throw new KafkaError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `Producer ${producerId} sent sequence ${firstSeq}; expected ${nextSeq(last.lastSeq)}`,
      );
    }
    return info;
  }

  update(info: ProducerAppendInfo, firstOffset: number, lastOffset: number): void {
    let entry = this.entries.get(info.producerId);
    if (!entry || info.epoch > entry.epoch) {
      entry = { epoch: info.epoch, batches: [] };
      this.entries.set(info.producerId, entry);
    }
    entry.batches.push({ firstSeq: info.firstSeq, lastSeq: info.lastSeq, firstOffset, lastOffset });
    if (entry.batches.length > CACHED_BATCHES) entry.batches.shift();
    this.dirty = true;
  }

  /** Follower side: the batch was accepted by the leader, record it as is. */
  replay(batch: Buffer): void {
    const producerId = batchProducerId(batch);
    const epoch = batchProducerEpoch(batch);
    const firstSeq = batchBaseSequence(batch);
    const lastSeq = lastSeqOf(firstSeq, Math.max(batchRecordCount(batch), 1));
    this.update(
      { producerId, epoch, firstSeq, lastSeq, duplicateOf: null },
      batchBaseOffset(batch),
      batchLastOffset(batch),
    );
  }

  truncate(offset: number): void {
    for (const [pid, entry] of this.entries) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset);
      if (entry.batches.length === 0) this.entries.delete(pid);
    }
    this.dirty = true;
  }

  toJson(): Array<[number, number, number[][]]> {
    return [...this.entries].map(([pid, e]) => [
      pid,
      e.epoch,
      e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset]),
    ]);
  }

  load(json: unknown): void {
    this.entries.clear();
    if (!Array.isArray(json)) return;
    for (const [pid, epoch, batches] of json as Array<[number, number, number[][]]>) {
      this.entries.set(pid, {
        epoch,
        batches: batches.map(([firstSeq, lastSeq, firstOffset, lastOffset]) => ({
          firstSeq: firstSeq!,
          lastSeq: lastSeq!,
          firstOffset: firstOffset!,
          lastOffset: lastOffset!,
        })),
      });
    }
  }
}
