/**
 * kafka-python 2.0.2 (Debian's python3-kafka) against the in-process cluster:
 * every codec it has on this machine (gzip always; snappy, lz4, zstd when
 * their Python modules are installed), two producers at once (it has no
 * idempotent producer), a group of two that commits, restarts and resumes,
 * offsets by timestamp and the KafkaAdminClient calls.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKafka, type TestKafka } from '../helpers';
import {
  CODEC_IDS,
  SCRIPTS,
  SYSTEM_PYTHON,
  commandProbe,
  describeClient,
  duplicates,
  runJson,
  storedBatches,
  storedValues,
} from './helpers';

const SCRIPT = join(SCRIPTS, 'kafka_python_client.py');
const python = <T = Record<string, unknown>>(args: string[]) =>
  runJson<T>(SYSTEM_PYTHON, [SCRIPT, args[0]!, bootstrap, ...args.slice(1)]);

let k: TestKafka;
let bootstrap: string;

describeClient(
  'kafka-python (python3-kafka)',
  commandProbe(SYSTEM_PYTHON, ['-c', 'import kafka'], 'python3-kafka'),
  () => {
    beforeAll(async () => {
      k = await startKafka();
      bootstrap = k.brokers.join(',');
    });
    afterAll(async () => {
      await k?.stop();
    });

    it('produces with every codec it has and the broker stores each as sent', async () => {
      const { codecs } = await python<{ codecs: string[] }>(['codecs']);
      expect(codecs).toEqual(expect.arrayContaining(['none', 'gzip']));
      for (const codec of codecs) {
        const topic = `kpy-${codec}`;
        await k.cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
        expect(await python(['produce', topic, codec, '30'])).toEqual({ acked: 30, errors: [] });
        expect(new Set((await storedBatches(k, topic)).map((b) => b.codec))).toEqual(new Set([CODEC_IDS[codec]]));
        expect((await storedValues(k, topic)).length).toBe(30);
      }
    });

    it('two producers at once: every acknowledged record stored exactly once', async () => {
      await k.cluster.createTopic({ name: 'kpy-two', partitions: 3, replicationFactor: 3 });
      const r = await python<{ acked: string[]; errors: string[] }>(['concurrent', 'kpy-two', '100']);
      expect(r.errors).toEqual([]);
      expect(r.acked.length).toBe(200);
      const stored = await storedValues(k, 'kpy-two');
      expect(duplicates(stored)).toEqual([]);
      expect(stored.sort()).toEqual([...r.acked].sort());
    });

    it('a group of two consumes and commits, restarts and resumes where it stopped, losing nothing', async () => {
      await k.cluster.createTopic({ name: 'kpy-group', partitions: 4, replicationFactor: 3 });
      const first = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
      await k.cluster.produce('kpy-group', first);
      const a = await python<{ received: string[][]; assigned: number[][] }>(['group', 'kpy-group', 'kpy-g', '40']);
      expect(new Set(a.received.flat())).toEqual(new Set(first.map((r) => r.value)));
      expect(a.assigned.every((p) => p.length > 0)).toBe(true);
      expect(a.assigned.flat().sort()).toEqual([0, 1, 2, 3]);
      const second = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` }));
      await k.cluster.produce('kpy-group', second);
      const b = await python<{ received: string[][] }>(['group', 'kpy-group', 'kpy-g', '40']);
      expect(new Set(b.received.flat())).toEqual(new Set(second.map((r) => r.value)));
    });

    it('finds records by timestamp (ListOffsets)', async () => {
      await k.cluster.createTopic({ name: 'kpy-times', partitions: 1, replicationFactor: 3 });
      expect(await python(['times', 'kpy-times', String(Date.now() - 60_000)])).toEqual({ offsets: [2, -1] });
    });

    it('KafkaAdminClient: topics with configs, partitions, configs, groups, group offsets, delete topic', async () => {
      const r = await python<{
        created: boolean;
        retention: string;
        groups: string[];
        states: Record<string, string>;
        committed: Record<string, number>;
      }>(['admin', 'kpy']);
      expect(r).toMatchObject({ created: true, retention: '3600000' });
      expect(r.groups).toContain('kpy-g');
      expect(r.states['kpy-g']).toBe('Empty');
      expect(r.committed['kpy-g']).toBe(80);
      expect(k.cluster.listTopics().map((t) => t.name)).not.toContain('kpy-admin');
    });
  },
);
