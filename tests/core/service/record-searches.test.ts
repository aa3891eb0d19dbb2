/** Message search through the API, against a real engine: validation, progress events, results, stop, ownership. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import type { EventName, SearchResults, SearchStatus } from '../../../core/api/api';
import { buildBatch } from '../../../core/record';
import { openCluster } from '../../helpers/temp-cluster';
import { apiError, apiResult } from '../../helpers/api-session';

let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;
let session: ApiSession;
let events: Array<{ event: EventName; payload: any }>;

const ok = <T = any>(method: string, input?: unknown, s: ApiSession = session) => apiResult<T>(s, method, input);

const fails = (method: string, input: unknown) => apiError(session, method, input);

const progressOf = (id: string) =>
  events.filter((e) => e.event === 'searchProgress' && e.payload.searchId === id).map((e) => e.payload as SearchStatus);

async function finished(id: string): Promise<SearchStatus> {
  for (let i = 0; i < 500; i++) {
    const last = progressOf(id).at(-1);
    if (last && last.state !== 'running') return last;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`search ${id} did not finish`);
}

beforeAll(async () => {
  env = await openCluster({ brokers: 1 });
  api = new EngineApi(env.cluster, {
    transport: 'websocket',
    dataDir: env.dataDir,
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
  events = [];
  session = api.openSession((event, payload) => events.push({ event, payload }));
  await env.cluster.createTopic({ name: 'logs', partitions: 2, replicationFactor: 1 });
  const template = buildBatch({
    records: Array.from({ length: 1000 }, (_, i) => ({
      key: `req-${i}`,
      value: `GET /items/${i} status=${i % 50 === 0 ? 500 : 200}`,
      headers: { host: 'api-1' },
    })),
  });
  for (let b = 0; b < 100; b++) await env.cluster.produceBatch('logs', b % 2, Buffer.from(template), { acks: 1 });
});

afterAll(async () => {
  api.close();
  await env.cleanup();
});

describe('startSearch validation', () => {
  it('refuses malformed input before scanning anything', async () => {
    expect(await fails('startSearch', { topic: 'logs', pattern: '', mode: 'text' })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('startSearch', { topic: 'logs', pattern: 'x', mode: 'fuzzy' })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('mode'),
    });
    expect(await fails('startSearch', { topic: 'logs', pattern: 'x', mode: 'text', scopes: [] })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('startSearch', { topic: 'logs', pattern: 'x', mode: 'text', scopes: ['body'] })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('startSearch', { topic: 'logs', pattern: 'x', mode: 'text', maxMatches: 0 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(await fails('startSearch', { topic: 'logs', pattern: 'x', mode: 'text', partition: 9 })).toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(await fails('startSearch', { topic: 'missing', pattern: 'x', mode: 'text' })).toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(events.filter((e) => e.event === 'searchProgress')).toEqual([]);
  });

  it('says what is wrong with a bad regular expression, and refuses catastrophic ones', async () => {
    const bad = await fails('startSearch', { topic: 'logs', pattern: 'status=(5', mode: 'regex' });
    expect(bad).toMatchObject({ errorName: 'INVALID_REQUEST', code: 42 });
    expect(bad.message).toMatch(/^Invalid regular expression: .*Unterminated group/);
    expect((await fails('startSearch', { topic: 'logs', pattern: '(\\w+)*$', mode: 'regex' })).message).toMatch(
      /exponential/,
    );
  });

  it('refuses stop and results for a search this connection does not have', async () => {
    expect(await fails('stopSearch', { searchId: 'nope' })).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(await fails('getSearchResults', { searchId: 'nope' })).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(await fails('getSearchResults', { searchId: 'x', from: -1 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
  });
});

describe('a search', () => {
  it('runs in the engine, reports progress as events, and serves its matches', async () => {
    const started = await ok<SearchStatus>('startSearch', {
      topic: 'logs',
      pattern: 'status=500',
      mode: 'text',
      scopes: ['value'],
      maxValueBytes: 8,
      maxMatches: 5000,
    });
    expect(started).toMatchObject({
      state: 'running',
      topic: 'logs',
      partition: null,
      total: 100_000,
      scanned: 0,
      matches: 0,
      error: null,
    });
    const end = await finished(started.searchId);
    expect(end).toMatchObject({ state: 'done', scanned: 100_000, total: 100_000, matches: 2000 });
    const first = await ok<SearchResults>('getSearchResults', { searchId: started.searchId });
    expect(first.matches).toHaveLength(1000);
    expect(first.status.state).toBe('done');
    const rest = await ok<SearchResults>('getSearchResults', { searchId: started.searchId, from: 1000 });
    expect(rest.matches).toHaveLength(1000);
    const m = first.matches[0]!;
    // Newest first, values cut to the 8 bytes asked for, with the full size given.
    expect(m.offset).toBe(49_950);
    expect(Buffer.from(m.value!, 'base64').toString()).toBe('GET /ite');
    expect(m.truncated).toEqual({ value: 'GET /items/950 status=500'.length });
  });

  it('stops when asked, keeping what it found', async () => {
    const s = await ok<SearchStatus>('startSearch', { topic: 'logs', pattern: 'item.*x$', mode: 'regex' });
    const stopped = await ok<SearchStatus>('stopSearch', { searchId: s.searchId });
    expect(stopped.searchId).toBe(s.searchId);
    const end = await finished(s.searchId);
    expect(end.state).toBe('stopped');
    expect(end.scanned).toBeLessThan(100_000);
    expect((await ok<SearchResults>('getSearchResults', { searchId: s.searchId })).status.state).toBe('stopped');
  });

  it('ends at maxMatches in one partition', async () => {
    const s = await ok<SearchStatus>('startSearch', {
      topic: 'logs',
      partition: 1,
      pattern: 'API-1',
      mode: 'text',
      scopes: ['headers'],
      maxMatches: 10,
    });
    expect(s.total).toBe(50_000);
    const end = await finished(s.searchId);
    expect(end).toMatchObject({ state: 'limit', matches: 10, partition: 1 });
    const { matches } = await ok<SearchResults>('getSearchResults', { searchId: s.searchId });
    expect(matches.every((r) => r.partition === 1)).toBe(true);
  });

  it('belongs to the connection that started it', async () => {
    const otherEvents: unknown[] = [];
    const other = api.openSession((e, p) => otherEvents.push([e, p]));
    const s = await ok<SearchStatus>('startSearch', { topic: 'logs', pattern: 'status=500', mode: 'text' });
    expect((await other.call('getSearchResults', { searchId: s.searchId })).ok).toBe(false);
    expect((await other.call('stopSearch', { searchId: s.searchId })).ok).toBe(false);
    await finished(s.searchId);
    expect(otherEvents.some((e) => (e as [string])[0] === 'searchProgress')).toBe(false);
    other.close();
  });

  it('is stopped when its connection closes', async () => {
    const mine: SearchStatus[] = [];
    const s2 = api.openSession((e, p) => {
      if (e === 'searchProgress') mine.push(p as SearchStatus);
    });
    const s = await ok<SearchStatus>('startSearch', { topic: 'logs', pattern: 'item.*x$', mode: 'regex' }, s2);
    s2.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(mine.every((m) => m.state === 'running')).toBe(true);
    expect(mine.filter((m) => m.searchId === s.searchId).length).toBeLessThanOrEqual(2);
  });
});

describe('a catastrophic pattern through the API', () => {
  beforeAll(async () => {
    await env.cluster.createTopic({ name: 'planted', partitions: 1, replicationFactor: 1 });
    await env.cluster.produce('planted', [{ value: 'a'.repeat(43) + '!' }]);
  });

  it('ends "timeout" at timeBudgetMs while other calls are answered, and stopSearch ends one at once', async () => {
    const timed = await ok<SearchStatus>('startSearch', {
      topic: 'planted',
      pattern: '(a|aa)+$',
      mode: 'regex',
      timeBudgetMs: 300,
    });
    // The API answers while the worker backtracks.
    expect((await ok<Array<{ name: string }>>('listTopics', {})).map((t) => t.name)).toContain('planted');
    const end = await finished(timed.searchId);
    expect(end).toMatchObject({ state: 'timeout', matches: 0, scanned: 0, total: 1 });
    expect((await ok<SearchResults>('getSearchResults', { searchId: timed.searchId })).status.state).toBe('timeout');

    const stopped = await ok<SearchStatus>('startSearch', { topic: 'planted', pattern: '(a|aa)+$', mode: 'regex' });
    await ok('stopSearch', { searchId: stopped.searchId });
    expect(await finished(stopped.searchId)).toMatchObject({ state: 'stopped' });
  });
});

describe('paging through every match', () => {
  it('reads pages past the first 1,000 back from their positions, in the order found', async () => {
    const s = await ok<SearchStatus>('startSearch', {
      topic: 'logs',
      pattern: 'status=500',
      mode: 'text',
      direction: 'forward',
      partition: 0,
      maxMatches: 100_000,
      maxValueBytes: 12,
    });
    expect(await finished(s.searchId)).toMatchObject({ state: 'done', matches: 1000 });
    const all = await ok<SearchStatus>('startSearch', {
      topic: 'logs',
      pattern: 'status=500',
      mode: 'text',
      direction: 'forward',
      maxMatches: 100_000,
      maxValueBytes: 12,
    });
    expect(await finished(all.searchId)).toMatchObject({ state: 'done', matches: 2000 });
    const page = await ok<SearchResults>('getSearchResults', { searchId: all.searchId, from: 1500, limit: 300 });
    expect(page.matches).toHaveLength(300);
    expect(page.gone).toBeUndefined();
    // Forward, partitions taking turns chunk by chunk: whatever the order, each is a status=500 record, cut to 12
    // bytes.
    for (const m of page.matches) {
      expect(m.offset % 50).toBe(0);
      expect(Buffer.from(m.value!, 'base64').toString()).toBe('GET /items/' + String(m.offset % 1000)[0]);
      expect(m.truncated?.value).toBe(`GET /items/${m.offset % 1000} status=500`.length);
    }
    // The read-back pages and the kept first page are one sequence without repeats.
    const first = await ok<SearchResults>('getSearchResults', { searchId: all.searchId, from: 0 });
    const second = await ok<SearchResults>('getSearchResults', { searchId: all.searchId, from: 1000 });
    const ids = [...first.matches, ...second.matches].map((m) => `${m.partition}:${m.offset}`);
    expect(new Set(ids).size).toBe(2000);
    expect(second.matches.slice(500, 800).map((m) => `${m.partition}:${m.offset}`)).toEqual(
      page.matches.map((m) => `${m.partition}:${m.offset}`),
    );
  });

  it('counts matches deleted since the scan as gone', async () => {
    await env.cluster.createTopic({ name: 'shrinking', partitions: 1, replicationFactor: 1 });
    await env.cluster.produce(
      'shrinking',
      Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: `hit ${i}`, partition: 0 })),
    );
    const s = await ok<SearchStatus>('startSearch', {
      topic: 'shrinking',
      pattern: 'hit',
      mode: 'text',
      direction: 'forward',
      maxMatches: 100_000,
    });
    expect(await finished(s.searchId)).toMatchObject({ matches: 3000 });
    await env.cluster.deleteRecords('shrinking', 0, 2500);
    const page = await ok<SearchResults>('getSearchResults', { searchId: s.searchId, from: 2000 });
    expect(page.gone).toBe(500);
    expect(page.matches.map((m) => m.offset)).toEqual(Array.from({ length: 500 }, (_, i) => 2500 + i));
  });
});

describe('a filter search', () => {
  it('keeps the records a filter expression holds for', async () => {
    const s = await ok<SearchStatus>('startSearch', {
      topic: 'logs',
      pattern: 'value endsWith "status=500" && headers.host == "api-1" && partition == 1 && offset < 1000',
      mode: 'filter',
      direction: 'forward',
    });
    expect(await finished(s.searchId)).toMatchObject({ state: 'done', matches: 20 });
    const { matches } = await ok<SearchResults>('getSearchResults', { searchId: s.searchId });
    expect(matches.map((m) => m.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 50));
    expect(matches.every((m) => m.partition === 1)).toBe(true);
  });

  it('refuses a bad expression with its column, and checkFilter says the same without scanning', async () => {
    expect(await fails('startSearch', { topic: 'logs', pattern: 'key == "a" &&', mode: 'filter' })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      field: 'pattern',
      message: expect.stringContaining('(column 14)'),
    });
    expect(await ok('checkFilter', { expression: 'key == "a" &&' })).toEqual({
      ok: false,
      message: 'The expression ends too early: a name or a value is missing',
      column: 14,
      length: 1,
    });
    expect(await ok('checkFilter', { expression: 'headers.host matches "^api-\\\\d$"' })).toEqual({
      ok: true,
      usesRegex: true,
    });
  });
});
