/**
 * Cost of the leader's LogValidator (core/record/log-validator.ts) per
 * record: an uncompressed batch is walked in place; lz4 and gzip batches are
 * decompressed first. Batches of 500 records of ~100 bytes, as a producer
 * with a 64 KB batch size sends them.
 */
import { buildBatchAsync } from '../../core/record';
import {
  DEFAULT_TIMESTAMP_AFTER_MAX_MS,
  DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
  validateForAppend,
} from '../../core/record/log-validator';

export async function benchLogValidator(): Promise<Record<string, number>> {
  const now = Date.now();
  const policy = {
    now,
    logAppendTime: false,
    compacted: false,
    produceVersion: 11,
    transactional: false,
    timestampBeforeMaxMs: DEFAULT_TIMESTAMP_BEFORE_MAX_MS,
    timestampAfterMaxMs: DEFAULT_TIMESTAMP_AFTER_MAX_MS,
  };
  const records = Array.from({ length: 500 }, (_, i) => ({
    key: `key-${i}`,
    value: JSON.stringify({ id: i, text: 'x'.repeat(60) }),
    headers: { source: 'bench' },
    timestamp: now - 1000 + i,
  }));
  const out: Record<string, number> = {};
  for (const codec of ['none', 'lz4', 'gzip'] as const) {
    const batch = await buildBatchAsync({ compression: codec, records });
    const rounds = codec === 'none' ? 4000 : 400;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      const r = validateForAppend(batch, policy);
      if (r instanceof Promise) await r;
    }
    const seconds = (performance.now() - t0) / 1000;
    out[`log_validator_${codec}_records_per_s`] = Math.round((rounds * records.length) / seconds);
  }
  return out;
}
