/**
 * The oldest Kafka core/remote manages: a second Noticeboard answering ApiVersions as Kafka 2.2 (no
 * IncrementalAlterConfigs, ElectLeaders only as v0). Config changes then go out as AlterConfigs, which replaces a
 * resource's whole set of dynamic values, so core/remote sends the values already set along with the change: a
 * second change keeps the first, a reset removes only its own config. Preferred election goes out as v0
 * (ElectPreferredLeaders, no election type) and still moves leadership back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../../core/cluster/types';
import { API_KEYS } from '../../../core/protocol/index';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import { BrokerConnection } from '../../../core/remote/connection';
import { chooseVersion } from '../../../core/remote/versions';
import { eventually } from '../../helpers/temp-cluster';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

let nb: SecondNoticeboard;
let remote: RemoteCluster;

beforeAll(async () => {
  nb = await startSecondNoticeboard({
    brokers: 3,
    apiVersions: 'kafka-2.2',
    args: ['--leader-imbalance-check-interval', '86400'],
  });
  remote = await openRemoteCluster(
    { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT', clientId: 'remote-kafka-2.2' },
    { metadataRefreshMs: 500 },
  );
});

afterAll(async () => {
  await remote?.close();
  await nb?.stop();
});

const valueOf = (list: ConfigEntry[], name: string) => list.find((c) => c.name === name);

describe('a remote cluster answering as Kafka 2.2', () => {
  it('advertises no IncrementalAlterConfigs and only v0 of ElectLeaders', async () => {
    const [host, port] = nb.bootstrap[0]!.split(':') as [string, string];
    const conn = await BrokerConnection.open(
      { host, port: Number(port) },
      { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' },
    );
    try {
      expect(chooseVersion(conn.versions, API_KEYS.IncrementalAlterConfigs)).toBeNull();
      expect(chooseVersion(conn.versions, API_KEYS.AlterConfigs)).toBe(1);
      expect(chooseVersion(conn.versions, API_KEYS.ElectLeaders)).toBe(0);
    } finally {
      conn.close();
    }
  });

  it('changes topic configs through AlterConfigs, keeping the values already set', async () => {
    await remote.createTopic({ name: 'old-kafka', partitions: 2, replicationFactor: 3 });
    await remote.alterConfigs('old-kafka', { set: { 'retention.ms': '3600000' } });
    const both = await remote.alterConfigs('old-kafka', { set: { 'cleanup.policy': 'compact' } });
    expect(valueOf(both, 'retention.ms')).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' });
    expect(valueOf(both, 'cleanup.policy')).toMatchObject({ value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' });
    // The cluster itself holds both (read through its own API, not core/remote's decoding).
    const theirs = await nb.api.describeConfigs({ topic: 'old-kafka' });
    expect(valueOf(theirs, 'retention.ms')?.value).toBe('3600000');
    expect(valueOf(theirs, 'cleanup.policy')?.value).toBe('compact');

    // A reset removes only the config reset; a dry run changes nothing.
    const reset = await remote.alterConfigs('old-kafka', { delete: ['cleanup.policy'] });
    expect(valueOf(reset, 'cleanup.policy')).toMatchObject({ value: 'delete', source: 'DEFAULT_CONFIG' });
    expect(valueOf(reset, 'retention.ms')).toMatchObject({ value: '3600000', source: 'DYNAMIC_TOPIC_CONFIG' });
    await remote.alterConfigs('old-kafka', { set: { 'retention.ms': '60000' } }, true);
    expect(valueOf(await nb.api.describeConfigs({ topic: 'old-kafka' }), 'retention.ms')?.value).toBe('3600000');

    // A bad value is refused with the config named, and the values stay.
    await expect(remote.alterConfigs('old-kafka', { set: { 'retention.ms': 'soon' } })).rejects.toThrow(
      /retention\.ms/,
    );
    expect(valueOf(await nb.api.describeConfigs({ topic: 'old-kafka' }), 'retention.ms')?.value).toBe('3600000');
  });

  it('changes a broker config through AlterConfigs, keeping the values already set', async () => {
    const before = valueOf(await remote.describeBrokerConfigs(1), 'max.connections')!;
    await remote.alterBrokerConfigs(1, { set: { 'log.retention.ms': '7200000' } });
    const both = await remote.alterBrokerConfigs(1, { set: { 'max.connections': '500' } });
    expect(valueOf(both, 'log.retention.ms')).toMatchObject({ value: '7200000', source: 'DYNAMIC_BROKER_CONFIG' });
    expect(valueOf(both, 'max.connections')).toMatchObject({ value: '500', source: 'DYNAMIC_BROKER_CONFIG' });
    const reset = await remote.alterBrokerConfigs(1, { delete: ['log.retention.ms', 'max.connections'] });
    expect(valueOf(reset, 'log.retention.ms')).toMatchObject({ value: '604800000', source: 'DEFAULT_CONFIG' });
    expect(valueOf(reset, 'max.connections')).toMatchObject({ value: before.value, source: before.source });
  });

  it('moves leadership back to the preferred replicas through ElectLeaders v0', async () => {
    await remote.createTopic({ name: 'old-elect', partitions: 6, replicationFactor: 3 });
    await nb.api.stopBroker({ id: 1 });
    await nb.api.startBroker({ id: 1 });
    // A record in every partition gives broker 1's replicas something to fetch, and so to rejoin the ISRs.
    await nb.api.produce({
      topic: 'old-elect',
      records: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, key: 'k', value: 'v' })),
      acks: -1,
    });
    await eventually(
      async () => {
        await remote.refreshMetadata();
        return remote.partitions('old-elect').every((p) => p.isr.includes(1));
      },
      30_000,
      'broker 1 back in every ISR',
    );
    const away = remote.partitions('old-elect').filter((p) => p.replicas[0] === 1);
    expect(away.length).toBeGreaterThan(0);
    expect(away.every((p) => p.leader !== 1)).toBe(true);
    const r = await remote.electPreferredLeaders!(['old-elect']);
    expect(r.failed).toEqual([]);
    expect(r.moved.map((m) => m.partition)).toEqual(away.map((p) => p.partition));
    for (const p of remote.partitions('old-elect')) expect(p.leader).toBe(p.replicas[0]);
  });
});
