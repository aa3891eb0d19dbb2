/**
 * The model behind the message detail's JSON view: a JSON text parsed into a
 * tree that keeps every scalar exactly as written (big integers, 1.0, escapes
 * are never re-rounded or re-escaped), the lines that tree shows with some
 * containers folded, the coloured tokens of each line, and the text of any
 * subtree for copying.
 *
 * Large values stay fast because nothing here is proportional to the screen:
 * parsing is one iterative pass (no recursion, so 100,000 nested brackets do
 * not overflow the stack), folded containers contribute one line whatever
 * they hold, levels from DEFAULT_OPEN_DEPTH down start folded, and a string
 * longer than LONG_STRING shows its start only (copy gives it whole). The view
 * then draws only the lines in its scroll window.
 */

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export interface JsonNode {
  /** Parse order, unique within one tree: the key of its fold state. */
  id: number;
  kind: JsonKind;
  depth: number;
  parent: JsonNode | null;
  /** The member name as written, quotes and escapes included; null for array items and the root. */
  key: string | null;
  /** Position in the parent array; null otherwise. */
  index: number | null;
  /** A scalar's source text exactly as written. */
  raw: string;
  children: JsonNode[];
}

export type JsonParse = { root: JsonNode; error: null } | { root: null; error: string; at: number };

/** Containers at this depth and deeper start folded (the root is depth 0)... */
export const DEFAULT_OPEN_DEPTH = 3;
/** ...and fewer levels open when that would show more lines than this (the root always opens). */
export const DEFAULT_OPEN_LINES = 500;
/** Characters of one string shown on its line; the rest is there for Copy. */
export const LONG_STRING = 2000;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The end (after the closing quote) of the string starting at `at`, or -1: a loop, not a regex, so a 1 MB string
 * costs one pass and an unclosed one cannot backtrack. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return -1;
        i += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
      else return -1;
    }
  }
  return -1;
}

/** Where `at` is, as "line 3, column 7", for an error a person can find. */
function position(text: string, at: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Parses a JSON text (RFC 8259) into a tree, or says where and why it is not JSON. */
export function parseJsonTree(text: string): JsonParse {
  let i = 0;
  let nextId = 0;
  const n = text.length;
  const skip = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = text.charCodeAt(++i));
  };
  const fail = (why: string): JsonParse => ({ root: null, error: `${why} at ${position(text, i)}`, at: i });
  const what = () => (i >= n ? 'the end of the text' : `“${text[i]}”`);

  let root: JsonNode | null = null;
  /** Open containers, innermost last. */
  const stack: JsonNode[] = [];
  let pendingKey: string | null = null;

  /** Reads one value start at i: a scalar (returned whole) or a container (pushed, filled by the loop). */
  const place = (node: JsonNode): void => {
    const parent = stack[stack.length - 1] ?? null;
    node.parent = parent;
    node.depth = stack.length;
    if (parent) {
      if (parent.kind === 'array') node.index = parent.children.length;
      else node.key = pendingKey;
      parent.children.push(node);
    } else root = node;
    pendingKey = null;
  };
  const make = (kind: JsonKind, raw = ''): JsonNode => ({
    id: nextId++,
    kind,
    depth: 0,
    parent: null,
    key: null,
    index: null,
    raw,
    children: [],
  });

  const readValue = (): JsonParse | null => {
    skip();
    const c = text[i];
    if (c === '{' || c === '[') {
      const node = make(c === '{' ? 'object' : 'array');
      place(node);
      stack.push(node);
      i++;
      return null;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return fail('A string that is not closed or holds a bad escape or control character starts');
      place(make('string', text.slice(i, end)));
      i = end;
      return null;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return fail('A number is malformed');
      place(make('number', m[0]));
      i += m[0].length;
      return null;
    }
    for (const word of ['true', 'false', 'null'] as const) {
      if (text.startsWith(word, i)) {
        place(make(word === 'null' ? 'null' : 'boolean', word));
        i += word.length;
        return null;
      }
    }
    return fail(`Expected a value but found ${what()}`);
  };

  // Expecting: a value, or (inside a container) a member/item, a comma or the closing bracket.
  const err = readValue();
  if (err) return err;
  for (;;) {
    const top = stack[stack.length - 1];
    if (!top) break;
    skip();
    const close = top.kind === 'object' ? '}' : ']';
    const c = text[i];
    if (top.children.length === 0 || c === ',' || c === close) {
      if (c === close) {
        stack.pop();
        i++;
        continue;
      }
      if (top.children.length > 0) {
        i++; // the comma
        skip();
      }
      if (top.kind === 'object') {
        if (text[i] !== '"')
          return fail(
            top.children.length === 0 && c !== ','
              ? `Expected a member name in quotes or “}” but found ${what()}`
              : `Expected a member name in quotes but found ${what()}`,
          );
        const end = stringEnd(text, i);
        if (end < 0) return fail('A member name that is not closed or holds a bad escape starts');
        const name = text.slice(i, end);
        i = end;
        skip();
        if (text[i] !== ':') return fail(`Expected “:” after the member name but found ${what()}`);
        i++;
        pendingKey = name;
      } else if (text[i] === ']' && top.children.length > 0) {
        return fail('A comma is followed by “]”');
      }
      const e = readValue();
      if (e) return e;
      continue;
    }
    return fail(`Expected “,” or “${close}” but found ${what()}`);
  }
  skip();
  if (i < n) return fail(`Unexpected ${what()} after the JSON value`);
  return { root: root!, error: null };
}

/** Which containers are open: those shallower than `depth`, except where a person toggled one. */
export interface FoldState {
  depth: number;
  toggled: Map<number, boolean>;
}

/**
 * The folds a value opens with: as many levels as fit DEFAULT_OPEN_LINES, at most DEFAULT_OPEN_DEPTH. With the
 * first d levels open the lines are every node of depth <= d plus a closing line per non-empty container above d.
 */
export function defaultFolds(root: JsonNode): FoldState {
  const nodes: number[] = [];
  const containers: number[] = [];
  const work = [root];
  while (work.length > 0) {
    const n = work.pop()!;
    if (n.depth > DEFAULT_OPEN_DEPTH) continue;
    nodes[n.depth] = (nodes[n.depth] ?? 0) + 1;
    if (n.children.length > 0) containers[n.depth] = (containers[n.depth] ?? 0) + 1;
    for (const c of n.children) work.push(c);
  }
  let depth = 1;
  let lines = (nodes[0] ?? 0) + (nodes[1] ?? 0) + (containers[0] ?? 0);
  for (let d = 2; d <= DEFAULT_OPEN_DEPTH && nodes[d] !== undefined; d++) {
    lines += nodes[d]! + (containers[d - 1] ?? 0);
    if (lines > DEFAULT_OPEN_LINES) break;
    depth = d;
  }
  return { depth, toggled: new Map() };
}

export function isOpen(node: JsonNode, folds: FoldState): boolean {
  return folds.toggled.get(node.id) ?? node.depth < folds.depth;
}

/** Folds after toggling `node` (a new state, so a reactive view sees the change). */
export function toggle(folds: FoldState, node: JsonNode): FoldState {
  const toggled = new Map(folds.toggled);
  toggled.set(node.id, !isOpen(node, folds));
  return { depth: folds.depth, toggled };
}

export const expandAll = (): FoldState => ({ depth: Number.POSITIVE_INFINITY, toggled: new Map() });
/** Only the root open: one line per top-level member. */
export const collapseAll = (): FoldState => ({ depth: 1, toggled: new Map() });

export interface JsonLine {
  node: JsonNode;
  /** open: `{` of an open container; close: its `}`; folded: a closed container on one line; leaf: a scalar. */
  part: 'open' | 'close' | 'folded' | 'leaf';
  depth: number;
  /** A comma ends the line (not the last member or item). */
  comma: boolean;
}

const isContainer = (n: JsonNode) => n.kind === 'object' || n.kind === 'array';
const isLast = (n: JsonNode) => !n.parent || n.parent.children[n.parent.children.length - 1] === n;

/** The lines shown with these folds, top to bottom (iterative: depth does not touch the call stack). */
export function visibleLines(root: JsonNode, folds: FoldState): JsonLine[] {
  const out: JsonLine[] = [];
  // Work items: a node to show, or the closing line of an open container.
  const work: Array<{ node: JsonNode; close: boolean }> = [{ node: root, close: false }];
  while (work.length > 0) {
    const { node, close } = work.pop()!;
    const comma = !isLast(node);
    if (close) {
      out.push({ node, part: 'close', depth: node.depth, comma });
      continue;
    }
    if (!isContainer(node)) {
      out.push({ node, part: 'leaf', depth: node.depth, comma });
      continue;
    }
    if (node.children.length === 0 || !isOpen(node, folds)) {
      out.push({ node, part: 'folded', depth: node.depth, comma });
      continue;
    }
    out.push({ node, part: 'open', depth: node.depth, comma: false });
    work.push({ node, close: true });
    for (let k = node.children.length - 1; k >= 0; k--) work.push({ node: node.children[k]!, close: false });
  }
  return out;
}

export type TokenClass = 'key' | 'string' | 'number' | 'boolean' | 'null' | 'punct' | 'summary';
export interface Token {
  cls: TokenClass;
  text: string;
}

/** "3 keys", "1 item": what a folded container holds. */
export function summary(node: JsonNode): string {
  const k = node.children.length;
  return node.kind === 'object' ? `${k} ${k === 1 ? 'key' : 'keys'}` : `${k} ${k === 1 ? 'item' : 'items'}`;
}

/** The coloured pieces of one line, without its indentation. */
export function lineTokens(line: JsonLine): Token[] {
  const { node, part } = line;
  const out: Token[] = [];
  const [open, close] = node.kind === 'object' ? ['{', '}'] : ['[', ']'];
  if (part !== 'close' && node.key !== null) {
    out.push({ cls: 'key', text: node.key }, { cls: 'punct', text: ': ' });
  }
  if (part === 'leaf') {
    if (node.kind === 'string' && node.raw.length > LONG_STRING) {
      out.push({ cls: 'string', text: node.raw.slice(0, LONG_STRING) });
      out.push({
        cls: 'summary',
        text: ` … ${(node.raw.length - LONG_STRING).toLocaleString('en-US')} more characters (Copy gives all)`,
      });
    } else out.push({ cls: node.kind as TokenClass, text: node.raw });
  } else if (part === 'open') out.push({ cls: 'punct', text: open });
  else if (part === 'close') out.push({ cls: 'punct', text: close });
  else if (node.children.length === 0) out.push({ cls: 'punct', text: open + close });
  else
    out.push(
      { cls: 'punct', text: open },
      { cls: 'summary', text: ` ${summary(node)} ` },
      { cls: 'punct', text: close },
    );
  if (line.comma) out.push({ cls: 'punct', text: ',' });
  return out;
}

/** Where a node is, as a person reads it: $, $.customer.id, $.items[3], $["odd key"]. */
export function pathOf(node: JsonNode): string {
  const parts: string[] = [];
  for (let n: JsonNode | null = node; n && n.parent; n = n.parent) {
    if (n.index !== null) parts.push(`[${n.index}]`);
    else {
      const name = JSON.parse(n.key!) as string;
      parts.push(/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${n.key}]`);
    }
  }
  return `$${parts.reverse().join('')}`;
}

/** A subtree as pretty JSON (two spaces), scalars exactly as written: what Copy puts on the clipboard. */
export function nodeText(node: JsonNode, indent = '  '): string {
  const out: string[] = [];
  const work: Array<{ node: JsonNode; close: boolean; withKey: boolean }> = [{ node, close: false, withKey: false }];
  const base = node.depth;
  while (work.length > 0) {
    const w = work.pop()!;
    const n = w.node;
    const pad = indent.repeat(n.depth - base);
    const comma = n !== node && !isLast(n) ? ',' : '';
    if (w.close) {
      out.push(`${pad}${n.kind === 'object' ? '}' : ']'}${comma}`);
      continue;
    }
    const key = w.withKey && n.key !== null ? `${n.key}: ` : '';
    if (!isContainer(n)) {
      out.push(`${pad}${key}${n.raw}${comma}`);
    } else if (n.children.length === 0) {
      out.push(`${pad}${key}${n.kind === 'object' ? '{}' : '[]'}${comma}`);
    } else {
      out.push(`${pad}${key}${n.kind === 'object' ? '{' : '['}`);
      work.push({ node: n, close: true, withKey: false });
      for (let k = n.children.length - 1; k >= 0; k--) work.push({ node: n.children[k]!, close: false, withKey: true });
    }
  }
  return out.join('\n');
}
