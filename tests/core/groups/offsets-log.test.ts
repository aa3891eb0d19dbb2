import { describe, expect, it } from 'vitest';
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
  partitionForGroup,
} from '../../../core/groups/offsets-log';

/** Java's String.hashCode computed a second, independent way: exact sum mod 2^32, then signed. */
function javaHash(s: string): number {
  let h = 0n;
  for (let i = 0; i < s.length; i++) h = (h * 31n + BigInt(s.charCodeAt(i))) % (1n << 32n);
  return Number(BigInt.asIntN(32, h));
}

describe('coordinator hash (Java Utils.abs(groupId.hashCode()) % partitions)', () => {
  it('matches known Java hash codes', () => {
    expect(javaHash('hello')).toBe(99162322);
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE; Utils.abs masks it to 0.
    expect(javaHash('polygenelubricants')).toBe(-2147483648);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('', 50)).toBe(0);
  });

  it('agrees with the exact computation for negative hashes and non-ASCII (UTF-16) ids', () => {
    const ids = [
      'console-consumer-61617',
      'my-group',
      'orders.processor',
      'grüppe',
      '组-消费者',
      'emoji-😀-group',
      'x'.repeat(300),
    ];
    for (const id of ids) {
      const h = javaHash(id);
      expect(partitionForGroup(id, 50)).toBe((h & 0x7fffffff) % 50);
    }
    expect(ids.filter((id) => javaHash(id) < 0).length).toBeGreaterThan(0); // the masking path is exercised
  });
});

describe('__consumer_offsets record layout (Kafka schemas, non-flexible)', () => {
  it('encodes OffsetCommitKey v1 and OffsetCommitValue v3 byte for byte', () => {
    expect(encodeOffsetKey('g', 't', 1).toString('hex')).toBe('0001' + '000167' + '000174' + '00000001');
    const v = encodeOffsetValue({ offset: 42, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000 });
    expect(v.toString('hex')).toBe('0003' + '000000000000002a' + '00000003' + '00016d' + '00000000000003e8');
  });

  it('encodes GroupMetadataKey v2 and GroupMetadataValue v3', () => {
    expect(encodeGroupKey('g').toString('hex')).toBe('0002000167');
    const value = {
      protocolType: 'consumer',
      generationId: 7,
      protocolName: 'range',
      leaderId: 'm1',
      currentStateTimestamp: 5,
      members: [
        {
          memberId: 'm1',
          groupInstanceId: null,
          clientId: 'c',
          clientHost: '/h',
          rebalanceTimeoutMs: 300,
          sessionTimeoutMs: 100,
          subscription: Buffer.from([1, 2]),
          assignment: Buffer.from([3]),
        },
      ],
    };
    const buf = encodeGroupValue(value);
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(buf.toString('hex')).toBe(
      '0003' + // version
        '0008' +
        hex('consumer') +
        '00000007' +
        '0005' +
        hex('range') +
        '0002' +
        hex('m1') + // type, generation, protocol, leader
        '0000000000000005' +
        '00000001' + // currentStateTimestamp, member count
        '0002' +
        hex('m1') +
        'ffff' +
        '0001' +
        hex('c') +
        '0002' +
        hex('/h') + // member id, null instance id, client id, host
        '0000012c' +
        '00000064' +
        '000000020102' +
        '0000000103', // rebalance, session, subscription, assignment
    );
    expect(decodeGroupValue(buf)).toEqual(value);
  });

  it('decodes keys and the older value versions Kafka wrote', () => {
    expect(decodeKey(encodeOffsetKey('grp', 'topic', 9))).toEqual({
      type: 'offset',
      group: 'grp',
      topic: 'topic',
      partition: 9,
    });
    expect(decodeKey(encodeGroupKey('grp'))).toEqual({ type: 'group', group: 'grp' });
    expect(decodeKey(Buffer.from('0009', 'hex'))).toBeNull();
    // OffsetCommitValue v1: offset, metadata, commitTimestamp, expireTimestamp
    const v1 = Buffer.from('0001' + '0000000000000005' + '0000' + '0000000000000064' + '00000000000000c8', 'hex');
    expect(decodeOffsetValue(v1)).toEqual({ offset: 5, leaderEpoch: -1, metadata: '', commitTimestamp: 100 });
    expect(() => decodeOffsetValue(Buffer.from('0003', 'hex'))).toThrow(/truncated/);
  });
});
