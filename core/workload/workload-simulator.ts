/**
 * The sandbox's workload simulator: a producer writing generated sensor
 * readings at a chosen rate, and a consumer group of engine consumers that
 * take a chosen time per message, all in the engine's process. Change the
 * rate, the number of consumers or the delay while it runs and watch the
 * group rebalance and its lag rise and fall.
 *
 * Rules:
 * - One workload per engine. start() creates the topic when it is missing
 *   (with `partitions` partitions); an existing topic keeps its partitions.
 * - The producer is paced by elapsed time, not by ticks: every TICK_MS it
 *   sends what the rate owes since the rate was last set, in one produce
 *   call, with at most one call in flight. A producer that falls more than
 *   MAX_DEBT_MS behind (a slow or stopped cluster) drops that debt rather
 *   than bursting later, and counts what it dropped in `skipped`.
 * - Records are JSON readings keyed by sensor id, so a sensor always lands
 *   on the same partition: {"sensorId":"sensor-17","temperature":21.4,
 *   "humidity":0.43,"ts":1732480000000}.
 * - Each consumer spends `processingDelayMs` per record, so one consumer
 *   handles at most 1000 / delay records a second: a rate above
 *   consumers x that capacity makes lag grow. Delays are paid in sleeps of a
 *   few milliseconds with the surplus carried over, so sub-millisecond delays
 *   are honoured on average.
 * - A poll returns about BATCH_TARGET_MS of work (max.poll.records follows
 *   the delay), and a consumer processes what one poll() returned for at most
 *   BATCH_BUDGET_MS, then seeks back to the first record it did not process
 *   and polls again, so rebalances never wait behind a long batch. The seek
 *   drops what was fetched for the partition, so it stays the exception.
 * - Offsets are committed automatically every second, so the group's lag
 *   (high watermark - committed offset) follows within about a second.
 * - Removing consumers waits for their loop to finish its batch, then
 *   closes them (commit, leave): the group rebalances at once.
 * - stop() (and close(), on shutdown) stops the producer, waits for its last
 *   produce call, and closes every consumer.
 * - Pacing and the rate figures read the injected clock (`performance.now` by
 *   default), so a test can move time by hand and expect exact counts; the
 *   timers only decide when the clock is looked at.
 */
import { EventEmitter } from 'node:events';
import { KafkaError } from '../errors';
import type { Cluster } from '../cluster/cluster';
import type { ConsumerConfig, EngineConsumer } from '../groups/consumer';

export const TICK_MS = 100;
const MAX_DEBT_MS = 2000;
const BATCH_BUDGET_MS = 500;
/** What one poll should hold: about this many milliseconds of processing. */
const BATCH_TARGET_MS = 200;
const MAX_POLL_RECORDS = 500;
const MAX_RECORDS_PER_PRODUCE = 10_000;
const RATE_WINDOW_SECONDS = 3;

export interface WorkloadOptions {
  /** The topic to produce to and consume from (default sensor-readings); created when missing. */
  topic?: string;
  /** Partitions of a topic the workload creates (default 6). */
  partitions?: number;
  /** The consumer group (default sensor-processor). */
  groupId?: string;
  /** Records produced per second (0 pauses the producer). */
  ratePerSec: number;
  /** Engine consumers in the group (0 leaves the group empty). */
  consumers: number;
  /** Time each consumer spends on one record, in milliseconds. */
  processingDelayMs: number;
  /** Distinct sensor ids, i.e. distinct keys (default 50). */
  sensors?: number;
}

export type WorkloadChange = Partial<Pick<WorkloadOptions, 'ratePerSec' | 'consumers' | 'processingDelayMs'>>;

export interface WorkloadMember {
  clientId: string;
  /** '' until the consumer has joined. */
  memberId: string;
  /** Partitions of the workload's topic assigned to it, ascending. */
  partitions: number[];
  state: 'joining' | 'active' | 'leaving';
  consumed: number;
}

export interface WorkloadStatus {
  state: 'idle' | 'running' | 'stopping';
  topic: string | null;
  groupId: string | null;
  /** Partitions of the topic. */
  partitions: number;
  ratePerSec: number;
  consumers: number;
  processingDelayMs: number;
  sensors: number;
  /** Epoch ms when it started; null when idle. */
  startedAt: number | null;
  produced: number;
  consumed: number;
  /** Produced and consumed per second over the last few seconds. */
  producedPerSec: number;
  consumedPerSec: number;
  /** The most the consumers together can process per second with this delay; null when unbounded (no delay). */
  capacityPerSec: number | null;
  /** Records the producer owed but dropped because the cluster could not take them in time. */
  skipped: number;
  members: WorkloadMember[];
  /** The last problem (a produce or poll that failed), or null. */
  lastError: string | null;
}

/** What the simulator needs of the engine: the cluster, and a way to make group consumers. */
export type WorkloadCluster = Pick<Cluster, 'listTopics' | 'createTopic' | 'produce' | 'partitions'>;
export interface ConsumerFactory {
  consumer(config: ConsumerConfig): EngineConsumer;
}

/** Monotonic milliseconds for the producer's pacing and the rate figures. */
export interface WorkloadClock {
  now(): number;
}

export interface WorkloadSimulatorOptions {
  clock?: WorkloadClock;
}

export interface WorkloadEvents {
  /** The status changed (started, changed, a member joined or got partitions, stopped). */
  change: [WorkloadStatus];
}

export const WORKLOAD_LIMITS = {
  ratePerSec: 100_000,
  consumers: 64,
  processingDelayMs: 1000,
  sensors: 100_000,
  partitions: 1000,
} as const;

interface Slot {
  clientId: string;
  consumer: EngineConsumer;
  partitions: number[];
  state: WorkloadMember['state'];
  consumed: number;
  loop: Promise<void>;
  stopping: boolean;
}

interface Sensor {
  id: string;
  temperature: number;
  humidity: number;
  phase: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function checkRange(name: string, v: unknown, min: number, max: number, integer: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new KafkaError(
      'INVALID_REQUEST',
      `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got ${String(v)}`,
    );
  }
}

export class WorkloadSimulator extends EventEmitter<WorkloadEvents> {
  private state: WorkloadStatus['state'] = 'idle';
  private opts: Required<WorkloadOptions> | null = null;
  private partitionCount = 0;
  private startedAt: number | null = null;
  private produced = 0;
  private consumed = 0;
  private skipped = 0;
  private lastError: string | null = null;
  private readonly slots: Slot[] = [];
  private clientSeq = 0;
  private sensors: Sensor[] = [];
  // Producer pacing: records owed = rate x (now - rateSince) - sentSinceRate.
  private rateSince = 0;
  private sentSinceRate = 0;
  private producing: Promise<void> | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private rateTimer: NodeJS.Timeout | null = null;
  private readonly history: Array<{ at: number; produced: number; consumed: number }> = [];
  /** Serialises start, update and stop. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private readonly clock: WorkloadClock;

  constructor(
    private readonly cluster: WorkloadCluster,
    private readonly groups: ConsumerFactory,
    options: WorkloadSimulatorOptions = {},
  ) {
    super();
    this.clock = options.clock ?? performance;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  status(): WorkloadStatus {
    const o = this.opts;
    const rates = this.rates();
    return {
      state: this.state,
      topic: o?.topic ?? null,
      groupId: o?.groupId ?? null,
      partitions: this.partitionCount,
      ratePerSec: o?.ratePerSec ?? 0,
      consumers: o?.consumers ?? 0,
      processingDelayMs: o?.processingDelayMs ?? 0,
      sensors: o?.sensors ?? 0,
      startedAt: this.startedAt,
      produced: this.produced,
      consumed: this.consumed,
      producedPerSec: rates.produced,
      consumedPerSec: rates.consumed,
      capacityPerSec: o && o.processingDelayMs > 0 ? round((o.consumers * 1000) / o.processingDelayMs, 1) : null,
      skipped: this.skipped,
      members: this.slots.map((s) => ({
        clientId: s.clientId,
        memberId: s.consumer.memberId,
        partitions: [...s.partitions],
        state: s.state,
        consumed: s.consumed,
      })),
      lastError: this.lastError,
    };
  }

  /** Starts producing and consuming; fails when a workload is already running. */
  start(options: WorkloadOptions): Promise<WorkloadStatus> {
    return this.serial(async () => {
      if (this.closed) throw new KafkaError('INVALID_REQUEST', 'The workload simulator is shut down');
      if (this.state !== 'idle')
        throw new KafkaError(
          'INVALID_REQUEST',
          `A workload is already running on ${this.opts?.topic}; change it or stop it first`,
        );
      const o: Required<WorkloadOptions> = {
        topic: options.topic ?? 'sensor-readings',
        partitions: options.partitions ?? 6,
        groupId: options.groupId ?? 'sensor-processor',
        ratePerSec: options.ratePerSec,
        consumers: options.consumers,
        processingDelayMs: options.processingDelayMs,
        sensors: options.sensors ?? 50,
      };
      validate(o);
      if (!this.cluster.listTopics({ includeInternal: false }).some((t) => t.name === o.topic)) {
        try {
          await this.cluster.createTopic({ name: o.topic, partitions: o.partitions });
        } catch (e) {
          // Created meanwhile by someone else: use it.
          if (!(e instanceof KafkaError && e.errorName === 'TOPIC_ALREADY_EXISTS')) throw e;
        }
      }
      this.partitionCount = this.cluster.partitions(o.topic).length;
      this.opts = o;
      this.state = 'running';
      this.startedAt = Date.now();
      this.produced = this.consumed = this.skipped = 0;
      this.lastError = null;
      this.history.length = 0;
      this.sensors = makeSensors(o.sensors);
      this.resetPacing();
      this.tickTimer = setInterval(() => this.tick(), TICK_MS);
      this.tickTimer.unref();
      this.rateTimer = setInterval(() => this.sampleRates(), 1000);
      this.rateTimer.unref();
      this.sampleRates();
      for (let i = 0; i < o.consumers; i++) this.addConsumer();
      this.changed();
      return this.status();
    });
  }

  /** Changes the rate, the number of consumers or the delay of the running workload. */
  update(change: WorkloadChange): Promise<WorkloadStatus> {
    return this.serial(async () => {
      if (this.state !== 'running' || !this.opts)
        throw new KafkaError('INVALID_REQUEST', 'No workload is running; start one first');
      const next = {
        ...this.opts,
        ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
      } as Required<WorkloadOptions>;
      validate(next);
      const o = this.opts;
      if (next.ratePerSec !== o.ratePerSec) {
        o.ratePerSec = next.ratePerSec;
        this.resetPacing();
      }
      if (next.processingDelayMs !== o.processingDelayMs) {
        o.processingDelayMs = next.processingDelayMs;
        // max.poll.records is read on every poll: resize the running consumers' batches to the new delay.
        for (const slot of this.slots) slot.consumer.config.maxPollRecords = pollRecordsFor(o.processingDelayMs);
      }
      if (next.consumers > o.consumers) {
        for (let i = o.consumers; i < next.consumers; i++) this.addConsumer();
      } else if (next.consumers < o.consumers) {
        const leaving = this.slots.slice(next.consumers);
        await Promise.all(leaving.map((s) => this.removeConsumer(s)));
      }
      o.consumers = next.consumers;
      this.changed();
      return this.status();
    });
  }

  /** Stops the producer and closes every consumer; the topic and the group's offsets stay. */
  stop(): Promise<WorkloadStatus> {
    return this.serial(async () => {
      if (this.state === 'idle') return this.status();
      this.state = 'stopping';
      this.changed();
      if (this.tickTimer) clearInterval(this.tickTimer);
      this.tickTimer = null;
      await this.producing;
      await Promise.all([...this.slots].map((s) => this.removeConsumer(s)));
      if (this.rateTimer) clearInterval(this.rateTimer);
      this.rateTimer = null;
      this.sampleRates();
      this.state = 'idle';
      this.startedAt = null;
      this.changed();
      return this.status();
    });
  }

  /** Stops any workload and refuses new ones; call before closing the groups and the cluster. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop().catch(() => undefined);
    this.removeAllListeners();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private changed(): void {
    this.emit('change', this.status());
  }

  // ---- producer --------------------------------------------------------------------------

  private resetPacing(): void {
    this.rateSince = this.clock.now();
    this.sentSinceRate = 0;
  }

  private tick(): void {
    const o = this.opts;
    if (this.state !== 'running' || !o || this.producing || o.ratePerSec === 0) return;
    const owed = (o.ratePerSec * (this.clock.now() - this.rateSince)) / 1000;
    let due = Math.floor(owed) - this.sentSinceRate;
    const maxDebt = (o.ratePerSec * MAX_DEBT_MS) / 1000;
    if (due > maxDebt) {
      // Too far behind to catch up without a burst: forgive the debt beyond one tick.
      const keep = Math.ceil((o.ratePerSec * TICK_MS) / 1000);
      this.skipped += due - keep;
      this.sentSinceRate += due - keep;
      due = keep;
    }
    if (due <= 0) return;
    const n = Math.min(due, MAX_RECORDS_PER_PRODUCE);
    this.sentSinceRate += n;
    const records = this.readings(n);
    const topic = o.topic;
    this.producing = this.cluster
      .produce(topic, records, { acks: 1 })
      .then(
        () => {
          this.produced += n;
          if (this.lastError?.startsWith('Producing')) this.lastError = null;
        },
        (e: unknown) => {
          this.lastError = `Producing to ${topic} failed: ${(e as Error).message}`;
        },
      )
      .finally(() => {
        this.producing = null;
      });
  }

  private readings(n: number): Array<{ key: string; value: string; timestamp: number }> {
    const out = new Array<{ key: string; value: string; timestamp: number }>(n);
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const s = this.sensors[Math.floor(Math.random() * this.sensors.length)]!;
      s.phase += 0.05;
      s.temperature = Math.min(
        40,
        Math.max(-10, s.temperature + (Math.random() - 0.5) * 0.3 + Math.sin(s.phase) * 0.05),
      );
      s.humidity = Math.min(0.95, Math.max(0.05, s.humidity + (Math.random() - 0.5) * 0.01));
      out[i] = {
        key: s.id,
        value: JSON.stringify({
          sensorId: s.id,
          temperature: round(s.temperature, 1),
          humidity: round(s.humidity, 2),
          ts: now,
        }),
        timestamp: now,
      };
    }
    return out;
  }

  // ---- consumers -------------------------------------------------------------------------

  private addConsumer(): void {
    const o = this.opts!;
    const clientId = `${o.groupId}-${++this.clientSeq}`;
    const consumer = this.groups.consumer({
      groupId: o.groupId,
      clientId,
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      rebalanceTimeoutMs: 10_000,
      autoOffsetReset: 'earliest',
      enableAutoCommit: true,
      autoCommitIntervalMs: 1000,
      maxPollRecords: pollRecordsFor(o.processingDelayMs),
      // Smaller fetches than Java's 1 MiB: a lagging group reads in steady steps, not in bursts of minutes of records.
      maxPartitionFetchBytes: 64 * 1024,
    });
    const slot: Slot = {
      clientId,
      consumer,
      partitions: [],
      state: 'joining',
      consumed: 0,
      loop: Promise.resolve(),
      stopping: false,
    };
    consumer.on('assigned', (tps) => {
      slot.partitions = tps
        .filter((tp) => tp.topic === o.topic)
        .map((tp) => tp.partition)
        .sort((a, b) => a - b);
      if (!slot.stopping) slot.state = 'active';
      this.changed();
    });
    consumer.on('revoked', () => {
      slot.partitions = [];
      if (!slot.stopping) slot.state = 'joining';
    });
    // Background failures (an auto commit during a rebalance) are expected; the loop reports real ones.
    consumer.on('error', () => undefined);
    consumer.subscribe([o.topic]);
    this.slots.push(slot);
    slot.loop = this.consume(slot);
  }

  private async removeConsumer(slot: Slot): Promise<void> {
    slot.stopping = true;
    slot.state = 'leaving';
    await slot.loop;
    await slot.consumer.close().catch(() => undefined);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private async consume(slot: Slot): Promise<void> {
    const c = slot.consumer;
    let debt = 0;
    while (!slot.stopping && !c.isClosed) {
      let records;
      try {
        records = await c.poll(200);
      } catch (e) {
        if (slot.stopping || c.isClosed) return;
        this.lastError = `Consumer ${slot.clientId}: ${(e as Error).message}`;
        await sleep(250);
        continue;
      }
      const began = performance.now();
      for (let i = 0; i < records.length; i++) {
        if (slot.stopping || performance.now() - began > BATCH_BUDGET_MS) {
          this.rewind(c, records, i);
          break;
        }
        slot.consumed++;
        this.consumed++;
        const delay = this.opts?.processingDelayMs ?? 0;
        if (delay <= 0) {
          debt = 0;
          continue;
        }
        debt += delay;
        // Pay the delay in sleeps of at least 2 ms, carrying what a sleep overshot; wake early to stop.
        while (debt >= 2 && !slot.stopping) {
          const t0 = performance.now();
          await sleep(Math.min(debt, 50));
          debt -= performance.now() - t0;
        }
        debt = Math.max(-50, debt);
      }
    }
  }

  /** Seeks each partition back to its first record from `from` on, so the next poll returns them again. */
  private rewind(
    c: EngineConsumer,
    records: Array<{ topic: string; partition: number; offset: number }>,
    from: number,
  ): void {
    const first = new Map<string, { topic: string; partition: number; offset: number }>();
    for (let i = from; i < records.length; i++) {
      const r = records[i]!;
      const k = `${r.topic}\u0000${r.partition}`;
      if (!first.has(k)) first.set(k, r);
    }
    for (const r of first.values()) {
      try {
        c.seek(r.topic, r.partition, r.offset);
      } catch {
        // Revoked meanwhile: its new owner starts from the committed offset.
      }
    }
  }

  // ---- rates -------------------------------------------------------------------------------

  private sampleRates(): void {
    this.history.push({ at: this.clock.now(), produced: this.produced, consumed: this.consumed });
    while (this.history.length > RATE_WINDOW_SECONDS + 1) this.history.shift();
  }

  private rates(): { produced: number; consumed: number } {
    const h = this.history;
    if (h.length < 2) return { produced: 0, consumed: 0 };
    const a = h[0]!;
    const b = h[h.length - 1]!;
    const secs = (b.at - a.at) / 1000;
    if (secs <= 0) return { produced: 0, consumed: 0 };
    return {
      produced: round((b.produced - a.produced) / secs, 1),
      consumed: round((b.consumed - a.consumed) / secs, 1),
    };
  }
}

function validate(o: Required<WorkloadOptions>): void {
  if (typeof o.topic !== 'string' || !/^[a-zA-Z0-9._-]{1,249}$/.test(o.topic) || o.topic.startsWith('__')) {
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `The workload needs an ordinary topic name; got ${String(o.topic)}`,
    );
  }
  if (typeof o.groupId !== 'string' || o.groupId === '' || o.groupId.length > 255)
    throw new KafkaError('INVALID_GROUP_ID', 'The workload needs a group id of 1 to 255 characters');
  checkRange('ratePerSec', o.ratePerSec, 0, WORKLOAD_LIMITS.ratePerSec, false);
  checkRange('consumers', o.consumers, 0, WORKLOAD_LIMITS.consumers, true);
  checkRange('processingDelayMs', o.processingDelayMs, 0, WORKLOAD_LIMITS.processingDelayMs, false);
  checkRange('sensors', o.sensors, 1, WORKLOAD_LIMITS.sensors, true);
  checkRange('partitions', o.partitions, 1, WORKLOAD_LIMITS.partitions, true);
}

function pollRecordsFor(delayMs: number): number {
  return delayMs > 0
    ? Math.max(1, Math.min(MAX_POLL_RECORDS, Math.floor(BATCH_TARGET_MS / delayMs)))
    : MAX_POLL_RECORDS;
}

function makeSensors(n: number): Sensor[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `sensor-${i + 1}`,
    temperature: 18 + Math.random() * 8,
    humidity: 0.3 + Math.random() * 0.3,
    phase: Math.random() * Math.PI * 2,
  }));
}
