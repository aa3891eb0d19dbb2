/**
 * An offline log dir as Kafka reports it: a broker whose store cannot open is
 * 'failed' (not 'stopped'), keeps its listener, and answers DescribeLogDirs
 * with its dir and KAFKA_STORAGE_ERROR (56), seen here through
 * @platformatic/kafka's own codec and connection (kcat, kafkajs, kafka-python
 * 2.0 and confluent-kafka 1.7 have no DescribeLogDirs). Its replicas are
 * offline in Metadata, which does not list it as a broker; once the store is
 * healed and the broker started, its dir reports no error.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Connection, describeLogDirsV4, listOffsetsV9, type ResponseError } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { KafkaListeners, type ServerLogEvent } from '../../../core/kafka-server/kafka-listeners';
import { eventually, tempDir } from '../../helpers/temp-cluster';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function connect(port: number): Promise<Connection> {
  const conn = new Connection('log-dirs-test');
  conn.on('error', () => undefined);
  await conn.connect('127.0.0.1', port);
  cleanups.push(() => new Promise<void>((r) => conn.close(() => r())));
  return conn;
}

describe('DescribeLogDirs on a broker whose store cannot open', () => {
  it('reports its log dir with KAFKA_STORAGE_ERROR and its replicas offline; healed, the dir is fine', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    let c = await Cluster.open({ dataDir: dir.path, brokers: 3 });
    await c.createTopic({ name: 'dirs', partitions: 3, replicationFactor: 3 });
    await c.produce('dirs', [{ key: 'k', value: 'v' }], { acks: -1 });
    await c.close();
    rmSync(join(dir.path, 'broker-1', 'CURRENT'));

    c = await Cluster.open({ dataDir: dir.path, brokers: 3 });
    const cluster = c;
    cleanups.push(() => cluster.close());
    const logs: ServerLogEvent[] = [];
    const kafka = await KafkaListeners.start(c, { basePort: 0, log: (e) => logs.push(e) });
    cleanups.push(() => kafka.close());

    const failed = c.brokers()[1]!;
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatch(/broker-1.*CURRENT file is missing/);
    expect(failed.logDir).toEqual({ path: join(dir.path, 'broker-1'), error: 'KAFKA_STORAGE_ERROR' });
    expect(failed.port).not.toBeNull();

    const onFailed = await connect(failed.port!);
    const err = (await describeLogDirsV4.api.async(onFailed, [{ name: 'dirs', partitions: [0, 1, 2] }]).then(
      () => null,
      (e: unknown) => e,
    )) as ResponseError | null;
    expect(err).not.toBeNull();
    expect(err!.errors.map((e) => [(e as { path?: string }).path, (e as { apiId?: string }).apiId])).toEqual([
      ['/results/0', 'KAFKA_STORAGE_ERROR'],
    ]);
    const body = (err as unknown as { response: { results: Array<{ logDir: string; topics: unknown[] }> } }).response;
    expect(body.results).toMatchObject([{ logDir: join(dir.path, 'broker-1'), topics: [] }]);

    // The cluster view: broker 1 is not a broker clients should use, and its replicas are offline.
    const admin = new Admin({ clientId: 'log-dirs-admin', bootstrapBrokers: [`127.0.0.1:${c.brokers()[0]!.port}`] });
    cleanups.push(() => admin.close());
    const md = await admin.metadata({ topics: ['dirs'] });
    expect([...md.brokers.keys()].sort()).toEqual([0, 2]);
    expect(c.partitions('dirs').every((p) => p.replicaStates.find((r) => r.brokerId === 1)!.offline)).toBe(true);
    const healthy = await admin.describeLogDirs({ topics: [{ name: 'dirs', partitions: [0, 1, 2] }] });
    expect(healthy.map((d) => d.broker).sort()).toEqual([0, 2]);

    // A request that needs broker 1's replicas is refused by closing, and says why in the log.
    const onFailed2 = await connect(failed.port!);
    await expect(
      listOffsetsV9.api.async(onFailed2, -1, 0, [
        { name: 'dirs', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] },
      ]),
    ).rejects.toThrow();
    await eventually(() => logs.some((e) => e.type === 'broker-failed' && e.brokerId === 1), 10_000, 'the log line');

    // Healed the way an operator would: the store removed, the broker refilled from the others.
    rmSync(join(dir.path, 'broker-1'), { recursive: true, force: true });
    await c.startBroker(1);
    expect(c.brokers()[1]!.status).toBe('running');
    expect(c.brokers()[1]!.logDir.error).toBeNull();
    const onHealed = await connect(c.brokers()[1]!.port!);
    await eventually(() => c.partitions('dirs').every((p) => p.isr.includes(1)), 30_000, 'broker 1 back in every ISR');
    const fine = (await describeLogDirsV4.api.async(onHealed, [{ name: 'dirs', partitions: [0, 1, 2] }])) as {
      results: Array<{ errorCode: number; topics: Array<{ partitions: unknown[] }> }>;
    };
    expect(fine.results[0]!.errorCode).toBe(0);
    expect(fine.results[0]!.topics[0]!.partitions).toHaveLength(3);
  }, 60_000);
});
