import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import type { Cluster } from '../../../core/cluster/cluster';
import {
  compileSearch,
  nestedRepetition,
  type RecordScanOptions,
  type ScanProgress,
} from '../../../core/cluster/record-search';
import type { DecodedRecord } from '../../../core/cluster/types';
import { buildBatch, buildBatchAsync } from '../../../core/record';

const T0 = 1_700_000_000_000;

describe('record search', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;

  async function scan(opts: Partial<RecordScanOptions> & Pick<RecordScanOptions, 'query'>, topic = 'shop') {
    const found: DecodedRecord[] = [];
    const progress: ScanProgress[] = [];
    const outcome = await c.scanRecords({
      topic,
      onMatch: (r) => found.push(r),
      onProgress: (p) => progress.push(p),
      ...opts,
    });
    return { outcome, found, progress, values: found.map((r) => r.value?.toString() ?? null) };
  }

  beforeAll(async () => {
    env = await openCluster({ brokers: 1 });
    c = env.cluster;
    await c.createTopic({ name: 'shop', partitions: 2, replicationFactor: 1 });
    // Partition 0: orders; partition 1: a mix of text, binary and headers.
    await c.produce('shop', [
      { key: 'order-1', value: '{"customer":"Ada","total":12}', partition: 0, timestamp: T0 },
      { key: 'order-2', value: '{"customer":"Grace","total":7}', partition: 0, timestamp: T0 + 1 },
      { key: 'order-3', value: '{"customer":"ada lovelace","total":30}', partition: 0, timestamp: T0 + 2 },
      { key: 'Ada', value: 'key only', partition: 0, timestamp: T0 + 3 },
    ]);
    await c.produce('shop', [
      { key: null, value: Buffer.from([0, 1, 2, 0xff, 0xfe]), partition: 1, timestamp: T0 + 4 },
      {
        key: 'h1',
        value: 'plain',
        headers: { 'trace-id': 'abc-123', source: 'mobile' },
        partition: 1,
        timestamp: T0 + 5,
      },
      { key: 'h2', value: 'école d’été', partition: 1, timestamp: T0 + 6 },
      { key: 'tomb', value: null, partition: 1, timestamp: T0 + 7 },
    ]);
  });
  afterAll(() => env.cleanup());

  it('finds text in keys, values and headers, ignoring case by default', async () => {
    const { outcome, found } = await scan({ query: { pattern: 'ADA', mode: 'text' } });
    expect(outcome).toMatchObject({ end: 'done', scanned: 8, total: 8, matches: 3 });
    expect(found.map((r) => r.key?.toString()).sort()).toEqual(['Ada', 'order-1', 'order-3']);
    expect(found[0]).toMatchObject({ topic: 'shop', partition: 0, timestampType: 'CreateTime' });
  });

  it('honours case sensitivity', async () => {
    const { found } = await scan({ query: { pattern: 'Ada', mode: 'text', caseSensitive: true } });
    expect(found.map((r) => r.key?.toString()).sort()).toEqual(['Ada', 'order-1']);
  });

  it('limits the search to the scopes asked for', async () => {
    expect(
      (await scan({ query: { pattern: 'ada', mode: 'text', scopes: ['key'] } })).found.map((r) => r.key?.toString()),
    ).toEqual(['Ada']);
    expect(
      (await scan({ query: { pattern: 'ada', mode: 'text', scopes: ['value'] } })).found
        .map((r) => r.key?.toString())
        .sort(),
    ).toEqual(['order-1', 'order-3']);
    // Header values and header names both count as "headers".
    expect((await scan({ query: { pattern: 'abc-123', mode: 'text', scopes: ['headers'] } })).values).toEqual([
      'plain',
    ]);
    expect((await scan({ query: { pattern: 'TRACE-ID', mode: 'text', scopes: ['headers'] } })).values).toEqual([
      'plain',
    ]);
    expect((await scan({ query: { pattern: 'abc-123', mode: 'text', scopes: ['key', 'value'] } })).found).toEqual([]);
  });

  it('a regex scan in its worker finds what the engine-side matcher finds: every codec, scope, direction', async () => {
    // The worker parses the records sections itself; the reference is compileSearch().matches on decoded records.
    await c.createTopic({ name: 'codecs', partitions: 1, replicationFactor: 1 });
    const records = (tag: string) =>
      Array.from({ length: 30 }, (_, i) => ({
        key: i % 7 === 0 ? null : `${tag}-key-${i}`,
        value: i % 11 === 0 ? null : `{"n":${i},"tag":"${tag}","note":"é${'x'.repeat(i * 13)}"}`,
        headers: i % 3 === 0 ? [{ key: `h-${tag}-${i}`, value: i % 2 ? Buffer.from(`hv-${i}`) : null }] : [],
        timestamp: T0 + i,
      }));
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
    for (const compression of codecs)
      await c.produceBatch('codecs', 0, await buildBatchAsync({ compression, records: records(compression) }), {
        acks: 1,
      });
    const all = await c.readRecords({ topic: 'codecs', partition: 0, start: { type: 'earliest' }, limit: 1000 });
    expect(all).toHaveLength(150);
    const queries = [
      { pattern: 'key-(3|14|2\\d)$', mode: 'regex' as const, scopes: ['key' as const] },
      { pattern: '"n":1\\d,"tag":"(gzip|lz4)"', mode: 'regex' as const, scopes: ['value' as const] },
      { pattern: '^h-(snappy|zstd)-\\d+$|^hv-9$', mode: 'regex' as const, scopes: ['headers' as const] },
      { pattern: 'ÉX{26}', mode: 'regex' as const },
    ];
    for (const query of queries) {
      const m = compileSearch({ ...query, caseSensitive: false });
      const want = all.filter((r) => m.matches({ ...r, sizeInBytes: 0 } as never)).map((r) => r.offset);
      expect(want.length, query.pattern).toBeGreaterThan(0);
      const forward = await scan({ query, direction: 'forward' }, 'codecs');
      expect(
        forward.found.map((r) => r.offset),
        query.pattern,
      ).toEqual(want);
      const backward = await scan({ query, direction: 'backward' }, 'codecs');
      expect(
        backward.found.map((r) => r.offset),
        query.pattern,
      ).toEqual([...want].reverse());
    }
  });

  it('matches regular expressions, and non-ASCII text in any case', async () => {
    expect(
      (await scan({ query: { pattern: '"total":(7|30)\\b', mode: 'regex' } })).found
        .map((r) => r.key?.toString())
        .sort(),
    ).toEqual(['order-2', 'order-3']);
    expect((await scan({ query: { pattern: '^order-\\d$', mode: 'regex', scopes: ['key'] } })).found).toHaveLength(3);
    expect((await scan({ query: { pattern: 'ÉCOLE', mode: 'text' } })).values).toEqual(['école d’été']);
    expect((await scan({ query: { pattern: 'été$', mode: 'regex' } })).values).toEqual(['école d’été']);
  });

  it('scans newest first by default and oldest first when asked, one partition or all', async () => {
    const newest = await scan({ query: { pattern: 'order', mode: 'text' }, partition: 0 });
    expect(newest.found.map((r) => r.offset)).toEqual([2, 1, 0]);
    const oldest = await scan({ query: { pattern: 'order', mode: 'text' }, partition: 0, direction: 'forward' });
    expect(oldest.found.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(oldest.outcome).toMatchObject({ total: 4, scanned: 4 });
    await expect(
      c.scanRecords({ topic: 'shop', partition: 5, query: { pattern: 'x', mode: 'text' } }),
    ).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('refuses a malformed regular expression with the reason, and empty or scopeless queries', async () => {
    await expect(scan({ query: { pattern: '(unclosed', mode: 'regex' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringMatching(/^Invalid regular expression: .*Unterminated group/),
    });
    await expect(scan({ query: { pattern: '[z-a]', mode: 'regex' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(() => compileSearch({ pattern: '', mode: 'text' })).toThrow(/Type something/);
    expect(() => compileSearch({ pattern: 'x', mode: 'text', scopes: [] })).toThrow(/at least one/);
    expect(() => compileSearch({ pattern: 'x'.repeat(1001), mode: 'text' })).toThrow(/at most 1000/);
    // Text mode takes the characters literally.
    expect(() => compileSearch({ pattern: '(unclosed', mode: 'text' })).not.toThrow();
  });

  it('refuses nested unbounded repetition, the usual catastrophic backtracking, and allows the rest', async () => {
    for (const bad of ['(a+)+', '(\\w*)*b', '((a+))+', '(x+y?)+$', '(?:a|b+){2,}', '(a*){1,100}', '(\\d+,)*']) {
      expect(nestedRepetition(bad), bad).not.toBeNull();
    }
    for (const good of [
      '(ab)+',
      'a+b+',
      '[a+]+',
      '(?:foo|bar)+',
      '\\(a+\\)+',
      '(a+)?',
      '(a{2,3})+',
      '^order-\\d+$',
      '(?<id>\\d+)-(x|y)*',
    ]) {
      expect(nestedRepetition(good), good).toBeNull();
    }
    await expect(scan({ query: { pattern: '(a+)+$', mode: 'regex' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringMatching(/\(a\+\)\+.*exponential time/),
    });
  });

  it('searches compressed batches', async () => {
    await c.createTopic({ name: 'zipped', partitions: 1, replicationFactor: 1 });
    for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
      await c.produceBatch(
        'zipped',
        0,
        buildBatch({ compression, records: [{ value: `hello from ${compression}` }, { value: 'other' }] }),
      );
    }
    const { found, outcome } = await scan(
      { query: { pattern: 'hello from', mode: 'text', caseSensitive: true } },
      'zipped',
    );
    expect(found.map((r) => r.value!.toString()).sort()).toEqual([
      'hello from gzip',
      'hello from lz4',
      'hello from snappy',
    ]);
    expect(outcome.total).toBe(6);
  });

  describe('on a larger topic', () => {
    const BATCHES = 200; // 200,000 records
    beforeAll(async () => {
      await c.createTopic({ name: 'big', partitions: 1, replicationFactor: 1 });
      const template = buildBatch({
        records: Array.from({ length: 1000 }, (_, i) => ({
          key: `k-${i}`,
          value: `{"id":${i},"name":"item ${i}"}`,
          timestamp: T0,
        })),
      });
      for (let b = 0; b < BATCHES; b++) await c.produceBatch('big', 0, Buffer.from(template), { acks: 1 });
    });

    it('stops at maxMatches', async () => {
      const { outcome, found } = await scan({ query: { pattern: '"id":7', mode: 'text' }, maxMatches: 25 }, 'big');
      expect(outcome.end).toBe('limit');
      expect(found).toHaveLength(25);
      expect(outcome.scanned).toBeLessThan(outcome.total);
    });

    it('reports progress and stops when cancelled', async () => {
      const abort = new AbortController();
      const progress: ScanProgress[] = [];
      const outcome = await c.scanRecords({
        topic: 'big',
        query: { pattern: 'item \\d+x', mode: 'regex' },
        signal: abort.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          progress.push(p);
          // A regex scan counts records once its worker has tested them; stop after the third report of some.
          if (progress.filter((q) => q.scanned > 0).length === 3) abort.abort();
        },
      });
      expect(outcome.end).toBe('stopped');
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.every((p) => p.total === 200_000)).toBe(true);
      for (let i = 1; i < progress.length; i++)
        expect(progress[i]!.scanned).toBeGreaterThanOrEqual(progress[i - 1]!.scanned);
      expect(outcome.scanned).toBeGreaterThan(0);
      expect(outcome.scanned).toBeLessThan(200_000);
    });

    it('ends at its time budget', async () => {
      const { outcome } = await scan({ query: { pattern: 'item \\d+x', mode: 'regex' }, timeBudgetMs: 1 }, 'big');
      expect(outcome.end).toBe('timeout');
      expect(outcome.scanned).toBeLessThan(outcome.total);
    });

    it('scans only what was there when it started', async () => {
      const pending = scan({ query: { pattern: 'late arrival', mode: 'text' } }, 'big');
      await c.produce('big', [{ value: 'late arrival' }]);
      const { outcome, found } = await pending;
      expect(outcome.total).toBe(200_000);
      expect(found).toEqual([]);
    });

    it('keeps the event loop free while it scans', async () => {
      let ticks = 0;
      let maxGap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 1);
      await scan({ query: { pattern: 'item \\d+x', mode: 'regex' } }, 'big');
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(5);
      console.log(
        `event loop: longest gap between 1 ms timer ticks during a 200,000-record regex scan: ${maxGap.toFixed(1)} ms`,
      );
    });
  });

  it('skips a partition no running broker holds and goes on with the others', async () => {
    const three = await openCluster({ brokers: 2 });
    try {
      await three.cluster.createTopic({ name: 'split', partitions: 2, replicationFactor: 1, assignments: [[0], [1]] });
      await three.cluster.produce('split', [
        { value: 'needle', partition: 0 },
        { value: 'needle', partition: 1 },
      ]);
      await three.cluster.stopBroker(1);
      const found: DecodedRecord[] = [];
      const outcome = await three.cluster.scanRecords({
        topic: 'split',
        query: { pattern: 'needle', mode: 'text' },
        onMatch: (r) => found.push(r),
      });
      expect(found.map((r) => r.partition)).toEqual([0]);
      expect(outcome.skipped).toEqual([{ partition: 1, reason: expect.stringContaining('no running broker') }]);
    } finally {
      await three.cleanup();
    }
  });

  it('scans 1,000,000 records (throughput printed, not asserted)', async () => {
    const big = await openCluster({ brokers: 1 });
    try {
      const cl = big.cluster;
      // Its timestamps are years old: without this, retention would empty it once the cleaner runs (15 s).
      await cl.createTopic({ name: 'million', partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '-1' } });
      const template = buildBatch({
        records: Array.from({ length: 1000 }, (_, i) => ({
          key: `order-${i}`,
          value: JSON.stringify({ id: i, customer: `customer-${i % 97}`, total: i * 3.5, currency: 'EUR' }),
          headers: { source: 'web' },
          timestamp: T0 + i,
        })),
      });
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < 1000) {
            next++;
            await cl.produceBatch('million', 0, Buffer.from(template), { acks: 1 });
          }
        }),
      );
      const rows: string[] = [];
      for (const [label, query] of [
        ['text, absent', { pattern: 'no such text', mode: 'text' }],
        ['text, case-sensitive, absent', { pattern: 'no such text', mode: 'text', caseSensitive: true }],
        ['text, 1 in 1000 records', { pattern: '"id":999,', mode: 'text' }],
        ['regex, absent', { pattern: 'customer-9\\d{3}', mode: 'regex' }],
      ] as const) {
        const t0 = performance.now();
        let events = 0;
        const o = await cl.scanRecords({ topic: 'million', query, maxMatches: 10_000, onProgress: () => events++ });
        const ms = performance.now() - t0;
        expect(o.end).toBe('done');
        expect(o.scanned, JSON.stringify({ label, o })).toBe(1_000_000);
        rows.push(
          `${label.padEnd(30)} ${ms.toFixed(0).padStart(6)} ms  ${Math.round(1_000_000 / (ms / 1000))
            .toLocaleString('en-US')
            .padStart(11)} records/s  ${o.matches} matches, ${events} progress events`,
        );
      }
      console.log(`scan of 1,000,000 records:\n  ${rows.join('\n  ')}`);
    } finally {
      await big.cleanup();
    }
  }, 60_000);
});
