/**
 * A partition that no running broker holds is offline, not empty: its state says its offsets are unknown, a page
 * of all partitions merges the others and names it, a page of it alone says so, and a search lists it as skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordPage, SearchResults, SearchStatus } from '../../../core/api/api';
import type { PartitionState, TopicSummary } from '../../../core/cluster/types';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { apiResult } from '../../helpers/api-session';
import { openCluster } from '../../helpers/temp-cluster';

let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;
let session: ApiSession;

const ok = <T>(method: string, input?: unknown) => apiResult<T>(session, method, input);

beforeAll(async () => {
  env = await openCluster({ brokers: 2 });
  api = new EngineApi(env.cluster, { transport: 'websocket', dataDir: env.dataDir, version: '0.0.0' });
  session = api.openSession(() => undefined);
  // Partition 0 lives only on broker 1, partition 1 only on broker 0.
  await env.cluster.createTopic({ name: 'split', partitions: 2, replicationFactor: 1, assignments: [[1], [0]] });
  await env.cluster.produce(
    'split',
    Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: `needle ${n}`, partition: n % 2 })),
  );
  await env.cluster.stopBroker(1);
});

afterAll(async () => {
  api.close();
  await env.cleanup();
});

describe('an offline partition', () => {
  it('has unknown offsets, and the topic counts only what can be read', async () => {
    const [p0, p1] = await ok<PartitionState[]>('listPartitions', { topic: 'split' });
    expect(p0!.readable).toBe(false);
    expect(p0!.leader).toBe(-1);
    expect(p1!.readable).toBe(true);
    expect(p1!.highWatermark).toBe(5);
    const [t] = (await ok<TopicSummary[]>('listTopics', {})).filter((x) => x.name === 'split');
    expect(t!.offlinePartitions).toBe(1);
    expect(t!.messages).toBe(5);
  });

  it('is named in a page of all partitions, which merges the others', async () => {
    const page = await ok<RecordPage>('readRecordPage', { topic: 'split', start: { type: 'latest' }, limit: 50 });
    expect(page.records.map((r) => r.partition)).toEqual([1, 1, 1, 1, 1]);
    expect(page.partitions.map((p) => p.partition)).toEqual([1]);
    expect(page.offline).toEqual([
      { partition: 0, reason: 'no running broker holds a replica of it (its replicas are on broker 1)' },
    ]);
  });

  it('is said to be offline when read alone, not empty', async () => {
    const page = await ok<RecordPage>('readRecordPage', {
      topic: 'split',
      partition: 0,
      start: { type: 'earliest' },
      limit: 50,
    });
    expect(page.records).toEqual([]);
    expect(page.partitions).toEqual([]);
    expect(page.offline.map((o) => o.partition)).toEqual([0]);
  });

  it('is listed as skipped by a search, with the reason', async () => {
    const started = await ok<SearchStatus>('startSearch', {
      topic: 'split',
      pattern: 'needle',
      mode: 'text',
      maxMatches: 100,
    });
    let results: SearchResults;
    for (;;) {
      results = await ok<SearchResults>('getSearchResults', { searchId: started.searchId, from: 0 });
      if (results.status.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(results.status.state).toBe('done');
    expect(results.status.matches).toBe(5);
    expect(results.status.skipped).toEqual([{ partition: 0, reason: expect.stringMatching(/no running broker/) }]);
  });
});
