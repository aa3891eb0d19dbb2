/**
 * Consumer groups and the workload simulator through the one API, against a
 * real cluster and real groups: validation, Kafka error names, pushed events,
 * lag history, offset resets with their preview, and shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { apiError, apiResult } from '../../helpers/api-session';
import type { EventName, GroupLagUpdate, GroupOverview, GroupsUpdate, WorkloadStatus } from '../../../core/api/api';
import { FakeCluster } from '../../support/fake-cluster';
import { openEnv, waitFor, type Env } from '../groups/helpers';

let env: Env | null = null;
let api: EngineApi | null = null;

afterEach(async () => {
  await api?.shutdown();
  api = null;
  await env?.cleanup();
  env = null;
});

async function open(): Promise<{
  env: Env;
  api: EngineApi;
  session: ApiSession;
  events: Array<{ event: EventName; payload: unknown }>;
}> {
  env = await openEnv({ groups: { lagSampler: { intervalMs: 100 } } });
  api = new EngineApi(env.cluster, {
    transport: 'websocket',
    dataDir: env.dir,
    version: '0.0.0',
    groups: env.groups,
    groupsIntervalMs: 100,
  });
  const events: Array<{ event: EventName; payload: unknown }> = [];
  const session = api.openSession((event, payload) => events.push({ event, payload }));
  return { env, api, session, events };
}

describe('groups API without a group coordinator', () => {
  it('answers every group and workload method with COORDINATOR_NOT_AVAILABLE', async () => {
    const fake = new EngineApi(new FakeCluster(3), { transport: 'websocket', dataDir: '/tmp/x', version: '0.0.0' });
    const s = fake.openSession(() => {});
    for (const [m, input] of [
      ['listGroups', {}],
      ['describeGroup', { groupId: 'g' }],
      ['watchGroup', { groupId: 'g' }],
      ['getWorkload', {}],
      ['startWorkload', { ratePerSec: 1, consumers: 1, processingDelayMs: 0 }],
    ] as const) {
      const e = await s.call(m, input);
      expect(e.ok).toBe(false);
      if (!e.ok) expect(e.error).toMatchObject({ code: 15, errorName: 'COORDINATOR_NOT_AVAILABLE' });
    }
    await fake.shutdown();
  });
});

describe('groups API', () => {
  it('validates inputs with Kafka error names', async () => {
    const { session } = await open();
    expect(await apiError(session, 'describeGroup', { groupId: '' })).toMatchObject({ errorName: 'INVALID_GROUP_ID' });
    expect(await apiError(session, 'describeGroup', { groupId: 'nope' })).toMatchObject({
      errorName: 'GROUP_ID_NOT_FOUND',
      message: expect.stringContaining('nope'),
    });
    expect(await apiError(session, 'deleteGroup', { groupId: 'nope' })).toMatchObject({
      errorName: 'GROUP_ID_NOT_FOUND',
    });
    expect(await apiError(session, 'resetGroupOffsets', { groupId: 'g', to: { type: 'sideways' } })).toMatchObject({
      errorName: 'INVALID_REQUEST',
    });
    expect(
      await apiError(session, 'resetGroupOffsets', { groupId: 'g', to: { type: 'offset', offset: -5 } }),
    ).toMatchObject({ errorName: 'INVALID_REQUEST' });
    expect(await apiError(session, 'getLagHistory', { groupId: 'g', seconds: 100_000 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('seconds'),
    });
    expect(
      await apiError(session, 'startWorkload', { ratePerSec: 10, consumers: 1000, processingDelayMs: 0 }),
    ).toMatchObject({ errorName: 'INVALID_REQUEST', message: expect.stringContaining('consumers') });
    expect(
      await apiError(session, 'startWorkload', { ratePerSec: 10, consumers: 1, processingDelayMs: 0, partitions: 0 }),
    ).toMatchObject({ errorName: 'INVALID_PARTITIONS' });
    expect(await apiError(session, 'updateWorkload', { ratePerSec: 10 })).toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('No workload'),
    });
    expect(await apiResult(session, 'listGroups')).toEqual([]);
  });

  it('runs a workload; its group: described, lag pushed, reset refused while active, reset, deleted', async () => {
    const { env, session, events } = await open();
    const started = await apiResult<WorkloadStatus>(session, 'startWorkload', {
      topic: 'readings',
      partitions: 4,
      groupId: 'proc',
      ratePerSec: 300,
      consumers: 2,
      processingDelayMs: 20,
    });
    expect(started).toMatchObject({
      state: 'running',
      topic: 'readings',
      partitions: 4,
      consumers: 2,
      capacityPerSec: 100,
    });
    const { subscriptionId } = await apiResult<{ subscriptionId: string }>(session, 'watchGroup', { groupId: 'proc' });

    const listed = await waitFor('the group listed with its members and lag', async () => {
      const g = (await apiResult<GroupOverview[]>(session, 'listGroups')).find((x) => x.groupId === 'proc');
      return g && g.state === 'Stable' && g.members === 2 && g.totalLag > 50 ? g : null;
    });
    expect(listed).toMatchObject({ protocolType: 'consumer', protocol: 'range', topics: ['readings'], partitions: 4 });

    const d = await apiResult(session, 'describeGroup', { groupId: 'proc' });
    expect(d.members).toHaveLength(2);
    expect(
      d.members.every(
        (m: any) =>
          /^proc-\d+$/.test(m.clientId) && m.clientHost === '/127.0.0.1' && m.assignment[0].topic === 'readings',
      ),
    ).toBe(true);
    expect(d.lag.partitions.map((p: any) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(
      d.lag.partitions.every((p: any) => p.lag === p.highWatermark - (p.committedOffset ?? p.logStartOffset)),
    ).toBe(true);

    await waitFor('groups, groupLag and workload events', () => {
      const lag = events.filter((e) => e.event === 'groupLag').map((e) => e.payload as GroupLagUpdate);
      const groups = events.filter((e) => e.event === 'groups').map((e) => e.payload as GroupsUpdate);
      const work = events.filter((e) => e.event === 'workload').map((e) => e.payload as WorkloadStatus);
      return (
        lag.some((u) => u.subscriptionId === subscriptionId && u.group?.members.length === 2) &&
        groups.some((u) => u.groups.some((g) => g.groupId === 'proc' && g.members === 2)) &&
        work.some((w) => w.members.length === 2 && w.members.every((m) => m.partitions.length === 2))
      );
    });

    // Lag history: bounded by `seconds`, total = sum of the partitions.
    await waitFor(
      'a few lag samples',
      async () => (await apiResult(session, 'getLagHistory', { groupId: 'proc' })).total.length >= 5,
    );
    const h = await apiResult(session, 'getLagHistory', { groupId: 'proc', seconds: 60 });
    expect(h.partitions.map((p: any) => p.partition)).toEqual([0, 1, 2, 3]);
    const [t, total] = h.total[h.total.length - 1];
    expect(total).toBe(
      h.partitions.reduce((n: number, p: any) => n + (p.points.find((x: [number, number]) => x[0] === t)?.[1] ?? 0), 0),
    );
    expect(h.total.every(([time]: [number, number]) => time >= Date.now() - 61_000)).toBe(true);
    const one = await apiResult(session, 'getLagHistory', { groupId: 'proc', partition: 2 });
    expect(one.partitions.map((p: any) => p.partition)).toEqual([2]);

    // Active members: reset and delete are refused, in words.
    const refused = await apiError(session, 'resetGroupOffsets', {
      groupId: 'proc',
      to: { type: 'latest' },
      dryRun: true,
    });
    expect(refused).toMatchObject({ code: 68, errorName: 'NON_EMPTY_GROUP' });
    expect(refused.message).toMatch(/no active members/);
    expect(await apiError(session, 'deleteGroup', { groupId: 'proc' })).toMatchObject({
      errorName: 'NON_EMPTY_GROUP',
      message: expect.stringMatching(/active member/),
    });

    const stopped = await apiResult<WorkloadStatus>(session, 'stopWorkload');
    expect(stopped).toMatchObject({ state: 'idle', members: [] });
    await waitFor(
      'the group empty',
      async () => (await apiResult(session, 'describeGroup', { groupId: 'proc' })).state === 'Empty',
    );

    const before = (await apiResult(session, 'describeGroup', { groupId: 'proc' })).lag.partitions;
    const preview = await apiResult(session, 'resetGroupOffsets', {
      groupId: 'proc',
      to: { type: 'latest' },
      dryRun: true,
    });
    expect(preview).toEqual(
      before.map((p: any) => ({
        topic: 'readings',
        partition: p.partition,
        previousOffset: p.committedOffset,
        newOffset: p.highWatermark,
      })),
    );
    expect((await apiResult(session, 'describeGroup', { groupId: 'proc' })).lag.totalLag).toBe(
      before.reduce((n: number, p: any) => n + p.lag, 0),
    );
    await apiResult(session, 'resetGroupOffsets', { groupId: 'proc', to: { type: 'latest' } });
    expect((await apiResult(session, 'describeGroup', { groupId: 'proc' })).lag.totalLag).toBe(0);
    const shifted = await apiResult(session, 'resetGroupOffsets', {
      groupId: 'proc',
      to: { type: 'shift', by: -10 },
      topics: [{ topic: 'readings', partitions: [1] }],
    });
    expect(shifted).toEqual([
      {
        topic: 'readings',
        partition: 1,
        previousOffset: before[1].highWatermark,
        newOffset: before[1].highWatermark - 10,
      },
    ]);

    await apiResult(session, 'deleteGroupOffsets', { groupId: 'proc', topic: 'readings', partitions: [3] });
    expect(
      (await apiResult(session, 'describeGroup', { groupId: 'proc' })).lag.partitions.map((p: any) => p.partition),
    ).toEqual([0, 1, 2]);
    await apiResult(session, 'deleteGroup', { groupId: 'proc' });
    expect(await apiResult(session, 'listGroups')).toEqual([]);
    await waitFor('a groupLag event saying the group is gone', () =>
      events.some((e) => e.event === 'groupLag' && (e.payload as GroupLagUpdate).group === null),
    );
    await apiResult(session, 'unwatchGroup', { subscriptionId });
    void env;
  });

  it('stops a running workload on shutdown, its consumers leaving the group', async () => {
    const { env, api, session } = await open();
    await apiResult(session, 'startWorkload', { ratePerSec: 50, consumers: 2, processingDelayMs: 0 });
    await waitFor(
      'members',
      async () => (await env.groups.admin.describeGroup('sensor-processor').catch(() => null))?.members.length === 2,
    );
    await api.shutdown();
    expect((await env.groups.admin.describeGroup('sensor-processor')).state).toBe('Empty');
    const e = await session.call('getWorkload', {});
    expect(e.ok).toBe(false);
  });
});
