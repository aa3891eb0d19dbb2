/**
 * max.connections.per.ip and max.connections changed at run time as Kafka's dynamic broker configs (per broker
 * and cluster-wide), through the API the Broker detail page uses: the next connection over the new cap is closed
 * at once, the ones already open stay, a per-broker value wins over the cluster-wide one, and a reset (delete)
 * brings back the limit the listeners started with. Raw sockets from loopback addresses, each with an error
 * listener (a refused socket may be reset).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKafka, type TestKafka } from './helpers';

let k: TestKafka;
const sockets: Socket[] = [];

beforeAll(async () => {
  k = await startKafka({ groups: false, cluster: { brokers: 2 }, listeners: { maxConnectionsPerIp: 50 } });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await k?.stop();
});

function rawSocket(broker: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: k.port(broker), host: '127.0.0.1', localAddress }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.on('error', () => undefined);
    s.once('error', reject);
    sockets.push(s);
  });
}

const closed = (s: Socket) =>
  new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
const counts = (broker: number) => k.kafka.connectionCounts()[broker]!;

describe('connection caps as dynamic broker configs', () => {
  it('applies a cluster-wide max.connections.per.ip to the next connection, a per-broker one over it, and a reset', async () => {
    const a = [await rawSocket(0, '127.0.1.1'), await rawSocket(0, '127.0.1.1'), await rawSocket(0, '127.0.1.1')];
    await vi.waitFor(() => expect(counts(0).connections).toBe(3), { timeout: 10_000 });
    await k.cluster.alterBrokerConfigs(null, { set: { 'max.connections.per.ip': '2' } });
    expect(k.cluster.describeBrokerConfigs(0).find((c) => c.name === 'max.connections.per.ip')).toMatchObject({
      value: '2',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      readOnly: false,
    });
    // Already open: kept. A new one from that address: closed at once, on every broker.
    const refused0 = counts(0).refused;
    await closed(await rawSocket(0, '127.0.1.1'));
    expect(counts(0)).toMatchObject({ connections: 3, refused: refused0 + 1 });
    expect(a.every((s) => !s.destroyed)).toBe(true);
    await rawSocket(1, '127.0.1.2');
    await rawSocket(1, '127.0.1.2');
    await vi.waitFor(() => expect(counts(1).connections).toBe(2), { timeout: 10_000 });
    await closed(await rawSocket(1, '127.0.1.2'));
    expect(counts(1).refused).toBe(1);

    // Broker 1's own value wins over the cluster-wide one.
    await k.cluster.alterBrokerConfigs(1, { set: { 'max.connections.per.ip': '3' } });
    await rawSocket(1, '127.0.1.2');
    await vi.waitFor(() => expect(counts(1).connections).toBe(3), { timeout: 10_000 });
    await closed(await rawSocket(1, '127.0.1.2'));
    expect(counts(1).refused).toBe(2);

    // Reset both: the limit the listeners started with (50) applies again.
    await k.cluster.alterBrokerConfigs(1, { delete: ['max.connections.per.ip'] });
    await k.cluster.alterBrokerConfigs(null, { delete: ['max.connections.per.ip'] });
    await rawSocket(0, '127.0.1.1');
    await vi.waitFor(() => expect(counts(0).connections).toBe(4), { timeout: 10_000 });
    expect(counts(0).refused).toBe(refused0 + 1);
  });

  it('applies max.connections set for one broker to that broker only, and refuses a negative cap', async () => {
    const open0 = counts(0).connections;
    await k.cluster.alterBrokerConfigs(0, { set: { 'max.connections': String(open0) } });
    const before = counts(0).refused;
    await closed(await rawSocket(0, '127.0.1.3'));
    expect(counts(0).refused).toBe(before + 1);
    const open1 = counts(1).connections;
    await rawSocket(1, '127.0.1.3');
    await vi.waitFor(() => expect(counts(1).connections).toBe(open1 + 1), { timeout: 10_000 });
    await expect(k.cluster.alterBrokerConfigs(null, { set: { 'max.connections': '-1' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      field: 'max.connections',
    });
    await k.cluster.alterBrokerConfigs(0, { delete: ['max.connections'] });
  });
});
