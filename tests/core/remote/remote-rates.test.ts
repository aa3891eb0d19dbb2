/**
 * Per-topic and per-broker rates of a remote cluster, through the API (listTopicActivity, getBrokerDetail) as the
 * pages ask for them: a second Noticeboard, written to by an independent client (confluent_kafka, librdkafka) at a
 * known rate, and the rates, bytes in and last message time checked within tolerance. Twice: a 3-broker cluster
 * offering ListOffsets v7 (MAX_TIMESTAMP gives the newest timestamp), and a broker narrowed to Kafka 2.8's
 * versions (the last batch's header gives it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrokerDetail, TopicActivityRow } from '../../../core/api/api';
import { openRemoteCluster, type RemoteCluster } from '../../../core/remote';
import type { RemoteRateSampler } from '../../../core/remote/rate-sampler';
import { EngineApi, type ApiSession } from '../../../core/service/engine-api';
import { apiResult } from '../../helpers/api-session';
import { SYSTEM_PYTHON } from '../kafka-server/clients/helpers';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';

const PRODUCER = fileURLToPath(new URL('./support/steady_producer.py', import.meta.url));
const RATE = 200;
const VALUE_BYTES = 200;

interface Producing {
  child: ChildProcess;
  /** The producer's last line: messages sent and the newest timestamp it gave. */
  done: Promise<{ sent: number; acked: number; lastTimestamp: number }>;
}

/** Starts the steady producer and resolves once its first message is acknowledged. */
async function produceSteadily(bootstrap: string[], topic: string, seconds: number): Promise<Producing> {
  const child = spawn(
    SYSTEM_PYTHON,
    [PRODUCER, bootstrap.join(','), topic, String(RATE), String(seconds), String(VALUE_BYTES)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  let started!: () => void;
  const first = new Promise<void>((r) => (started = r));
  const done = new Promise<{ sent: number; acked: number; lastTimestamp: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.started) started();
      if (m.error) reject(new Error(`producer: ${String(m.error)}`));
      if (typeof m.sent === 'number') resolve(m as never);
    });
    child.once('exit', (code) => code !== 0 && code !== null && reject(new Error(`producer exited with ${code}`)));
  });
  await Promise.race([first, done]);
  return { child, done };
}

const samplerOf = (r: RemoteCluster) => (r as unknown as { rateSampler: RemoteRateSampler }).rateSampler;

function suite(name: string, opts: { brokers: number; apiVersions?: string }) {
  describe(name, () => {
    let nb: SecondNoticeboard;
    let remote: RemoteCluster;
    let api: EngineApi;
    let session: ApiSession;

    beforeAll(async () => {
      nb = await startSecondNoticeboard({ brokers: opts.brokers, apiVersions: opts.apiVersions });
      await nb.api.createTopic({ name: 'steady', partitions: 3, replicationFactor: opts.brokers });
      await nb.api.createTopic({ name: 'idle', partitions: 2, replicationFactor: opts.brokers });
      remote = await openRemoteCluster(
        { bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT', clientId: 'rates-test' },
        { metadataRefreshMs: 1000, rateSampleMs: 1000 },
      );
      api = new EngineApi(remote, { transport: 'websocket', dataDir: '', version: 'test', groups: remote });
      session = api.openSession(() => undefined);
    });

    afterAll(async () => {
      await api?.close();
      await remote?.close();
      await nb?.stop();
    });

    it('samples nothing until a page asks', () => {
      expect(samplerOf(remote).running).toBe(false);
      expect(samplerOf(remote).rounds).toBe(0);
    });

    it(`reports a producer's ${RATE} msg/s per topic and per leader broker, bytes in, and its last message time`, async () => {
      const producing = await produceSteadily(nb.bootstrap, 'steady', 12);
      try {
        const brokers = remote.brokers().map((b) => b.id);
        await vi.waitFor(
          async () => {
            const rows = await apiResult<TopicActivityRow[]>(session, 'listTopicActivity', {});
            const steady = rows.find((r) => r.topic === 'steady')!;
            expect(steady.messagesInPerSec).toBeGreaterThanOrEqual(RATE * 0.8);
            expect(steady.messagesInPerSec).toBeLessThanOrEqual(RATE * 1.2);
            expect(steady.lastAppendMs).toBeGreaterThan(Date.now() - 5000);
            expect(steady.lastAppendMs).toBeLessThanOrEqual(Date.now());
            expect(rows.find((r) => r.topic === 'idle')).toMatchObject({ messagesInPerSec: 0, lastAppendMs: null });

            const details = await Promise.all(
              brokers.map((broker) => apiResult<BrokerDetail>(session, 'getBrokerDetail', { broker, limit: 10 })),
            );
            let sum = 0;
            let bytes = 0;
            for (const d of details) {
              expect(d.throughput).not.toBeNull();
              const t = d.throughput!;
              expect(t.messagesInPerSec).not.toBeNull();
              expect(t.bytesInPerSec).not.toBeNull();
              sum += t.messagesInPerSec!;
              bytes += t.bytesInPerSec!;
              // Fetches are not observable from outside: said in words, never 0.
              expect(t.messagesOutPerSec).toBeNull();
              expect(t.bytesOutPerSec).toBeNull();
              expect(t.notes?.out).toBe('not observable on a remote cluster');
            }
            // The Brokers page's column says the same as each broker's page.
            const listed = await apiResult<Array<{ broker: number; throughput: BrokerDetail['throughput'] }>>(
              session,
              'listBrokerRates',
            );
            expect(listed.map((r) => r.broker).sort()).toEqual([...brokers].sort());
            const listedSum = listed.reduce((n, r) => n + (r.throughput?.messagesInPerSec ?? 0), 0);
            expect(listedSum).toBeGreaterThanOrEqual(RATE * 0.8);
            expect(listedSum).toBeLessThanOrEqual(RATE * 1.2);
            expect(listed.every((r) => r.throughput?.notes?.out === 'not observable on a remote cluster')).toBe(true);
            expect(sum).toBeGreaterThanOrEqual(RATE * 0.8);
            expect(sum).toBeLessThanOrEqual(RATE * 1.2);
            // Each message takes its value and at least a record header on disk, and batches of a few add little.
            expect(bytes).toBeGreaterThanOrEqual(RATE * VALUE_BYTES * 0.8);
            expect(bytes).toBeLessThanOrEqual(RATE * (VALUE_BYTES + 100) * 1.2);
          },
          { timeout: 20_000, interval: 500 },
        );
        const end = await producing.done;
        expect(end.acked).toBe(end.sent);
        // Once it stopped: the newest record's own timestamp, and no messages coming in.
        await vi.waitFor(
          async () => {
            const rows = await apiResult<TopicActivityRow[]>(session, 'listTopicActivity', {});
            const steady = rows.find((r) => r.topic === 'steady')!;
            expect(steady.lastAppendMs).toBe(end.lastTimestamp);
            expect(steady.messagesInPerSec).toBe(0);
          },
          { timeout: 15_000, interval: 500 },
        );
      } finally {
        producing.child.kill('SIGTERM');
      }
    });
  });
}

suite('remote rates (3 brokers, ListOffsets MAX_TIMESTAMP)', { brokers: 3 });
suite('remote rates (Kafka 2.8 versions: the last batch header)', { brokers: 1, apiVersions: 'kafka-2.8' });
