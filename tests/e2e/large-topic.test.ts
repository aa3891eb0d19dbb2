/**
 * A topic of 2,000 partitions in the UI (issue 9 item 5), end to end: serve
 * mode, real Chromium. The topic page pages its partitions through the
 * engine (listPartitionPage): it shows one page of rows, moves between pages
 * and page sizes, and never asks the engine for every partition at once.
 * What the page asks is read from its own WebSocket frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import { watchApiFrames, type ApiFrames } from './support/api-frames';
import { scriptConnection } from './support/app-page';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually } from './support/screens';
import { readTable } from './support/tables-and-labels';

const PARTITIONS = 2000;

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
/** Methods the page called over its WebSocket, in order, and the pages of partitions it asked for. */
let calls: ApiFrames['calls'];
let pagesAsked: ApiFrames['pagesAsked'];

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  script = scriptConnection(serve);
  await script.api.createTopic({ name: 'wide', partitions: PARTITIONS, replicationFactor: 1 });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  browser.context.setDefaultTimeout(20_000);
  ({ calls, pagesAsked } = watchApiFrames(page));
  await page.goto(serve.url);
  await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
}, 120_000);

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
});

const partitionsTable = () =>
  page
    .locator('.n-data-table')
    .filter({ has: page.getByText('Log start') })
    .first();
const partitionColumn = async () => (await readTable(partitionsTable())).map((r) => r['Partition']);

describe('a topic of 2,000 partitions', () => {
  it('pages its partitions from the engine: one page of rows, any page, any page size', async () => {
    calls.length = 0;
    await page.goto(serve.url.replace(/\?token=.*$/, '') + '#/topics/wide');
    // The table is virtualised: only the rows in view are in the DOM, so the pager tells the page size.
    const pager = (n: number) => page.locator('.n-pagination-item').filter({ hasText: new RegExp(`^${n}$`) });
    await pager(20).waitFor();
    await eventually(async () => expect((await partitionColumn()).slice(0, 3)).toEqual(['0', '1', '2']), 20_000);
    expect(await pager(21).count()).toBe(0);
    expect(pagesAsked.at(-1)).toEqual({ offset: 0, limit: 100 });

    // The last page: partitions 1,900 to 1,999.
    await pager(20).click();
    await eventually(async () => expect((await partitionColumn())[0]).toBe('1,900'), 20_000);
    expect(pagesAsked.at(-1)).toEqual({ offset: 1900, limit: 100 });

    // 500 a page: four pages, starting over at partition 0.
    await page.locator('.n-pagination .n-base-selection').click();
    await page.getByText('500 / page').click();
    await pager(4).waitFor();
    await eventually(async () => expect((await partitionColumn())[0]).toBe('0'), 20_000);
    expect(await pager(5).count()).toBe(0);
    expect(pagesAsked.at(-1)).toEqual({ offset: 0, limit: 500 });

    // Every request was a page; nothing asked for all 2,000 partitions.
    expect(pagesAsked.every((p) => p.limit > 0 && p.limit <= 500)).toBe(true);
    expect(calls).not.toContain('listAllPartitions');
  }, 120_000);
});
