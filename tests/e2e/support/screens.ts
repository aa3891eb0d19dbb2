/**
 * Where the end-to-end screenshots go: always tests/artifacts/screenshots
 * (ignored by git, for looking at a run), and docs/screenshots as well when
 * UPDATE_SCREENSHOTS=1, so the README's pictures change only when asked to.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const artifacts = join(root, 'tests', 'artifacts', 'screenshots');
const docs = join(root, 'docs', 'screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name}.png`);
  // Let the last chart tick and any transition settle so the picture is what a person would see.
  await page.waitForTimeout(300);
  await page.screenshot({ path: file });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, join(docs, `${name}.png`));
  }
  return file;
}

/** Polls until `check` stops throwing (playwright-core ships no assertion library). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
