#!/usr/bin/env node
/** `npm run serve`: build what is missing or out of date, then run serve mode with the given options. */
import { buildIfStale } from './build.mjs';

const built = await buildIfStale({ quiet: true }).catch((err) => {
  console.error('noticeboard: the build failed:', err.message ?? err);
  process.exit(1);
});
if (built) console.log('Built the UI and serve mode into out/.');
await import('../../out/serve/noticeboard.js');
