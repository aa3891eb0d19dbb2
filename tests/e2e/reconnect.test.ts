/**
 * A tab left open while serve mode restarts: it says it is disconnected (stale data greyed, commands off), can
 * still move to a page it never opened, reconnects by itself once serve mode is back on the same data folder (the
 * token is kept there), survives a reload, and after Settings regenerates the token another tab says where to find
 * the new URL.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

let dataDir: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const indicator = () => page.getByRole('status', { name: /^Connection:/ });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'noticeboard-e2e-restart-'));
  serve = await startServeProcess(['--brokers', '1'], { dataDir });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.setViewportSize({ width: 1440, height: 900 });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /preload|dynamically imported/i.test(m.text())) pageErrors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  if (serve) await serve.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a tab across serve mode restarts', () => {
  it('keeps the token in the data folder, readable only by its owner', () => {
    const file = join(dataDir, 'access-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(serve.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(serve.output()).toContain(`kept in ${file}`);
  });

  it('greys what it shows while disconnected, keeps navigating, and reconnects when serve mode is back', async () => {
    await page.goto(serve.url);
    await eventually(async () => expect(await indicator().innerText()).toContain('Connected'), 20_000);
    await page.getByRole('link', { name: 'Brokers' }).click();
    await eventually(async () => expect(await page.getByText('Broker 0').first().isVisible()).toBe(true));
    // Every page's chunk is fetched once connected, so pages never visited open without the server.
    await page.waitForSelector('html[data-route-chunks="loaded"]', { state: 'attached', timeout: 30_000 });

    const port = serve.port;
    const token = serve.token;
    expect(await serve.stop()).toBe(0);
    await eventually(async () => expect(await indicator().innerText()).toContain('Disconnected'), 20_000);
    const banner = page.getByTestId('offline-banner');
    await eventually(async () => expect(await banner.innerText()).toMatch(/as of \d\d:\d\d:\d\d .*commands are off/s));
    expect(await page.locator('.page.stale').count()).toBe(1);
    expect(await page.locator('.page').evaluate((el) => (el as unknown as { inert: boolean }).inert)).toBe(true);
    await screenshot(page, 'disconnected-1440x900');

    // A page never opened before still opens while the server is down (no "Unable to preload CSS").
    await page.getByRole('link', { name: 'Workload simulator' }).click();
    await eventually(async () => expect(page.url()).toContain('#/workload'));
    await eventually(async () => expect(await page.getByRole('button', { name: /^Start/ }).count()).toBeGreaterThan(0));
    await page.getByRole('link', { name: 'Settings' }).click();
    await eventually(async () => expect(await page.getByText('Appearance').isVisible()).toBe(true));
    expect(pageErrors).toEqual([]);

    serve = await startServeProcess(['--brokers', '1', '--port', String(port)], { dataDir });
    expect(serve.token).toBe(token);
    await eventually(async () => expect(await indicator().innerText()).toContain('Connected'), 30_000);
    expect(await banner.count()).toBe(0);
    expect(await page.locator('.page.stale').count()).toBe(0);

    // A reload keeps working: the tab kept its token, and serve mode kept it too.
    await page.reload();
    await eventually(async () => expect(await indicator().innerText()).toContain('Connected'), 20_000);
    expect(page.url()).not.toContain('token=');
  });

  it('regenerates the token in Settings; this tab stays connected, another says where the new URL is', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(serve.url);
      const otherIndicator = other.getByRole('status', { name: /^Connection:/ });
      await eventually(async () => expect(await otherIndicator.innerText()).toContain('Connected'), 20_000);

      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Regenerate access token' }).click();
      await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
      const newUrl = await eventually(async () => {
        const t = await page.getByTestId('new-access-url').innerText();
        expect(t).toMatch(/token=[\w-]{32}/);
        return t;
      });
      const fresh = /token=([\w-]{32})/.exec(newUrl)![1]!;
      expect(fresh).not.toBe(serve.token);
      expect(readFileSync(join(dataDir, 'access-token'), 'utf8').trim()).toBe(fresh);
      expect(serve.output()).toContain(`Open in your browser: http://127.0.0.1:${serve.port}/?token=${fresh}`);
      // This tab reconnects with the new token by itself.
      await eventually(async () => expect(await indicator().innerText()).toContain('Connected'), 20_000);

      const alert = other.getByRole('alert').filter({ hasText: 'access token is no longer valid' });
      await eventually(async () => expect(await alert.innerText()).toMatch(/Open the URL serve mode printed/), 30_000);
      expect(await alert.innerText()).toContain(join(dataDir, 'access-token'));
      await screenshot(other, 'wrong-token');
    } finally {
      await other.close();
    }
  });
});
