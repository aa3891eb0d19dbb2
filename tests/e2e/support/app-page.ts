/**
 * The fixture most end-to-end files share: a script connection to a serve
 * process's API, Chromium open on its page (the page's errors collected when
 * asked), and a picture of what the page showed when a test fails.
 */
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { createConnection, type Connection } from '../../../core/api/client';
import { createWsTransport } from '../../../core/api/ws-transport';
import { launchBrowser, type Browser } from './browser';
import { screenshot } from './screens';
import type { ServeProcess } from './serve-process';

/** The API over the serve process's WebSocket, for a test to set things up with; it does not reconnect. */
export function scriptConnection(serve: ServeProcess): Connection {
  return createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
}

export interface AppPageOptions {
  viewport?: { width: number; height: number };
  /** Default timeout of the page's actions. */
  timeoutMs?: number;
  /** Collects the page's uncaught errors and console errors here. */
  errors?: string[];
  /** Waits for the status bar to say the connection is up. */
  connected?: boolean;
}

/** Launches Chromium and opens `url` in its first page. */
export async function openAppPage(url: string, opts: AppPageOptions = {}): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  if (opts.viewport) await page.setViewportSize(opts.viewport);
  if (opts.timeoutMs !== undefined) page.setDefaultTimeout(opts.timeoutMs);
  const errors = opts.errors;
  if (errors) {
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  }
  await page.goto(url);
  if (opts.connected) await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
  return { browser, page };
}

/** After each failed test, a screenshot named for it (tests/artifacts/screenshots/failed-*.png). */
export function screenshotFailures(page: () => Page | undefined): void {
  afterEach(async ({ task }) => {
    const p = page();
    if (task.result?.state === 'fail' && p)
      await screenshot(p, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });
}
