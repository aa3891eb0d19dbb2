/**
 * Import of JSON Lines (record-import.ts): an export imports back to the same records byte for byte (binary keys,
 * values and headers, partitions, timestamps); the dry run counts without writing; bad lines are named with their
 * line number and stop the import before any write unless they are skipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportChunks, planExport, type ExportSpec } from '../../../core/service/record-export';
import { importJsonLines } from '../../../core/service/record-import';
import type { DecodedRecord } from '../../../core/cluster/types';
import { openCluster } from '../../helpers/temp-cluster';

const T0 = 1_700_000_000_000;
let env: Awaited<ReturnType<typeof openCluster>>;
let dir: string;

const shape = (r: DecodedRecord) => ({
  partition: r.partition,
  timestamp: r.timestamp,
  key: r.key && Buffer.from(r.key).toString('hex'),
  value: r.value && Buffer.from(r.value).toString('hex'),
  headers: r.headers.map((h) => [h.key, h.value && Buffer.from(h.value).toString('hex')]),
});

async function all(topic: string): Promise<DecodedRecord[]> {
  const out: DecodedRecord[] = [];
  for (const s of env.cluster.partitions(topic))
    out.push(
      ...(await env.cluster.readRecords({ topic, partition: s.partition, start: { type: 'earliest' }, limit: 10_000 })),
    );
  return out;
}

async function exportToFile(topic: string, name: string): Promise<string> {
  const spec: ExportSpec = { topic, format: 'jsonl' };
  const parts: Buffer[] = [];
  for await (const b of exportChunks(env.cluster, spec, await planExport(env.cluster, spec))) parts.push(b);
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nb-import-test-'));
  env = await openCluster({ brokers: 1 });
  await env.cluster.createTopic({ name: 'src', partitions: 3, replicationFactor: 1 });
  await env.cluster.createTopic({ name: 'dst', partitions: 3, replicationFactor: 1 });
  await env.cluster.createTopic({ name: 'one', partitions: 1, replicationFactor: 1 });
  await env.cluster.produce('src', [
    ...Array.from({ length: 30 }, (_, n) => ({
      key: `k${n}`,
      value: JSON.stringify({ n, text: 'quote " and \\ and\nnewline' }),
      headers: [{ key: 'n', value: Buffer.from(String(n)) }],
      partition: n % 3,
      timestamp: T0 + n,
    })),
    {
      key: Buffer.from([0xff, 0x00, 0xfe]),
      value: Buffer.from([0x80, 0x81, 0x0a, 0x22]),
      headers: [
        { key: 'bin', value: Buffer.from([0xc3, 0x28]) },
        { key: 'nil', value: null },
      ],
      partition: 1,
      timestamp: T0 + 99,
    },
    { key: null, value: null, partition: 2, timestamp: T0 + 100 },
  ]);
});
afterAll(async () => {
  await env?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('importing JSON Lines', () => {
  it('imports an export back exactly, partitions and timestamps kept, after a dry run writing nothing', async () => {
    const path = await exportToFile('src', 'src.jsonl');
    const dry = await importJsonLines(env.cluster, path, {
      topic: 'dst',
      keepPartitions: true,
      keepTimestamps: true,
      dryRun: true,
    });
    expect(dry).toMatchObject({ records: 32, badLines: 0, written: 0, dryRun: true });
    expect(dry.perPartition).toEqual([
      { partition: 0, records: 10 },
      { partition: 1, records: 11 },
      { partition: 2, records: 11 },
    ]);
    expect(await all('dst')).toEqual([]);

    const done = await importJsonLines(env.cluster, path, { topic: 'dst', keepPartitions: true, keepTimestamps: true });
    expect(done).toMatchObject({ records: 32, written: 32, badLines: 0 });
    expect((await all('dst')).map(shape)).toEqual((await all('src')).map(shape));
  });

  it('without kept partitions and timestamps, the producer picks by key and the write time is used', async () => {
    const path = file('keyed.jsonl', [
      JSON.stringify({ key: 'a', value: '1', partition: 0, timestamp: 5 }),
      JSON.stringify({ key: null, value: '2' }),
    ]);
    const before = Date.now();
    const dry = await importJsonLines(env.cluster, path, { topic: 'one', dryRun: true });
    expect(dry.perPartition).toEqual([
      { partition: 0, records: 1 },
      { partition: null, records: 1 },
    ]);
    await importJsonLines(env.cluster, path, { topic: 'one' });
    const got = await all('one');
    expect(got.map((r) => r.value?.toString())).toEqual(['1', '2']);
    for (const r of got) expect(r.timestamp).toBeGreaterThanOrEqual(before);
  });

  it('names every bad line with its number and why, and writes nothing unless told to skip them', async () => {
    await env.cluster.createTopic({ name: 'strict', partitions: 2, replicationFactor: 1 });
    const path = file('bad.jsonl', [
      JSON.stringify({ key: 'good-1', value: 'v' }),
      '{"key": "broken"',
      '',
      '[1, 2]',
      JSON.stringify({ key: 'x', value: 'v', valueEncoding: 'base64' }),
      JSON.stringify({ key: 'x', value: 42 }),
      JSON.stringify({ key: 'x', value: 'v', partition: 7 }),
      JSON.stringify({ key: 'x', value: 'v', headers: [{ value: 'no key' }] }),
      JSON.stringify({ key: 'x', value: 'v', timestamp: 'yesterday', partition: 1 }),
      JSON.stringify({ key: 'good-2', value: 'w', partition: 1 }),
    ]);
    const opts = { topic: 'strict', keepPartitions: true, keepTimestamps: true };
    const dry = await importJsonLines(env.cluster, path, { ...opts, dryRun: true });
    expect(dry.records).toBe(1);
    expect(dry.badLines).toBe(8);
    expect(dry.bad.map((b) => b.line)).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
    expect(dry.bad.find((b) => b.line === 1)!.reason).toMatch(/no "partition"/);
    expect(dry.bad.find((b) => b.line === 2)!.reason).toMatch(/^not JSON/);
    expect(dry.bad.find((b) => b.line === 4)!.reason).toBe('not a JSON object');
    expect(dry.bad.find((b) => b.line === 5)!.reason).toMatch(/not valid base64/);
    expect(dry.bad.find((b) => b.line === 6)!.reason).toMatch(/value must be a string or null/);
    expect(dry.bad.find((b) => b.line === 7)!.reason).toMatch(/partition 7 does not exist \(the topic has 2\)/);
    expect(dry.bad.find((b) => b.line === 8)!.reason).toMatch(/header 0 needs a string "key"/);
    expect(dry.bad.find((b) => b.line === 9)!.reason).toMatch(/timestamp must be milliseconds/);

    await expect(importJsonLines(env.cluster, path, opts)).rejects.toThrow(/8 bad lines, nothing was written \(line 1/);
    expect(await all('strict')).toEqual([]);

    const skipped = await importJsonLines(env.cluster, path, { ...opts, skipBadLines: true });
    expect(skipped).toMatchObject({ written: 1, badLines: 8 });
    expect((await all('strict')).map((r) => [r.partition, r.key?.toString()])).toEqual([[1, 'good-2']]);
  });

  it('refuses an unknown topic before reading', async () => {
    const path = file('x.jsonl', ['{"key":"a","value":"b"}']);
    await expect(importJsonLines(env.cluster, path, { topic: 'nope' })).rejects.toThrow(/nope/);
  });
});
