/** The message browser's reads through the API, against a real engine: validation, paging, merging and truncation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import type { RecordDto, RecordPage, RecordPosition } from '../../../core/api/api';
import { openCluster } from '../../helpers/temp-cluster';
import { apiError, apiResult } from '../../helpers/api-session';

const T0 = 1_700_000_000_000;
let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;
let session: ApiSession;

const ok = <T = any>(method: string, input?: unknown) => apiResult<T>(session, method, input);

const fails = (method: string, input: unknown) => apiError(session, method, input);

const text = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64').toString());
const ids = (page: RecordPage) => page.records.map((r) => `${r.partition}:${r.offset}`);

beforeAll(async () => {
  env = await openCluster({ brokers: 1 });
  api = new EngineApi(env.cluster, {
    transport: 'websocket',
    dataDir: env.dataDir,
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
  session = api.openSession(() => undefined);
  await env.cluster.createTopic({ name: 'orders', partitions: 3, replicationFactor: 1 });
  // 30 records, 10 per partition, timestamps interleaved across partitions: record n has timestamp T0 + n.
  await env.cluster.produce(
    'orders',
    Array.from({ length: 30 }, (_, n) => ({ key: `k${n}`, value: `v${n}`, partition: n % 3, timestamp: T0 + n })),
  );
  await env.cluster.createTopic({
    name: 'blobs',
    partitions: 1,
    replicationFactor: 1,
    configs: { 'max.message.bytes': String(4 * 1024 * 1024) },
  });
  await env.cluster.produce('blobs', [
    { key: 'big', value: Buffer.alloc(1_500_000, 0x61) },
    { key: 'small', value: 'tiny' },
  ]);
});

afterAll(async () => {
  api.close();
  await env.cleanup();
});

describe('readRecordPage', () => {
  it('validates its input', async () => {
    expect(await fails('readRecordPage', { topic: 'orders', start: { type: 'latest' }, limit: 0 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('readRecordPage', { topic: 'orders', start: { type: 'latest' }, limit: 1001 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(
      await fails('readRecordPage', { topic: 'orders', start: { type: 'positions', positions: [] }, limit: 10 }),
    ).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(await fails('readRecordPage', { topic: 'orders', start: { type: 'sideways' }, limit: 10 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(
      await fails('readRecordPage', { topic: 'orders', start: { type: 'latest' }, limit: 10, maxValueBytes: -1 }),
    ).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(
      await fails('readRecordPage', { topic: 'orders', partition: 7, start: { type: 'latest' }, limit: 10 }),
    ).toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(await fails('readRecordPage', { topic: 'nope', start: { type: 'latest' }, limit: 10 })).toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  });

  it('merges all partitions newest first from the latest; pages older and newer without gaps or repeats', async () => {
    const first = await ok<RecordPage>('readRecordPage', { topic: 'orders', start: { type: 'latest' }, limit: 7 });
    expect(first.records.map((r) => text(r.value))).toEqual(['v29', 'v28', 'v27', 'v26', 'v25', 'v24', 'v23']);
    expect(first.partitions).toEqual(
      [0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, highWatermark: 10 })),
    );
    // Walk to the oldest record, then back.
    const pages: RecordPage[] = [first];
    for (;;) {
      const prev = pages[pages.length - 1]!;
      const older = await ok<RecordPage>('readRecordPage', {
        topic: 'orders',
        start: { type: 'positions', positions: prev.lower },
        direction: 'backward',
        limit: 7,
      });
      if (older.records.length === 0) break;
      pages.push(older);
    }
    const all = pages.flatMap((p) => p.records.map((r) => text(r.value)));
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => `v${29 - i}`));
    const last = pages[pages.length - 1]!;
    expect(last.lower.every((p: RecordPosition) => p.offset === 0)).toBe(true);
    const newer = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      start: { type: 'positions', positions: last.upper },
      direction: 'forward',
      limit: 7,
    });
    expect(newer.records.map((r) => text(r.value))).toEqual(['v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8']);
  });

  it('reads one partition from the earliest, an offset or a timestamp, forward', async () => {
    const earliest = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      partition: 1,
      start: { type: 'earliest' },
      limit: 3,
    });
    expect(ids(earliest)).toEqual(['1:0', '1:1', '1:2']);
    expect(earliest.upper).toEqual([{ partition: 1, offset: 3 }]);
    const next = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      partition: 1,
      start: { type: 'positions', positions: earliest.upper },
      limit: 3,
    });
    expect(ids(next)).toEqual(['1:3', '1:4', '1:5']);
    const back = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      partition: 1,
      start: { type: 'positions', positions: next.lower },
      direction: 'backward',
      limit: 3,
    });
    expect(ids(back)).toEqual(['1:2', '1:1', '1:0']);
    expect(
      ids(
        await ok('readRecordPage', { topic: 'orders', partition: 2, start: { type: 'offset', offset: 8 }, limit: 5 }),
      ),
    ).toEqual(['2:8', '2:9']);
    // Record n = 3 * offset + partition has timestamp T0 + n: the first in partition 0 at or after T0 + 10 is offset 4
    // (n = 12).
    expect(
      ids(
        await ok('readRecordPage', {
          topic: 'orders',
          partition: 0,
          start: { type: 'timestamp', timestamp: T0 + 10 },
          limit: 2,
        }),
      ),
    ).toEqual(['0:4', '0:5']);
    // All partitions from a timestamp: merged oldest first.
    const fromTs = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      start: { type: 'timestamp', timestamp: T0 + 10 },
      limit: 4,
    });
    expect(fromTs.records.map((r) => r.timestamp - T0)).toEqual([10, 11, 12, 13]);
    // Past the end: an empty page that still says where it is.
    const none = await ok<RecordPage>('readRecordPage', {
      topic: 'orders',
      partition: 0,
      start: { type: 'offset', offset: 1_000 },
      limit: 5,
    });
    expect(none.records).toEqual([]);
    expect(none.lower).toEqual([{ partition: 0, offset: 10 }]);
  });

  it('cuts long values to maxValueBytes and says so', async () => {
    const page = await ok<RecordPage>('readRecordPage', {
      topic: 'blobs',
      start: { type: 'earliest' },
      limit: 10,
      maxValueBytes: 1024,
    });
    const [big, small] = page.records;
    expect(big!.truncated).toEqual({ value: 1_500_000 });
    expect(Buffer.from(big!.value!, 'base64')).toHaveLength(1024);
    expect(small!.truncated).toBeUndefined();
    expect(text(small!.value)).toBe('tiny');
  });
});

describe('getRecord', () => {
  it('reads one record whole, or cut, or null where there is none', async () => {
    const whole = await ok<RecordDto>('getRecord', { topic: 'blobs', partition: 0, offset: 0 });
    expect(Buffer.from(whole.value!, 'base64')).toHaveLength(1_500_000);
    expect(whole.truncated).toBeUndefined();
    const cut = await ok<RecordDto>('getRecord', {
      topic: 'blobs',
      partition: 0,
      offset: 0,
      maxValueBytes: 1024 * 1024,
    });
    expect(cut.truncated).toEqual({ value: 1_500_000 });
    expect(Buffer.from(cut.value!, 'base64')).toHaveLength(1024 * 1024);
    expect(await ok('getRecord', { topic: 'blobs', partition: 0, offset: 99 })).toBeNull();
    expect(await fails('getRecord', { topic: 'blobs', partition: 0, offset: -1 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('getRecord', { topic: 'blobs', offset: 0 })).toMatchObject({ errorName: 'INVALID_REQUEST' });
  });
});
