/**
 * A key or value typed into the produce form, turned into the exact bytes
 * the record carries (as base64 for the API), or refused in words:
 * - text: its UTF-8 bytes, as typed;
 * - JSON: its UTF-8 bytes as typed (spaces and number spelling kept), after
 *   checking it parses: the record holds what was typed, not a re-encoding;
 * - base64: the bytes it decodes to. Whitespace between groups is allowed
 *   (pasted wrapped lines); anything else that a lenient decoder would skip or
 *   round (bad characters, missing padding, padding bits that are not zero)
 *   is refused, since reading it would produce bytes other than the ones meant.
 */
import { jsonProblem, toBase64, utf8ToBase64 } from './bytes';

export type InputFormat = 'text' | 'json' | 'base64';

export type Encoded = { base64: string; bytes: number; problem: null } | { base64: null; bytes: null; problem: string };

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function refuse(problem: string): Encoded {
  return { base64: null, bytes: null, problem };
}

/** Decodes standard base64 (RFC 4648 section 4) strictly: the bytes, or why they cannot be read as meant. */
export function decodeBase64Strict(
  text: string,
): { bytes: Uint8Array; problem: null } | { bytes: null; problem: string } {
  const v = text.replace(/\s+/g, '');
  if (/[-_]/.test(v) && !/[+/]/.test(v) && /^[A-Za-z0-9_-]*={0,2}$/.test(v))
    return { bytes: null, problem: 'This is base64url (- and _): use standard base64, with + and / instead' };
  if (!B64.test(v)) {
    const bad = [...v].find((c) => !/[A-Za-z0-9+/=]/.test(c));
    return {
      bytes: null,
      problem: bad
        ? `“${bad}” is not a base64 character: use A–Z, a–z, 0–9, + and /, padded with =`
        : '= may only end the text, at most twice',
    };
  }
  if (v.length % 4 !== 0)
    return {
      bytes: null,
      problem: `${v.length} characters is not a multiple of 4: base64 is padded with = to a multiple of 4`,
    };
  const bin = atob(v);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (toBase64(bytes) !== v)
    return {
      bytes: null,
      problem:
        'The last character before the padding has bits that are not zero: ' +
        `it would be read as ${toBase64(bytes).slice(-4)}, not ${v.slice(-4)}`,
    };
  return { bytes, problem: null };
}

/** The bytes of a typed key or value in `format`; `what` names it in the refusal ("key", "value"). */
export function encodeInput(text: string, format: InputFormat, what: string): Encoded {
  if (format === 'text')
    return { base64: utf8ToBase64(text), bytes: new TextEncoder().encode(text).length, problem: null };
  if (format === 'json') {
    if (text.trim() === '') return refuse(`Enter a JSON ${what}, or choose Text`);
    const p = jsonProblem(text);
    return p
      ? refuse(`Not valid JSON: ${p}`)
      : { base64: utf8ToBase64(text), bytes: new TextEncoder().encode(text).length, problem: null };
  }
  const d = decodeBase64Strict(text);
  if (d.problem !== null) return refuse(`Not valid base64: ${d.problem}`);
  return { base64: toBase64(d.bytes), bytes: d.bytes.length, problem: null };
}
