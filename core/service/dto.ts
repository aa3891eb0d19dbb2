/** Conversions between the engine's Buffer-bearing shapes and the API's JSON-safe DTOs. */
import type { DecodedRecord, ProduceRecord } from '../cluster/types';
import type { ParsedInput, RecordDto } from '../api/api';

export function recordToDto(r: DecodedRecord): RecordDto {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key === null ? null : Buffer.from(r.key).toString('base64'),
    value: r.value === null ? null : Buffer.from(r.value).toString('base64'),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : Buffer.from(h.value).toString('base64'),
    })),
    sizeInBytes: r.sizeInBytes,
    ...(r.corrupt !== undefined ? { corrupt: r.corrupt } : {}),
  };
}

/** Turns the produce command's strings into the Buffers the engine appends. */
export function produceRecordsFromInput(input: ParsedInput<'produce'>): ProduceRecord[] {
  const encoding = input.encoding ?? 'utf8';
  const bytes = (s: string | null | undefined): Buffer | null | undefined =>
    s === null || s === undefined ? s : Buffer.from(s, encoding);
  return input.records.map((r) => {
    const out: ProduceRecord = {};
    if (r.key !== undefined) out.key = bytes(r.key);
    if (r.value !== undefined) out.value = bytes(r.value);
    if (r.headers)
      out.headers = Object.entries(r.headers).map(([key, value]) => ({ key, value: Buffer.from(value, encoding) }));
    if (r.timestamp !== undefined) out.timestamp = r.timestamp;
    if (r.partition !== undefined) out.partition = r.partition;
    return out;
  });
}
