/**
 * librdkafka 2.0.2 (Debian's python3-confluent-kafka and kcat) against the
 * in-process cluster: every codec it has (it only compresses because Produce
 * is advertised from v0, KAFKA-18659), two idempotent producers at once
 * (exactly once each), a group of two that commits, restarts and resumes,
 * offsets by timestamp, the AdminClient calls, and kcat's produce/consume/
 * metadata/query paths.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { startKafka, type TestKafka } from '../helpers';
import {
  CODEC_IDS,
  SCRIPTS,
  SYSTEM_PYTHON,
  commandProbe,
  describeClient,
  duplicates,
  run,
  runJson,
  storedBatches,
  storedValues,
} from './helpers';

const SCRIPT = join(SCRIPTS, 'librdkafka_client.py');
const python = (args: string[]) => runJson<Record<string, unknown>>(SYSTEM_PYTHON, [SCRIPT, ...args]);
const pythonProbe = commandProbe(SYSTEM_PYTHON, ['-c', 'import confluent_kafka'], 'python3-confluent-kafka');
const kcatProbe = commandProbe('kcat', ['-V'], 'kcat');

let k: TestKafka;
let bootstrap: string;

beforeAll(async () => {
  k = await startKafka();
  bootstrap = k.brokers.join(',');
});
afterAll(async () => {
  await k?.stop();
});

describeClient('librdkafka via confluent_kafka (python3-confluent-kafka)', pythonProbe, () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces with ${codec} and the broker stores ${codec} batches`, async () => {
      const topic = `rdk-codec-${codec}`;
      await k.cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
      const r = await python(['produce', bootstrap, topic, codec, '30']);
      expect(r).toEqual({ acked: 30, errors: [] });
      const batches = await storedBatches(k, topic);
      expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([CODEC_IDS[codec]]));
      expect((await storedValues(k, topic)).length).toBe(30);
    });
  }

  it('two idempotent producers at once: every acknowledged record stored exactly once', async () => {
    await k.cluster.createTopic({ name: 'rdk-idem', partitions: 3, replicationFactor: 3 });
    const r = (await python(['idempotent', bootstrap, 'rdk-idem', '100'])) as { acked: string[]; errors: string[] };
    expect(r.errors).toEqual([]);
    expect(r.acked.length).toBe(200);
    const stored = await storedValues(k, 'rdk-idem');
    expect(duplicates(stored)).toEqual([]);
    expect(stored.sort()).toEqual([...r.acked].sort());
    const pids = new Set((await storedBatches(k, 'rdk-idem')).map((b) => b.producerId));
    expect(pids.size).toBe(2);
    expect([...pids].every((p) => p >= 0)).toBe(true);
  });

  it('a group of two consumes and commits, restarts and resumes where it stopped, losing nothing', async () => {
    await k.cluster.createTopic({ name: 'rdk-group', partitions: 4, replicationFactor: 3 });
    const first = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
    await k.cluster.produce('rdk-group', first);
    const a = (await python(['group', bootstrap, 'rdk-group', 'rdk-g', '40'])) as {
      received: string[][];
      assigned: number[][];
    };
    expect(new Set(a.received.flat())).toEqual(new Set(first.map((r) => r.value)));
    expect(a.assigned.every((p) => p.length > 0)).toBe(true);
    expect(a.assigned.flat().sort()).toEqual([0, 1, 2, 3]);

    const second = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` }));
    await k.cluster.produce('rdk-group', second);
    const b = (await python(['group', bootstrap, 'rdk-group', 'rdk-g', '40'])) as { received: string[][] };
    // Resumed from the commits: all of the new records, none of the old ones again.
    expect(new Set(b.received.flat())).toEqual(new Set(second.map((r) => r.value)));
  });

  it('finds records by timestamp (ListOffsets)', async () => {
    await k.cluster.createTopic({ name: 'rdk-times', partitions: 1, replicationFactor: 3 });
    const base = Date.now() - 60_000;
    const r = await python(['times', bootstrap, 'rdk-times', String(base)]);
    // t2 is the first record at or after base+2000; none is at or after base+10000 (-1, as Kafka answers).
    expect(r).toEqual({ offsets: [2, -1] });
  });

  it('AdminClient: create topic with configs, add partitions, list topics, configs, groups, delete topic', async () => {
    const r = await python(['admin', bootstrap, 'rdk']);
    expect(r).toMatchObject({ partitions: 4, retention: '3600000', brokers: 3 });
    expect(r.groups).toContain('rdk-g');
    expect(k.cluster.listTopics().map((t) => t.name)).not.toContain('rdk-admin');
  });
});

describeClient('kcat (librdkafka)', kcatProbe, () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`kcat -P -z ${codec} stores ${codec} batches and kcat -C reads them back`, async () => {
      const topic = `kcat-${codec}`;
      await k.cluster.createTopic({ name: topic, partitions: 1, replicationFactor: 3 });
      const lines = Array.from({ length: 25 }, (_, i) => `${codec} line ${i} `.repeat(6).trim());
      await run('kcat', ['-P', '-b', bootstrap, '-t', topic, '-z', codec, '-X', 'linger.ms=20'], {
        input: `${lines.join('\n')}\n`,
      });
      expect(new Set((await storedBatches(k, topic)).map((b) => b.codec))).toEqual(new Set([CODEC_IDS[codec]]));
      const out = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q']);
      expect(out.stdout.trim().split('\n')).toEqual(lines);
    });
  }

  it('kcat -L lists brokers and topics; kcat -Q finds an offset by timestamp', async () => {
    const md = await run('kcat', ['-L', '-b', bootstrap, '-t', 'kcat-gzip']);
    expect(md.stdout).toContain('3 brokers:');
    expect(md.stdout).toContain('topic "kcat-gzip" with 1 partitions');
    const q = await run('kcat', ['-Q', '-b', bootstrap, '-t', `kcat-gzip:0:${Date.now() - 3_600_000}`]);
    expect(q.stdout).toMatch(/kcat-gzip \[0\] offset 0/);
  });
});
