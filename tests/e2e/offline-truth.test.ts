/**
 * The numbers tell the truth when brokers are down: a partition no running broker holds is offline (not empty)
 * in the message browser, in "All partitions", in search results and on the Partitions tab; the Overview and the
 * Brokers page agree on a down broker's replicas; banners read right for one broker and for several; a compacted
 * topic's count is called an offset span; the Overview says how many of its topics are internal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import { openAppPage, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, rowOf } from './support/tables-and-labels';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;

const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();
const card = (label: string) => page.getByRole('group', { name: label, exact: true });
const rows = () => page.locator('.message-table tbody tr[data-row-key]');

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = scriptConnection(serve);
  // Partition 0 only on broker 2, partition 1 only on broker 0, partition 2 only on broker 1.
  await script.api.createTopic({ name: 'split', replicationFactor: 1, assignments: [[2], [0], [1]] });
  await script.api.produce({
    topic: 'split',
    records: Array.from({ length: 30 }, (_, n) => ({ key: `k${n}`, value: `needle ${n}`, partition: n % 3 })),
  });
  await script.api.createTopic({
    name: 'latest-prices',
    partitions: 1,
    replicationFactor: 3,
    configs: { 'cleanup.policy': 'compact' },
  });
  await script.api.produce({
    topic: 'latest-prices',
    records: Array.from({ length: 20 }, (_, n) => ({ key: `sku-${n % 4}`, value: `price ${n}` })),
  });
  await script.api.createTopic({ name: '__audit', partitions: 2, replicationFactor: 3 });
  await script.api.stopBroker({ id: 2 });
  ({ browser, page } = await openAppPage(serve.url, { viewport: { width: 1440, height: 900 } }));
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) await serve.stop();
});

describe('offline partitions and honest numbers', () => {
  it('shows an offline partition as offline in "All partitions", merging the others', async () => {
    await page.goto(`${base}#/topics/split/messages`);
    const alert = page.getByTestId('offline-partitions');
    await eventually(async () => expect(await text(alert)).toMatch(/^Partition 0 is offline/));
    expect(await text(alert)).toMatch(/no running broker holds a replica of it \(its replicas are on broker 2\)/);
    const shown = page.getByRole('status', { name: 'Messages shown' });
    await eventually(async () => expect(await text(shown)).toMatch(/^20 messages of 20 · newest first · 2 partitions/));
    expect(await rows().count()).toBeGreaterThan(0);
    const partitions = new Set((await readTable(page.locator('.message-table .n-data-table'))).map((r) => r.Partition));
    expect(partitions.size).toBeGreaterThan(0);
    expect(partitions.has('0')).toBe(false);
    await screenshot(page, 'messages-offline-partition-1440x900');
  });

  it('says a chosen offline partition is offline, not "has no messages yet"', async () => {
    await page.locator('.messages-page').getByLabel('Partition', { exact: true }).first().click();
    await page.locator('.n-base-select-option', { hasText: /^\s*Partition 0\s*$/ }).click();
    const empty = page.locator('.message-table').getByRole('status');
    await eventually(async () =>
      expect(await text(empty)).toMatch(/^Partition 0 is offline: its messages cannot be read/),
    );
    expect(await text(empty)).not.toContain('no messages yet');
  });

  it('lists the partitions a search skipped, and why', async () => {
    await page.locator('.messages-page').getByLabel('Partition', { exact: true }).first().click();
    await page.locator('.n-base-select-option', { hasText: /^\s*All partitions\s*$/ }).click();
    await page.getByLabel('Search text').fill('needle');
    await page.getByLabel('Search text').press('Enter');
    const progress = page.getByRole('status', { name: 'Search progress' });
    await eventually(async () =>
      expect(await text(progress)).toMatch(/^20 matches in 20 messages \(all partitions, 1 partition offline\)/),
    );
    const skipped = page.getByTestId('search-skipped');
    expect(await text(skipped)).toMatch(/^Not searched: partition 0 \(no running broker holds a replica of it/);
  });

  it('shows offsets of an offline partition as unknown on the Partitions tab, never 0', async () => {
    await page.goto(`${base}#/topics/split`);
    const table = page.locator('[aria-label="Partitions"].n-data-table');
    await eventually(async () => {
      const cells = await rowOf(table, '0').locator('td').allInnerTexts();
      expect(cells.filter((c) => c.trim() === 'unknown').length).toBe(5);
    });
    const [p0, p1] = await readTable(table);
    expect(p0!['Leader']).toBe('None');
    expect(p1!['High watermark']).toBe('10');
    expect(await text(card('Messages'))).toMatch(/^Messages 20 Offline partitions not counted/);
  });

  it("calls a compacted topic's count an offset span", async () => {
    await page.goto(`${base}#/topics/latest-prices`);
    await eventually(async () => expect(await text(card('Offset span'))).toMatch(/^Offset span 20 Compacted/));
    expect(await card('Messages').count()).toBe(0);
    expect(await card('Offset span').locator('[data-stat-tooltip]').getAttribute('title')).toMatch(
      /Compaction removes records but keeps/,
    );
    await page.goto(`${base}#/topics`);
    const list = page.locator('[aria-label="Topics"].n-data-table');
    await eventually(async () => expect((await cellsOf(list, 'latest-prices')).some((c) => c === '≤ 20')).toBe(true));
  });

  it('says how many of the Overview topics are internal, as the Topics list hides them', async () => {
    await page.goto(`${base}#/`);
    await eventually(async () => expect(await text(card('Topics'))).toMatch(/incl\. [1-9]\d* internal topics?$/));
    const internal = Number(/incl\. (\d+) internal/.exec(await text(card('Topics')))![1]);
    await page.goto(`${base}#/topics`);
    await eventually(async () =>
      expect(await page.getByText(new RegExp(`${internal} internal hidden`)).count()).toBe(1),
    );
  });

  it("agrees on a down broker's replicas on the Overview and the Brokers page", async () => {
    await page.goto(`${base}#/`);
    const tile = page.getByRole('group', { name: 'Broker 2: Down' });
    const overview = await eventually(async () => {
      const m = /(\d+) offline/.exec(await text(tile));
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThan(0);
      return Number(m![1]);
    });
    await page.goto(`${base}#/brokers`);
    const table = page.locator('.n-data-table').first();
    await eventually(async () => {
      const row = (await readTable(table)).find((r) => r.Broker?.startsWith('Broker 2'))!;
      expect(row['Out of sync']).toBe(`${overview} offline`);
      expect(row['Replicas']).toBe(String(overview));
    });
  });

  it('writes the down-broker banner for one broker and for several', async () => {
    await page.goto(`${base}#/replicas`);
    const banner = page.locator('.down');
    await eventually(async () =>
      expect(await text(banner)).toMatch(/^Broker 2 is down\. Its replicas are offline .* Start it to watch its/),
    );
    await script.api.stopBroker({ id: 1 });
    await eventually(async () =>
      expect(await text(banner)).toMatch(
        /^Brokers 1 and 2 are down\. Their replicas are offline and the partitions they led .* Start them to watch their/,
      ),
    );
    await screenshot(page, 'replica-map-two-brokers-down-1440x900');
  });
});

async function cellsOf(table: Locator, first: string): Promise<string[]> {
  return (await rowOf(table, first).locator('td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim());
}
