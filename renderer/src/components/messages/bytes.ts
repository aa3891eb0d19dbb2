/**
 * Record bytes as a person reads them: base64 from the API turned into text
 * when it is text, pretty JSON when it parses, a hex dump otherwise; plus
 * the short previews the message table shows. Everything here is pure and
 * bounded, so a large value never blocks the page for long.
 */
import type { RecordDto } from '@core/api/api';
import { formatBytes, formatCount } from '../../utils/units';

/** Keys and values longer than this are cut in the detail panel until "Load full value" (the 1 MB). */
export const DETAIL_LIMIT_BYTES = 1024 * 1024;
/** What the table keeps of each key and value: enough for a preview, small enough for thousands of rows. */
export const PREVIEW_BYTES = 1024;

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export function utf8ToBase64(text: string): string {
  return toBase64(new TextEncoder().encode(text));
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * Bytes as text when they read as text: valid UTF-8 with few control
 * characters. A value cut mid-character still counts as text (its last bytes
 * are dropped), since cutting is ours, not the producer's.
 */
export function asText(bytes: Uint8Array, cut = false): string | null {
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    if (!cut) return null;
    text = lenient.decode(bytes.subarray(0, Math.max(0, bytes.length - 3)));
    if (text.includes('\uFFFD')) return null;
  }
  let control = 0;
  const n = Math.min(text.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control > n * 0.05 ? null : text;
}

/** Pretty-printed JSON, or null when the text is not a JSON object or array. */
export function prettyJson(text: string): string | null {
  const t = text.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/** Why a text is not JSON, in words, or null when it is. */
export function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^JSON\.parse: /, '');
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A hex dump: offset, 16 bytes, and their printable characters, one line per 16 bytes. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const n = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '';
    let chars = '';
    for (let i = 0; i < 16; i++) {
      const at = off + i;
      if (at < n) {
        const b = bytes[at]!;
        hex += HEX[b] + (i === 7 ? '  ' : ' ');
        chars += b >= 32 && b < 127 ? String.fromCharCode(b) : '·';
      } else {
        hex += i === 7 ? '    ' : '   ';
      }
    }
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} ${chars}`);
  }
  return lines.join('\n');
}

export type PreviewKind = 'text' | 'binary' | 'null' | 'empty';

export interface Preview {
  kind: PreviewKind;
  /** One line: newlines and runs of spaces folded, at most ~300 characters. */
  text: string;
  /** Where a search match lies in `text`, to highlight it. */
  mark?: [number, number];
}

/** A key or value (base64, possibly cut) as one line for a table cell. */
export function preview(b64: string | null, fullSize: number | undefined): Preview {
  if (b64 === null) return { kind: 'null', text: 'null' };
  if (b64.length === 0) return { kind: 'empty', text: 'empty' };
  const bytes = fromBase64(b64);
  const text = asText(bytes, fullSize !== undefined);
  if (text === null) {
    const shown = Array.from(bytes.subarray(0, 24), (b) => HEX[b]).join(' ');
    return {
      kind: 'binary',
      text: `${formatBytes(fullSize ?? bytes.length)} binary · ${shown}${bytes.length > 24 ? ' …' : ''}`,
    };
  }
  const line = text.slice(0, 600).replace(/\s+/g, ' ').trim();
  return {
    kind: 'text',
    text: line.length > 300 ? `${line.slice(0, 300)}…` : line + (fullSize !== undefined ? ' …' : ''),
  };
}

/**
 * The preview of a search match: the text around the first place `re`
 * matches, with that place marked. The preview as it was when the match lies
 * beyond what the table keeps of the value (its first PREVIEW_BYTES).
 */
export function previewAround(p: Preview, b64: string | null, cut: boolean, re: RegExp): Preview {
  if (p.kind !== 'text' || b64 === null) return p;
  const text = (asText(fromBase64(b64), cut) ?? '').replace(/\s+/g, ' ');
  const m = re.exec(text);
  if (!m || m[0].length === 0) return p;
  const from = Math.max(0, m.index - 10);
  const prefix = from > 0 ? '…' : '';
  const shown = prefix + text.slice(from, m.index + m[0].length + 200);
  const start = prefix.length + m.index - from;
  return { kind: 'text', text: shown, mark: [start, start + m[0].length] };
}

export interface MessageRow extends RecordDto {
  /** partition:offset, unique within a topic. */
  id: string;
  keyPreview: Preview;
  valuePreview: Preview;
  headersText: string;
  /** Set by a search whose pattern matched a header: "name: value" of the first such header, the match marked. */
  headersMark?: Preview;
}

/** The first header whose name or value `re` matches, as "name: value" with the match marked; undefined when none. */
export function markHeaders(headers: RecordDto['headers'], re: RegExp): Preview | undefined {
  for (const h of headers) {
    const value = h.value === null ? 'null' : (asText(fromBase64(h.value)) ?? 'binary');
    const text = `${h.key}: ${value}`.replace(/\s+/g, ' ');
    const inKey = re.exec(h.key);
    if (inKey && inKey[0].length > 0) return { kind: 'text', text, mark: [inKey.index, inKey.index + inKey[0].length] };
    const inValue = h.value === null ? null : re.exec(value);
    if (inValue && inValue[0].length > 0) {
      const at = h.key.length + 2 + inValue.index;
      return { kind: 'text', text, mark: [at, at + inValue[0].length] };
    }
  }
  return undefined;
}

export function toRow(r: RecordDto): MessageRow {
  return {
    ...r,
    id: `${r.partition}:${r.offset}`,
    keyPreview: preview(r.key, r.truncated?.key),
    // A stored batch that does not decode arrives as one entry with `corrupt` set: show why, not "null".
    valuePreview: r.corrupt !== undefined ? { kind: 'binary', text: r.corrupt } : preview(r.value, r.truncated?.value),
    headersText: r.headers.length === 0 ? '' : r.headers.map((h) => h.key).join(', '),
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local time to the millisecond: "2025-01-12 14:03:22.123". */
export function formatTimestamp(ms: number): string {
  if (ms < 0) return 'no timestamp';
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "1,234 messages/s", "4.2 M messages/s". */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(1)} M messages/s`;
  return `${formatCount(Math.round(perSecond))} messages/s`;
}

/** Copies text to the clipboard, also where the async clipboard is refused (plain http, no focus). */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Fall back to a selection copy below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('The browser refused to copy to the clipboard');
}
