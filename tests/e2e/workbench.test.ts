/**
 * The message workbench end to end: serve mode, real Chromium, a small data
 * folder. Filter expressions typed in the search bar (checked as they are
 * typed, the fault underlined at its column), run in the engine; a search
 * paged past its first 1,000 matches; header matches highlighted in the table
 * and the detail panel. Screenshots go to tests/artifacts/screenshots.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable } from './support/tables-and-labels';

const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;
const pageErrors: string[] = [];

const rowsLocator = () => page.locator('.message-table tbody tr[data-row-key]');
const table = () => page.locator('.message-table .n-data-table');
const searchProgress = () => page.getByRole('status', { name: 'Search progress' });
const searchBar = () => page.getByRole('search', { name: 'Search messages' });
const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();
const mode = (name: 'Text' | 'Regex' | 'Filter') => searchBar().getByText(name, { exact: true }).click();

async function openMessages(topic: string): Promise<void> {
  for (let i = 0; i < 3 && (await page.locator('.n-drawer, .n-modal').count()) > 0; i++) {
    await page.keyboard.press('Escape');
    await page
      .locator('.n-drawer, .n-modal')
      .first()
      .waitFor({ state: 'detached', timeout: 1000 })
      .catch(() => undefined);
  }
  await page.goto(`${base}#/topics/${topic}/messages`);
  // Back to browsing: the search bar keeps the last search of a topic.
  const clear = page.getByRole('button', { name: 'Clear the search and go back to browsing' });
  if (await clear.count()) await clear.click();
  await rowsLocator().first().waitFor();
}

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '1']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = scriptConnection(serve);
  await script.api.createTopic({ name: 'orders', partitions: 3, replicationFactor: 1 });
  // 60 orders: order n is in partition n % 3, from customer c-(n % 7), source web for odd n.
  await script.api.produce({
    topic: 'orders',
    records: Array.from({ length: 60 }, (_, n) => ({
      key: `order-${n}`,
      value: JSON.stringify({ id: n, customer: { id: `c-${n % 7}`, name: `Customer ${n % 7}` }, total: n * 10 }),
      headers: { source: n % 2 ? 'web' : 'mobile', 'trace-id': `t-${1000 + n}` },
      partition: n % 3,
      timestamp: T0 + n * 1000,
    })),
  });
  await script.api.createTopic({ name: 'events', partitions: 1, replicationFactor: 1 });
  for (let b = 0; b < 3; b++)
    await script.api.produce({
      topic: 'events',
      records: Array.from({ length: 1000 }, (_, i) => ({
        key: `e-${b * 1000 + i}`,
        value: `event ${b * 1000 + i} ${i % 4 === 0 ? 'hit' : 'miss'}`,
        partition: 0,
        timestamp: T0 + b * 1000 + i,
      })),
    });

  const viewport = { width: 1440, height: 900 };
  ({ browser, page } = await openAppPage(serve.url, {
    viewport,
    timeoutMs: 10_000,
    errors: pageErrors,
    connected: true,
  }));
}, 120_000);

screenshotFailures(() => page);

afterAll(async () => {
  if (pageErrors.length) console.log(`errors in the page:\n${pageErrors.join('\n')}`);
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
});

describe('message workbench', () => {
  it('filters with an expression over JSON fields and headers, evaluated in the engine', async () => {
    await openMessages('orders');
    await mode('Filter');
    const box = page.getByLabel('Filter expression');
    await box.fill('value.customer.id == "c-3" && headers.source == "web"');
    await box.press('Enter');
    // n % 7 == 3 and n odd: 3, 17, 31, 45, 59
    await eventually(async () =>
      expect(await text(searchProgress())).toMatch(/^5 matches in 60 messages \(all partitions\)/),
    );
    const keys = (await readTable(table())).map((r) => r.Key).sort();
    expect(keys).toEqual(['order-17', 'order-3', 'order-31', 'order-45', 'order-59']);
    await screenshot(page, 'workbench-filter');
  });

  it('underlines the fault of a bad expression at its column, as it is typed', async () => {
    await openMessages('orders');
    await mode('Filter');
    const box = page.getByLabel('Filter expression');
    await box.fill('value.customer.id = "c-3"');
    const alert = page.getByRole('alert', { name: 'Filter error' });
    await eventually(async () =>
      expect(await text(alert)).toContain('Column 19: Use == to compare (a single = is not an operator)'),
    );
    expect(await alert.locator('[data-fault-at]').innerText()).toBe('=');
    await screenshot(page, 'workbench-filter-error');
    // Enter with the fault showing says so instead of scanning.
    await box.press('Enter');
    expect(await searchProgress().count()).toBe(0);
    await box.fill('value.customer.id == "c-3"');
    await eventually(async () => expect(await alert.count()).toBe(0));
  });

  it('pages through every match past the first 1,000', async () => {
    await openMessages('events');
    await mode('Text');
    const box = page.getByLabel('Search text');
    await box.fill('miss');
    await box.press('Enter');
    await eventually(async () => expect(await text(searchProgress())).toMatch(/^2,250 matches in 3,000 messages/));
    const pager = page.getByRole('group', { name: 'Pages of matches' });
    expect(await text(pager)).toContain('Matches 1–1,000 of 2,250');
    // Newest first: the first page starts at the newest miss.
    expect((await readTable(table()))[0]!.Key).toBe('e-2999');
    await page.getByRole('button', { name: 'Next page of matches' }).click();
    await eventually(async () => expect(await text(pager)).toContain('Matches 1,001–2,000 of 2,250'));
    // Match 1,001 of the misses, newest first (offsets that are multiples of 4 hit).
    const misses = Array.from({ length: 3000 }, (_, i) => 2999 - i).filter((o) => o % 4 !== 0);
    await eventually(async () => expect((await readTable(table()))[0]!.Key).toBe(`e-${misses[1000]}`));
    await page.getByRole('button', { name: 'Next page of matches' }).click();
    await eventually(async () => expect(await text(pager)).toContain('Matches 2,001–2,250 of 2,250'));
    await eventually(async () => expect(await rowsLocator().count()).toBeGreaterThan(0));
    expect(await page.getByRole('button', { name: 'Next page of matches' }).isDisabled()).toBe(true);
    await screenshot(page, 'workbench-search-pages');
    await page.getByRole('button', { name: 'Previous page of matches' }).click();
    await eventually(async () => expect(await text(pager)).toContain('Matches 1,001–2,000 of 2,250'));
  });

  it('exports every partition as JSON Lines, streamed by the engine as a download', async () => {
    await openMessages('orders');
    const [jsonl] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.getByRole('button', { name: 'Export all partitions' }).click();
        const dialog = page.getByRole('dialog', { name: 'Export messages' });
        await dialog.getByText('A range of offsets or times').click();
        await dialog.getByRole('button', { name: 'Export', exact: true }).click();
      })(),
    ]);
    expect(jsonl.suggestedFilename()).toBe('orders.jsonl');
    const lines = readFileSync((await jsonl.path())!, 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(60);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({
      partition: 0,
      offset: 0,
      key: 'order-0',
      headers: [
        { key: 'source', value: 'mobile' },
        { key: 'trace-id', value: 't-1000' },
      ],
    });
    expect(JSON.parse(first.value as string)).toMatchObject({ id: 0, customer: { id: 'c-0' } });
    await screenshot(page, 'workbench-export-menu');
  });

  it('filters the partition picker of a 64-partition topic by typing', async () => {
    await script.api.createTopic({ name: 'wide', partitions: 64, replicationFactor: 1 });
    await script.api.produce({ topic: 'wide', records: [{ key: 'k', value: 'v', partition: 63 }] });
    await openMessages('wide');
    await page.locator('.messages-page').getByLabel('Partition', { exact: true }).first().click();
    await page.keyboard.type('6');
    await eventually(async () =>
      expect(await page.locator('.n-base-select-option').allInnerTexts()).toEqual([
        'Partition 6',
        'Partition 60',
        'Partition 61',
        'Partition 62',
        'Partition 63',
      ]),
    );
    await screenshot(page, 'workbench-partition-picker');
    await page.locator('.n-base-select-option', { hasText: 'Partition 63' }).click();
    await eventually(async () => expect((await readTable(table())).map((r) => r.Key)).toEqual(['k']));
  });

  it('highlights a match in a header, in the table and in the detail panel', async () => {
    await openMessages('orders');
    await mode('Text');
    const box = page.getByLabel('Search text');
    await box.fill('t-1042');
    await box.press('Enter');
    await eventually(async () => expect(await text(searchProgress())).toMatch(/^1 match in 60 messages/));
    const cell = page.locator('.message-table [data-header-match]');
    expect(await text(cell)).toBe('trace-id: t-1042');
    expect(await cell.locator('mark.hit').innerText()).toBe('t-1042');
    await rowsLocator().first().click();
    const detail = page.getByRole('dialog', { name: /^Message details/ });
    await detail.waitFor();
    expect(await detail.getByRole('table', { name: 'Headers' }).locator('mark[data-header-match]').innerText()).toBe(
      't-1042',
    );
    await screenshot(page, 'workbench-header-match');
    await page.keyboard.press('Escape');
  });
});
