/**
 * Broker configs of a remote cluster (a second Noticeboard, its own process, 3 brokers): changed through
 * core/remote (IncrementalAlterConfigs on BROKER resources) per broker and cluster-wide, read back by core/remote
 * and by kafkajs, reset (deleted), refused with the config named; the cluster-wide level shown as every config a
 * broker without values of its own gets; read-only configs say why.
 */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../../../core/cluster/types';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import { REMOTE_READ_ONLY_REASON } from '../../../core/remote/configs';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

let nb: SecondNoticeboard;
let remote: RemoteCluster;
let admin: Admin;

beforeAll(async () => {
  nb = await startSecondNoticeboard({ brokers: 3 });
  admin = new Kafka({ clientId: 'remote-broker-configs', brokers: nb.bootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  remote = await openRemoteCluster(
    { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT', clientId: 'remote-broker-configs' },
    { metadataRefreshMs: 500 },
  );
});

afterAll(async () => {
  await remote?.close();
  await admin?.disconnect();
  await nb?.stop();
});

const entry = (list: ConfigEntry[], name: string) => list.find((c) => c.name === name)!;

/** kafkajs' view of one config of a broker resource: value and source code. */
async function theirs(resource: string, name: string): Promise<{ value: string | null; source: number } | null> {
  const r = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 4, name: resource, configNames: [name] }],
  });
  const e = r.resources[0]!.configEntries.find((c) => c.configName === name);
  return e ? { value: e.configValue, source: (e as unknown as { configSource: number }).configSource } : null;
}

describe('broker configs on a remote cluster', () => {
  it('sets a value on one broker and cluster-wide, reads them back as kafkajs does, and resets them', async () => {
    const one = await remote.alterBrokerConfigs(1, { set: { 'log.retention.ms': '7200000' } });
    expect(entry(one, 'log.retention.ms')).toMatchObject({ value: '7200000', source: 'DYNAMIC_BROKER_CONFIG' });
    expect(await theirs('1', 'log.retention.ms')).toEqual({ value: '7200000', source: 2 });

    const cluster = await remote.alterBrokerConfigs(null, { set: { 'message.max.bytes': '400000' } });
    expect(entry(cluster, 'message.max.bytes')).toMatchObject({
      value: '400000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
    // kafkajs refuses the empty resource name; every broker it asks reports the cluster-wide source instead.
    for (const b of ['0', '2']) expect(await theirs(b, 'message.max.bytes')).toEqual({ value: '400000', source: 3 });
    expect((await nb.api.describeBrokerConfigs({})).find((c) => c.name === 'message.max.bytes')?.source).toBe(
      'DYNAMIC_DEFAULT_BROKER_CONFIG',
    );
    // The cluster-wide level lists every config, not only those set there, without any broker's own values.
    expect(cluster.length).toBe((await remote.describeBrokerConfigs(2)).length);
    expect(entry(await remote.describeBrokerConfigs(null), 'log.retention.ms')).toMatchObject({
      value: '604800000',
      source: 'DEFAULT_CONFIG',
    });
    // Its own engine applied the change: a topic created there inherits it.
    await nb.api.createTopic({ name: 'inherits-remote', partitions: 1, replicationFactor: 3 });
    const topic = await nb.api.describeConfigs({ topic: 'inherits-remote' });
    expect(entry(topic, 'max.message.bytes')).toMatchObject({
      value: '400000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });

    const reset = await remote.alterBrokerConfigs(1, { delete: ['log.retention.ms'] });
    expect(entry(reset, 'log.retention.ms')).toMatchObject({ value: '604800000', source: 'DEFAULT_CONFIG' });
    await remote.alterBrokerConfigs(null, { delete: ['message.max.bytes'] });
    expect(await theirs('2', 'message.max.bytes')).toEqual({ value: '1048588', source: 5 });
    expect(await theirs('1', 'log.retention.ms')).toEqual({ value: '604800000', source: 5 });
  });

  it('refuses a read-only or malformed change with the config named, and read-only configs say why', async () => {
    await expect(remote.alterBrokerConfigs(0, { set: { 'log.dirs': '/elsewhere' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('Set(log.dirs)'),
    });
    await expect(remote.alterBrokerConfigs(0, { set: { 'log.retention.ms': 'soon' } }, true)).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('log.retention.ms'),
    });
    const configs = await remote.describeBrokerConfigs(0);
    expect(entry(configs, 'log.dirs')).toMatchObject({ readOnly: true, readOnlyReason: REMOTE_READ_ONLY_REASON });
    expect(entry(configs, 'log.retention.ms').readOnly).toBe(false);
    expect(entry(configs, 'log.retention.ms').readOnlyReason).toBeUndefined();
    expect(entry(configs, 'log.retention.ms').source).toBe('DEFAULT_CONFIG');
  });
});
