#!/usr/bin/env node
/**
 * Builds everything that runs from out/: the desktop app (main, preload,
 * renderer, via electron-vite) and serve mode's command line (out/serve).
 *
 *   node electron/scripts/build.mjs              build
 *   node electron/scripts/build.mjs --if-stale   build only if a source file is newer than the last build
 *
 * `npm run serve`, `npm start` and the end-to-end tests call it with
 * --if-stale, so a fresh clone needs nothing but `npm install`.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = join(root, 'out', '.build-stamp');
const outputs = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/serve/noticeboard.js'];
const sources = [
  'core',
  'electron',
  'renderer',
  'package.json',
  'electron.vite.config.ts',
  'electron/scripts/build.mjs',
];

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

export function isStale() {
  if (!existsSync(stamp) || outputs.some((o) => !existsSync(join(root, o)))) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > built);
}

export async function buildAll({ quiet = false } = {}) {
  const logLevel = quiet ? 'warn' : 'info';
  const { build: buildElectron } = await import('electron-vite');
  await buildElectron({ root, logLevel });
  const { build: viteBuild } = await import('vite');
  await viteBuild({
    root,
    configFile: false,
    logLevel,
    build: {
      ssr: join(root, 'core/host/cli.ts'),
      outDir: join(root, 'out/serve'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'noticeboard.js', banner: '#!/usr/bin/env node' } },
    },
  });
  writeFileSync(stamp, new Date().toISOString() + '\n');
}

export async function buildIfStale(opts) {
  if (!isStale()) return false;
  await buildAll(opts);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  (ifStale ? buildIfStale() : buildAll()).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
