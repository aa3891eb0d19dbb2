/**
 * The composition root both hosts use: the order it opens and closes the engine's parts in, what it closes when a
 * part fails to open, and that one failing part does not leave the rest open.
 */
import { describe, expect, it } from 'vitest';
import type { OwnedGroups } from '../../../core/service/engine-port';
import { openNoticeboard, type KafkaListenersHandle, type NoticeboardOptions } from '../../../core/host/noticeboard';
import { FakeCluster } from '../../support/fake-cluster';

/** A cluster, groups and Kafka listeners that write what happens to them into one journal. */
function parts(journal: string[], fail: { groups?: boolean; kafka?: boolean; closeKafka?: boolean } = {}) {
  const cluster = new FakeCluster(3);
  const close = cluster.close.bind(cluster);
  cluster.close = async () => {
    journal.push('close cluster');
    await close();
  };
  const groups: OwnedGroups = {
    admin: {} as OwnedGroups['admin'],
    lagSampler: null,
    consumer: () => {
      throw new Error('no consumers in this test');
    },
    close: async () => void journal.push('close groups'),
  };
  const kafka: KafkaListenersHandle = {
    bootstrapServers: () => '127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094',
    close: async () => {
      journal.push('close kafka');
      if (fail.closeKafka) throw new Error('socket hang');
    },
  };
  const options: NoticeboardOptions<FakeCluster> = {
    dataDir: '/tmp/nb-test',
    transport: 'websocket',
    version: 'test',
    openCluster: async ({ dataDir }) => {
      journal.push(`open cluster in ${dataDir}`);
      return cluster;
    },
    attachGroups: async (c) => {
      expect(c).toBe(cluster);
      journal.push('attach groups');
      if (fail.groups) throw new Error('offsets topic unreadable');
      return groups;
    },
    startKafka: async (c, g) => {
      expect([c, g]).toEqual([cluster, groups]);
      journal.push('start kafka');
      if (fail.kafka) throw new Error('Broker 0 cannot listen on 127.0.0.1:9092: the port is in use');
      return kafka;
    },
  };
  return { cluster, groups, kafka, options };
}

describe('openNoticeboard', () => {
  it('opens cluster, groups, Kafka listeners, then the API; closes listeners, API, groups, then cluster', async () => {
    const journal: string[] = [];
    const { cluster, groups, kafka, options } = parts(journal);
    const nb = await openNoticeboard(options);
    expect(journal).toEqual(['open cluster in /tmp/nb-test', 'attach groups', 'start kafka']);
    expect(nb).toMatchObject({ cluster, groups, kafka });
    expect(nb.bootstrapServers).toBe('127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
    const session = nb.api.openSession(() => undefined);
    const info = (await session.call('getServerInfo', {})) as { ok: boolean; result: { transport: string } };
    expect(info).toMatchObject({ ok: true, result: { transport: 'websocket' } });

    const first = nb.close();
    expect(nb.close()).toBe(first);
    await first;
    expect(journal.slice(3)).toEqual(['close kafka', 'close groups', 'close cluster']);
    // The API is closed before the groups: calls now get a clear refusal.
    expect(await session.call('listTopics', {})).toMatchObject({
      ok: false,
      error: { errorName: 'BROKER_NOT_AVAILABLE' },
    });
  });

  it('closes the cluster when the groups cannot attach, and reports why', async () => {
    const journal: string[] = [];
    const { cluster, options } = parts(journal, { groups: true });
    await expect(openNoticeboard(options)).rejects.toThrow('offsets topic unreadable');
    expect(journal).toEqual(['open cluster in /tmp/nb-test', 'attach groups', 'close cluster']);
    expect(cluster.closed).toBe(true);
  });

  it('closes groups and cluster when the Kafka listeners cannot start (serve mode)', async () => {
    const journal: string[] = [];
    const { options } = parts(journal, { kafka: true });
    await expect(openNoticeboard(options)).rejects.toThrow(/port is in use/);
    expect(journal.slice(3)).toEqual(['close groups', 'close cluster']);
  });

  it('runs without Kafka listeners when the host takes their failure (the desktop app)', async () => {
    const journal: string[] = [];
    const reported: string[] = [];
    const { options } = parts(journal, { kafka: true });
    const nb = await openNoticeboard({ ...options, onKafkaError: (err) => reported.push(err.message) });
    expect(reported).toEqual(['Broker 0 cannot listen on 127.0.0.1:9092: the port is in use']);
    expect(nb.kafka).toBeNull();
    // The fake cluster's brokers have no Kafka ports, so there is nothing to bootstrap from.
    expect(nb.bootstrapServers).toBeNull();
    await nb.close();
    expect(journal.slice(3)).toEqual(['close groups', 'close cluster']);
  });

  it('still closes groups and cluster when the listeners fail to close, then names the part that failed', async () => {
    const journal: string[] = [];
    const { cluster, options } = parts(journal, { closeKafka: true });
    const nb = await openNoticeboard(options);
    await expect(nb.close()).rejects.toThrow('closing the Kafka listeners failed: socket hang');
    expect(journal.slice(3)).toEqual(['close kafka', 'close groups', 'close cluster']);
    expect(cluster.closed).toBe(true);
  });
});
