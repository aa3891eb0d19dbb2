/**
 * Kafka's message definitions are JSON with `//` line comments. This removes
 * the comments (leaving string contents, which may hold "//", untouched) so
 * that the result is plain JSON.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  let inString = false;
  while (i < n) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < n) {
        out += text[i + 1];
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export function parseKafkaJson<T = unknown>(text: string): T {
  return JSON.parse(stripJsonComments(text)) as T;
}
