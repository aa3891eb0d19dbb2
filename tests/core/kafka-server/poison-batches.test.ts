/**
 * Hostile input, poison-pill batches: a valid CRC over broken records.
 * Each is refused with Kafka's error (nothing appended, the connection and
 * the cluster keep working), a keyless record to a compacted topic comes back
 * as a KIP-467 record error, and kcat -C at the offset after the refusals
 * returns. A bad batch already in a log (written before the LogValidator)
 * is reported by the record reader, which goes on past it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf, type ErrorName } from '../../../core/errors';
import { API_KEYS } from '../../../core/protocol/index';
import { buildBatch } from '../../../core/record/index';
import { eventually } from '../../helpers/temp-cluster';
import { poisonBatches } from '../../helpers/poison-batches';
import { commandProbe, describeClient, run } from './clients/helpers';
import { RawClient, startKafka, type TestKafka } from './helpers';

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka();
  await k.cluster.createTopic({ name: 'poison', partitions: 1, replicationFactor: 3 });
  await k.cluster.createTopic({
    name: 'poison-compacted',
    partitions: 1,
    replicationFactor: 3,
    configs: { 'cleanup.policy': 'compact' },
  });
});
afterAll(async () => {
  for (const c of byLeader.values()) c.close();
  await k?.stop();
});

const byLeader = new Map<number, RawClient>();

async function produce(topic: string, records: Buffer) {
  const leader = k.cluster.partitions(topic)[0]!.leader;
  if (!byLeader.has(leader)) byLeader.set(leader, await RawClient.connect(k.port(leader)));
  const r = await byLeader.get(leader)!.request(API_KEYS.Produce, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return r.responses[0]!.partitionResponses[0]!;
}

describe('poison-pill batches', () => {
  it("are refused one by one with Kafka's errors; nothing is appended and the next good batch follows on", async () => {
    expect((await produce('poison', buildBatch({ records: [{ key: 'k', value: 'good-0' }] }))).errorCode).toBe(0);
    for (const poison of poisonBatches()) {
      const r = await produce('poison', poison.batch);
      expect({ name: poison.name, code: r.errorCode }).toEqual({
        name: poison.name,
        code: errorCodeOf(poison.error as ErrorName),
      });
      expect(r.errorMessage).toBeTruthy();
      if (poison.batchIndex !== undefined) expect(r.recordErrors.map((e) => e.batchIndex)).toEqual([poison.batchIndex]);
      expect(k.cluster.partitions('poison')[0]!.logEndOffset).toBe(1);
    }
    expect([...byLeader.values()].every((c) => !c.isClosed)).toBe(true);
    expect(await produce('poison', buildBatch({ records: [{ key: 'k', value: 'good-1' }] }))).toMatchObject({
      errorCode: 0,
      baseOffset: 1,
    });
    // Every replica converges on the two good records.
    await eventually(
      () => k.cluster.partitions('poison')[0]!.replicaStates.every((s) => s.logEndOffset === 2),
      10_000,
      'replicas at 2',
    );
    const recs = await k.cluster.readRecords({ topic: 'poison', start: { type: 'earliest' }, limit: 10 });
    expect(recs.map((r) => r.value!.toString())).toEqual(['good-0', 'good-1']);
  });

  it('a keyless record to a compacted topic fails its batch: INVALID_RECORD, a record error at its index', async () => {
    const r = await produce(
      'poison-compacted',
      buildBatch({
        records: [
          { key: 'a', value: '1' },
          { key: null, value: '2' },
          { key: 'c', value: '3' },
        ],
      }),
    );
    expect(r.errorCode).toBe(errorCodeOf('INVALID_RECORD'));
    expect(r.recordErrors).toEqual([
      { batchIndex: 1, batchIndexErrorMessage: 'Compacted topic cannot accept message without key' },
    ]);
    expect(r.errorMessage).toContain('1 record errors');
    expect(k.cluster.partitions('poison-compacted')[0]!.logEndOffset).toBe(0);
  });

  it('a bad batch already in the log is reported by the record reader, which reads on past it', async () => {
    await k.cluster.createTopic({ name: 'poison-old', partitions: 1, replicationFactor: 1 });
    const leader = k.cluster.leaderOf('poison-old', 0);
    // As an older version stored it: straight into the log, past the validator.
    const [bad] = poisonBatches();
    await leader.appendAsLeader([buildBatch({ records: [{ value: 'before' }] })], 1, 5000);
    await leader.appendAsLeader([bad!.batch], 1, 5000);
    await leader.appendAsLeader([buildBatch({ records: [{ value: 'after' }] })], 1, 5000);
    const recs = await k.cluster.readRecords({ topic: 'poison-old', start: { type: 'earliest' }, limit: 10 });
    expect(recs.map((r) => r.value?.toString() ?? null)).toEqual(['before', null, 'after']);
    expect(recs[1]!.corrupt).toMatch(/^Offsets 1-2 are unreadable: /);
    const back = await k.cluster.readRecords({
      topic: 'poison-old',
      start: { type: 'latest' },
      limit: 10,
      direction: 'backward',
    });
    expect(back.map((r) => r.offset)).toEqual([3, 1, 0]);
  });
});

describe('transactional records without an ongoing transaction', () => {
  const txnBatch = () =>
    buildBatch({
      isTransactional: true,
      producerId: 4243,
      producerEpoch: 0,
      baseSequence: 0,
      records: [{ key: 'k', value: 'txn' }],
    });
  const plainBatch = () => buildBatch({ records: [{ key: 'k', value: 'plain' }] });
  const send = async (transactionalId: string | null) => {
    const leader = k.cluster.partitions('poison')[0]!.leader;
    const c = await RawClient.connect(k.port(leader));
    try {
      const r = await c.request(API_KEYS.Produce, 9, {
        transactionalId,
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          { name: 'poison', partitionData: [{ index: 0, records: plainBatch() }] },
          {
            name: 'poison-compacted',
            partitionData: [{ index: 0, records: txnBatch() }],
          },
        ],
      });
      return r.responses.map((t) => [t.name, t.partitionResponses[0]!.errorCode]);
    } finally {
      c.close();
    }
  };

  it('without a transactional id, the request is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const before = k.cluster.partitions('poison')[0]!.logEndOffset;
    const code = errorCodeOf('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    // As KafkaApis does: one transactional batch fails every partition of the request, the plain one too.
    expect(await send(null)).toEqual([
      ['poison', code],
      ['poison-compacted', code],
    ]);
    expect(k.cluster.partitions('poison')[0]!.logEndOffset).toBe(before);
  });

  it('with a transactional id, INVALID_TXN_STATE: the sandbox never has an ongoing transaction', async () => {
    const before = k.cluster.partitions('poison')[0]!.logEndOffset;
    const code = errorCodeOf('INVALID_TXN_STATE');
    expect(await send('tx-1')).toEqual([
      ['poison', code],
      ['poison-compacted', code],
    ]);
    expect(k.cluster.partitions('poison')[0]!.logEndOffset).toBe(before);
  });
});

describeClient('kcat after poison pills', commandProbe('kcat', ['-V'], 'kcat'), () => {
  it('kcat -C at the offset after the refused batches returns the next good record', async () => {
    const out = await run(
      'kcat',
      ['-C', '-b', k.brokers.join(','), '-t', 'poison', '-p', '0', '-o', '1', '-c', '1', '-e', '-q'],
      { timeoutMs: 20_000 },
    );
    expect(out.stdout.trim()).toBe('good-1');
  });
});
