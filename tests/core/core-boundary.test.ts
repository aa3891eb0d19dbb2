import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|mts|js)$/.test(name) ? [p] : [];
  });
}

describe('core/ boundary', () => {
  it('imports nothing from Electron, Vue, electron/ or renderer/, so the engine runs in plain Node', () => {
    const offenders: string[] = [];
    for (const file of sources(join(root, 'core'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (
          /^(electron|vue|pinia|vue-router|naive-ui|echarts|vue-echarts)(\/|$)/.test(spec) ||
          /(^|\/)(electron|renderer)\//.test(spec)
        ) {
          offenders.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
