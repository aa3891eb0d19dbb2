/**
 * The JSON view's model: parsing keeps scalars as written and says where a text stops being JSON, folds decide
 * which lines show (deep levels folded by default), tokens colour each line, and Copy gives any subtree whole.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_OPEN_DEPTH,
  DEFAULT_OPEN_LINES,
  LONG_STRING,
  collapseAll,
  defaultFolds,
  expandAll,
  lineTokens,
  nodeText,
  parseJsonTree,
  pathOf,
  toggle,
  visibleLines,
  type JsonLine,
  type JsonNode,
} from '../../../renderer/src/components/messages/json-tree';

function tree(text: string): JsonNode {
  const p = parseJsonTree(text);
  if (p.error !== null) throw new Error(p.error);
  return p.root;
}
/** A line as plain text with two spaces per level, the way the view draws it. */
const render = (l: JsonLine) =>
  '  '.repeat(l.depth) +
  lineTokens(l)
    .map((t) => t.text)
    .join('');
const find = (root: JsonNode, path: string): JsonNode => {
  const work = [root];
  while (work.length) {
    const n = work.pop()!;
    if (pathOf(n) === path) return n;
    work.push(...n.children);
  }
  throw new Error(`no node at ${path}`);
};

const ORDER =
  '{"id": 12345678901234567890, "price": 1.50, "name": "caf\\u00e9", "ok": true, "note": null,' +
  ' "customer": {"id": "c-70", "address": {"city": "Lyon", "geo": {"lat": 45.76}}}, "items": [1, [2, 3], {}], "e": []}';

describe('parseJsonTree', () => {
  it('keeps scalars exactly as written: big integers, trailing zeros and escapes', () => {
    const root = tree(ORDER);
    expect(root.kind).toBe('object');
    expect(root.children.map((c) => c.key)).toEqual([
      '"id"',
      '"price"',
      '"name"',
      '"ok"',
      '"note"',
      '"customer"',
      '"items"',
      '"e"',
    ]);
    expect(root.children.map((c) => c.raw).slice(0, 5)).toEqual([
      '12345678901234567890',
      '1.50',
      '"caf\\u00e9"',
      'true',
      'null',
    ]);
    expect(root.children.map((c) => c.kind).slice(0, 5)).toEqual(['number', 'number', 'string', 'boolean', 'null']);
    expect(find(root, '$.items[1]').children.map((c) => c.index)).toEqual([0, 1]);
    expect(find(root, '$.customer.address.geo.lat').depth).toBe(4);
  });

  it('accepts a scalar at the top and whitespace around it', () => {
    expect(tree(' \n"x" ').raw).toBe('"x"');
    expect(tree('-0.5e+3').raw).toBe('-0.5e+3');
  });

  it('says where and why a text is not JSON', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"a": 1,}', /Expected a member name in quotes but found “}” at line 1, column 9/],
      ['[1, 2,]', /A comma is followed by “]” at line 1, column 7/],
      ['{"a" 1}', /Expected “:” after the member name but found “1”/],
      ['{"a": 1\n "b": 2}', /Expected “,” or “}” but found “"” at line 2, column 2/],
      ['[1, 2', /Expected “,” or “]” but found the end of the text/],
      ['{"a": "unclosed}', /A string that is not closed/],
      ['{"a": "\\x"}', /bad escape/],
      ['[01]', /Expected “,” or “]” but found “1”/],
      ['{} {}', /Unexpected “{” after the JSON value/],
      ['', /Expected a value but found the end of the text/],
      ['[tru]', /Expected a value but found “t”/],
    ];
    for (const [text, why] of cases) {
      const p = parseJsonTree(text);
      expect(p.root, text).toBeNull();
      expect(p.error, text).toMatch(why);
    }
  });

  it('agrees with JSON.parse on what is JSON', () => {
    const samples = ['{"a":[1,2,{"b":null}]}', '[]', '[[[]]]', '"\\ud83d\\ude00"', '{"":0}', '[1e5, -0, 0.1]'];
    for (const s of samples) expect(JSON.parse(nodeText(tree(s)))).toEqual(JSON.parse(s));
  });

  it('parses 100,000 nested arrays without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const root = tree(deep);
    expect(visibleLines(root, defaultFolds(root)).length).toBe(2 * DEFAULT_OPEN_DEPTH + 1);
    expect(visibleLines(root, expandAll()).length).toBe(2 * 100_000 - 1);
    let inner = root;
    for (let k = 0; k < 99_990; k++) inner = inner.children[0]!;
    expect(nodeText(inner).replace(/\s+/g, '')).toBe('['.repeat(10) + ']'.repeat(10));
  });
});

describe('folds and lines', () => {
  it('opens as many levels as fit the line budget, up to the default depth', () => {
    const wide = tree(JSON.stringify({ a: Array.from({ length: DEFAULT_OPEN_LINES }, (_, i) => ({ i })) }));
    expect(defaultFolds(wide).depth).toBe(1);
    const small = tree(JSON.stringify({ a: Array.from({ length: 10 }, (_, i) => ({ i: [i] })) }));
    expect(defaultFolds(small).depth).toBe(DEFAULT_OPEN_DEPTH);
    expect(defaultFolds(tree('1')).depth).toBe(1);
  });

  it('opens the first levels and folds deeper ones by default, with what they hold', () => {
    const lines = visibleLines(tree(ORDER), defaultFolds(tree(ORDER))).map(render);
    expect(lines).toEqual([
      '{',
      '  "id": 12345678901234567890,',
      '  "price": 1.50,',
      '  "name": "caf\\u00e9",',
      '  "ok": true,',
      '  "note": null,',
      '  "customer": {',
      '    "id": "c-70",',
      '    "address": {',
      '      "city": "Lyon",',
      '      "geo": { 1 key }',
      '    }',
      '  },',
      '  "items": [',
      '    1,',
      '    [',
      '      2,',
      '      3',
      '    ],',
      '    {}',
      '  ],',
      '  "e": []',
      '}',
    ]);
  });

  it('toggles one container open or closed and leaves the others as they were', () => {
    const root = tree(ORDER);
    let folds = toggle(defaultFolds(root), find(root, '$.customer'));
    let lines = visibleLines(root, folds).map(render);
    expect(lines).toContain('  "customer": { 2 keys },');
    expect(lines).toContain('      3');
    folds = toggle(folds, find(root, '$.items[1]'));
    lines = visibleLines(root, folds).map(render);
    expect(lines).toContain('    [ 2 items ],');
    expect(lines).not.toContain('      3');
    folds = toggle(folds, find(root, '$.customer.address.geo'));
    folds = toggle(folds, find(root, '$.customer'));
    lines = visibleLines(root, folds).map(render);
    expect(lines).toContain('      "geo": {');
    expect(lines).toContain('        "lat": 45.76');
  });

  it('expands everything or folds everything below the root', () => {
    const root = tree(ORDER);
    const all = visibleLines(root, expandAll()).map(render);
    expect(all).toContain('        "lat": 45.76');
    expect(all).toHaveLength(nodeText(root).split('\n').length);
    const folded = visibleLines(root, collapseAll()).map(render);
    expect(folded).toContain('  "customer": { 2 keys },');
    expect(folded).toContain('  "items": [ 3 items ],');
    expect(folded).toHaveLength(10);
  });

  it('colours keys, strings, numbers, booleans, null and punctuation apart', () => {
    const root = tree('{"k": "v", "n": 1, "b": false, "z": null}');
    const classes = visibleLines(root, defaultFolds(root)).map((l) => lineTokens(l).map((t) => t.cls));
    expect(classes).toEqual([
      ['punct'],
      ['key', 'punct', 'string', 'punct'],
      ['key', 'punct', 'number', 'punct'],
      ['key', 'punct', 'boolean', 'punct'],
      ['key', 'punct', 'null'],
      ['punct'],
    ]);
  });

  it('shows the start of a very long string and says how much more Copy gives', () => {
    const long = 'x'.repeat(LONG_STRING * 3);
    const root = tree(JSON.stringify({ blob: long }));
    const line = visibleLines(root, defaultFolds(root))[1]!;
    const tokens = lineTokens(line);
    expect(tokens[2]!.text).toHaveLength(LONG_STRING);
    expect(tokens[3]!.text).toBe(
      ` … ${(LONG_STRING * 2 + 2).toLocaleString('en-US')} more characters (Copy gives all)`,
    );
    expect(nodeText(root.children[0]!)).toBe(JSON.stringify(long));
  });

  it('opens fewer levels of a big value so it starts at a few lines, and the whole tree is there for Copy', () => {
    const value = {
      orders: Array.from({ length: 9000 }, (_, i) => ({
        id: i,
        lines: [{ sku: `s-${i}`, qty: i % 7 }],
        note: 'n'.repeat(60),
      })),
    };
    const text = JSON.stringify(value);
    expect(text.length).toBeGreaterThan(1_000_000);
    const root = tree(text);
    const shown = visibleLines(root, defaultFolds(root));
    // Opening the orders would show 9,000 lines: only the root opens.
    expect(shown.map(render)).toEqual(['{', '  "orders": [ 9000 items ]', '}']);
    const orders = visibleLines(root, toggle(defaultFolds(root), root.children[0]!));
    expect(orders).toHaveLength(9000 + 4);
    expect(render(orders[2]!)).toBe('    { 3 keys },');
    expect(JSON.parse(nodeText(root))).toEqual(value);
  });
});

describe('copy and paths', () => {
  it('copies a subtree as pretty JSON without its key, scalars as written', () => {
    const root = tree(ORDER);
    expect(nodeText(find(root, '$.customer'))).toBe(
      '{\n  "id": "c-70",\n  "address": {\n    "city": "Lyon",\n    "geo": {\n      "lat": 45.76\n    }\n  }\n}',
    );
    expect(nodeText(find(root, '$.items'))).toBe('[\n  1,\n  [\n    2,\n    3\n  ],\n  {}\n]');
    expect(nodeText(find(root, '$.id'))).toBe('12345678901234567890');
  });

  it('names nodes by path, quoting names that are not identifiers', () => {
    const root = tree('{"a b": {"c": [0, {"d": 1}]}}');
    expect(pathOf(root)).toBe('$');
    expect(pathOf(find(root, '$["a b"].c[1].d'))).toBe('$["a b"].c[1].d');
  });
});
