/**
 * Messages and bytes in and out per second, for the Overview chart. Counts
 * come from batch headers (record count and size), never from records, and
 * land in one-second buckets; rates are over the last complete second.
 */

const WINDOW = 60;

export interface ThroughputRates {
  messagesInPerSec: number;
  messagesOutPerSec: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export class ThroughputMeter {
  private readonly buckets = new Float64Array(WINDOW * 4);
  private second = Math.floor(Date.now() / 1000);
  messagesInTotal = 0;
  messagesOutTotal = 0;

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

  recordIn(messages: number, bytes: number): void {
    const i = this.roll();
    this.buckets[i] += messages;
    this.buckets[i + 2] += bytes;
    this.messagesInTotal += messages;
  }

  recordOut(messages: number, bytes: number): void {
    const i = this.roll();
    this.buckets[i + 1] += messages;
    this.buckets[i + 3] += bytes;
    this.messagesOutTotal += messages;
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
