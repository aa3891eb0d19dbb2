/**
 * ElectLeaders (API 43) on the wire, sent with the project's raw codec client (no client on this machine sends
 * it: Debian's confluent-kafka 1.7, kafka-python 2.0, sarama, kafkajs and @platformatic/kafka have no
 * ElectLeaders), with kcat -L, an independent client reading Metadata, checking the leaders the election left.
 * A 3-broker cluster whose leader balancer is kept out of the way, so leadership moves only when asked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEYS } from '../../../core/protocol/index';
import { parseVersionLimits } from '../../../core/kafka-server/api-version-profiles';
import type { KafkaListenersOptions } from '../../../core/kafka-server/kafka-listeners';
import { errorCodeOf } from '../../../core/errors';
import { eventually } from '../../helpers/temp-cluster';
import { run } from './clients/helpers';
import { RawClient, startKafka, type TestKafka } from './helpers';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const ELECTION_NOT_NEEDED = errorCodeOf('ELECTION_NOT_NEEDED');
const PREFERRED_LEADER_NOT_AVAILABLE = errorCodeOf('PREFERRED_LEADER_NOT_AVAILABLE');
const ELIGIBLE_LEADERS_NOT_AVAILABLE = errorCodeOf('ELIGIBLE_LEADERS_NOT_AVAILABLE');
const UNKNOWN_TOPIC_OR_PARTITION = errorCodeOf('UNKNOWN_TOPIC_OR_PARTITION');

async function start(listeners: Partial<KafkaListenersOptions> = {}): Promise<TestKafka> {
  const k = await startKafka({ cluster: { leaderBalanceIntervalMs: 3_600_000 }, groups: false, listeners });
  cleanups.push(() => k.stop());
  return k;
}

async function client(k: TestKafka, brokerId = 0): Promise<RawClient> {
  const c = await RawClient.connect(k.port(brokerId));
  cleanups.push(() => c.close());
  return c;
}

function bootstrap(k: TestKafka): string {
  return k.kafka
    .ports()
    .filter((p) => p.port !== null)
    .map((p) => `127.0.0.1:${p.port}`)
    .join(',');
}

async function kcatLeaders(k: TestKafka, topic: string): Promise<Map<number, number>> {
  const out = await run('kcat', ['-b', bootstrap(k), '-L', '-J', '-t', topic], { timeoutMs: 30_000 });
  const md = JSON.parse(out.stdout) as {
    topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
  };
  return new Map(md.topics.find((t) => t.topic === topic)!.partitions.map((p) => [p.partition, p.leader]));
}

/** Partition id -> [error code, message] from an ElectLeaders answer for one topic. */
function resultsOf(
  body: {
    replicaElectionResults: Array<{
      topic: string;
      partitionResult: Array<{ partitionId: number; errorCode: number; errorMessage: string | null }>;
    }>;
  },
  topic: string,
): Map<number, [number, string | null]> {
  const t = body.replicaElectionResults.find((r) => r.topic === topic);
  return new Map((t?.partitionResult ?? []).map((p) => [p.partitionId, [p.errorCode, p.errorMessage]]));
}

/** Stops and starts a broker, then waits until it is back in every ISR: the partitions it led are led by others. */
async function bounce(k: TestKafka, id: number, topics: string[]): Promise<void> {
  await k.cluster.stopBroker(id);
  await k.cluster.startBroker(id);
  // A record in every partition gives the returning replica something to fetch up to, and so rejoin the ISR.
  for (const t of topics)
    await k.cluster.produce(
      t,
      k.cluster.partitions(t).map((p) => ({ partition: p.partition, key: 'k', value: 'v' })),
      { acks: -1 },
    );
  await eventually(
    () => topics.every((t) => k.cluster.partitions(t).every((p) => p.isr.includes(id))),
    30_000,
    `broker ${id} back in every ISR`,
  );
}

describe('ElectLeaders in ApiVersions', () => {
  it('is advertised v0-2, kept by the Kafka 2.8 profile and dropped by the Redpanda one', async () => {
    const k = await start();
    const own = (await (await client(k)).request(API_KEYS.ApiVersions, 3, {})).apiKeys;
    expect(own.find((a) => a.apiKey === API_KEYS.ElectLeaders)).toMatchObject({ minVersion: 0, maxVersion: 2 });

    const k28 = await start({ apiVersionLimits: parseVersionLimits('kafka-2.8') });
    const a28 = (await (await client(k28)).request(API_KEYS.ApiVersions, 3, {})).apiKeys;
    expect(a28.find((a) => a.apiKey === API_KEYS.ElectLeaders)).toMatchObject({ minVersion: 0, maxVersion: 2 });

    const rp = await start({ apiVersionLimits: parseVersionLimits('redpanda') });
    const rpc = await client(rp);
    const arp = (await rpc.request(API_KEYS.ApiVersions, 3, {})).apiKeys;
    expect(arp.some((a) => a.apiKey === API_KEYS.ElectLeaders)).toBe(false);
    expect(arp.some((a) => a.apiKey === API_KEYS.Metadata)).toBe(true);
    // Not offered means not served: the request closes the connection, as for any API a broker lacks.
    await expect(rpc.request(API_KEYS.ElectLeaders, 2, { electionType: 0, topicPartitions: null })).rejects.toThrow(
      'connection closed',
    );
  });
});

describe('ElectLeaders PREFERRED', () => {
  it('gives each named partition its preferred leader back and answers the others in Kafka codes', async () => {
    const k = await start();
    await k.cluster.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
    await bounce(k, 1, ['orders']);
    const before = k.cluster.partitions('orders');
    const moved = before.filter((p) => p.replicas[0] === 1).map((p) => p.partition);
    expect(moved.length).toBeGreaterThan(0);
    expect(before.filter((p) => moved.includes(p.partition)).every((p) => p.leader !== 1)).toBe(true);

    // Sent to a broker that is not the controller (broker 0 is): it is decided by the controller all the same.
    const c = await client(k, 2);
    const body = await c.request(API_KEYS.ElectLeaders, 2, {
      electionType: 0,
      topicPartitions: [
        { topic: 'orders', partitions: [0, 1, 2, 3, 4, 5, 99] },
        { topic: 'missing', partitions: [0] },
      ],
      timeoutMs: 30_000,
    });
    expect(body.errorCode).toBe(0);
    const r = resultsOf(body, 'orders');
    for (const p of before) {
      if (moved.includes(p.partition)) expect(r.get(p.partition)).toEqual([0, null]);
      else expect(r.get(p.partition)?.[0]).toBe(ELECTION_NOT_NEEDED);
    }
    expect(r.get(99)).toEqual([UNKNOWN_TOPIC_OR_PARTITION, 'Topic orders has no partition 99 (it has 6)']);
    expect(resultsOf(body, 'missing').get(0)).toEqual([UNKNOWN_TOPIC_OR_PARTITION, 'Topic missing does not exist']);

    // The answer comes after the change is committed: Metadata, as kcat reads it, shows every preferred leader.
    const leaders = await kcatLeaders(k, 'orders');
    for (const p of k.cluster.partitions('orders')) expect(leaders.get(p.partition)).toBe(p.replicas[0]);
  });

  it('says PREFERRED_LEADER_NOT_AVAILABLE while the preferred broker is down; null names every partition', async () => {
    const k = await start();
    await k.cluster.createTopic({ name: 'pay', partitions: 6, replicationFactor: 3 });
    const down = k.cluster
      .partitions('pay')
      .filter((p) => p.replicas[0] === 2)
      .map((p) => p.partition);
    await k.cluster.stopBroker(2);
    const c = await client(k);

    // v1, every partition: the ones that need no election are left out, as Kafka's controller does.
    const all = await c.request(API_KEYS.ElectLeaders, 1, {
      electionType: 0,
      topicPartitions: null,
      timeoutMs: 30_000,
    });
    expect(all.errorCode).toBe(0);
    const r = resultsOf(all, 'pay');
    expect([...r.keys()].sort()).toEqual(down.sort());
    for (const p of down)
      expect(r.get(p)).toEqual([
        PREFERRED_LEADER_NOT_AVAILABLE,
        'The preferred leader is not available: broker 2 is not running',
      ]);

    // v0 (Kafka 2.2's ElectPreferredLeaders) has no type: preferred. A led-by-preferred partition needs nothing.
    const kept = k.cluster.partitions('pay').find((p) => p.replicas[0] === 0)!.partition;
    const v0 = await c.request(API_KEYS.ElectLeaders, 0, { topicPartitions: [{ topic: 'pay', partitions: [kept] }] });
    expect(resultsOf(v0, 'pay').get(kept)?.[0]).toBe(ELECTION_NOT_NEEDED);
  });

  it('refuses an election type other than PREFERRED and UNCLEAN as an invalid request', async () => {
    const k = await start();
    await k.cluster.createTopic({ name: 't', partitions: 1, replicationFactor: 3 });
    const body = await (
      await client(k)
    ).request(API_KEYS.ElectLeaders, 2, { electionType: 7, topicPartitions: [{ topic: 't', partitions: [0] }] });
    expect(body.errorCode).toBe(errorCodeOf('INVALID_REQUEST'));
    expect(resultsOf(body, 't').get(0)).toEqual([
      errorCodeOf('INVALID_REQUEST'),
      'ElectionType 7 is not one of 0 (PREFERRED) and 1 (UNCLEAN)',
    ]);
    expect(k.cluster.partitions('t')[0]!.leader).toBeGreaterThanOrEqual(0);
  });
});

describe('ElectLeaders UNCLEAN', () => {
  it('leads a partition whose in-sync replicas are all down from a live out-of-sync replica', async () => {
    const k = await start();
    // Replicas on brokers 1 and 2; broker 0 (the controller) stays up throughout.
    await k.cluster.createTopic({ name: 'ledger', assignments: [[1, 2]] });
    await k.cluster.produce('ledger', [{ partition: 0, key: 'a', value: '1' }], { acks: -1 });
    await k.cluster.stopBroker(2); // leaves the ISR: [1]
    await k.cluster.produce('ledger', [{ partition: 0, key: 'b', value: '2' }], { acks: -1 });
    await k.cluster.stopBroker(1); // the last ISR member: no leader now
    expect(k.cluster.partitions('ledger')[0]).toMatchObject({ leader: -1, isr: [1] });
    const c = await client(k);
    const req = (electionType: number) =>
      c.request(API_KEYS.ElectLeaders, 2, { electionType, topicPartitions: [{ topic: 'ledger', partitions: [0] }] });

    expect(resultsOf(await req(1), 'ledger').get(0)).toEqual([
      ELIGIBLE_LEADERS_NOT_AVAILABLE,
      'No replica of ledger-0 is running (replicas on brokers 1, 2)',
    ]);

    // Broker 2 is back but out of sync; unclean.leader.election.enable is false, so nothing elects it by itself.
    await k.cluster.startBroker(2);
    expect(k.cluster.partitions('ledger')[0]!.leader).toBe(-1);
    expect(resultsOf(await req(0), 'ledger').get(0)?.[0]).toBe(PREFERRED_LEADER_NOT_AVAILABLE);

    const unclean = await req(1);
    expect(unclean.errorCode).toBe(0);
    expect(resultsOf(unclean, 'ledger').get(0)).toEqual([0, null]);
    expect(k.cluster.partitions('ledger')[0]).toMatchObject({ leader: 2, isr: [2] });
    expect((await kcatLeaders(k, 'ledger')).get(0)).toBe(2);

    // It has a leader now: another unclean election is not needed.
    expect(resultsOf(await req(1), 'ledger').get(0)?.[0]).toBe(ELECTION_NOT_NEEDED);
  });
});
