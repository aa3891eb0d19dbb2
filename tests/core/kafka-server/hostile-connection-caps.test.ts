/**
 * Connection caps on the Kafka listeners, Kafka's max.connections.per.ip
 * (with max.connections.per.ip.overrides) and max.connections: a connection
 * over a cap is closed at once, counted, and logged through the throttled
 * log (a flood writes a few lines, not one per connection); a freed slot is
 * usable again, and the limits are what DescribeConfigs reports.
 * Raw sockets from several loopback addresses (Linux routes all of
 * 127.0.0.0/8 to lo); every socket has an error listener.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEYS } from '../../../core/protocol/index';
import { throttleLog } from '../../../core/kafka-server/log-throttle';
import type { ServerLogEvent } from '../../../core/kafka-server/kafka-listeners';
import { RawClient, startKafka, type TestKafka } from './helpers';

let k: TestKafka;
const lines: ServerLogEvent[] = [];
const sockets: Socket[] = [];

beforeAll(async () => {
  k = await startKafka({
    groups: false,
    cluster: { brokers: 1 },
    listeners: {
      maxConnectionsPerIp: 3,
      maxConnectionsPerIpOverrides: '127.0.0.2:5,127.0.0.4:0',
      maxConnections: 9,
      log: throttleLog((e) => lines.push(e)),
    },
  });
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await k?.stop();
});

function rawSocket(localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: k.port(0), host: '127.0.0.1', localAddress }, () => {
      s.off('error', reject);
      resolve(s);
    });
    // The broker closes refused sockets at once; a reset racing that is expected, never a test failure.
    s.on('error', () => undefined);
    s.once('error', reject);
    sockets.push(s);
  });
}

const closed = (s: Socket) =>
  new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
const counts = () => k.kafka.connectionCounts()[0]!;

describe('max.connections.per.ip', () => {
  it('closes the connection over the limit at once, counts it, and frees the slot when one closes', async () => {
    const first = [await rawSocket('127.0.0.1'), await rawSocket('127.0.0.1'), await rawSocket('127.0.0.1')];
    await vi.waitFor(() => expect(counts().connections).toBe(3), { timeout: 10_000 });
    const over = await rawSocket('127.0.0.1');
    await closed(over);
    expect(counts()).toMatchObject({ connections: 3, refused: 1 });
    expect(first.every((s) => !s.destroyed)).toBe(true);
    const refused = lines.filter((e) => e.type === 'connection-refused');
    expect(refused[0]).toMatchObject({ level: 'warn', brokerId: 0 });
    expect(refused[0]!.message).toMatch(/max\.connections\.per\.ip \(3\) reached for 127\.0\.0\.1/);

    // One closes; once the broker has seen it, a new connection is served.
    first[0]!.destroy();
    await vi.waitFor(() => expect(counts().connections).toBe(2), { timeout: 10_000 });
    const again = await RawClient.connect(k.port(0));
    const r = await again.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'caps', clientSoftwareVersion: '1' });
    expect(r.errorCode).toBe(0);
    again.close();
    await vi.waitFor(() => expect(counts().connections).toBe(2), { timeout: 10_000 });
  });

  it('follows max.connections.per.ip.overrides: a larger limit for one address, 0 refuses another', async () => {
    const before = counts().refused;
    for (let i = 0; i < 5; i++) await rawSocket('127.0.0.2');
    await vi.waitFor(() => expect(counts().connections).toBe(7), { timeout: 10_000 });
    await closed(await rawSocket('127.0.0.2'));
    await closed(await rawSocket('127.0.0.4'));
    expect(counts()).toMatchObject({ connections: 7, refused: before + 2 });
  });
});

describe('max.connections', () => {
  it('refuses any address once the broker holds max.connections, whatever its own count', async () => {
    // 2 from 127.0.0.1 and 5 from 127.0.0.2 are open; the cap is 9.
    await rawSocket('127.0.0.3');
    await rawSocket('127.0.0.3');
    await vi.waitFor(() => expect(counts().connections).toBe(9), { timeout: 10_000 });
    const before = counts().refused;
    await closed(await rawSocket('127.0.0.5'));
    expect(counts()).toMatchObject({ connections: 9, refused: before + 1 });
    expect(lines.some((e) => e.type === 'connection-refused' && /max\.connections \(9\) reached/.test(e.message))).toBe(
      true,
    );
  });

  it('logs a flood of refusals in a few lines, and reports the limits as broker configs', async () => {
    const before = counts().refused;
    for (let i = 0; i < 40; i++) await closed(await rawSocket('127.0.0.6'));
    expect(counts().refused).toBe(before + 40);
    // throttleLog lets 5 lines of one type through per 10 s window, then counts the rest.
    expect(lines.filter((e) => e.type === 'connection-refused').length).toBeLessThanOrEqual(5);
    const configs = new Map(k.cluster.describeBrokerConfigs(0).map((c) => [c.name, c.value]));
    expect(configs.get('max.connections.per.ip')).toBe('3');
    expect(configs.get('max.connections')).toBe('9');
    expect(configs.get('max.connections.per.ip.overrides')).toBe('127.0.0.2:5,127.0.0.4:0');
  });
});
