/**
 * The sandbox settings through the API, over a real engine: num.partitions and
 * default.replication.factor set cluster-wide, applied to topics created
 * without them, and still there after the cluster is reopened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineApi } from '../../../core/service/engine-api';
import type { ConfigEntry } from '../../../core/cluster/types';
import { openCluster } from '../../helpers/temp-cluster';

let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;

const open = () =>
  new EngineApi(env.cluster, {
    transport: 'websocket',
    dataDir: env.dataDir,
    version: '0.0.0',
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });

beforeEach(async () => {
  env = await openCluster();
  api = open();
});

afterEach(async () => {
  api.close();
  await env.cleanup();
});

async function call<T>(method: string, input?: unknown): Promise<T> {
  const e = await api.openSession(() => undefined).call(method, input);
  if (!e.ok) throw Object.assign(new Error(e.error.message), e.error);
  return e.result as T;
}

const value = (entries: ConfigEntry[], name: string) => entries.find((c) => c.name === name);

describe('broker settings through the API', () => {
  it('sets num.partitions and default.replication.factor cluster-wide, applies, keeps them on reopen', async () => {
    const before = await call<ConfigEntry[]>('describeBrokerConfigs', {});
    expect(value(before, 'num.partitions')).toMatchObject({ value: '1', source: 'DEFAULT_CONFIG', readOnly: false });
    const after = await call<ConfigEntry[]>('alterBrokerConfigs', {
      set: { 'num.partitions': '4', 'default.replication.factor': '2' },
    });
    expect(value(after, 'num.partitions')).toMatchObject({ value: '4', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    const created = await call<{ partitions: number; replicationFactor: number }>('createTopic', { name: 'defaults' });
    expect(created).toMatchObject({ partitions: 4, replicationFactor: 2 });

    api.close();
    await env.reopen();
    api = open();
    const reopened = await call<ConfigEntry[]>('describeBrokerConfigs', {});
    expect(value(reopened, 'num.partitions')).toMatchObject({ value: '4', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    expect(value(reopened, 'default.replication.factor')).toMatchObject({
      value: '2',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
    expect(await call('createTopic', { name: 'after-reopen' })).toMatchObject({ partitions: 4, replicationFactor: 2 });

    // Deleting the setting goes back to the sandbox's static default (rf = min(3, brokers)).
    const reset = await call<ConfigEntry[]>('alterBrokerConfigs', { delete: ['default.replication.factor'] });
    expect(value(reset, 'default.replication.factor')).toMatchObject({ value: '3', source: 'STATIC_BROKER_CONFIG' });
  });

  it("describes one broker's configs and refuses what cannot change, naming the config", async () => {
    expect(value(await call<ConfigEntry[]>('describeBrokerConfigs', { broker: 2 }), 'broker.id')).toMatchObject({
      value: '2',
      readOnly: true,
    });
    await expect(
      call('alterBrokerConfigs', { broker: 0, set: { 'log.dirs': '/tmp/elsewhere' } }),
    ).rejects.toMatchObject({ errorName: 'INVALID_REQUEST', message: expect.stringContaining('log.dirs') });
    await expect(call('alterBrokerConfigs', { broker: 0, set: { 'num.partitions': '3' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('cluster-wide'),
    });
    await expect(call('alterBrokerConfigs', { set: { 'num.partitions': '0' } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('num.partitions'),
    });
    await expect(call('describeBrokerConfigs', { broker: 5 })).rejects.toMatchObject({
      errorName: 'BROKER_NOT_AVAILABLE',
    });
    await expect(call('alterBrokerConfigs', { set: { 'num.partitions': 4 } })).rejects.toMatchObject({
      errorName: 'INVALID_REQUEST',
      message: expect.stringContaining('num.partitions'),
    });
    expect(env.cluster.brokerConfigOverrides()).toEqual({});
  });
});
