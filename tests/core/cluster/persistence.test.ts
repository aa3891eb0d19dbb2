import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { validateBatch } from '../../../core/record';
import { eventually, openCluster, tempDir } from '../../helpers/temp-cluster';

describe('persistence', () => {
  let cleanup: (() => Promise<void> | void) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('gives back every topic, config, record, offset, leader and ISR after reopening the data dir', async () => {
    const env = await openCluster();
    cleanup = env.cleanup;
    let c = env.cluster;
    await c.createTopic({
      name: 'kept',
      partitions: 3,
      replicationFactor: 3,
      configs: { 'retention.ms': '123456', 'cleanup.policy': 'compact,delete' },
    });
    await c.createTopic({ name: 'single', partitions: 1, replicationFactor: 1 });
    await c.produce(
      'kept',
      Array.from({ length: 300 }, (_, i) => ({
        key: `k${i}`,
        value: `v${i}`,
        headers: [{ key: 'n', value: Buffer.from(String(i)) }],
      })),
      { acks: -1 },
    );
    await c.produce('single', [{ value: 'one' }]);
    await c.deleteRecords('single', 0, 1);
    await c.stopBroker(2);
    await c.startBroker(2);
    await eventually(() => c.partitions('kept').every((p) => p.isr.length === 3), 5000, 'ISR to recover');
    const before = {
      topics: c.listTopics(),
      parts: c.partitions('kept').map((p) => ({ ...p, replicaStates: undefined, bytesOnDisk: undefined })),
      configs: c.describeConfigs('kept'),
      records: await c.readRecords({ topic: 'kept', start: { type: 'earliest' }, limit: 1000 }),
      clusterId: c.clusterId,
    };
    c = await env.reopen();
    expect(c.clusterId).toBe(before.clusterId);
    expect(c.listTopics()).toEqual(before.topics);
    expect(c.partitions('kept').map((p) => ({ ...p, replicaStates: undefined, bytesOnDisk: undefined }))).toEqual(
      before.parts,
    );
    expect(c.describeConfigs('kept')).toEqual(before.configs);
    const after = await c.readRecords({ topic: 'kept', start: { type: 'earliest' }, limit: 1000 });
    expect(
      after.map((r) => [
        r.partition,
        r.offset,
        r.key!.toString(),
        r.value!.toString(),
        r.headers[0]!.value!.toString(),
      ]),
    ).toEqual(
      before.records.map((r) => [
        r.partition,
        r.offset,
        r.key!.toString(),
        r.value!.toString(),
        r.headers[0]!.value!.toString(),
      ]),
    );
    expect(c.partitions('single')[0]).toMatchObject({ logStartOffset: 1, highWatermark: 1 });
    await c.produce('kept', [{ key: 'k0', value: 'after reopen' }], { acks: -1 });
  });

  it('loses no acknowledged record and leaves no torn batch when SIGKILLed during produce', async () => {
    const dir = tempDir();
    cleanup = dir.remove;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'sigkill-producer.child.ts'), dir.path],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acked = new Set<string>();
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise<void>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) if (l.startsWith('value-')) acked.add(l);
        if (acked.size >= 3000) resolve();
      });
    });
    child.removeAllListeners('exit');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(acked.size).toBeGreaterThanOrEqual(3000);

    const c = await Cluster.open({ dataDir: dir.path });
    try {
      await eventually(
        () => c.partitions('durable').every((p) => p.highWatermark === p.logEndOffset && p.isr.length >= 2),
        10_000,
        'high watermarks to recover',
      );
      const seen = new Map<string, number>();
      for (const p of c.partitions('durable')) {
        const recs = await c.readRecords({
          topic: 'durable',
          partition: p.partition,
          start: { type: 'earliest' },
          limit: 100_000,
        });
        recs.forEach((r, i) => {
          expect(r.offset).toBe(i);
          const v = r.value!.toString();
          expect(seen.has(v)).toBe(false);
          seen.set(v, r.offset);
        });
        for (const b of c.allBrokers()) {
          const log = b.replicas.partition('durable', p.partition).log;
          for await (const batch of log.batchesBetween(0, Number.MAX_SAFE_INTEGER)) validateBatch(batch);
        }
      }
      const lost = [...acked].filter((v) => !seen.has(v));
      expect(lost).toEqual([]);
    } finally {
      await c.close();
    }
  }, 60_000);
});
