/**
 * The message browser and producing, end to end: a data folder filled with
 * 10,000,000 + 1,000,000 records through the engine's batch path, serve mode
 * on it, real Chromium, and checks of what a person sees. It also measures
 * how fast a jump in a topic of ten million messages shows its page, how fast
 * the engine scans a million messages, and how long the page's frames get
 * while a scan runs; it writes them to tests/artifacts/perf/ for
 * `npm run bench` (ui-bench) and asserts none of them.
 *
 * NB_E2E_BIG_RECORDS sets the size of the big topic (default 10,000,000).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { SearchStatus } from '../../core/api/api';
import type { Connection } from '../../core/api/client';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { bulkLoadNiced, type BulkLoadResult } from './support/bulk-load';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, unlabelledControls } from './support/tables-and-labels';

const BIG = Number(process.env.NB_E2E_BIG_RECORDS ?? 10_000_000);
const AUDIT = 1_000_000;
// Recent times, on whole minutes: records older than retention.ms (7 days) would be deleted by the log cleaner
// mid-test.
const HOUR = 3_600_000;
const T_ORDERS = Math.floor(Date.now() / 60_000) * 60_000 - HOUR;
const T_AUDIT = T_ORDERS - HOUR;
const T_BIG = T_ORDERS - 3 * HOUR;

let dataDir: string;
let load: BulkLoadResult;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;
const figures: Record<string, unknown> = {};

/** The page's globals, typed loosely: the tests compile without the DOM library. */
interface PageGlobals {
  document: { activeElement: { getAttribute(name: string): string | null } | null };
  requestAnimationFrame(cb: (t: number) => void): number;
  getComputedStyle(el: unknown): { backgroundColor: string };
  nbFrames: { max: number; frames: number; stop: boolean };
}
/** Which element has the keyboard focus: its aria-label, or the message row's key. */
const focused = (attr: 'aria-label' | 'data-row-key') =>
  page.evaluate((a) => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute(a) ?? null, attr);
const pageErrors: string[] = [];

const rowsLocator = () => page.locator('.message-table tbody tr[data-row-key]');
const table = () => page.locator('.message-table .n-data-table');
const status = () => page.getByRole('status', { name: 'Messages shown' });
const drawer = () => page.getByRole('dialog', { name: /^Message details/ });
const produceDialog = () => page.getByRole('dialog', { name: 'Produce a message' });
const searchProgress = () => page.getByRole('status', { name: 'Search progress' });
const fmt = (n: number) => n.toLocaleString('en-US');
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** A time as a person types it in the browser's (local) time zone. */
const localTime = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
};
const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();

async function openMessages(topic: string): Promise<void> {
  // Start each visit clean: no panel or dialog left open by an earlier test.
  for (let i = 0; i < 3 && (await page.locator('.n-drawer, .n-modal').count()) > 0; i++) {
    await page.keyboard.press('Escape');
    await page
      .locator('.n-drawer, .n-modal')
      .first()
      .waitFor({ state: 'detached', timeout: 1000 })
      .catch(() => undefined);
  }
  await page.goto(`${base}#/topics/${topic}/messages`);
  await rowsLocator().first().waitFor();
}

/** Text or Regex, as a person clicks it. */
const mode = (name: 'Text' | 'Regex') =>
  page.getByRole('search', { name: 'Search messages' }).getByText(name, { exact: true }).click();

/** Picks an option of a Naive UI select by its visible label. */
async function choose(selectLabel: string, option: string): Promise<void> {
  await page.locator('.messages-page').getByLabel(selectLabel, { exact: true }).first().click();
  await page.locator('.n-base-select-option', { hasText: new RegExp(`^\\s*${option}\\s*$`) }).click();
}

/** Waits out confirmation toasts, so a picture shows the page rather than the last toast. */
async function noToasts(): Promise<void> {
  await page
    .locator('.n-message')
    .first()
    .waitFor({ state: 'detached', timeout: 6000 })
    .catch(() => undefined);
}

async function firstRow(): Promise<Record<string, string>> {
  return (await readTable(table()))[0]!;
}

/** The in-page measure of the last request: from a person's action to the rows painted. */
async function lastShownMs(): Promise<number> {
  return page.evaluate(() => {
    const all = performance.getEntriesByName('nb:messages:shown');
    return Math.round(all[all.length - 1]!.duration);
  });
}

async function jumpTo(offset: number): Promise<{ inPage: number; wall: number }> {
  const input = page.getByLabel('Start offset');
  await input.fill(String(offset));
  const before = await page.evaluate(() => performance.getEntriesByName('nb:messages:shown').length);
  const t0 = Date.now();
  await input.press('Enter');
  await page.locator(`.message-table tbody tr[data-row-key="0:${offset}"]`).waitFor();
  const wall = Date.now() - t0;
  await page.waitForFunction((n) => performance.getEntriesByName('nb:messages:shown').length > n, before);
  return { inPage: await lastShownMs(), wall };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'noticeboard-e2e-messages-'));
  // One record a batch carries the batch's number ("batch":"B000123"), so a search has a few matches spread through
  // the topic.
  const clicks = Array.from({ length: 1000 }, (_, i) => ({
    key: `session-${(i * 7919) % 10007}`,
    value: JSON.stringify({
      page: `/products/${i % 250}`,
      action: ['view', 'click', 'add-to-cart'][i % 3],
      customer: `customer-${i}`,
      ms: (i * 13) % 900,
      ...(i === 500 ? { batch: 'B000000' } : {}),
    }),
    headers: { 'user-agent': 'Mozilla/5.0', region: ['eu-west', 'us-east'][i % 2]! },
  }));
  const audit = Array.from({ length: 1000 }, (_, i) => ({
    key: `user-${i}`,
    value: `user-${i} changed setting ${['theme', 'locale', 'timezone', 'avatar'][i % 4]} from ${i} to ${i + 1}`,
    headers: { actor: `admin-${i % 5}` },
  }));
  load = await bulkLoadNiced(dataDir, 3, [
    {
      name: 'clickstream',
      partitions: 1,
      recordsPerPartition: BIG,
      template: clicks,
      startTime: T_BIG,
      stepMs: 10,
      batchTag: '000000',
    },
    {
      name: 'audit-log',
      partitions: 4,
      recordsPerPartition: AUDIT / 4,
      template: audit,
      startTime: T_AUDIT,
      stepMs: 1,
    },
  ]);
  figures.bulkLoad = { records: load.records, seconds: load.ms / 1000, recordsPerSecond: load.recordsPerSecond };

  serve = await startServeProcess(['--data-dir', dataDir, '--brokers', '3']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = scriptConnection(serve);
  await script.api.createTopic({ name: 'orders', partitions: 3, replicationFactor: 3 });
  // 60 orders, one a second, spread over the three partitions: order n is offset n / 3 of partition n % 3.
  await script.api.produce({
    topic: 'orders',
    records: Array.from({ length: 60 }, (_, n) => ({
      key: `order-${n}`,
      value: JSON.stringify({
        id: n,
        customer: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra'][n % 4],
        items: (n % 5) + 1,
        total: Math.round(n * 17.35 * 100) / 100,
        currency: 'EUR',
      }),
      headers: { source: n % 2 ? 'web' : 'mobile', 'trace-id': `t-${1000 + n}` },
      partition: n % 3,
      timestamp: T_ORDERS + n * 1000,
    })),
  });
  await script.api.createTopic({
    name: 'blobs',
    partitions: 1,
    replicationFactor: 1,
    configs: { 'max.message.bytes': String(4 * 1024 * 1024) },
  });
  await script.api.produce({
    topic: 'blobs',
    records: [{ key: 'report-2025-01', value: JSON.stringify({ rows: 'r'.repeat(1_500_000) }) }],
  });

  ({ browser, page } = await openAppPage(serve.url, { timeoutMs: 10_000, errors: pageErrors, connected: true }));
}, 180_000);

// A failed step leaves a picture of what the page showed, for whoever reads the failure.
screenshotFailures(() => page);

afterAll(async () => {
  if (pageErrors.length) console.log(`errors in the page:\n${pageErrors.join('\n')}`);
  console.log(`message browser figures:\n${JSON.stringify(figures, null, 2)}`);
  const perf = fileURLToPath(new URL('../artifacts/perf/', import.meta.url));
  mkdirSync(perf, { recursive: true });
  writeFileSync(join(perf, 'message-browser.json'), JSON.stringify(figures, null, 2));
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('message browser', () => {
  it('shows all partitions merged newest first, with every column a person needs', async () => {
    await openMessages('orders');
    expect(await text(status())).toBe('60 messages of 60 · newest first · 3 partitions merged by time');
    const rows = await readTable(table());
    expect(rows.slice(0, 4).map((r) => r.Key)).toEqual(['order-59', 'order-58', 'order-57', 'order-56']);
    expect(rows.slice(0, 3).map((r) => r.Partition)).toEqual(['2', '1', '0']);
    const first = rows[0]!;
    expect(first.Offset).toBe('19');
    expect(first.Timestamp).toBe(localTime(T_ORDERS + 59_000));
    expect(first.Value).toContain('"customer":"Edsger Dijkstra"');
    expect(first.Headers).toBe('2 · source, trace-id');
    expect(first.Size).toMatch(/^\d+ B$/);
    // The topic page's tab bar says where we are.
    await page.getByRole('navigation', { name: 'Topic sections' }).getByRole('link', { name: 'Messages' }).waitFor();
    expect(await unlabelledControls(page), 'controls without an accessible name').toEqual([]);
    await page.mouse.move(1200, 780);
    await noToasts();
    await screenshot(page, 'messages');
  });

  it('starts at the earliest, an offset or a time, and pages forward and back', async () => {
    await openMessages('audit-log');
    expect(await text(status())).toMatch(/^100 messages of 1,000,000 · newest first · 4 partitions merged by time$/);
    await choose('Partition', 'Partition 2');
    await eventually(async () =>
      expect(await text(status())).toBe(
        '100 messages of 250,000 · newest first · partition 2, offsets 249,900 – 249,999',
      ),
    );
    await choose('Messages per page', '50 per page');
    await choose('Start at', 'Earliest');
    await eventually(async () =>
      expect(await text(status())).toBe('50 messages of 250,000 · oldest first · partition 2, offsets 0 – 49'),
    );
    expect((await firstRow()).Value).toBe('user-0 changed setting theme from 0 to 1');

    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/offsets 50 – 99$/));
    expect((await firstRow()).Offset).toBe('50');
    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/offsets 100 – 149$/));
    await page.getByRole('button', { name: 'Previous page' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/offsets 50 – 99$/));
    await page.getByRole('button', { name: 'Previous page' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/offsets 0 – 49$/));
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);

    await choose('Start at', 'Offset');
    await page.getByLabel('Start offset').fill('123456');
    await page.getByRole('button', { name: 'Go to this position' }).click();
    await eventually(async () => expect((await firstRow()).Offset).toBe('123,456'));
    expect(await text(status())).toMatch(/offsets 123,456 – 123,505$/);

    // Batch b of each partition was stamped T_AUDIT + b ms: T_AUDIT + 200 ms is where offset 200,000 begins.
    await choose('Start at', 'Timestamp');
    const time = page.getByLabel('Start time');
    await time.fill(localTime(T_AUDIT + 200));
    await time.press('Enter');
    await eventually(async () => expect((await firstRow()).Offset).toBe('200,000'));
    expect((await firstRow()).Timestamp).toBe(localTime(T_AUDIT + 200));

    // Past the end: said in words.
    await choose('Start at', 'Offset');
    await page.getByLabel('Start offset').fill('999999999');
    await page.getByRole('button', { name: 'Go to this position' }).click();
    await page.getByText('No messages at or after offset 999,999,999 in partition 2.').waitFor();
    await choose('Messages per page', '100 per page');
  });

  it('opens a message in a panel: key, value as text, JSON, hex, base64, headers, copy; Esc closes it', async () => {
    await openMessages('orders');
    await rowsLocator().first().click();
    await drawer().waitFor();
    await drawer().getByText('Partition 2 · offset 19').waitFor();
    const value = drawer().getByLabel(/^Value \(/);
    // JSON first, pretty-printed: one field a line, indented.
    await eventually(async () =>
      expect(await value.innerText()).toContain('{\n  "id": 59,\n  "customer": "Edsger Dijkstra",'),
    );
    for (const name of ['Copy key', 'Copy value', 'Copy headers'])
      expect(await drawer().getByRole('button', { name }).isEnabled()).toBe(true);
    expect(await text(drawer().getByRole('table', { name: 'Headers' }))).toBe('Name Value source web trace-id t-1059');
    await drawer().locator('pre.box').first().getByText('order-59').waitFor();
    expect(await unlabelledControls(page), 'controls without an accessible name in the panel').toEqual([]);
    await page.mouse.move(300, 780);
    await noToasts();
    await screenshot(page, 'message-detail-json');

    await drawer().getByRole('radiogroup', { name: 'Show the value as' }).getByText('Hex', { exact: true }).click();
    await eventually(async () => expect(await value.innerText()).toMatch(/^00000000 {2}7b 22 69 64 22 3a 35 39/));
    await drawer().getByRole('radiogroup', { name: 'Show the value as' }).getByText('Base64', { exact: true }).click();
    await eventually(async () => expect(await value.innerText()).toMatch(/^eyJpZCI6NTks/));
    await drawer().getByRole('radiogroup', { name: 'Show the value as' }).getByText('Text', { exact: true }).click();
    await eventually(async () => expect(await value.innerText()).toMatch(/^\{"id":59,"customer":"Edsger Dijkstra"/));
    await drawer().getByRole('button', { name: 'Copy value' }).click();
    await page.getByText('Value copied').waitFor();

    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
  });

  it('works from the keyboard: / to search, arrows through rows, Enter opens, Esc closes', async () => {
    await page.mouse.click(5, 790);
    await page.keyboard.press('/');
    expect(await focused('aria-label')).toBe('Search text');
    await page.keyboard.press('Escape');
    await rowsLocator().first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focused('data-row-key')).toBe('0:19');
    await page.keyboard.press('Enter');
    await drawer().getByText('Partition 0 · offset 19').waitFor();
    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
    await eventually(async () => expect(await focused('data-row-key')).toBe('0:19'));
  });

  it('searches in the engine: text in headers, regular expressions, and a bad pattern explained', async () => {
    await openMessages('orders');
    const box = page.getByLabel('Search text');
    await box.fill('T-1042');
    await page.getByRole('checkbox', { name: 'Key' }).click();
    await page.getByRole('checkbox', { name: 'Value' }).click();
    await box.press('Enter');
    await eventually(async () =>
      expect(await text(searchProgress())).toMatch(/^1 match in 60 messages \(all partitions\) · scanned in \d+ ms/),
    );
    expect((await readTable(table())).map((r) => r.Key)).toEqual(['order-42']);

    await page.getByRole('checkbox', { name: 'Key' }).click();
    await page.getByRole('checkbox', { name: 'Value' }).click();
    await mode('Regex');
    await box.fill('"total":10\\d\\.');
    await box.press('Enter');
    // Only order 6 has a total of 10x.yy (104.1).
    await eventually(async () => expect(await text(searchProgress())).toMatch(/^1 match in 60 messages/));
    expect((await readTable(table())).map((r) => r.Key)).toEqual(['order-6']);

    await box.fill('status=(5');
    await box.press('Enter');
    await page
      .getByRole('alert')
      .getByText(/Invalid regular expression.*Unterminated group/)
      .waitFor();
    await page.getByRole('button', { name: 'Clear the search and go back to browsing' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/^60 messages/));
  });

  it(`scans ${fmt(BIG)} messages with progress and a Stop button while the page stays responsive`, async () => {
    await openMessages('clickstream');
    await mode('Regex');
    const box = page.getByLabel('Search text');
    // Every 50th batch: the record stamped "batch":"B…00" or "B…50", 1 in 50,000 messages.
    await box.fill('"batch":"B\\d{4}[05]0"');
    // Measure frame gaps in the page while the engine scans.
    await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      w.nbFrames = { max: 0, frames: 0, stop: false };
      let last = performance.now();
      const tick = (t: number) => {
        w.nbFrames.max = Math.max(w.nbFrames.max, t - last);
        w.nbFrames.frames++;
        last = t;
        if (!w.nbFrames.stop) w.requestAnimationFrame(tick);
      };
      w.requestAnimationFrame(tick);
    });
    await box.press('Enter');
    await eventually(
      async () =>
        expect(await text(searchProgress())).toMatch(
          new RegExp(
            `^Searching all partitions: scanned [1-9][\\d,]* of ${fmt(BIG)} messages · [\\d,]+ match(es)? so far`,
          ),
        ),
      20_000,
    );
    // While it runs, the page still answers: a click shows at once.
    const t0 = Date.now();
    const matchCase = page.getByRole('checkbox', { name: 'Match case' });
    await matchCase.click();
    expect(await matchCase.isChecked()).toBe(true);
    const clickMs = Date.now() - t0;
    await matchCase.click();
    await eventually(async () => expect(await rowsLocator().count()).toBeGreaterThan(3));
    await page.waitForTimeout(300);
    await page.mouse.move(1200, 780);
    await noToasts();
    await screenshot(page, 'message-search');
    const scanningFor = await page.evaluate(() => (globalThis as unknown as PageGlobals).nbFrames);
    await page.getByRole('button', { name: 'Stop the search' }).click();
    await eventually(async () =>
      expect(await text(searchProgress())).toMatch(
        new RegExp(`^Stopped after scanning [1-9][\\d,]* of ${fmt(BIG)} messages · [1-9][\\d,]* match(es)?`),
      ),
    );
    const stoppedAt = Number(/scanning ([\d,]+)/.exec(await text(searchProgress()))![1]!.replace(/,/g, ''));
    expect(stoppedAt).toBeLessThan(BIG);
    // Newest first: the first match is the newest batch ending in 50, each match 50,000 offsets before the last.
    const found = await readTable(table());
    expect(found[0]!.Value).toContain(`"batch":"B${String(Math.floor((BIG / 1000 - 1) / 50) * 50).padStart(6, '0')}"`);
    expect(found.length).toBeGreaterThan(3);
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).nbFrames.stop = true;
    });
    figures.pageDuringScan = {
      longestFrameGapMs: Math.round(scanningFor.max),
      framesMeasured: scanningFor.frames,
      clickToCheckedMs: clickMs,
      stoppedAfterScanning: stoppedAt,
    };
    // The page kept drawing frames while the engine scanned.
    expect(scanningFor.frames).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Clear the search and go back to browsing' }).click();
  });

  it('scans all 1,000,000 messages in the engine and reports the time it took', async () => {
    await openMessages('audit-log');
    await mode('Text');
    const box = page.getByLabel('Search text');
    await box.fill('nobody changed this');
    await box.press('Enter');
    await eventually(
      async () =>
        expect(await text(searchProgress())).toMatch(
          /^No matches in 1,000,000 messages \(all partitions\) · scanned in (\d+ ms|\d+\.\d s) · [\d.,]+ M? ?messages\/s/,
        ),
      20_000,
    );
    const shown = await text(searchProgress());

    // The same scans from a script, timed by the engine itself (elapsedMs of the final event).
    const scanned: Record<string, unknown> = { shownInPage: shown };
    for (const [label, q] of [
      ['text', { pattern: 'nobody changed this', mode: 'text' }],
      ['regex', { pattern: 'setting \\w+ from 9\\d{6}', mode: 'regex' }],
    ] as const) {
      const events: SearchStatus[] = [];
      const off = script.on('searchProgress', (s) => events.push(s));
      const t0 = Date.now();
      const started = await script.api.startSearch({ topic: 'audit-log', ...q });
      await eventually(
        async () => expect(events.some((e) => e.searchId === started.searchId && e.state !== 'running')).toBe(true),
        30_000,
      );
      off();
      const end = events.filter((e) => e.searchId === started.searchId).at(-1)!;
      expect(end).toMatchObject({ state: 'done', scanned: AUDIT, total: AUDIT });
      scanned[label] = {
        engineMs: end.elapsedMs,
        wallMs: Date.now() - t0,
        messagesPerSecond: Math.round(AUDIT / (end.elapsedMs / 1000)),
        progressEvents: events.length - 1,
      };
      expect(end.elapsedMs).toBeGreaterThan(0);
    }
    figures.scan1M = scanned;
  });

  it('tails new messages live, newest on top', async () => {
    await openMessages('orders');
    await page.getByRole('switch', { name: 'Live tail' }).click();
    await eventually(async () => expect(await text(status())).toMatch(/^Live · newest first · 0 new messages/));
    for (const n of [1, 2, 3]) {
      await script.api.produce({
        topic: 'orders',
        records: [{ key: `live-${n}`, value: `live message ${n}`, partition: n % 3 }],
      });
      await new Promise((r) => setTimeout(r, 150));
    }
    await eventually(async () =>
      expect((await readTable(table())).slice(0, 3).map((r) => r.Value)).toEqual([
        'live message 3',
        'live message 2',
        'live message 1',
      ]),
    );
    expect(await text(status())).toMatch(
      /^Live · newest first · 3 new messages since it started · keeps the newest 1,000$/,
    );
    await page.getByRole('switch', { name: 'Live tail' }).click();
  });

  it('shows a value over 1 MB cut, with a way to load it whole', async () => {
    await openMessages('blobs');
    const row = await firstRow();
    expect(row.Size).toBe('1.4 MB');
    expect(row.Value).toMatch(/^\{"rows":"rrrr.*…$/);
    await rowsLocator().first().click();
    const cut = drawer().getByRole('alert').filter({ hasText: 'This value is' });
    await eventually(async () =>
      expect(await text(cut)).toMatch(/^This value is 1\.4 MB; the first 1\.0 MB is shown\. Load full value$/),
    );
    await cut.getByRole('button', { name: 'Load full value' }).click();
    await cut.waitFor({ state: 'detached' });
    // Whole now, it is JSON: the view shows the start of the 1,500,000-character string, and Copy gives all of it.
    const view = drawer().getByLabel('Value (json)');
    await eventually(async () =>
      expect(await view.innerText()).toMatch(
        /^\{\n {2}"rows": "r{1999} … 1,498,002 more characters \(Copy gives all\)\n\}$/,
      ),
    );
    await page.keyboard.press('Escape');
  });

  it('produces a message with key, JSON value, headers, chosen partition; sends it again; a tombstone', async () => {
    await openMessages('orders');
    await page.getByRole('button', { name: 'Produce message' }).click();
    const dialog = produceDialog();
    await dialog.waitFor();
    await dialog.locator('.n-select').click();
    await page.locator('.n-base-select-option', { hasText: /^\s*Partition 1\s*$/ }).click();
    await dialog.getByLabel('Key', { exact: true }).fill('order-100');
    const value = dialog.getByLabel('Value', { exact: true });
    await value.fill('{"id": 100, "customer": "Barbara Liskov",');
    await dialog.getByText(/^Not valid JSON: /).waitFor();
    expect(await dialog.getByRole('button', { name: 'Produce', exact: true }).isDisabled()).toBe(true);
    await value.fill('{"id": 100, "customer": "Barbara Liskov", "total": 99.5}');
    await dialog.getByRole('button', { name: 'Add header' }).click();
    await dialog.getByLabel('Header 1 name').fill('source');
    await dialog.getByLabel('Header 1 value').fill('e2e');
    await dialog.getByRole('button', { name: 'Produce', exact: true }).click();
    const result = dialog.getByRole('alert', { name: 'Produce result' });
    expect(await unlabelledControls(page), 'controls without an accessible name in the dialog').toEqual([]);
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 1 at offset 21 · 2\d{3}-/));
    await page.mouse.move(1200, 780);
    await noToasts();
    await screenshot(page, 'produce-dialog');

    await dialog.getByRole('button', { name: 'Send the same message again' }).click();
    await eventually(async () => expect(await text(result)).toMatch(/^Sent again \(1×\) Partition 1 at offset 22 /));
    await dialog.getByRole('switch', { name: 'Tombstone (null value)' }).click();
    await dialog.getByRole('button', { name: 'Produce', exact: true }).click();
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 1 at offset 23 /));

    const [sent, again, tomb] = await script.api.readRecords({
      topic: 'orders',
      partition: 1,
      start: { type: 'offset', offset: 21 },
      limit: 3,
    });
    for (const r of [sent!, again!]) {
      expect(Buffer.from(r.key!, 'base64').toString()).toBe('order-100');
      expect(JSON.parse(Buffer.from(r.value!, 'base64').toString())).toEqual({
        id: 100,
        customer: 'Barbara Liskov',
        total: 99.5,
      });
      expect(r.headers).toEqual([{ key: 'source', value: Buffer.from('e2e').toString('base64') }]);
    }
    expect(tomb!.value).toBeNull();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('sends a message again and copies it to a new message from the browser', async () => {
    await page.getByRole('button', { name: 'Previous page' }).waitFor();
    await choose('Start at', 'Latest');
    await eventually(async () => expect((await firstRow()).Key).toBe('order-100'));
    // The newest is the tombstone; the one below it is the JSON order.
    await rowsLocator().nth(1).click();
    await drawer().getByText('Partition 1 · offset 22').waitFor();
    await drawer().getByRole('button', { name: 'Send this message again' }).click();
    await page.getByText('Sent again to partition 1 at offset 24').waitFor();
    await drawer().getByRole('button', { name: 'Copy to a new message' }).click();
    const dialog = produceDialog();
    await dialog.waitFor();
    expect(await dialog.getByLabel('Key', { exact: true }).inputValue()).toBe('order-100');
    expect(JSON.parse(await dialog.getByLabel('Value', { exact: true }).inputValue())).toEqual({
      id: 100,
      customer: 'Barbara Liskov',
      total: 99.5,
    });
    expect(await dialog.getByLabel('Header 1 name').inputValue()).toBe('source');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it(`opens a topic of ${fmt(BIG)} messages and jumps to any offset (times: npm run bench)`, async () => {
    await page.goto(`${base}#/topics`);
    await page.locator('td', { hasText: 'clickstream' }).first().waitFor();
    const t0 = Date.now();
    await page.goto(`${base}#/topics/clickstream/messages`);
    await page.locator(`.message-table tbody tr[data-row-key="0:${BIG - 1}"]`).waitFor();
    const openWall = Date.now() - t0;
    const openInPage = await lastShownMs();
    expect(await text(status())).toBe(
      `100 messages of ${fmt(BIG)} · newest first · partition 0, offsets ${fmt(BIG - 100)} – ${fmt(BIG - 1)}`,
    );

    await choose('Start at', 'Offset');
    const jumps: Array<{ offset: number; inPage: number; wall: number }> = [];
    for (const offset of [
      Math.floor(BIG * 0.7654321),
      0,
      Math.floor(BIG / 2) + 1,
      BIG - 100,
      Math.floor(BIG * 0.1234567),
      Math.floor(BIG * 0.9),
    ]) {
      const j = await jumpTo(offset);
      jumps.push({ offset, ...j });
      expect((await firstRow()).Offset).toBe(fmt(offset));
    }
    await page.mouse.move(1200, 780);
    await noToasts();
    await screenshot(page, 'messages-10m-jump');
    const inPage = jumps.map((j) => j.inPage).sort((a, b) => a - b);
    figures.bigTopic = {
      messages: BIG,
      openMs: { inPage: openInPage, wall: openWall },
      jumps,
      jumpInPageMs: { median: inPage[Math.floor(inPage.length / 2)], max: inPage[inPage.length - 1] },
    };
  });

  it('works in the dark theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openMessages('orders');
    await rowsLocator().first().click();
    await drawer().waitFor();
    await page.waitForTimeout(500);
    const bg = await drawer().evaluate(
      (el: { closest(s: string): unknown }) =>
        (globalThis as unknown as PageGlobals).getComputedStyle(el.closest('.n-drawer') ?? el).backgroundColor,
    );
    expect(bg).not.toBe('rgb(255, 255, 255)');
    await page.mouse.move(300, 780);
    await noToasts();
    await screenshot(page, 'messages-dark');
    await page.keyboard.press('Escape');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
