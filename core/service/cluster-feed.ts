/**
 * The pushed side of the API: cluster changes and metric ticks. Engine events
 * arrive in bursts (stopping a broker moves many partitions at once), so they
 * are coalesced into one `cluster` event per window carrying the new summary;
 * metrics are sampled once a second and kept for ten minutes so a chart opened
 * late still has a history to draw.
 *
 * High watermarks move on every produce, on every partition: a window holding
 * only those waits `highWatermarkCoalesceMs` (default 1 s) rather than
 * `coalesceMs`, so a busy cluster of 10,000 partitions is not summarised (and
 * every open view told to reload) several times a second. Any other change
 * cuts that wait back to `coalesceMs`.
 */
import type { ClusterEvents } from '../cluster/types';
import type { ClusterChange, ClusterChangeKind, MetricsSample } from '../api/api';
import type { ClusterPort } from './engine-port';

export interface FeedOptions {
  coalesceMs?: number;
  highWatermarkCoalesceMs?: number;
  metricsIntervalMs?: number;
  historySize?: number;
}

export class ClusterFeed {
  private readonly history: MetricsSample[] = [];
  private readonly kinds = new Set<ClusterChangeKind>();
  private readonly topics = new Set<string>();
  private changeTimer: NodeJS.Timeout | null = null;
  /** When the pending flush is due (epoch ms). */
  private changeDue = 0;
  private metricsTimer: NodeJS.Timeout | null = null;
  private readonly coalesceMs: number;
  private readonly hwCoalesceMs: number;
  private readonly historySize: number;
  private readonly listeners: { [E in keyof ClusterEvents]: (...args: ClusterEvents[E]) => void };

  constructor(
    private readonly cluster: ClusterPort,
    private readonly onChange: (change: ClusterChange) => void,
    private readonly onMetrics: (sample: MetricsSample) => void,
    private readonly opts: FeedOptions = {},
  ) {
    this.coalesceMs = opts.coalesceMs ?? 150;
    this.hwCoalesceMs = Math.max(this.coalesceMs, opts.highWatermarkCoalesceMs ?? 1000);
    this.historySize = opts.historySize ?? 600;
    this.listeners = {
      metadata: () => this.note('metadata'),
      broker: () => this.note('broker'),
      partition: (p) => this.note('partition', p.topic),
      highWatermark: (e) => this.note('highWatermark', e.topic),
    };
  }

  start(): void {
    for (const event of Object.keys(this.listeners) as Array<keyof ClusterEvents>)
      this.cluster.on(event, this.listeners[event] as never);
    this.sample();
    this.metricsTimer = setInterval(() => this.sample(), this.opts.metricsIntervalMs ?? 1000);
    this.metricsTimer.unref?.();
  }

  close(): void {
    for (const event of Object.keys(this.listeners) as Array<keyof ClusterEvents>)
      this.cluster.off(event, this.listeners[event] as never);
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.metricsTimer = this.changeTimer = null;
  }

  latest(): MetricsSample {
    return this.history[this.history.length - 1] ?? this.takeSample();
  }

  recent(seconds: number): MetricsSample[] {
    return this.history.slice(-seconds);
  }

  private takeSample(): MetricsSample {
    return { time: Date.now(), ...this.cluster.metrics() };
  }

  private sample(): void {
    let s: MetricsSample;
    try {
      s = this.takeSample();
    } catch {
      return; // the engine is closing; the next tick (if any) will try again
    }
    this.history.push(s);
    if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
    this.onMetrics(s);
  }

  private note(kind: ClusterChangeKind, topic?: string): void {
    this.kinds.add(kind);
    if (topic) this.topics.add(topic);
    const wait = kind === 'highWatermark' ? this.hwCoalesceMs : this.coalesceMs;
    const due = Date.now() + wait;
    if (this.changeTimer) {
      if (due >= this.changeDue) return;
      clearTimeout(this.changeTimer);
    }
    this.changeDue = due;
    this.changeTimer = setTimeout(() => this.flush(), wait);
    this.changeTimer.unref?.();
  }

  private flush(): void {
    this.changeTimer = null;
    const kinds = [...this.kinds];
    const topics = [...this.topics];
    this.kinds.clear();
    this.topics.clear();
    let change: ClusterChange;
    try {
      change = { cluster: this.cluster.describeCluster(), kinds, topics };
    } catch {
      return; // the engine closed inside the window; nobody is left to tell
    }
    this.onChange(change);
  }
}
