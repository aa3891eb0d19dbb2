/**
 * A catastrophic regular expression cannot freeze the process: `(a|aa)+$`
 * against 43 `a`s and a `!` backtracks for minutes in JavaScript's engine,
 * yet the scan ends at its time budget with what it found so far, and the
 * event loop keeps running timers (and the engine keeps serving) meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../../../core/cluster/cluster';
import type { DecodedRecord } from '../../../core/cluster/types';
import { openCluster } from '../../helpers/temp-cluster';

const EVIL = '(a|aa)+$';
const EVIL_VALUE = 'a'.repeat(43) + '!';

/** Runs `fn` while a 5 ms interval measures how long the event loop is ever kept from running it. */
async function withLoopProbe<T>(fn: () => Promise<T>): Promise<{ result: T; ticks: number; maxGapMs: number }> {
  let ticks = 0;
  let maxGapMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    const result = await fn();
    return { result, ticks, maxGapMs };
  } finally {
    clearInterval(timer);
  }
}

describe('a catastrophic regex search', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;

  beforeAll(async () => {
    env = await openCluster({ brokers: 1 });
    c = env.cluster;
    await c.createTopic({ name: 'planted', partitions: 1, replicationFactor: 1 });
    // Oldest: the poisoned value; newer: 4,000 records (some matching) that a newest-first scan reads before it.
    await c.produce('planted', [{ value: EVIL_VALUE }]);
    await c.produce(
      'planted',
      Array.from({ length: 4000 }, (_, i) => ({
        key: `k${i}`,
        value: i % 100 === 0 ? `match ${i} aa` : `${'b'.repeat(90)} ${i}`,
      })),
    );
  });
  afterAll(() => env.cleanup());

  it('passes the nested-repetition guard, so the guard is not what protects the process', async () => {
    const found: DecodedRecord[] = [];
    const o = await c.scanRecords({
      topic: 'planted',
      query: { pattern: EVIL, mode: 'regex' },
      maxMatches: 10,
      onMatch: (r) => found.push(r),
    });
    expect(o.end).toBe('limit');
    expect(found).toHaveLength(10);
  });

  it('ends with "timeout" at its budget, keeps the matches before the bad record; the loop keeps ticking', async () => {
    const found: string[] = [];
    const {
      result: o,
      ticks,
      maxGapMs,
    } = await withLoopProbe(() =>
      c.scanRecords({
        topic: 'planted',
        query: { pattern: EVIL, mode: 'regex' },
        maxMatches: 1000,
        timeBudgetMs: 1500,
        onMatch: (r) => found.push(r.value!.toString()),
      }),
    );
    console.log(
      `evil regex: ended '${o.end}' after ${o.elapsedMs} ms (budget 1500 ms), event loop max gap ` +
        `${maxGapMs.toFixed(1)} ms, ${ticks} ticks`,
    );
    expect(o.end).toBe('timeout');
    // Everything newer than the planted record was answered before the deadline.
    expect(found).toHaveLength(40);
    expect(found[0]).toBe('match 3900 aa');
    // Records count as scanned once their part of the scan is fully tested; the stuck part never is.
    expect(o.total).toBe(4001);
    expect(o.scanned).toBeLessThan(o.total);
    // The loop was never held for anything like the budget: timers ran all along.
    expect(ticks).toBeGreaterThan(10);
    expect(maxGapMs).toBeLessThan(1500);
  });

  it('lets the engine serve while the pattern runs, and stops at once when cancelled', async () => {
    const abort = new AbortController();
    let found = 0;
    const scan = c.scanRecords({
      topic: 'planted',
      query: { pattern: EVIL, mode: 'regex' },
      maxMatches: 1000,
      signal: abort.signal,
      onMatch: () => found++,
    });
    // Every record newer than the planted one is answered; then the worker is stuck on it.
    await vi.waitFor(() => expect(found).toBe(40), { timeout: 20_000 });
    // A produce and a read complete while the scan is stuck on the planted record.
    await c.produce('other', [{ value: 'during the search' }]).catch(async () => {
      await c.createTopic({ name: 'other', partitions: 1, replicationFactor: 1 });
      await c.produce('other', [{ value: 'during the search' }]);
    });
    const read = await c.readRecords({ topic: 'other', partition: 0, start: { type: 'earliest' }, limit: 10 });
    expect(read.map((r) => r.value?.toString())).toContain('during the search');
    abort.abort();
    const o = await scan;
    expect(o.end).toBe('stopped');
    expect(o.matches).toBe(40);
  });

  it('still refuses a malformed pattern up front and finds with an ordinary one', async () => {
    await expect(c.scanRecords({ topic: 'planted', query: { pattern: '(a|', mode: 'regex' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    const o = await c.scanRecords({ topic: 'planted', query: { pattern: '^match 3[0-9]00 aa$', mode: 'regex' } });
    expect(o).toMatchObject({ end: 'done', matches: 10, scanned: 4001 });
  });
});
