/**
 * Which records an export or a copy takes, as the dialogs offer it: a range
 * (the partition shown or all, offsets and times optional), the messages
 * ticked in the table (on any page), the messages shown in the table, or the
 * matches of the search that is running or ran. Turned into the API's RecordSourceSpec, or a reason it cannot be.
 */
import type { RecordSourceSpec } from '@core/api/api';
import type { SearchScope } from '../../stores/message-search';

export type SourceKind = 'range' | 'ticked' | 'shown' | 'search';

export interface SourceForm {
  kind: SourceKind;
  /** null: every partition. */
  partition: number | null;
  fromOffset: string;
  toOffset: string;
  fromTime: string;
  toTime: string;
}

export interface SourceContext {
  topic: string;
  shown: Array<{ partition: number; offset: number }>;
  /** The messages ticked in the table, in partition and offset order. */
  ticked: Array<{ partition: number; offset: number }>;
  search: { pattern: string; mode: 'text' | 'regex' | 'filter'; caseSensitive: boolean; scopes: SearchScope[] } | null;
}

/** Local "2025-01-31 14:05:00.000" (seconds and milliseconds optional), or epoch milliseconds; null if neither. */
export function parseTime(t: string): number | null {
  const v = t.trim();
  if (/^\d{10,14}$/.test(v)) return Number(v);
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(v);
  if (!m) return null;
  const d = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0'));
  if (Number.isNaN(d.getTime()) || d.getMonth() !== +m[2]! - 1 || d.getDate() !== +m[3]! || +m[4]! > 23) return null;
  return d.getTime();
}

/** The kind a dialog starts with: the ticked messages if any, else a search's matches if one ran, else a range. */
export function defaultSourceKind(ctx: SourceContext): SourceKind {
  return ctx.ticked.length > 0 ? 'ticked' : ctx.search ? 'search' : 'range';
}

export function sourceSpec(
  f: SourceForm,
  ctx: SourceContext,
): { spec: RecordSourceSpec | null; problem: string | null } {
  const fail = (problem: string) => ({ spec: null, problem });
  if (f.kind === 'shown' || f.kind === 'ticked') {
    const taken = f.kind === 'shown' ? ctx.shown : ctx.ticked;
    if (taken.length === 0) return fail(f.kind === 'shown' ? 'No message is shown to take' : 'Tick a message first');
    return {
      spec: { topic: ctx.topic, selection: taken.map((m) => ({ partition: m.partition, offset: m.offset })) },
      problem: null,
    };
  }
  const spec: RecordSourceSpec = { topic: ctx.topic };
  if (f.partition !== null) spec.partitions = [f.partition];
  if (f.kind === 'search') {
    if (!ctx.search) return fail('Run a search first: its matches are what is taken');
    spec.search = { ...ctx.search, scopes: ctx.search.mode === 'filter' ? undefined : ctx.search.scopes };
    return { spec, problem: null };
  }
  for (const [name, text, key] of [
    ['From offset', f.fromOffset, 'from'],
    ['To offset', f.toOffset, 'to'],
  ] as const) {
    if (text.trim() === '') continue;
    if (!/^\d+$/.test(text.trim())) return fail(`${name} must be a whole number of at least 0; got “${text}”`);
    spec[key] = Number(text.trim());
  }
  if (spec.from !== undefined && spec.to !== undefined && spec.to <= spec.from)
    return fail('To offset must be after From offset (it is the first offset left out)');
  for (const [name, text, key] of [
    ['From time', f.fromTime, 'fromTimestamp'],
    ['To time', f.toTime, 'toTimestamp'],
  ] as const) {
    if (text.trim() === '') continue;
    const t = parseTime(text);
    if (t === null) return fail(`${name} must be a local time like 2025-01-31 14:05:00 or milliseconds; got “${text}”`);
    spec[key] = t;
  }
  if (spec.fromTimestamp !== undefined && spec.toTimestamp !== undefined && spec.toTimestamp <= spec.fromTimestamp)
    return fail('To time must be after From time');
  return { spec, problem: null };
}

/** The form as a dialog first shows it: every partition, no offsets or times. */
export function emptySourceForm(): SourceForm {
  return { kind: 'range', partition: null, fromOffset: '', toOffset: '', fromTime: '', toTime: '' };
}

/** The form as a dialog opens it: the partition the page shows, and the kind it starts with (defaultSourceKind). */
export function reopenedSourceForm(f: SourceForm, partition: number | null, ctx: SourceContext): SourceForm {
  return { ...f, partition, kind: defaultSourceKind(ctx) };
}
