import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import { hasSyncCodec } from '../../../core/record/compression';
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  CRC,
  ControlRecordType,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchCompression,
  batchLastOffset,
  batchLastSequence,
  batchMaxTimestamp,
  batchNextOffset,
  batchProducerEpoch,
  batchProducerId,
  batchRecordCount,
  batchTimestampType,
  batchTotalSize,
  buildBatch,
  buildBatchAsync,
  buildControlBatch,
  computeBatchCrc,
  controlRecordType,
  decodeRecords,
  decodeRecordsSync,
  emptyBatchFrom,
  filterBatch,
  isControlBatch,
  isTransactional,
  iterateBatches,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  updateBatchCrc,
  validateBatch,
  validateRecords,
  type DecodedRecord,
  type RecordInput,
} from '../../../core/record';

const T0 = 1_700_000_000_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

function errorOf(fn: () => unknown): KafkaError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof KafkaError)) throw err;
    return err;
  }
  throw new Error('expected a KafkaError');
}

const sampleRecords: RecordInput[] = [
  {
    key: 'k0',
    value: 'hello',
    timestamp: T0,
    headers: [
      { key: 'h1', value: 'v1' },
      { key: 'h1', value: null },
    ],
  },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: T0 + 5 },
  { key: Buffer.from('k2'), value: null, timestamp: T0 - 3, headers: { trace: 'abc', bin: Buffer.from([9]) } },
  { key: 'ключ', value: 'значение ✓', timestamp: T0 + 1000 },
];

function plain(records: DecodedRecord[]) {
  return records.map((r) => ({
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('hex'),
    headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString('utf8')]),
  }));
}

const expectedSample = [
  {
    offset: 100,
    timestamp: T0,
    key: 'k0',
    value: Buffer.from('hello').toString('hex'),
    headers: [
      ['h1', 'v1'],
      ['h1', null],
    ],
  },
  { offset: 101, timestamp: T0 + 5, key: null, value: '000102ff', headers: [] },
  {
    offset: 102,
    timestamp: T0 - 3,
    key: 'k2',
    value: null,
    headers: [
      ['trace', 'abc'],
      ['bin', '\t'],
    ],
  },
  { offset: 103, timestamp: T0 + 1000, key: 'ключ', value: Buffer.from('значение ✓').toString('hex'), headers: [] },
];

describe('batch header layout', () => {
  const batch = buildBatch({
    baseOffset: 2 ** 40 + 7,
    partitionLeaderEpoch: 9,
    producerId: 2 ** 35 + 1,
    producerEpoch: 3,
    baseSequence: 17,
    isTransactional: true,
    records: [
      { value: 'a', timestamp: T0 + 10 },
      { value: 'b', timestamp: T0 + 30 },
      { value: 'c', timestamp: T0 + 20, offsetDelta: 4 },
    ],
  });

  it('puts each field at the documented byte offset', () => {
    expect(HEADER_SIZE).toBe(61);
    expect(batch.readBigInt64BE(BASE_OFFSET)).toBe(2n ** 40n + 7n);
    expect(batch.readInt32BE(BATCH_LENGTH)).toBe(batch.length - 12);
    expect(batch.readInt32BE(PARTITION_LEADER_EPOCH)).toBe(9);
    expect(batch[MAGIC]).toBe(2);
    expect(batch.readUInt32BE(CRC)).toBe(computeBatchCrc(batch));
    expect(batch.readInt16BE(ATTRIBUTES)).toBe(0x10);
    expect(batch.readInt32BE(LAST_OFFSET_DELTA)).toBe(4);
    expect(batch.readBigInt64BE(BASE_TIMESTAMP)).toBe(BigInt(T0 + 10));
    expect(batch.readBigInt64BE(MAX_TIMESTAMP)).toBe(BigInt(T0 + 30));
    expect(batch.readBigInt64BE(PRODUCER_ID)).toBe(2n ** 35n + 1n);
    expect(batch.readInt16BE(PRODUCER_EPOCH)).toBe(3);
    expect(batch.readInt32BE(BASE_SEQUENCE)).toBe(17);
    expect(batch.readInt32BE(RECORDS_COUNT)).toBe(3);
  });

  it('reads every field back through the accessors', () => {
    expect(batchBaseOffset(batch)).toBe(2 ** 40 + 7);
    expect(batchLastOffset(batch)).toBe(2 ** 40 + 11);
    expect(batchNextOffset(batch)).toBe(2 ** 40 + 12);
    expect(batchTotalSize(batch)).toBe(batch.length);
    expect(batchRecordCount(batch)).toBe(3);
    expect(batchAttributes(batch)).toBe(0x10);
    expect(batchBaseTimestamp(batch)).toBe(T0 + 10);
    expect(batchMaxTimestamp(batch)).toBe(T0 + 30);
    expect(batchProducerId(batch)).toBe(2 ** 35 + 1);
    expect(batchProducerEpoch(batch)).toBe(3);
    expect(batchBaseSequence(batch)).toBe(17);
    expect(batchLastSequence(batch)).toBe(21);
    expect(batchCompression(batch)).toBe(0);
    expect(batchTimestampType(batch)).toBe(0);
    expect(isTransactional(batch)).toBe(true);
    expect(isControlBatch(batch)).toBe(false);
    expect(readBatchHeader(batch)).toMatchObject({
      baseOffset: 2 ** 40 + 7,
      lastOffset: 2 ** 40 + 11,
      sizeInBytes: batch.length,
      partitionLeaderEpoch: 9,
      magic: 2,
      compression: 0,
      isTransactional: true,
      isControl: false,
      recordsCount: 3,
    });
  });

  it('reads fields of a batch that starts inside a larger buffer', () => {
    const blob = Buffer.concat([Buffer.alloc(5), batch]);
    expect(batchBaseOffset(blob, 5)).toBe(2 ** 40 + 7);
    expect(batchTotalSize(blob, 5)).toBe(batch.length);
    expect(batchRecordCount(blob, 5)).toBe(3);
  });

  it('defaults to a non-idempotent, CreateTime batch with no leader epoch', () => {
    const b = buildBatch({ records: [{ value: 'x' }] });
    expect(batchBaseOffset(b)).toBe(0);
    expect(batchProducerId(b)).toBe(-1);
    expect(batchProducerEpoch(b)).toBe(-1);
    expect(batchBaseSequence(b)).toBe(-1);
    expect(batchLastSequence(b)).toBe(-1);
    expect(b.readInt32BE(PARTITION_LEADER_EPOCH)).toBe(-1);
    expect(Math.abs(batchBaseTimestamp(b) - Date.now())).toBeLessThan(10_000);
  });

  it('wraps the last sequence at int32 max like Kafka', () => {
    const b = buildBatch({
      baseSequence: 0x7fffffff,
      producerId: 1,
      producerEpoch: 0,
      records: [{ value: 'a' }, { value: 'b' }],
    });
    expect(batchLastSequence(b)).toBe(0);
  });
});

describe('building and decoding records', () => {
  it('round-trips keys, values, nulls, headers, timestamps and UTF-8', async () => {
    const batch = buildBatch({ baseOffset: 100, records: sampleRecords });
    validateBatch(batch);
    expect(plain(decodeRecordsSync(batch))).toEqual(expectedSample);
    expect(plain(await decodeRecords(batch))).toEqual(expectedSample);
    expect(batchBaseTimestamp(batch)).toBe(T0); // first record's timestamp, like the Java producer
    expect(batchMaxTimestamp(batch)).toBe(T0 + 1000);
  });

  it('reports each record size and they add up to the records section', () => {
    const batch = buildBatch({ records: sampleRecords });
    const total = decodeRecordsSync(batch).reduce((n, r) => n + r.sizeInBytes, 0);
    expect(total).toBe(batch.length - HEADER_SIZE);
  });

  it('returns keys and values as views into the batch, not copies', () => {
    const batch = buildBatch({ records: [{ key: 'k', value: 'v' }] });
    const [r] = decodeRecordsSync(batch);
    expect(r.key!.buffer).toBe(batch.buffer);
    expect(r.value!.byteOffset).toBeGreaterThan(batch.byteOffset);
  });

  it('honours explicit offsetDeltas and a lastOffsetDelta override', () => {
    const batch = buildBatch({
      baseOffset: 50,
      lastOffsetDelta: 9,
      records: [
        { value: 'a', offsetDelta: 0 },
        { value: 'b', offsetDelta: 3 },
        { value: 'c', offsetDelta: 7 },
      ],
    });
    validateBatch(batch);
    expect(batchLastOffset(batch)).toBe(59);
    expect(decodeRecordsSync(batch).map((r) => r.offset)).toEqual([50, 53, 57]);
  });

  it('gives records without a timestamp the base timestamp', () => {
    const batch = buildBatch({ baseTimestamp: T0, records: [{ value: 'a' }, { value: 'b', timestamp: T0 + 2 }] });
    expect(decodeRecordsSync(batch).map((r) => r.timestamp)).toEqual([T0, T0 + 2]);
  });

  it('handles timestamps and offsets far beyond 32 bits', () => {
    const batch = buildBatch({
      baseOffset: 2 ** 52,
      baseTimestamp: 0,
      records: [
        { value: 'a', timestamp: 2 ** 45 },
        { value: 'b', timestamp: -5 },
      ],
    });
    validateBatch(batch);
    const recs = decodeRecordsSync(batch);
    expect(recs.map((r) => r.offset)).toEqual([2 ** 52, 2 ** 52 + 1]);
    expect(recs.map((r) => r.timestamp)).toEqual([2 ** 45, -5]);
  });

  it('builds an empty batch that validates', () => {
    const batch = buildBatch({ baseOffset: 5, records: [], lastOffsetDelta: 3 });
    expect(batch.length).toBe(HEADER_SIZE);
    validateBatch(batch);
    expect(batchRecordCount(batch)).toBe(0);
    expect(batchLastOffset(batch)).toBe(8);
    expect(decodeRecordsSync(batch)).toEqual([]);
  });

  it('handles thousands of records with larger varints', () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      key: `key-${i}`,
      value: Buffer.alloc(i % 300, i & 0xff),
      timestamp: T0 + i * 1000,
    }));
    const batch = buildBatch({ records });
    validateBatch(batch);
    const decoded = decodeRecordsSync(batch);
    expect(decoded).toHaveLength(3000);
    expect(decoded[2999].offset).toBe(2999);
    expect(decoded[2999].timestamp).toBe(T0 + 2999 * 1000);
    expect(decoded[2999].key!.toString()).toBe('key-2999');
    expect(decoded[299].value!.length).toBe(299);
  });

  it('rejects inputs it cannot encode faithfully with INVALID_RECORD', () => {
    expect(errorOf(() => buildBatch({ records: [{ value: 'a', timestamp: 1.5 }] })).errorName).toBe('INVALID_RECORD');
    expect(errorOf(() => buildBatch({ records: [{ value: 'a', offsetDelta: -1 }] })).errorName).toBe('INVALID_RECORD');
    expect(errorOf(() => buildBatch({ records: [{ value: 42 as unknown as string }] })).errorName).toBe(
      'INVALID_RECORD',
    );
    expect(errorOf(() => buildBatch({ producerEpoch: 70000, records: [{ value: 'a' }] })).errorName).toBe(
      'INVALID_RECORD',
    );
    expect(errorOf(() => buildBatch({ compression: 'brotli' as 'gzip', records: [] })).errorName).toBe(
      'UNSUPPORTED_COMPRESSION_TYPE',
    );
  });

  describe.each(CODECS)('with %s compression', (codec) => {
    it('builds asynchronously, sets the codec bits, validates and decodes', async () => {
      const batch = await buildBatchAsync({ baseOffset: 100, compression: codec, records: sampleRecords });
      expect(batchCompression(batch)).toBe(CODECS.indexOf(codec));
      validateBatch(batch);
      expect(plain(await decodeRecords(batch))).toEqual(expectedSample);
    });

    it('builds and decodes synchronously where the codec allows', async () => {
      if (!hasSyncCodec(codec)) {
        expect(errorOf(() => buildBatch({ compression: codec, records: sampleRecords })).errorName).toBe(
          'UNSUPPORTED_COMPRESSION_TYPE',
        );
        const batch = await buildBatchAsync({ compression: codec, records: sampleRecords });
        expect(errorOf(() => decodeRecordsSync(batch)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
        return;
      }
      const batch = buildBatch({ baseOffset: 100, compression: codec, records: sampleRecords });
      validateBatch(batch);
      expect(plain(decodeRecordsSync(batch))).toEqual(expectedSample);
    });
  });
});

describe('rewriting header fields in place', () => {
  it('keeps the CRC valid after setBaseOffset and setPartitionLeaderEpoch', () => {
    const batch = buildBatch({ records: sampleRecords });
    const crc = batch.readUInt32BE(CRC);
    setBaseOffset(batch, 2 ** 48 + 3);
    setPartitionLeaderEpoch(batch, 42);
    validateBatch(batch);
    expect(batch.readUInt32BE(CRC)).toBe(crc);
    expect(batchBaseOffset(batch)).toBe(2 ** 48 + 3);
    expect(batch.readInt32BE(PARTITION_LEADER_EPOCH)).toBe(42);
    expect(decodeRecordsSync(batch).map((r) => r.offset)).toEqual([0, 1, 2, 3].map((d) => 2 ** 48 + 3 + d));
  });

  it('rewrites a batch inside a larger buffer', () => {
    const a = buildBatch({ records: [{ value: 'a' }] });
    const b = buildBatch({ records: [{ value: 'b' }, { value: 'c' }] });
    const blob = Buffer.concat([a, b]);
    setBaseOffset(blob, 10, a.length);
    setPartitionLeaderEpoch(blob, 1, a.length);
    expect(splitBatches(blob).map((x) => batchBaseOffset(x))).toEqual([0, 10]);
    expect(validateRecords(blob)).toBe(2);
  });

  it('setLogAppendTime flags the batch, sets maxTimestamp, recomputes the CRC and overrides record timestamps', () => {
    const batch = buildBatch({ records: sampleRecords });
    setLogAppendTime(batch, T0 + 99_999);
    validateBatch(batch);
    expect(batchTimestampType(batch)).toBe(1);
    expect(batchMaxTimestamp(batch)).toBe(T0 + 99_999);
    expect(decodeRecordsSync(batch).every((r) => r.timestamp === T0 + 99_999)).toBe(true);
  });

  it('builds LogAppendTime batches directly', () => {
    const batch = buildBatch({
      timestampType: 'LogAppendTime',
      maxTimestamp: T0 + 1,
      records: [{ value: 'a', timestamp: T0 }],
    });
    expect(batchTimestampType(batch)).toBe(1);
    expect(decodeRecordsSync(batch)[0].timestamp).toBe(T0 + 1);
  });
});

describe('validateBatch', () => {
  it('detects any corrupted byte under the CRC, naming both CRCs', () => {
    const batch = buildBatch({ records: sampleRecords });
    for (let i = ATTRIBUTES; i < batch.length; i++) {
      const copy = Buffer.from(batch);
      copy[i] ^= 0x01;
      const err = errorOf(() => validateBatch(copy));
      expect(err.errorName === 'CORRUPT_MESSAGE' || err.errorName === 'UNSUPPORTED_COMPRESSION_TYPE').toBe(true);
      if (i > ATTRIBUTES + 1)
        expect(err.message).toMatch(
          /CRC mismatch: header says 0x[0-9a-f]{8}, bytes 21\.\.\d+ compute to 0x[0-9a-f]{8}/,
        );
    }
  });

  it('detects a corrupted CRC field', () => {
    const batch = buildBatch({ records: sampleRecords });
    batch[CRC + 2] ^= 0xff;
    expect(errorOf(() => validateBatch(batch)).errorName).toBe('CORRUPT_MESSAGE');
  });

  it('rejects wrong magic, size mismatch and short buffers', () => {
    const batch = buildBatch({ records: sampleRecords });
    const wrongMagic = Buffer.from(batch);
    wrongMagic[MAGIC] = 1;
    expect(errorOf(() => validateBatch(wrongMagic)).message).toMatch(/magic 1/);
    expect(errorOf(() => validateBatch(Buffer.concat([batch, Buffer.alloc(1)]))).message).toMatch(/implies/);
    expect(errorOf(() => validateBatch(batch.subarray(0, 60))).message).toMatch(/shorter than the 61-byte header/);
  });

  function withField(mutate: (b: Buffer) => void, records: RecordInput[] = [{ value: 'a' }, { value: 'b' }]): Buffer {
    const b = buildBatch({ records });
    mutate(b);
    updateBatchCrc(b);
    return b;
  }

  it('rejects negative recordsCount and lastOffsetDelta, and more records than offsets', () => {
    expect(errorOf(() => validateBatch(withField((b) => b.writeInt32BE(-1, RECORDS_COUNT)))).message).toMatch(
      /negative recordsCount/,
    );
    expect(errorOf(() => validateBatch(withField((b) => b.writeInt32BE(-1, LAST_OFFSET_DELTA)))).message).toMatch(
      /negative lastOffsetDelta/,
    );
    expect(errorOf(() => validateBatch(withField((b) => b.writeInt32BE(0, LAST_OFFSET_DELTA)))).message).toMatch(
      /spans only 1/,
    );
  });

  it('rejects a recordsCount the bytes cannot hold, without parsing records', () => {
    const b = withField((x) => {
      x.writeInt32BE(1000, RECORDS_COUNT);
      x.writeInt32BE(5000, LAST_OFFSET_DELTA);
    });
    expect(errorOf(() => validateBatch(b)).message).toMatch(/claims 1000 records/);
  });

  it('accepts fewer records than offsets spanned (compacted batches)', () => {
    validateBatch(withField((b) => b.writeInt32BE(10, LAST_OFFSET_DELTA)));
  });

  it('rejects codec ids 5-7 with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const b = withField((x) => x.writeInt16BE(6, ATTRIBUTES));
    expect(errorOf(() => validateBatch(b)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
    expect(errorOf(() => decodeRecordsSync(b)).errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE');
  });
});

describe('splitBatches', () => {
  const a = buildBatch({ baseOffset: 0, records: [{ value: 'a' }] });
  const b = buildBatch({ baseOffset: 1, records: [{ value: 'b' }, { value: 'c' }] });
  const c = buildBatch({ baseOffset: 3, records: sampleRecords });
  const blob = Buffer.concat([a, b, c]);

  it('splits a records blob into zero-copy batch views', () => {
    const parts = splitBatches(blob);
    expect(parts.map((p) => batchBaseOffset(p))).toEqual([0, 1, 3]);
    expect(parts[1].equals(b)).toBe(true);
    expect(parts[2].buffer).toBe(blob.buffer);
    expect(parts[2].byteOffset).toBe(blob.byteOffset + a.length + b.length);
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('iterates without subarrays, can stop early and reports bytes consumed', () => {
    const seen: number[] = [];
    expect(iterateBatches(blob, (buf, pos) => void seen.push(pos))).toBe(blob.length);
    expect(seen).toEqual([0, a.length, a.length + b.length]);
    expect(iterateBatches(blob, () => false)).toBe(a.length);
  });

  it('throws CORRUPT_MESSAGE for a truncated batch, with where and how much', () => {
    for (const cut of [1, 11, 12, 30, 61, c.length - 1]) {
      const err = errorOf(() => splitBatches(blob.subarray(0, a.length + b.length + cut)));
      expect(err.errorName).toBe('CORRUPT_MESSAGE');
      expect(err.message).toMatch(new RegExp(`truncated record batch at byte ${a.length + b.length}`));
    }
  });

  it('in lenient mode stops at a partial trailing batch (a fetch response may end with one)', () => {
    for (const cut of [1, 11, 12, 61, c.length - 1]) {
      const truncated = blob.subarray(0, a.length + b.length + cut);
      expect(splitBatches(truncated, { lenient: true }).map((p) => batchBaseOffset(p))).toEqual([0, 1]);
      expect(iterateBatches(truncated, () => {}, { lenient: true })).toBe(a.length + b.length);
    }
  });

  it('rejects batchLength below 49 and magic other than 2, even in lenient mode', () => {
    const shortLen = Buffer.from(blob);
    shortLen.writeInt32BE(48, a.length + BATCH_LENGTH);
    expect(errorOf(() => splitBatches(shortLen, { lenient: true })).message).toMatch(
      /batchLength 48, below the minimum 49/,
    );
    const negLen = Buffer.from(blob);
    negLen.writeInt32BE(-5, BATCH_LENGTH);
    expect(errorOf(() => splitBatches(negLen)).errorName).toBe('CORRUPT_MESSAGE');
    const oldMagic = Buffer.from(blob);
    oldMagic[a.length + MAGIC] = 1;
    expect(errorOf(() => splitBatches(oldMagic, { lenient: true })).message).toMatch(
      new RegExp(`byte ${a.length} has magic 1`),
    );
  });

  it('validateRecords checks every batch', () => {
    expect(validateRecords(blob)).toBe(3);
    const bad = Buffer.from(blob);
    bad[bad.length - 1] ^= 1;
    expect(errorOf(() => validateRecords(bad)).message).toMatch(/CRC mismatch/);
  });
});

describe('filterBatch (compaction)', () => {
  const records: RecordInput[] = Array.from({ length: 10 }, (_, i) => ({
    key: `k${i % 4}`,
    value: i === 9 ? null : `v${i}`,
    timestamp: T0 + i,
    headers: { n: String(i) },
  }));
  const producer = {
    producerId: 77,
    producerEpoch: 2,
    baseSequence: 5,
    partitionLeaderEpoch: 4,
    isTransactional: true,
  };

  describe.each(CODECS)('with %s compression', (codec) => {
    it('keeps offsets, first and last offset, producer fields, attributes and codec', async () => {
      const batch = await buildBatchAsync({ baseOffset: 1000, compression: codec, records, ...producer });
      const original = await decodeRecords(batch);
      const filtered = (await filterBatch(batch, (r, i) => i % 3 === 1))!;
      validateBatch(filtered);
      const kept = await decodeRecords(filtered);
      expect(plain(kept)).toEqual(plain(original.filter((_, i) => i % 3 === 1)));
      expect(kept.map((r) => r.offset)).toEqual([1001, 1004, 1007]);
      expect(batchBaseOffset(filtered)).toBe(1000);
      expect(batchLastOffset(filtered)).toBe(1009);
      expect(batchRecordCount(filtered)).toBe(3);
      expect(batchAttributes(filtered)).toBe(batchAttributes(batch));
      expect(batchCompression(filtered)).toBe(CODECS.indexOf(codec));
      expect(batchProducerId(filtered)).toBe(77);
      expect(batchProducerEpoch(filtered)).toBe(2);
      expect(batchBaseSequence(filtered)).toBe(5);
      expect(filtered.readInt32BE(PARTITION_LEADER_EPOCH)).toBe(4);
      expect(batchBaseTimestamp(filtered)).toBe(T0);
      expect(batchMaxTimestamp(filtered)).toBe(T0 + 7);
    });
  });

  it('passes each record and its index to keep', async () => {
    const batch = buildBatch({ records });
    const seen: Array<[number, string | null]> = [];
    await filterBatch(batch, (r, i) => {
      seen.push([i, r.key && r.key.toString()]);
      return true;
    });
    expect(seen).toEqual(records.map((r, i) => [i, r.key]));
  });

  it('returns null when nothing is kept and the batch itself when everything is', async () => {
    const batch = buildBatch({ records });
    expect(await filterBatch(batch, () => false)).toBeNull();
    expect(await filterBatch(batch, () => true)).toBe(batch);
  });

  it('keeps the append time of a LogAppendTime batch', async () => {
    const batch = buildBatch({ records });
    setLogAppendTime(batch, T0 + 500);
    const filtered = (await filterBatch(batch, (_, i) => i === 0))!;
    expect(batchMaxTimestamp(filtered)).toBe(T0 + 500);
    expect((await decodeRecords(filtered))[0].timestamp).toBe(T0 + 500);
  });

  it('emptyBatchFrom keeps the producer state of a batch with no records left', async () => {
    const batch = await buildBatchAsync({ baseOffset: 1000, compression: 'gzip', records, ...producer });
    const empty = emptyBatchFrom(batch);
    validateBatch(empty);
    expect(empty.length).toBe(HEADER_SIZE);
    expect(batchRecordCount(empty)).toBe(0);
    expect(batchCompression(empty)).toBe(0);
    expect(batchBaseOffset(empty)).toBe(1000);
    expect(batchLastOffset(empty)).toBe(1009);
    expect(batchProducerId(empty)).toBe(77);
    expect(batchLastSequence(empty)).toBe(14);
    expect(isTransactional(empty)).toBe(true);
  });
});

describe('control batches', () => {
  it('builds transaction markers and reads their type', () => {
    for (const [type, id] of [
      ['commit', ControlRecordType.COMMIT],
      ['abort', ControlRecordType.ABORT],
    ] as const) {
      const batch = buildControlBatch({
        type,
        producerId: 9,
        producerEpoch: 1,
        baseOffset: 40,
        coordinatorEpoch: 3,
        timestamp: T0,
      });
      validateBatch(batch);
      expect(isControlBatch(batch)).toBe(true);
      expect(isTransactional(batch)).toBe(true);
      expect(batchProducerId(batch)).toBe(9);
      expect(controlRecordType(batch)).toBe(id);
      const [rec] = decodeRecordsSync(batch);
      expect(rec.key).toEqual(Buffer.from([0, 0, 0, id]));
      expect(rec.value!.readInt16BE(0)).toBe(0);
      expect(rec.value!.readInt32BE(2)).toBe(3);
    }
  });

  it('refuses to read a control type from a data batch or a malformed key', () => {
    expect(errorOf(() => controlRecordType(buildBatch({ records: [{ value: 'a' }] }))).errorName).toBe(
      'INVALID_RECORD',
    );
    const shortKey = buildBatch({ isControl: true, records: [{ key: Buffer.from([0]), value: null }] });
    expect(errorOf(() => controlRecordType(shortKey)).errorName).toBe('INVALID_RECORD');
  });
});
