/**
 * Messages and bytes in and out per second, for the Overview chart. Counts
 * come from batch headers (record count and size), never from records, and
 * land in one-second buckets; rates are over the last complete second.
 *
 * Each broker has its own meter whose counts also go to the cluster's (its
 * `parent`), for the broker detail page. The cluster's meter also keeps, per
 * topic, the messages appended in the current and the last second and the
 * time of the last append (the topic list's throughput and last message
 * columns): three numbers a topic, since the app started.
 */

const WINDOW = 60;

export interface ThroughputRates {
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

/** Per topic: messages appended in `second` and in the second before it, and when the last append was. */
interface TopicCounts {
  second: number;
  now: number;
  before: number;
  lastAppendMs: number;
}

export interface TopicActivity {
  /** Messages appended per second, over the last complete second. */
  messagesInPerSec: number;
  /** Epoch ms of the last append since the app started; null when none. */
  lastAppendMs: number | null;
}

export class ThroughputMeter {
  private readonly buckets = new Float64Array(WINDOW * 4);
  private second = Math.floor(Date.now() / 1000);
  private readonly topics = new Map<string, TopicCounts>();
  messagesInTotal = 0;
  messagesOutTotal = 0;

  constructor(private readonly parent: ThroughputMeter | null = null) {}

  private roll(): number {
    const now = Math.floor(Date.now() / 1000);
    if (now !== this.second) {
      const steps = Math.min(now - this.second, WINDOW);
      for (let s = 1; s <= steps; s++)
        this.buckets.fill(0, ((this.second + s) % WINDOW) * 4, ((this.second + s) % WINDOW) * 4 + 4);
      this.second = now;
    }
    return (now % WINDOW) * 4;
  }

  recordIn(messages: number, bytes: number, topic?: string): void {
    const i = this.roll();
    this.buckets[i] += messages;
    this.buckets[i + 2] += bytes;
    this.messagesInTotal += messages;
    if (this.parent) this.parent.recordIn(messages, bytes, topic);
    else if (topic !== undefined) this.countTopic(topic, messages);
  }

  recordOut(messages: number, bytes: number): void {
    const i = this.roll();
    this.buckets[i + 1] += messages;
    this.buckets[i + 3] += bytes;
    this.messagesOutTotal += messages;
    this.parent?.recordOut(messages, bytes);
  }

  private countTopic(topic: string, messages: number): void {
    const nowMs = Date.now();
    const second = Math.floor(nowMs / 1000);
    let c = this.topics.get(topic);
    if (!c) this.topics.set(topic, (c = { second, now: 0, before: 0, lastAppendMs: nowMs }));
    if (c.second !== second) {
      c.before = c.second === second - 1 ? c.now : 0;
      c.now = 0;
      c.second = second;
    }
    c.now += messages;
    c.lastAppendMs = nowMs;
  }

  /** A topic's in-rate (last complete second) and last append; for a topic never appended to since the start, zeros. */
  topicActivity(topic: string): TopicActivity {
    const c = this.topics.get(topic);
    if (!c) return { messagesInPerSec: 0, lastAppendMs: null };
    const second = Math.floor(Date.now() / 1000);
    const rate = c.second === second ? c.before : c.second === second - 1 ? c.now : 0;
    return { messagesInPerSec: rate, lastAppendMs: c.lastAppendMs };
  }

  /** A deleted topic's counts go (a topic created again under its name starts afresh). */
  forgetTopic(topic: string): void {
    this.topics.delete(topic);
  }

  /** Rates over the last complete second. */
  rates(): ThroughputRates {
    this.roll();
    const i = ((this.second - 1 + WINDOW) % WINDOW) * 4;
    return {
      messagesInPerSec: this.buckets[i]!,
      messagesOutPerSec: this.buckets[i + 1]!,
      bytesInPerSec: this.buckets[i + 2]!,
      bytesOutPerSec: this.buckets[i + 3]!,
    };
  }
}
