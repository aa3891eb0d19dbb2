import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateSchemasSource,
  generateTypesSource,
  loadDefinitions,
  MESSAGES_DIR,
  SCHEMAS_FILE,
  TYPES_FILE,
} from '../../../core/protocol/generate-schemas';
import { stripJsonComments } from '../../../core/protocol/json-comments';
import { MESSAGE_DEFINITIONS } from '../../../core/protocol/messages/schemas.generated';

describe('generated schema module', () => {
  it('schemas.generated.ts is up to date with messages/*.json (regenerate: npx tsx core/protocol/generate-schemas.ts)', () => {
    expect(readFileSync(SCHEMAS_FILE, 'utf8')).toBe(generateSchemasSource());
  });

  it('types.generated.ts is up to date with messages/*.json', () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generateTypesSource());
  });

  it('carries 62 definitions: 29 request/response pairs, the two headers and the two consumer-protocol structs', () => {
    const names = Object.keys(MESSAGE_DEFINITIONS);
    expect(names).toHaveLength(62);
    for (const n of ['RequestHeader', 'ResponseHeader', 'ConsumerProtocolSubscription', 'ConsumerProtocolAssignment'])
      expect(names).toContain(n);
    expect(
      loadDefinitions()
        .map((d) => d.name)
        .sort(),
    ).toEqual([...names].sort());
  });

  it('the copied JSON files keep their Apache license header', () => {
    for (const f of readdirSync(MESSAGES_DIR).filter((x) => x.endsWith('.json'))) {
      expect(
        readFileSync(join(MESSAGES_DIR, f), 'utf8').startsWith('// Licensed to the Apache Software Foundation (ASF)'),
        f,
      ).toBe(true);
    }
  });

  it('the copied JSON files are identical to the shared specification, when it is beside the project', () => {
    const shared = join(MESSAGES_DIR, '../../../../shared/kafka-protocol/message');
    if (!existsSync(shared)) return;
    for (const f of readdirSync(MESSAGES_DIR).filter((x) => x.endsWith('.json'))) {
      expect(readFileSync(join(MESSAGES_DIR, f), 'utf8'), f).toBe(readFileSync(join(shared, f), 'utf8'));
    }
  });
});

describe('stripJsonComments', () => {
  it('removes line and block comments but not // inside strings', () => {
    const text = '// head\n{ "a": "http://x", // tail\n /* block */ "b": "say \\"//\\" ok" }';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 'http://x', b: 'say "//" ok' });
  });
});
