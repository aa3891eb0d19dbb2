/** What the produce form sends for a typed key or value: exactly the bytes meant, or a refusal in words. */
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, encodeInput } from '../../../renderer/src/components/messages/produce-input';

const bytesOf = (b64: string) => [...Buffer.from(b64, 'base64')];

describe('encodeInput', () => {
  it('sends text as its UTF-8 bytes, as typed', () => {
    const e = encodeInput('café ☕', 'text', 'key');
    expect(Buffer.from(e.base64!, 'base64').toString('utf8')).toBe('café ☕');
    expect(e.bytes).toBe(9);
    expect(encodeInput('', 'text', 'key')).toEqual({ base64: '', bytes: 0, problem: null });
  });

  it('sends JSON as typed (spacing and number spelling kept) once it parses', () => {
    const typed = '{ "id": 1.50,\n  "big": 12345678901234567890 }';
    const e = encodeInput(typed, 'json', 'key');
    expect(Buffer.from(e.base64!, 'base64').toString('utf8')).toBe(typed);
    expect(encodeInput('"just a string"', 'json', 'key').problem).toBeNull();
  });

  it('refuses JSON that does not parse, or nothing, in words', () => {
    expect(encodeInput('{"id": 1,', 'json', 'key').problem).toMatch(/^Not valid JSON: /);
    expect(encodeInput('  ', 'json', 'value').problem).toBe('Enter a JSON value, or choose Text');
  });

  it('sends base64 as the bytes it decodes to, wrapped lines allowed', () => {
    const e = encodeInput('AAEC\n/w==', 'base64', 'key');
    expect(bytesOf(e.base64!)).toEqual([0, 1, 2, 255]);
    expect(e.bytes).toBe(4);
  });
});

describe('decodeBase64Strict', () => {
  it('refuses characters outside base64, naming the first', () => {
    expect(decodeBase64Strict('AA*A').problem).toBe(
      '“*” is not a base64 character: use A–Z, a–z, 0–9, + and /, padded with =',
    );
  });

  it('refuses missing padding and padding in the middle', () => {
    expect(decodeBase64Strict('AAE').problem).toBe(
      '3 characters is not a multiple of 4: base64 is padded with = to a multiple of 4',
    );
    expect(decodeBase64Strict('AA==AAAA').problem).toBe('= may only end the text, at most twice');
  });

  it('refuses padding bits that are not zero instead of rounding them away', () => {
    expect(decodeBase64Strict('AB==').problem).toBe(
      'The last character before the padding has bits that are not zero: it would be read as AA==, not AB==',
    );
  });

  it('refuses base64url, saying which alphabet to use', () => {
    expect(decodeBase64Strict('_-8=').problem).toMatch(/^This is base64url/);
  });
});
