import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../../core/api/api';

const doc = readFileSync(new URL('../../../docs/websocket-api.md', import.meta.url), 'utf8');

describe('WebSocket API documentation', () => {
  it('documents every method the API declares, and no other', () => {
    for (const m of METHOD_NAMES) expect(doc).toContain(`| \`${m}\` |`);
    const documented = [...doc.matchAll(/^\| `([a-zA-Z]\w*)` \| /gm)].map((x) => x[1]!);
    const events = new Set<string>(EVENT_NAMES);
    expect(documented.filter((name) => !events.has(name)).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('documents every event', () => {
    for (const e of EVENT_NAMES) expect(doc).toContain(`| \`${e}\` |`);
  });
});
