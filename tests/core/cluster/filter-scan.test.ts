import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCluster } from '../../helpers/temp-cluster';
import type { Cluster } from '../../../core/cluster/cluster';
import type { RecordScanOptions } from '../../../core/cluster/record-search';
import type { DecodedRecord } from '../../../core/cluster/types';
import { KafkaError } from '../../../core/errors';
import { buildBatch } from '../../../core/record';

const T0 = 1_700_000_000_000;

describe('filter scan', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;
  let c: Cluster;

  async function filter(expr: string, opts: Partial<RecordScanOptions> = {}, topic = 'orders') {
    const found: DecodedRecord[] = [];
    const outcome = await c.scanRecords({
      topic,
      query: { pattern: expr, mode: 'filter' },
      onMatch: (r) => found.push(r),
      ...opts,
    });
    return { outcome, found, keys: found.map((r) => r.key?.toString() ?? null) };
  }

  beforeAll(async () => {
    env = await openCluster({ brokers: 1 });
    c = env.cluster;
    await c.createTopic({ name: 'orders', partitions: 2, replicationFactor: 1 });
    for (const partition of [0, 1]) {
      await c.produce(
        'orders',
        Array.from({ length: 100 }, (_, i) => ({
          key: `o-${partition}-${i}`,
          value: JSON.stringify({ customer: { id: `c-${i % 10}` }, total: i }),
          headers: { source: i % 2 === 0 ? 'web' : 'mobile' },
          partition,
          timestamp: T0 + i,
        })),
      );
    }
    // JSON may spell any character as an escape: "c\u002d70" is "c-70", though its bytes do not hold "c-70".
    await c.produce('orders', [
      { key: 'escaped', value: '{"customer":{"id":"c\\u002d70"}}', headers: { source: 'web' }, partition: 1 },
    ]);
  });
  afterAll(() => env.cleanup());

  it('keeps the records an expression over JSON fields and headers holds for, newest first', async () => {
    const { outcome, keys } = await filter('value.customer.id == "c-3" && headers.source == "mobile"');
    expect(outcome).toMatchObject({ end: 'done', total: 201, scanned: 201, matches: 20, skipped: [] });
    // i % 10 == 3 is odd, so every one is mobile: 10 per partition, newest first
    const p0 = ['o-0-93', 'o-0-83', 'o-0-73', 'o-0-63', 'o-0-53', 'o-0-43', 'o-0-33', 'o-0-23', 'o-0-13', 'o-0-3'];
    expect(keys.filter((k) => k!.startsWith('o-0'))).toEqual(p0);
    expect(keys.filter((k) => k!.startsWith('o-1'))).toEqual(p0.map((k) => k.replace('o-0', 'o-1')));
  });

  it('filters on partition, offset and timestamp, oldest first when asked', async () => {
    const { keys } = await filter(`partition == 1 && offset < 3 && timestamp >= ${T0}`, { direction: 'forward' });
    expect(keys).toEqual(['o-1-0', 'o-1-1', 'o-1-2']);
  });

  it('does not skip a batch whose JSON escapes the text looked for', async () => {
    const { keys } = await filter('value.customer.id == "c-70"');
    expect(keys).toEqual(['escaped']);
  });

  it('stops at maxMatches', async () => {
    const { outcome, found } = await filter('headers.source == "web"', { maxMatches: 7 });
    expect(outcome.end).toBe('limit');
    expect(found).toHaveLength(7);
  });

  it('tests matches in a worker, in scan order, with decided records around undecided ones', async () => {
    const { keys } = await filter('partition == 0 && (value.total == 1 || key matches "^o-0-(5|7)5$")', {
      direction: 'forward',
    });
    expect(keys).toEqual(['o-0-1', 'o-0-55', 'o-0-75']);
    const two = await filter('key matches "-1-9\\d$" && !(value matches "\\"c-9\\"")', { direction: 'forward' });
    expect(two.keys).toEqual([
      'o-1-90',
      'o-1-91',
      'o-1-92',
      'o-1-93',
      'o-1-94',
      'o-1-95',
      'o-1-96',
      'o-1-97',
      'o-1-98',
    ]);
  });

  it('ends a catastrophic pattern at the time budget instead of freezing', async () => {
    await c.createTopic({ name: 'evil', partitions: 1, replicationFactor: 1 });
    await c.produce('evil', [{ key: 'bad', value: 'a'.repeat(43) + '!' }]);
    const { outcome } = await filter('value matches "(a|aa)+$"', { timeBudgetMs: 300 }, 'evil');
    expect(outcome.end).toBe('timeout');
  });

  it('reads compressed batches', async () => {
    await c.createTopic({ name: 'zipped-f', partitions: 1, replicationFactor: 1 });
    for (const compression of ['gzip', 'snappy', 'lz4'] as const)
      await c.produceBatch(
        'zipped-f',
        0,
        buildBatch({ compression, records: [{ value: `{"codec":"${compression}"}` }, { value: 'other' }] }),
      );
    const { found } = await filter('value.codec startsWith "g" || value.codec == "lz4"', {}, 'zipped-f');
    expect(found.map((r) => r.value!.toString()).sort()).toEqual(['{"codec":"gzip"}', '{"codec":"lz4"}']);
  });

  it('refuses a bad expression with the column of the fault', async () => {
    const err = await filter('value.customer.id = "c-70"').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toMatchObject({ errorName: 'INVALID_REQUEST', field: 'pattern' });
    expect((err as Error).message).toMatch(/^Filter: Use == to compare .*\(column 19\)$/);
  });
});
