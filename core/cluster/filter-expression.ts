/**
 * Filter expressions for the message browser: a small, safe language the
 * engine evaluates against every record of a scan, for example
 *   value.customer.id == "c-70" && headers.source == "web"
 * Tokenizer and recursive-descent parser build an AST; an interpreter walks
 * it. Nothing a user types is ever handed to eval, Function or a RegExp on
 * the event loop.
 *
 * Rules a reader cannot see in the code below:
 * - Names: `key` and `value` are the record's bytes as UTF-8 text (null when
 *   absent); `key.a.b` / `value.a[0]["b-c"]` parse the bytes as JSON (lazily,
 *   once per record, only when the expression has such a path) and a path that
 *   does not exist, or bytes that are not JSON, give null. `headers.name` /
 *   `headers["trace-id"]` is the first header of that name as UTF-8 text (null
 *   when missing); `partition`, `offset` and `timestamp` are numbers.
 * - Comparisons: == and != compare strings, numbers, booleans and null; a
 *   number and a string that spells a number compare as numbers (a header
 *   "2" equals 2). < <= > >= compare two numbers, or two strings by code
 *   unit; anything else (null included) is false. Comparing `timestamp` with
 *   a string literal reads the literal as a date (ISO 8601), once, at parse.
 * - contains / startsWith / endsWith test strings; `contains` on a JSON array
 *   tests its elements for equality. `matches` takes a string literal that is
 *   a regular expression: it is compiled (and refused when it nests unbounded
 *   repetition) at parse, and tested only in a RegexWorker (filter-scan.ts),
 *   because a backtracking test cannot be interrupted on the event loop.
 *   Until the worker answers, a `matches` is "unknown" and && / || decide
 *   with three-valued logic; records decided without it never reach the worker.
 * - A value is true in a condition unless it is null, false, 0 or "".
 * - Bounded: at most 1000 characters, 200 nodes, nesting 32 deep, 16 path
 *   steps and 4 `matches`; evaluation is one walk of the tree per record, so
 *   its time is linear in the record's size, and the scan's budget bounds the rest.
 * - Strings take \\ \" \' \n \t \r \uXXXX; any other backslash pair stays as
 *   written, so a pattern reads as it would in a regex literal: "^c-\d+$".
 * - Errors name the 1-based column of the fault (FilterSyntaxError.column),
 *   with the length of the text at fault, so a UI can underline it.
 */
import type { RecordHeader } from '../record';
import { nestedRepetition } from './record-search';

export const MAX_FILTER_LENGTH = 1000;
const MAX_NODES = 200;
const MAX_DEPTH = 32;
const MAX_PATH = 16;
export const MAX_FILTER_REGEXES = 4;

/** A fault in an expression: where (1-based column), how long the text at fault is, and what is wrong. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly column: number,
    readonly length: number,
  ) {
    super(`${reason} (column ${column})`);
    this.name = 'FilterSyntaxError';
  }
}

// ---------------------------------------------------------------------------
// Tokens

type TokenKind = 'string' | 'number' | 'ident' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** The literal's value for strings and numbers. */
  value?: string | number;
  /** 0-based index into the source. */
  at: number;
  end: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!'];
const PUNCT = '()[].';

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === '"' || ch === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('This string is not closed', at + 1, src.length - at);
        const c = src[i]!;
        if (c === ch) {
          i++;
          break;
        }
        if (c === '\\') {
          const n = src[i + 1];
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (n !== undefined && simple[n] !== undefined) {
            s += simple[n];
            i += 2;
          } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
            s += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else if (n !== undefined) {
            // Any other escape stays as written, so a pattern for matches reads naturally: "^c-\\d+$".
            s += c + n;
            i += 2;
          } else {
            i++;
          }
          continue;
        }
        s += c;
        i++;
      }
      out.push({ kind: 'string', text: src.slice(at, i), value: s, at, end: i });
      continue;
    }
    const num = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (ch !== '-' || !/[\w)\]"']/.test(prevSignificant(src, i)))) {
      const n = Number(num[0]);
      if (!Number.isFinite(n)) throw new FilterSyntaxError('This number is too large', at + 1, num[0].length);
      i += num[0].length;
      out.push({ kind: 'number', text: num[0], value: n, at, end: i });
      continue;
    }
    const id = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i));
    if (id) {
      // A trailing '-' belongs to no name (a-b is one name, as in header names; "a -1" is not).
      let name = id[0];
      while (name.endsWith('-')) name = name.slice(0, -1);
      i += name.length;
      out.push({ kind: 'ident', text: name, at, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      i += op.length;
      out.push({ kind: 'op', text: op, at, end: i });
      continue;
    }
    if (PUNCT.includes(ch)) {
      i++;
      out.push({ kind: 'punct', text: ch, at, end: i });
      continue;
    }
    if (ch === '=') throw new FilterSyntaxError('Use == to compare (a single = is not an operator)', at + 1, 1);
    if (ch === '&' || ch === '|')
      throw new FilterSyntaxError(`Use ${ch}${ch} (a single ${ch} is not an operator)`, at + 1, 1);
    throw new FilterSyntaxError(`Unexpected character ${JSON.stringify(ch)}`, at + 1, 1);
  }
  out.push({ kind: 'end', text: '', at: src.length, end: src.length });
  return out;
}

function prevSignificant(src: string, i: number): string {
  for (let k = i - 1; k >= 0; k--) if (!/\s/.test(src[k]!)) return src[k]!;
  return '';
}

// ---------------------------------------------------------------------------
// AST

export type Root = 'key' | 'value' | 'headers' | 'partition' | 'offset' | 'timestamp';
const ROOTS: readonly Root[] = ['key', 'value', 'headers', 'partition', 'offset', 'timestamp'];
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'startsWith' | 'endsWith';

export type FilterNode =
  | { type: 'literal'; value: string | number | boolean | null; at: number }
  | { type: 'path'; root: Root; steps: Array<string | number>; at: number }
  | { type: 'not'; operand: FilterNode; at: number }
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode; at: number }
  | { type: 'compare'; op: CompareOp; left: FilterNode; right: FilterNode; at: number }
  | { type: 'matches'; operand: FilterNode; slot: number; at: number };

const WORD_OPERATORS = new Set(['contains', 'startsWith', 'endsWith', 'matches']);

class Parser {
  private pos = 0;
  private nodes = 0;
  private depth = 0;
  readonly regexes: Array<{ source: string; flags: string }> = [];

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterNode {
    if (this.peek().kind === 'end') throw new FilterSyntaxError('Type an expression', 1, 0);
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') {
      const hint = t.kind === 'ident' ? ' (join conditions with && or ||)' : '';
      throw this.fault(t, `Unexpected ${describe(t)}${hint}`);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private fault(t: Token, reason: string): FilterSyntaxError {
    return new FilterSyntaxError(reason, t.at + 1, Math.max(1, t.end - t.at));
  }

  private count(t: Token): void {
    if (++this.nodes > MAX_NODES)
      throw this.fault(t, `The expression is too long: at most ${MAX_NODES} names, literals and operators`);
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peek().text === '||' && this.peek().kind === 'op') {
      const t = this.next();
      this.count(t);
      left = { type: 'or', left, right: this.and(), at: t.at };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.not();
    while (this.peek().text === '&&' && this.peek().kind === 'op') {
      const t = this.next();
      this.count(t);
      left = { type: 'and', left, right: this.not(), at: t.at };
    }
    return left;
  }

  private not(): FilterNode {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '!') {
      this.next();
      this.count(t);
      return this.nested(t, () => ({ type: 'not', operand: this.not(), at: t.at }));
    }
    return this.compare();
  }

  private nested<N>(t: Token, fn: () => N): N {
    if (++this.depth > MAX_DEPTH) throw this.fault(t, `The expression nests more than ${MAX_DEPTH} deep`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private compare(): FilterNode {
    const left = this.primary();
    const t = this.peek();
    const isOp = t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text);
    const isWord = t.kind === 'ident' && WORD_OPERATORS.has(t.text);
    if (!isOp && !isWord) return left;
    this.next();
    this.count(t);
    if (t.text === 'matches') {
      const p = this.peek();
      if (p.kind !== 'string') throw this.fault(p, 'matches takes a regular expression in quotes, e.g. "^c-7\\d$"');
      this.next();
      if (this.regexes.length >= MAX_FILTER_REGEXES)
        throw this.fault(t, `At most ${MAX_FILTER_REGEXES} matches in one expression`);
      const source = p.value as string;
      const nested = nestedRepetition(source);
      if (nested)
        throw this.fault(
          p,
          `The pattern repeats a group that itself repeats (${nested}), which can take exponential time; ` +
            'rewrite it without the nested repetition',
        );
      try {
        new RegExp(source);
      } catch (err) {
        throw this.fault(p, (err as Error).message);
      }
      this.regexes.push({ source, flags: '' });
      return { type: 'matches', operand: left, slot: this.regexes.length - 1, at: t.at };
    }
    const right = this.primary();
    for (const [a, b] of [
      [left, right],
      [right, left],
    ] as const) {
      // timestamp compared with a date in quotes: the date is read once, here.
      if (a.type === 'path' && a.root === 'timestamp' && b.type === 'literal' && typeof b.value === 'string') {
        const ms = Date.parse(b.value);
        if (Number.isNaN(ms))
          throw new FilterSyntaxError(
            `timestamp is compared with ${JSON.stringify(b.value)}, which is not a date ` +
              '(use ISO 8601, e.g. "2024-05-01T12:00:00Z", or epoch milliseconds)',
            b.at + 1,
            JSON.stringify(b.value).length,
          );
        b.value = ms;
      }
    }
    return { type: 'compare', op: t.text as CompareOp, left, right, at: t.at };
  }

  private primary(): FilterNode {
    const t = this.next();
    this.count(t);
    switch (t.kind) {
      case 'string':
      case 'number':
        return { type: 'literal', value: t.value!, at: t.at };
      case 'punct':
        if (t.text === '(') {
          const inner = this.nested(t, () => this.or());
          const close = this.next();
          if (close.text !== ')' || close.kind !== 'punct')
            throw this.fault(close, `Expected ) to close the ( at column ${t.at + 1}, found ${describe(close)}`);
          return inner;
        }
        break;
      case 'ident': {
        if (t.text === 'true' || t.text === 'false') return { type: 'literal', value: t.text === 'true', at: t.at };
        if (t.text === 'null') return { type: 'literal', value: null, at: t.at };
        if (!(ROOTS as readonly string[]).includes(t.text))
          throw this.fault(
            t,
            `Unknown name ${t.text}: use key, value, headers, partition, offset or timestamp (strings go in quotes)`,
          );
        return this.path(t, t.text as Root);
      }
      case 'end':
        throw this.fault(t, 'The expression ends too early: a name or a value is missing');
      default:
        break;
    }
    throw this.fault(t, `Unexpected ${describe(t)}: expected a name (key, value, headers, ...) or a value`);
  }

  private path(start: Token, root: Root): FilterNode {
    const steps: Array<string | number> = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || (t.text !== '.' && t.text !== '[')) break;
      this.next();
      if (steps.length >= MAX_PATH) throw this.fault(t, `A path has at most ${MAX_PATH} steps`);
      if (t.text === '.') {
        const name = this.next();
        if (name.kind !== 'ident')
          throw this.fault(name, `Expected a field name after the dot, found ${describe(name)}`);
        steps.push(name.text);
      } else {
        const idx = this.next();
        if (
          idx.kind !== 'string' &&
          !(idx.kind === 'number' && Number.isInteger(idx.value) && (idx.value as number) >= 0)
        )
          throw this.fault(idx, `Expected a field name in quotes or an index inside [ ], found ${describe(idx)}`);
        const close = this.next();
        if (close.text !== ']') throw this.fault(close, `Expected ] after ${idx.text}, found ${describe(close)}`);
        steps.push(idx.value!);
      }
    }
    if ((root === 'partition' || root === 'offset' || root === 'timestamp') && steps.length > 0)
      throw this.fault(start, `${root} is a number; it has no fields`);
    if (root === 'headers') {
      if (steps.length === 0)
        throw this.fault(start, 'headers needs a header name: headers.source or headers["trace-id"]');
      if (steps.length > 1) throw this.fault(start, 'A header value is text: headers.name takes no further fields');
      if (typeof steps[0] !== 'string') throw this.fault(start, 'A header is named, not numbered: headers["name"]');
    }
    return { type: 'path', root, steps, at: start.at };
  }
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end of the expression';
  return t.kind === 'string' ? `the string ${t.text}` : JSON.stringify(t.text);
}

// ---------------------------------------------------------------------------
// Evaluation

/** What an expression sees of a record. */
export interface FilterRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** The third truth value: a `matches` the worker has not answered yet. */
export const UNKNOWN: unique symbol = Symbol('unknown');
type Value = string | number | boolean | null | object | typeof UNKNOWN;

/** Answers a `matches` slot for the current record: true/false, or undefined while unknown. */
export type RegexAnswers = (slot: number) => boolean | undefined;

export interface CompiledFilter {
  source: string;
  root: FilterNode;
  /** The patterns of the `matches` in the expression, by slot. */
  regexes: Array<{ source: string; flags: string }>;
  /** Bytes that every matching record holds somewhere in its key, value or headers (a batch without one is skipped). */
  needles: Buffer[];
  /**
   * Whether a needle comes from a JSON path (JSON may escape characters, so a batch with a backslash is not skipped).
   */
  needlesFromJson: boolean;
  /**
   * Evaluates the expression for one record; without `answers` (or while a
   * slot is unanswered) a `matches` is UNKNOWN, and so may be the result.
   */
  evaluate(r: FilterRecord, partition: number, answers?: RegexAnswers): boolean | typeof UNKNOWN;
  /**
   * The operand of each `matches` slot for a record: the text the worker tests, or null when it is not text (false).
   */
  regexOperands(r: FilterRecord, partition: number): Array<string | null>;
}

const NOT_JSON = Symbol('not json');

class Evaluation {
  private keyJson: unknown = undefined;
  private valueJson: unknown = undefined;
  private keyText: string | null | undefined = undefined;
  private valueText: string | null | undefined = undefined;

  constructor(
    readonly r: FilterRecord,
    readonly partition: number,
    readonly answers: RegexAnswers | undefined,
  ) {}

  text(which: 'key' | 'value'): string | null {
    if (which === 'key') {
      if (this.keyText === undefined) this.keyText = this.r.key === null ? null : this.r.key.toString('utf8');
      return this.keyText;
    }
    if (this.valueText === undefined) this.valueText = this.r.value === null ? null : this.r.value.toString('utf8');
    return this.valueText;
  }

  json(which: 'key' | 'value'): unknown {
    const cached = which === 'key' ? this.keyJson : this.valueJson;
    if (cached !== undefined) return cached;
    const t = this.text(which);
    let parsed: unknown = NOT_JSON;
    if (t !== null) {
      try {
        parsed = JSON.parse(t);
      } catch {
        parsed = NOT_JSON;
      }
    }
    if (which === 'key') this.keyJson = parsed;
    else this.valueJson = parsed;
    return parsed;
  }

  header(name: string): string | null {
    for (const h of this.r.headers) if (h.key === name) return h.value === null ? null : h.value.toString('utf8');
    return null;
  }
}

function pathValue(n: Extract<FilterNode, { type: 'path' }>, e: Evaluation): Value {
  switch (n.root) {
    case 'partition':
      return e.partition;
    case 'offset':
      return e.r.offset;
    case 'timestamp':
      return e.r.timestamp;
    case 'headers':
      return e.header(n.steps[0] as string);
    default: {
      if (n.steps.length === 0) return e.text(n.root);
      let v: unknown = e.json(n.root);
      if (v === NOT_JSON) return null;
      for (const s of n.steps) {
        if (v === null || typeof v !== 'object') return null;
        if (Array.isArray(v)) {
          if (typeof s !== 'number') return null;
          v = v[s];
        } else {
          if (!Object.prototype.hasOwnProperty.call(v, s)) return null;
          v = (v as Record<string, unknown>)[String(s)];
        }
        if (v === undefined) return null;
      }
      return v as Value;
    }
  }
}

const truthy = (v: Value): boolean | typeof UNKNOWN =>
  v === UNKNOWN ? UNKNOWN : !(v === null || v === false || v === 0 || v === '');

/** A string that spells a finite number, as a number; otherwise null. */
function numeric(s: string): number | null {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'string') return numeric(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return numeric(a) === b;
  return false;
}

function order(a: Value, b: Value): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'string') {
    const n = numeric(b);
    return n === null ? null : a - n;
  }
  if (typeof a === 'string' && typeof b === 'number') {
    const n = numeric(a);
    return n === null ? null : n - b;
  }
  return null;
}

function compare(op: CompareOp, a: Value, b: Value): boolean {
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'contains':
      if (typeof a === 'string' && typeof b === 'string') return a.includes(b);
      if (Array.isArray(a)) return a.some((x) => equal(x as Value, b));
      return false;
    case 'startsWith':
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    case 'endsWith':
      return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
    default: {
      const d = order(a, b);
      if (d === null || Number.isNaN(d)) return false;
      return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : d >= 0;
    }
  }
}

function evaluate(n: FilterNode, e: Evaluation): Value {
  switch (n.type) {
    case 'literal':
      return n.value;
    case 'path':
      return pathValue(n, e);
    case 'not': {
      const v = truthy(evaluate(n.operand, e));
      return v === UNKNOWN ? UNKNOWN : !v;
    }
    case 'and': {
      const l = truthy(evaluate(n.left, e));
      if (l === false) return false;
      const r = truthy(evaluate(n.right, e));
      if (r === false) return false;
      return l === UNKNOWN || r === UNKNOWN ? UNKNOWN : true;
    }
    case 'or': {
      const l = truthy(evaluate(n.left, e));
      if (l === true) return true;
      const r = truthy(evaluate(n.right, e));
      if (r === true) return true;
      return l === UNKNOWN || r === UNKNOWN ? UNKNOWN : false;
    }
    case 'compare': {
      const a = evaluate(n.left, e);
      const b = evaluate(n.right, e);
      if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
      return compare(n.op, a, b);
    }
    case 'matches': {
      const operand = evaluate(n.operand, e);
      if (operand === UNKNOWN) return UNKNOWN;
      if (typeof operand !== 'string') return false;
      return e.answers?.(n.slot) ?? UNKNOWN;
    }
  }
}

/**
 * Literal bytes every match must contain: from the top-level && chain's ==, contains, startsWith and endsWith on text.
 */
function needlesOf(root: FilterNode): { needles: Buffer[]; fromJson: boolean } {
  const needles: Buffer[] = [];
  let fromJson = false;
  const visit = (n: FilterNode): void => {
    if (n.type === 'and') {
      visit(n.left);
      visit(n.right);
      return;
    }
    if (n.type !== 'compare' || n.op === '!=' || n.op === '<' || n.op === '<=' || n.op === '>' || n.op === '>=') return;
    const pairs =
      n.op === '==' ? [[n.left, n.right] as const, [n.right, n.left] as const] : [[n.left, n.right] as const];
    for (const [p, lit] of pairs) {
      if (p.type !== 'path' || lit.type !== 'literal' || typeof lit.value !== 'string') continue;
      if (p.root !== 'key' && p.root !== 'value' && p.root !== 'headers') continue;
      // An empty needle says nothing, and a number in a string may be stored as a JSON number (4.2e1 == "42").
      if (lit.value === '' || numeric(lit.value) !== null) continue;
      if (p.root === 'headers') needles.push(Buffer.from(p.steps[0] as string, 'utf8'));
      needles.push(Buffer.from(lit.value, 'utf8'));
      if (p.steps.length > 0 && p.root !== 'headers') fromJson = true;
      return;
    }
  };
  visit(root);
  return { needles, fromJson };
}

/** Parses an expression; throws FilterSyntaxError with the column of the fault. */
export function compileFilter(source: string): CompiledFilter {
  if (typeof source !== 'string') throw new FilterSyntaxError('A filter needs an expression', 1, 0);
  if (source.length > MAX_FILTER_LENGTH)
    throw new FilterSyntaxError(
      `The expression is ${source.length} characters; at most ${MAX_FILTER_LENGTH} are allowed`,
      MAX_FILTER_LENGTH + 1,
      source.length - MAX_FILTER_LENGTH,
    );
  const parser = new Parser(source, tokenize(source));
  const root = parser.parse();
  const { needles, fromJson } = needlesOf(root);
  const matchNodes: Array<Extract<FilterNode, { type: 'matches' }>> = [];
  const collect = (n: FilterNode): void => {
    if (n.type === 'matches') {
      matchNodes.push(n);
      collect(n.operand);
    } else if (n.type === 'not') collect(n.operand);
    else if (n.type === 'and' || n.type === 'or' || n.type === 'compare') {
      collect(n.left);
      collect(n.right);
    }
  };
  collect(root);
  matchNodes.sort((a, b) => a.slot - b.slot);
  return {
    source,
    root,
    regexes: parser.regexes,
    needles,
    needlesFromJson: fromJson,
    evaluate(r, partition, answers) {
      return truthy(evaluate(root, new Evaluation(r, partition, answers)));
    },
    regexOperands(r, partition) {
      const e = new Evaluation(r, partition, undefined);
      return matchNodes.map((m) => {
        const v = evaluate(m.operand, e);
        return typeof v === 'string' ? v : null;
      });
    },
  };
}
