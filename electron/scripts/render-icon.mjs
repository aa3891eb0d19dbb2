#!/usr/bin/env node
/**
 * Renders electron/resources/icon.svg to the 1024 px icon.png electron-builder
 * turns into .icns, .ico and Linux icons. Needs a local Chromium (as the
 * end-to-end tests do); run it after editing the SVG and commit both files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const dir = fileURLToPath(new URL('../resources/', import.meta.url));
const svg = readFileSync(join(dir, 'icon.svg'), 'utf8');
const profile = mkdtempSync(join(tmpdir(), 'noticeboard-icon-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1024, height: 1024 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(dir, 'icon.png'), omitBackground: true });
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
