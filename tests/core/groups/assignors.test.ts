import { describe, expect, it } from 'vitest';
import {
  RangeAssignor,
  RoundRobinAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
} from '../../../core/groups/assignors';

const member = (memberId: string, topics: string[], groupInstanceId: string | null = null): MemberSubscription => ({
  memberId,
  groupInstanceId,
  topics,
  userData: null,
});
const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe('range assignor (Java RangeAssignor)', () => {
  it('gives consecutive ranges per topic, extra partitions to the first members', () => {
    const r = new RangeAssignor().assign(counts({ t0: 3, t1: 3 }), [
      member('C1', ['t0', 't1']),
      member('C0', ['t0', 't1']),
    ]);
    expect(r.get('C0')).toEqual([
      { topic: 't0', partitions: [0, 1] },
      { topic: 't1', partitions: [0, 1] },
    ]);
    expect(r.get('C1')).toEqual([
      { topic: 't0', partitions: [2] },
      { topic: 't1', partitions: [2] },
    ]);
  });

  it('leaves members beyond the partition count without partitions, and ignores unknown topics', () => {
    const r = new RangeAssignor().assign(counts({ t: 2 }), [
      member('a', ['t', 'missing']),
      member('b', ['t']),
      member('c', ['t']),
    ]);
    expect(r.get('a')).toEqual([{ topic: 't', partitions: [0] }]);
    expect(r.get('b')).toEqual([{ topic: 't', partitions: [1] }]);
    expect(r.get('c')).toEqual([]);
  });

  it('orders static members by instance id first, so they keep their ranges across restarts', () => {
    const r = new RangeAssignor().assign(counts({ t: 2 }), [member('zzz', ['t'], 'i-a'), member('aaa', ['t'])]);
    expect(r.get('zzz')).toEqual([{ topic: 't', partitions: [0] }]);
    expect(r.get('aaa')).toEqual([{ topic: 't', partitions: [1] }]);
  });
});

describe('round-robin assignor (Java RoundRobinAssignor)', () => {
  it('deals partitions one by one over sorted members', () => {
    const r = new RoundRobinAssignor().assign(counts({ t0: 3, t1: 3 }), [
      member('C0', ['t0', 't1']),
      member('C1', ['t0', 't1']),
    ]);
    expect(r.get('C0')).toEqual([
      { topic: 't0', partitions: [0, 2] },
      { topic: 't1', partitions: [1] },
    ]);
    expect(r.get('C1')).toEqual([
      { topic: 't0', partitions: [1] },
      { topic: 't1', partitions: [0, 2] },
    ]);
  });

  it('skips members not subscribed to a topic (the Javadoc example)', () => {
    const r = new RoundRobinAssignor().assign(counts({ t0: 1, t1: 2, t2: 3 }), [
      member('C0', ['t0']),
      member('C1', ['t0', 't1']),
      member('C2', ['t0', 't1', 't2']),
    ]);
    expect(r.get('C0')).toEqual([{ topic: 't0', partitions: [0] }]);
    expect(r.get('C1')).toEqual([{ topic: 't1', partitions: [0] }]);
    expect(r.get('C2')).toEqual([
      { topic: 't1', partitions: [1] },
      { topic: 't2', partitions: [0, 1, 2] },
    ]);
  });
});

describe('consumer protocol bytes', () => {
  it('round-trips subscriptions and assignments; empty bytes mean no partitions', () => {
    expect(decodeSubscription(encodeSubscription(['a', 'b'])).topics).toEqual(['a', 'b']);
    const a = [{ topic: 'x', partitions: [0, 2] }];
    expect(decodeAssignment(encodeAssignment(a))).toEqual(a);
    expect(decodeAssignment(Buffer.alloc(0))).toEqual([]);
    // int16 version 1 first, as ConsumerProtocolSubscription/Assignment are framed.
    expect(encodeSubscription(['a']).readInt16BE(0)).toBe(1);
  });
});
