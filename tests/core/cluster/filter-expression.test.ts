import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError, UNKNOWN, type FilterRecord } from '../../../core/cluster/filter-expression';

const rec = (
  over: Omit<Partial<FilterRecord>, 'key' | 'value'> & { key?: string | null; value?: string | null } = {},
): FilterRecord => ({
  offset: over.offset ?? 7,
  timestamp: over.timestamp ?? Date.parse('2024-05-01T12:00:00Z'),
  key: over.key === null ? null : Buffer.from(over.key ?? 'order-7'),
  value:
    over.value === null
      ? null
      : Buffer.from(over.value ?? '{"customer":{"id":"c-70","tier":3},"items":["a","b"],"total":12.5,"ok":true}'),
  headers: over.headers ?? [
    { key: 'source', value: Buffer.from('web') },
    { key: 'trace-id', value: Buffer.from('abc') },
    { key: 'version', value: Buffer.from('2') },
    { key: 'empty', value: null },
  ],
});

const holds = (expr: string, r: FilterRecord = rec(), partition = 3) => compileFilter(expr).evaluate(r, partition);

function fault(expr: string): FilterSyntaxError {
  try {
    compileFilter(expr);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err;
    throw err;
  }
  throw new Error(`${expr} compiled`);
}

describe('filter expressions', () => {
  it('reads JSON fields of the value and header values by name', () => {
    expect(holds('value.customer.id == "c-70" && headers.source == "web"')).toBe(true);
    expect(holds('value.customer.id == "c-71" && headers.source == "web"')).toBe(false);
    expect(holds('headers["trace-id"] == "abc" && headers.trace-id == \'abc\'')).toBe(true);
    expect(holds('value.items[1] == "b" && value["customer"]["tier"] == 3')).toBe(true);
    expect(holds('value.missing.deeper == null && headers.nope == null && headers.empty == null')).toBe(true);
  });

  it('compares numbers, strings, booleans and null, and a numeric string with a number', () => {
    expect(holds('value.total > 12 && value.total <= 12.5 && value.total != 13')).toBe(true);
    expect(holds('value.customer.tier >= 4')).toBe(false);
    expect(holds('headers.version == 2 && headers.version < 10')).toBe(true);
    expect(holds('value.ok == true && value.ok != false')).toBe(true);
    expect(holds('key > "order-1" && key < "order-9"')).toBe(true);
    // null orders with nothing
    expect(holds('value.nothing < 5 || value.nothing > 5')).toBe(false);
  });

  it('reads partition, offset and timestamp, with dates in quotes', () => {
    expect(holds('partition == 3 && offset == 7')).toBe(true);
    expect(holds('partition == 3', rec(), 4)).toBe(false);
    expect(holds('timestamp >= "2024-05-01T00:00:00Z" && timestamp < "2024-05-02"')).toBe(true);
    expect(holds(`timestamp == ${Date.parse('2024-05-01T12:00:00Z')}`)).toBe(true);
    expect(holds('offset > -1')).toBe(true);
  });

  it('has contains, startsWith, endsWith, !, parentheses and precedence', () => {
    expect(holds('key startsWith "order-" && key endsWith "-7" && value contains "c-70"')).toBe(true);
    expect(holds('value.items contains "a" && !(value.items contains "z")')).toBe(true);
    expect(holds('!headers.nope && !!headers.source')).toBe(true);
    // && binds tighter than ||
    expect(holds('partition == 9 && offset == 7 || key == "order-7"')).toBe(true);
    expect(holds('partition == 9 && (offset == 7 || key == "order-7")')).toBe(false);
  });

  it('treats a value that is not JSON, a null key and a tombstone as null fields', () => {
    expect(holds('value.a == null && value == "plain"', rec({ value: 'plain' }))).toBe(true);
    expect(holds('value == null && key == null && value.x == null', rec({ value: null, key: null }))).toBe(true);
    expect(holds('key.id == 5', rec({ key: '{"id":5}' }))).toBe(true);
  });

  it('leaves a matches unknown until it is answered, deciding && and || around it', () => {
    const f = compileFilter('partition == 3 && key matches "^order-\\d+$"');
    expect(f.regexes).toEqual([{ source: '^order-\\d+$', flags: '' }]);
    expect(compileFilter('key matches "a\\\\.b\\n"').regexes[0]!.source).toBe('a\\.b\n');
    expect(f.evaluate(rec(), 4)).toBe(false); // decided without the pattern
    expect(f.evaluate(rec(), 3)).toBe(UNKNOWN);
    expect(f.regexOperands(rec(), 3)).toEqual(['order-7']);
    expect(f.evaluate(rec(), 3, () => true)).toBe(true);
    expect(f.evaluate(rec(), 3, () => false)).toBe(false);
    expect(compileFilter('partition == 3 || key matches "x"').evaluate(rec(), 3)).toBe(true);
    expect(compileFilter('value.customer matches "x"').regexOperands(rec(), 0)).toEqual([null]);
  });

  it('points at the column of a fault', () => {
    expect(fault('value.customer.id = "c-70"')).toMatchObject({ column: 19, length: 1 });
    expect(fault('value.customer.id == "c-70')).toMatchObject({ column: 22 });
    expect(fault('values.id == 1').message).toMatch(/Unknown name values.*\(column 1\)/);
    expect(fault('(partition == 1')).toMatchObject({ column: 16 });
    expect(fault('(partition == 1').reason).toMatch(/Expected \) to close the \( at column 1/);
    expect(fault('partition == 1 offset == 2')).toMatchObject({ column: 16 });
    expect(fault('partition ==')).toMatchObject({ column: 13 });
    expect(fault('headers == "x"').reason).toMatch(/headers needs a header name/);
    expect(fault('offset.x == 1').reason).toMatch(/offset is a number/);
    expect(fault('key matches "(a+)+$"')).toMatchObject({ column: 13 });
    expect(fault('key matches "(unclosed"').reason).toMatch(/Invalid regular expression/);
    expect(fault('key matches value').reason).toMatch(/regular expression in quotes/);
    expect(fault('timestamp > "yesterday"')).toMatchObject({ column: 13 });
    expect(fault('key == "a" & key == "b"').reason).toMatch(/Use &&/);
    expect(fault('')).toMatchObject({ column: 1 });
  });

  it('bounds the size, nesting and patterns of an expression', () => {
    expect(fault('x'.repeat(1001)).reason).toMatch(/at most 1000/);
    expect(fault('('.repeat(40) + 'key' + ')'.repeat(40)).reason).toMatch(/nests more than 32/);
    expect(fault(Array.from({ length: 60 }, () => 'key==1').join('||')).reason).toMatch(/at most 200/);
    expect(fault(Array.from({ length: 5 }, () => 'key matches "a"').join(' || ')).reason).toMatch(/At most 4 matches/);
  });

  it('never runs what it is given as code', () => {
    (globalThis as Record<string, unknown>).__filterProbe = false;
    expect(fault('key == constructor.constructor("globalThis.__filterProbe=true")()').reason).toMatch(/Unknown name/);
    expect(holds('value.constructor == null && value.__proto__ == null')).toBe(true);
    expect((globalThis as Record<string, unknown>).__filterProbe).toBe(false);
  });

  it('names the needles every match must contain, for skipping batches', () => {
    const f = compileFilter('value.customer.id == "c-70" && headers.source == "web" && partition == 1');
    expect(f.needles.map((b) => b.toString())).toEqual(['c-70', 'source', 'web']);
    expect(f.needlesFromJson).toBe(true);
    expect(compileFilter('key == "a" || key == "b"').needles).toEqual([]);
    expect(compileFilter('value.id == "42"').needles).toEqual([]);
  });
});
