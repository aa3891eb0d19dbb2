/** How the page writes numbers, sizes, durations, config values and record bytes. */
import { describe, expect, it } from 'vitest';
import {
  asText,
  hexDump,
  preview,
  prettyJson,
  toRow,
  utf8ToBase64,
} from '../../../renderer/src/components/messages/bytes';
import {
  describeConfigValue,
  formatBytes,
  formatCount,
  formatDuration,
  plural,
} from '../../../renderer/src/utils/units';

describe('units', () => {
  it('writes counts with thousands separators and plurals that agree', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(plural(1, 'partition')).toBe('1 partition');
    expect(plural(10_000, 'partition')).toBe('10,000 partitions');
    expect(plural(2, 'replica is', 'replicas are')).toBe('2 replicas are');
  });

  it('writes sizes in binary multiples', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(21_600)).toBe('21.1 KB');
    expect(formatBytes(1024 ** 3)).toBe('1.0 GB');
    expect(formatBytes(-2048)).toBe('-2.0 KB');
    expect(formatBytes(Number.NaN)).toBe('–');
  });

  it('writes durations in the largest whole unit', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1000)).toBe('1 second');
    expect(formatDuration(90_000)).toBe('1.5 minutes');
    expect(formatDuration(604_800_000)).toBe('7 days');
  });

  it('describes config values by what their names measure', () => {
    expect(describeConfigValue('retention.ms', '604800000')).toBe('7 days');
    expect(describeConfigValue('retention.ms', '-1')).toBe('forever');
    expect(describeConfigValue('retention.bytes', '-1')).toBe('no limit');
    expect(describeConfigValue('segment.bytes', '1073741824')).toBe('1.0 GB');
    expect(describeConfigValue('max.compaction.lag.ms', '9223372036854775807')).toBe('never');
    expect(describeConfigValue('min.insync.replicas', '2')).toBeNull();
    expect(describeConfigValue('cleanup.policy', 'compact')).toBeNull();
  });
});

describe('record bytes', () => {
  it('reads UTF-8 as text and refuses binary', () => {
    expect(asText(new TextEncoder().encode('héllo'))).toBe('héllo');
    expect(asText(Uint8Array.from([0xff, 0xfe, 0x00, 0x01]))).toBeNull();
    // A value cut inside a character is still text.
    const cut = new TextEncoder().encode('aé').subarray(0, 2);
    expect(asText(cut, true)).not.toBeNull();
  });

  it('pretty-prints JSON objects and arrays only', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson('42')).toBeNull();
    expect(prettyJson('{broken')).toBeNull();
  });

  it('dumps bytes sixteen to a line with their printable characters', () => {
    const lines = hexDump(new TextEncoder().encode('0123456789abcdefXYZ')).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^00000000 {2}30 31 32 33 34 35 36 37 {2}38 39 61 62 63 64 65 66 +0123456789abcdef$/);
    expect(lines[1]).toMatch(/^00000010 {2}58 59 5a .*XYZ$/);
  });

  it('previews null, empty, text and binary values on one line', () => {
    expect(preview(null, undefined)).toEqual({ kind: 'null', text: 'null' });
    expect(preview('', undefined)).toEqual({ kind: 'empty', text: 'empty' });
    expect(preview(utf8ToBase64('a\n\n  b'), undefined)).toEqual({ kind: 'text', text: 'a b' });
    expect(preview(utf8ToBase64('cut'), 5000).text).toBe('cut …');
    expect(preview(btoa('\u0000\u0001\u0002\u00ff'), undefined).text).toBe('4 B binary · 00 01 02 ff');
  });

  it('shows why a stored batch does not decode instead of "null"', () => {
    const row = toRow({
      topic: 't',
      partition: 2,
      offset: 9,
      timestamp: 0,
      timestampType: 'CreateTime',
      key: null,
      value: null,
      headers: [{ key: 'h', value: null }],
      sizeInBytes: 0,
      corrupt: 'CRC mismatch at offsets 9 to 12',
    });
    expect(row.id).toBe('2:9');
    expect(row.valuePreview.text).toBe('CRC mismatch at offsets 9 to 12');
    expect(row.headersText).toBe('h');
  });
});
