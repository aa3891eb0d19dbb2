/**
 * Export formatting from stored batches (record-export-format.ts) against the decoded path's jsonLine / csvRow,
 * byte for byte, on awkward records; and what an export picks: offset and timestamp ranges, a selection, a
 * search's matches, offline partitions refused, damaged batches left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, buildControlBatch, decodeRecordsSync, type RecordInput } from '../../../core/record';
import type { DecodedRecord } from '../../../core/cluster/types';
import {
  batchToCsv,
  batchToJsonLines,
  ChunkWriter,
  recordsSectionOf,
} from '../../../core/service/record-export-format';
import {
  csvRow,
  CSV_HEADER,
  exportChunks,
  jsonLine,
  planExport,
  type ExportSpec,
} from '../../../core/service/record-export';
import { openCluster } from '../../helpers/temp-cluster';

const T0 = 1_700_000_000_000;

const awkward: RecordInput[] = [
  { key: 'plain', value: 'hello', headers: { source: 'web' } },
  { key: null, value: null },
  {
    key: '',
    value: '',
    headers: [
      { key: 'empty', value: '' },
      { key: 'nil', value: null },
    ],
  },
  { key: 'quote " back \\ slash', value: 'line\nbreak\r\ttab\b\f\u0001\u001f end' },
  { key: 'comma,key', value: '{"a":"b,c","d":"e\\"f"}' },
  { key: Buffer.from([0xff, 0xfe, 0x00, 0x80]), value: Buffer.from([0xc3, 0x28, 0x0a, 0x22]) },
  { key: 'ünïcødé 日本 🎉', value: '\u2028\u2029 €' },
  { key: 'bin headers', value: 'x', headers: [{ key: 'raw', value: Buffer.from([0x80, 0x81, 0x2c]) }] },
  { key: 'bad header key', value: 'y', headers: [{ key: Buffer.from([0xe2, 0x82]).toString('latin1'), value: 'z' }] },
  { key: 'big', value: Buffer.alloc(200_000, 0x61) },
];

function decoded(batch: Buffer, partition: number): DecodedRecord[] {
  const type = (batch[22]! & 0x08) !== 0 ? 'LogAppendTime' : 'CreateTime';
  return decodeRecordsSync(batch).map((r) => ({ ...r, topic: 't', partition, timestampType: type }));
}

async function viaBatch(
  batch: Buffer,
  format: 'jsonl' | 'csv',
  from = 0,
  to = Number.MAX_SAFE_INTEGER,
): Promise<string> {
  const w = new ChunkWriter();
  const data = await recordsSectionOf(batch);
  if (format === 'jsonl') batchToJsonLines(w, batch, data, 3, { from, to });
  else batchToCsv(w, new ChunkWriter(true), batch, data, 3, { from, to });
  return Buffer.concat(w.take(true)).toString('utf8');
}

describe('formatting from batch bytes', () => {
  for (const compression of ['none', 'gzip', 'lz4', 'snappy'] as const) {
    it(`writes the same JSON Lines and CSV as the decoded path (${compression})`, async () => {
      const batch = buildBatch({
        baseOffset: 40,
        records: awkward.map((r, i) => ({ ...r, timestamp: T0 + i })),
        compression,
      });
      const records = decoded(batch, 3);
      expect(await viaBatch(batch, 'jsonl')).toBe(records.map(jsonLine).join(''));
      expect(await viaBatch(batch, 'csv')).toBe(records.map(csvRow).join(''));
    });
  }

  it('keeps every byte: parsing the JSON Lines back gives the original keys, values and headers', async () => {
    const batch = buildBatch({ records: awkward });
    const lines = (await viaBatch(batch, 'jsonl'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const back = (v: string | null, enc?: string) =>
      v === null ? null : Buffer.from(v, enc === 'base64' ? 'base64' : 'utf8');
    decodeRecordsSync(batch).forEach((r, i) => {
      expect(back(lines[i].key, lines[i].keyEncoding)).toEqual(r.key);
      expect(back(lines[i].value, lines[i].valueEncoding)).toEqual(r.value);
      expect(lines[i].headers.map((h: any) => [h.key, back(h.value, h.encoding)])).toEqual(
        r.headers.map((h) => [h.key, h.value]),
      );
    });
  });

  it('uses the append time for LogAppendTime batches and writes only the window asked for', async () => {
    const batch = buildBatch({
      baseOffset: 10,
      records: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
      timestampType: 'LogAppendTime',
      maxTimestamp: T0 + 99,
    });
    const lines = (await viaBatch(batch, 'jsonl', 11, 12))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        partition: 3,
        offset: 11,
        timestamp: T0 + 99,
        timestampType: 'LogAppendTime',
        key: null,
        value: 'b',
        headers: [],
      },
    ]);
  });

  it('writes nothing for control batches', async () => {
    expect(await viaBatch(buildControlBatch({ type: 'commit', producerId: 1, producerEpoch: 0 }), 'jsonl')).toBe('');
  });

  it('refuses a damaged batch before writing any of its records', async () => {
    const batch = buildBatch({ records: [{ value: 'first' }, { value: 'second' }] });
    const cut = Buffer.from(batch);
    cut[cut.length - 1] = 0x7f; // the second record's header count (its last byte) now overruns it
    const w = new ChunkWriter();
    expect(() => batchToJsonLines(w, cut, cut.subarray(61), 0, { from: 0, to: 10 })).toThrow(/record 1/);
    expect(w.pos).toBe(0);
    const short = batch.subarray(0, 40);
    expect(() => recordsSectionOf(short)).toThrow(/shorter than its header/);
  });
});

describe('what an export picks', () => {
  let env: Awaited<ReturnType<typeof openCluster>>;

  beforeAll(async () => {
    env = await openCluster({ brokers: 2 });
    await env.cluster.createTopic({ name: 'orders', partitions: 2, replicationFactor: 1 });
    await env.cluster.produce(
      'orders',
      Array.from({ length: 40 }, (_, n) => ({
        key: `k${n}`,
        value: JSON.stringify({ n, web: n % 4 === 0 }),
        headers: { source: n % 4 === 0 ? 'web' : 'app' },
        partition: n % 2,
        timestamp: T0 + n * 1000,
      })),
    );
  });
  afterAll(async () => env?.cleanup());

  async function run(spec: Partial<ExportSpec>): Promise<{ total: number; lines: any[] }> {
    const full = { topic: 'orders', format: 'jsonl', ...spec } as ExportSpec;
    const plan = await planExport(env.cluster, full);
    let text = '';
    for await (const b of exportChunks(env.cluster, full, plan)) text += b.toString('utf8');
    return {
      total: plan.total,
      lines: text
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  }
  const ids = (lines: any[]) => lines.map((l) => `${l.partition}:${l.offset}`);

  it('exports a partition offset range', async () => {
    const { total, lines } = await run({ partitions: [1], from: 3, to: 6 });
    expect(total).toBe(3);
    expect(ids(lines)).toEqual(['1:3', '1:4', '1:5']);
    expect(lines[0].value).toBe(JSON.stringify({ n: 7, web: false }));
  });

  it('exports a timestamp range as the offsets inside it', async () => {
    // Partition 0 holds n = 0, 2, 4, ... at offsets 0, 1, 2 ...: [T0+4s, T0+10s) is n = 4, 6, 8.
    const { lines } = await run({ partitions: [0], fromTimestamp: T0 + 4000, toTimestamp: T0 + 10_000 });
    expect(lines.map((l) => JSON.parse(l.value).n)).toEqual([4, 6, 8]);
  });

  it('exports exactly a selection, in partition and offset order, once each', async () => {
    const selection = [
      { partition: 1, offset: 9 },
      { partition: 0, offset: 2 },
      { partition: 1, offset: 0 },
      { partition: 0, offset: 2 },
    ];
    const { total, lines } = await run({ selection });
    expect(total).toBe(3);
    expect(ids(lines)).toEqual(['0:2', '1:0', '1:9']);
  });

  it("exports a search's matches (text and filter expression)", async () => {
    const filter = await run({ search: { pattern: 'headers.source == "web" && value.n >= 8', mode: 'filter' } });
    expect(filter.lines.map((l) => JSON.parse(l.value).n)).toEqual([8, 12, 16, 20, 24, 28, 32, 36]);
    expect(filter.total).toBe(8);
    const text = await run({ search: { pattern: 'k1', mode: 'text', scopes: ['key'] }, partitions: [1] });
    expect(text.lines.map((l) => l.key)).toEqual(['k1', 'k11', 'k13', 'k15', 'k17', 'k19']);
  });

  it('writes the CSV header first and one row per record', async () => {
    const full = { topic: 'orders', format: 'csv', partitions: [0], to: 2 } as ExportSpec;
    let text = '';
    for await (const b of exportChunks(env.cluster, full, await planExport(env.cluster, full))) text += b.toString();
    expect(text.startsWith(CSV_HEADER)).toBe(true);
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(3);
  });

  it('refuses bad specs and offline partitions in words', async () => {
    await expect(planExport(env.cluster, { topic: 'orders', format: 'xml' as 'csv' })).rejects.toThrow(/jsonl or csv/);
    await expect(planExport(env.cluster, { topic: 'orders', format: 'jsonl', partitions: [5] })).rejects.toThrow(
      /Partition 5 .* does not exist/,
    );
    await expect(planExport(env.cluster, { topic: 'orders', format: 'jsonl', selection: [] })).rejects.toThrow(
      /at least one message/,
    );
    await expect(
      planExport(env.cluster, { topic: 'orders', format: 'jsonl', search: { pattern: 'value.n ==', mode: 'filter' } }),
    ).rejects.toThrow(/Filter/);
    const leader = env.cluster.partitions('orders')[0]!.leader;
    await env.cluster.killBroker(leader);
    try {
      await expect(planExport(env.cluster, { topic: 'orders', format: 'jsonl' })).rejects.toThrow(
        /Partition 0 .* offline/,
      );
    } finally {
      await env.cluster.startBroker(leader);
    }
  });
});
