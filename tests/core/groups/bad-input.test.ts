/**
 * Bad input gets Kafka's errors and changes nothing: no offset is stored,
 * no record reaches __consumer_offsets, no member is added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../core/errors';
import { OFFSETS_TOPIC, partitionForGroup } from '../../../core/groups/offsets-log';
import { encodeSubscription } from '../../../core/groups/assignors';
import type { GroupCoordinator } from '../../../core/groups/group-coordinator';
import { openEnv, type Env } from './helpers';

const code = (name: keyof typeof ERRORS) => ERRORS[name].code;
let env: Env;
let c: GroupCoordinator;
let memberId: string;
let generationId: number;

/** Records in the group's offsets partition: must not move when a request is refused. */
function logEnd(groupId: string): number {
  return env.cluster.partitions(OFFSETS_TOPIC)[partitionForGroup(groupId, c.shards.partitionCount)]!.logEndOffset;
}

beforeAll(async () => {
  env = await openEnv();
  c = env.groups.coordinator;
  await env.cluster.createTopic({ name: 't', partitions: 2 });
  const j = await c.joinGroup({
    groupId: 'g',
    memberId: '',
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }],
    sessionTimeoutMs: 30_000,
    requireKnownMemberId: false,
  });
  memberId = j.memberId;
  generationId = j.generationId;
  await c.syncGroup({ groupId: 'g', generationId, memberId, assignments: [] });
  const ok = await c.commitOffsets({
    groupId: 'g',
    generationId,
    memberId,
    offsets: [{ topic: 't', partition: 0, offset: 5 }],
  });
  expect(ok.partitions[0]!.errorCode).toBe(0);
});
afterAll(async () => {
  await env.cleanup();
});

async function expectUnchanged(run: () => Promise<void>): Promise<void> {
  const before = await c.fetchOffsets({ groupId: 'g', partitions: null });
  const end = logEnd('g');
  await run();
  expect(await c.fetchOffsets({ groupId: 'g', partitions: null })).toEqual(before);
  expect(logEnd('g')).toBe(end);
}

describe('OffsetCommit with bad input', () => {
  it('unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await expectUnchanged(async () => {
      const r = await c.commitOffsets({
        groupId: 'g',
        generationId,
        memberId,
        offsets: [
          { topic: 'nope', partition: 0, offset: 1 },
          { topic: 't', partition: 7, offset: 1 },
        ],
      });
      expect(r.partitions.map((p) => p.errorCode)).toEqual([
        code('UNKNOWN_TOPIC_OR_PARTITION'),
        code('UNKNOWN_TOPIC_OR_PARTITION'),
      ]);
      expect(r.partitions[0]!.errorMessage).toMatch(/nope does not exist/);
    });
  });

  it('a wrong generation gets ILLEGAL_GENERATION', async () => {
    await expectUnchanged(async () => {
      const r = await c.commitOffsets({
        groupId: 'g',
        generationId: generationId + 5,
        memberId,
        offsets: [{ topic: 't', partition: 0, offset: 99 }],
      });
      expect(r.partitions[0]!.errorCode).toBe(code('ILLEGAL_GENERATION'));
      const none = await c.commitOffsets({
        groupId: 'no-such-group',
        generationId: 3,
        memberId: 'x',
        offsets: [{ topic: 't', partition: 0, offset: 1 }],
      });
      expect(none.partitions[0]!.errorCode).toBe(code('ILLEGAL_GENERATION'));
    });
    expect((await c.describeGroups(['no-such-group']))[0]!.groupState).toBe('Dead');
  });

  it('an unknown member gets UNKNOWN_MEMBER_ID (also for a generation -1 commit to an active group)', async () => {
    await expectUnchanged(async () => {
      const r = await c.commitOffsets({
        groupId: 'g',
        generationId,
        memberId: 'stranger',
        offsets: [{ topic: 't', partition: 0, offset: 99 }],
      });
      expect(r.partitions[0]!.errorCode).toBe(code('UNKNOWN_MEMBER_ID'));
      const simple = await c.commitOffsets({
        groupId: 'g',
        generationId: -1,
        memberId: '',
        offsets: [{ topic: 't', partition: 0, offset: 99 }],
      });
      expect(simple.partitions[0]!.errorCode).toBe(code('UNKNOWN_MEMBER_ID'));
    });
  });

  it('empty group ids get INVALID_GROUP_ID everywhere', async () => {
    await expectUnchanged(async () => {
      const r = await c.commitOffsets({
        groupId: '',
        generationId: -1,
        memberId: '',
        offsets: [{ topic: 't', partition: 0, offset: 1 }],
      });
      expect(r.partitions[0]!.errorCode).toBe(code('INVALID_GROUP_ID'));
      expect((await c.fetchOffsets({ groupId: '', partitions: null })).errorCode).toBe(code('INVALID_GROUP_ID'));
      expect((await c.heartbeat({ groupId: '', generationId: 1, memberId })).errorCode).toBe(code('INVALID_GROUP_ID'));
      expect((await c.syncGroup({ groupId: '', generationId: 1, memberId, assignments: [] })).errorCode).toBe(
        code('INVALID_GROUP_ID'),
      );
      expect((await c.leaveGroup({ groupId: '', members: [{ memberId }] })).errorCode).toBe(code('INVALID_GROUP_ID'));
      expect((await c.findCoordinator('')).errorCode).toBe(code('INVALID_GROUP_ID'));
      expect((await c.deleteGroups(['']))[0]!.errorCode).toBe(code('INVALID_GROUP_ID'));
    });
    await expect(env.groups.admin.describeGroup('')).rejects.toMatchObject({ errorName: 'INVALID_GROUP_ID' });
  });

  it('oversized metadata and negative offsets are refused per partition; the valid ones are stored', async () => {
    const r = await c.commitOffsets({
      groupId: 'g',
      generationId,
      memberId,
      offsets: [
        { topic: 't', partition: 0, offset: 6, metadata: 'x'.repeat(5000) },
        { topic: 't', partition: 1, offset: -3 },
        { topic: 't', partition: 1, offset: 2 },
      ],
    });
    expect(r.partitions.map((p) => p.errorCode)).toEqual([
      code('OFFSET_METADATA_TOO_LARGE'),
      code('INVALID_REQUEST'),
      0,
    ]);
    const f = await c.fetchOffsets({
      groupId: 'g',
      partitions: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
    });
    expect(f.offsets.map((o) => o.offset)).toEqual([5, 2]);
  });
});

describe('membership and admin calls with bad input', () => {
  it('heartbeat, sync and join for unknown members or groups change nothing', async () => {
    await expectUnchanged(async () => {
      expect((await c.heartbeat({ groupId: 'g', generationId, memberId: 'ghost' })).errorCode).toBe(
        code('UNKNOWN_MEMBER_ID'),
      );
      expect((await c.heartbeat({ groupId: 'g', generationId: generationId + 1, memberId })).errorCode).toBe(
        code('ILLEGAL_GENERATION'),
      );
      expect((await c.syncGroup({ groupId: 'g', generationId, memberId: 'ghost', assignments: [] })).errorCode).toBe(
        code('UNKNOWN_MEMBER_ID'),
      );
      expect((await c.heartbeat({ groupId: 'unknown-group', generationId: 1, memberId })).errorCode).toBe(
        code('UNKNOWN_MEMBER_ID'),
      );
      const join = await c.joinGroup({
        groupId: 'g',
        memberId: '',
        protocolType: 'consumer',
        protocols: [],
        sessionTimeoutMs: 30_000,
      });
      expect(join.errorCode).toBe(code('INCONSISTENT_GROUP_PROTOCOL'));
    });
    const d = (await c.describeGroups(['g']))[0]!;
    expect(d.members).toHaveLength(1);
    expect(d.groupState).toBe('Stable');
  });

  it('deleting a group with members is refused with a clear error; unknown groups are GROUP_ID_NOT_FOUND', async () => {
    await expectUnchanged(async () => {
      await expect(env.groups.admin.deleteGroup('g')).rejects.toMatchObject({
        errorName: 'NON_EMPTY_GROUP',
        message: expect.stringMatching(/1 active member/),
      });
      await expect(env.groups.admin.deleteGroup('missing')).rejects.toMatchObject({ errorName: 'GROUP_ID_NOT_FOUND' });
      await expect(env.groups.admin.resetOffsets({ groupId: 'g', to: { type: 'earliest' } })).rejects.toMatchObject({
        errorName: 'NON_EMPTY_GROUP',
      });
      await expect(env.groups.admin.deleteOffsets('g', 't')).rejects.toMatchObject({
        errorName: 'GROUP_SUBSCRIBED_TO_TOPIC',
      });
      await expect(env.groups.admin.describeGroup('missing')).rejects.toMatchObject({
        errorName: 'GROUP_ID_NOT_FOUND',
      });
    });
  });

  it('the wire path: a request sent to the wrong broker gets NOT_COORDINATOR', async () => {
    const right = (await c.findCoordinator('g')).nodeId;
    const wrong = (right + 1) % 3;
    await expectUnchanged(async () => {
      expect((await c.heartbeat({ groupId: 'g', generationId, memberId }, { brokerId: wrong })).errorCode).toBe(
        code('NOT_COORDINATOR'),
      );
      const r = await c.commitOffsets(
        { groupId: 'g', generationId, memberId, offsets: [{ topic: 't', partition: 0, offset: 50 }] },
        { brokerId: wrong },
      );
      expect(r.partitions[0]!.errorCode).toBe(code('NOT_COORDINATOR'));
    });
    expect((await c.heartbeat({ groupId: 'g', generationId, memberId }, { brokerId: right })).errorCode).toBe(0);
  });
});
