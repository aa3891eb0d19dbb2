import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const START = fileURLToPath(new URL('../../../electron/scripts/start.mjs', import.meta.url));

describe('npm start', () => {
  it('says the Electron binary could not be obtained and points to npm run serve', () => {
    // An electron package whose binary is missing and whose download fails, as on a machine without access to it.
    const pkg = mkdtempSync(join(tmpdir(), 'noticeboard-fake-electron-'));
    try {
      writeFileSync(join(pkg, 'install.js'), "console.error('TypeError: fetch failed'); process.exit(1);\n");
      const r = spawnSync(process.execPath, [START], {
        env: { ...process.env, NOTICEBOARD_ELECTRON_PKG: pkg },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Electron binary could not be downloaded (TypeError: fetch failed)');
      expect(r.stderr).toContain('npm run serve');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });
});
