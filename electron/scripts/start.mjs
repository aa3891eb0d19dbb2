#!/usr/bin/env node
/**
 * `npm start`: the desktop app. The Electron binary is downloaded by the
 * `electron` package on install, which fails where that download is blocked;
 * rather than a stack trace, say so and point to serve mode.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

// Overridable so the test of the failure message can stand in a package whose download fails.
const pkgDir = process.env.NOTICEBOARD_ELECTRON_PKG ?? dirname(require.resolve('electron/package.json'));

function electronBinary() {
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function explain(reason) {
  console.error(`
Noticeboard cannot start its desktop window: ${reason}

The Electron runtime is downloaded when you run \`npm install\`, and that download
did not happen (offline, a proxy, or a blocked download host). You can:

  - run the same app in your browser instead:   npm run serve
  - or retry the download:                      npx install-electron
    (set ELECTRON_MIRROR if your network needs a mirror)
`);
  process.exit(1);
}

let bin = electronBinary();
if (!bin) {
  console.log('The Electron runtime is missing; trying to download it...');
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 180_000,
  });
  bin = r.status === 0 ? electronBinary() : null;
  // The downloader's stack trace helps nobody; its first error line says what happened.
  const cause = (r.stderr ?? '')
    .split('\n')
    .find((l) => /error|fail/i.test(l))
    ?.trim();
  if (!bin) explain(`the Electron binary could not be downloaded${cause ? ` (${cause})` : ''}.`);
}

await buildIfStale({ quiet: true });
const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('error', (err) => explain(`Electron failed to launch (${err.message}).`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
