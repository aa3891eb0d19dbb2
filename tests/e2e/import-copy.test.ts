/**
 * Export, import and copy through the UI, end to end (serve mode, real Chromium), each result checked with kcat,
 * an independent Kafka client, not only through our own API: a partition range exported as a download, a search's
 * matches exported, an export uploaded into another topic after a dry run (same partitions, keys, values, headers,
 * timestamps), a file with bad lines refused with line numbers, and a copy to another topic after a dry run.
 * Screenshots of the three dialogs go to tests/artifacts/screenshots (docs/screenshots with UPDATE_SCREENSHOTS=1).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

const run = promisify(execFile);
// Recent times: older records would fall to the default 7-day retention while the test runs.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;
let bootstrap: string;
let dir: string;

/** A topic as kcat reads it: "partition|offset|timestamp|key|value|headers" per record, sorted. */
async function kcat(topic: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p|%o|%T|%k|%s|%h\n'], {
    timeout: 60_000,
  });
  return stdout.split('\n').filter(Boolean).sort();
}
const withoutOffset = (lines: string[]) =>
  lines
    .map((l) =>
      l
        .split('|')
        .filter((_, i) => i !== 1)
        .join('|'),
    )
    .sort();

async function openMessages(topic: string): Promise<void> {
  await page.goto(`${base}#/topics/${topic}/messages`);
  await page.locator('.message-table').waitFor();
}

async function pick(label: string, option: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).first().click();
  await page.locator('.n-base-select-option', { hasText: option }).first().click();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nb-e2e-import-'));
  serve = await startServeProcess(['--brokers', '1']);
  base = serve.url.replace(/\?token=.*$/, '');
  bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!;
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  for (const name of ['orders', 'imported', 'copies', 'strict'])
    await script.api.createTopic({ name, partitions: 3, replicationFactor: 1 });
  await script.api.produce({
    topic: 'orders',
    records: Array.from({ length: 30 }, (_, n) => ({
      key: `order-${n}`,
      value: JSON.stringify({ id: n, note: n % 5 === 0 ? 'gift, "wrapped"' : 'plain' }),
      headers: { source: n % 2 ? 'web' : 'mobile' },
      partition: n % 3,
      timestamp: T0 + n * 1000,
    })),
  });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.setViewportSize({ width: 1440, height: 900 });
  page.setDefaultTimeout(15_000);
  await page.goto(serve.url);
  await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
}, 120_000);

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page)
    await screenshot(page, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

async function exportDownload(setup: (dialog: ReturnType<Page['getByRole']>) => Promise<void>): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    (async () => {
      await page.getByRole('button', { name: /^Export (all partitions|partition \d+)$/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Export messages' });
      await setup(dialog);
      await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    })(),
  ]);
  const file = join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  await page.keyboard.press('Escape');
  return file;
}

describe('export, import and copy', () => {
  it('exports a partition offset range, and a search’s matches', async () => {
    await openMessages('orders');
    const range = await exportDownload(async (dialog) => {
      await dialog.getByText('A range of offsets or times').click();
      await pick('Source partition', 'Partition 1');
      await dialog.getByLabel('From offset').fill('2');
      await dialog.getByLabel('To offset').fill('5');
      await screenshot(page, 'workbench-export-dialog');
    });
    const lines = readFileSync(range, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.partition, l.offset, l.key])).toEqual([
      [1, 2, 'order-7'],
      [1, 3, 'order-10'],
      [1, 4, 'order-13'],
    ]);

    const box = page.getByLabel('Search text');
    await box.fill('wrapped');
    await box.press('Enter');
    await eventually(async () =>
      expect(await page.getByRole('status', { name: 'Search progress' }).innerText()).toMatch(/^6 matches/),
    );
    const matches = await exportDownload(async (dialog) => {
      await dialog.getByText(/Matches of the text search/).click();
    });
    const found = readFileSync(matches, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).key);
    expect(found.sort()).toEqual(['order-0', 'order-10', 'order-15', 'order-20', 'order-25', 'order-5']);
    await page.getByRole('button', { name: 'Clear the search and go back to browsing' }).click();
  });

  it('exports the messages ticked in two views of the topic, and counts them in a copy dry run', async () => {
    await openMessages('orders');
    // A row's tick box, by "partition:offset".
    const tick = (id: string) => {
      const [p, o] = id.split(':');
      return page.getByRole('checkbox', { name: `Tick partition ${p}, offset ${o}`, exact: true });
    };
    await tick('2:9').click();
    await tick('0:9').click();
    // Ticking does not open the message.
    expect(await page.getByRole('dialog', { name: /^Message details/ }).count()).toBe(0);
    const ticked = page.getByRole('status', { name: 'Messages ticked' });
    await eventually(async () => expect(await ticked.innerText()).toMatch(/^2 messages ticked/));
    // Another view of the topic: the ticks made in the first are kept.
    await pick('Partition', 'Partition 1');
    await tick('1:0').click();
    await eventually(async () => expect(await ticked.innerText()).toMatch(/^3 messages ticked/));
    await screenshot(page, 'workbench-ticked-messages');

    const file = await exportDownload(async (dialog) => {
      // Ticked messages are what the dialog offers first.
      expect(await dialog.getByRole('radio', { name: 'The 3 messages ticked' }).isChecked()).toBe(true);
    });
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.partition, l.offset, l.key])).toEqual([
      [0, 9, 'order-27'],
      [1, 0, 'order-1'],
      [2, 9, 'order-29'],
    ]);

    await page.getByRole('button', { name: 'Copy messages to a topic' }).click();
    const copy = page.getByRole('dialog', { name: 'Copy messages' });
    expect(await copy.getByRole('radio', { name: 'The 3 messages ticked' }).isChecked()).toBe(true);
    await pick('Target topic', 'strict');
    await copy.getByRole('button', { name: 'Dry run' }).click();
    await eventually(async () =>
      expect(await copy.getByRole('status', { name: 'Dry run result' }).innerText()).toMatch(
        /3 messages would be copied to strict/,
      ),
    );
    await page.keyboard.press('Escape');
    await ticked.getByRole('button', { name: 'Clear ticks' }).click();
    await eventually(async () => expect(await ticked.count()).toBe(0));
  });

  it('imports an export into another topic after a dry run: kcat reads the same records', async () => {
    await openMessages('orders');
    const whole = await exportDownload(async (dialog) => {
      // The dialog keeps the last choice: back to the whole topic.
      await dialog.getByText('A range of offsets or times').click();
      await pick('Source partition', 'All partitions');
      await dialog.getByLabel('From offset').fill('');
      await dialog.getByLabel('To offset').fill('');
    });
    await openMessages('imported');
    await page.getByRole('button', { name: 'Import messages from a file' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import messages' });
    await dialog.locator('input[type=file]').setInputFiles(whole);
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    const status = dialog.getByRole('status', { name: 'Dry run result' });
    await eventually(async () => expect(await status.innerText()).toMatch(/30 messages to import, 0 bad lines/));
    expect(await dialog.getByRole('table', { name: 'Messages per partition' }).innerText()).toMatch(
      /Partition 0\s+10\s+Partition 1\s+10\s+Partition 2\s+10/,
    );
    expect(await kcat('imported')).toEqual([]);
    await screenshot(page, 'workbench-import-dialog');
    await dialog.getByRole('button', { name: 'Import 30 messages' }).click();
    await eventually(async () =>
      expect(await dialog.getByLabel('Import result').innerText()).toMatch(/Imported 30 messages into imported/),
    );
    expect(await kcat('imported')).toEqual(await kcat('orders'));
    await page.keyboard.press('Escape');
  });

  it('refuses a file with bad lines, naming them, and writes nothing', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      ['{"key":"a","value":"1","partition":0}', '{"key": "broken"', '{"key":"c","value":7}'].join('\n'),
    );
    await openMessages('strict');
    await page.getByRole('button', { name: 'Import messages from a file' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import messages' });
    await dialog.locator('input[type=file]').setInputFiles(file);
    await dialog.getByRole('button', { name: 'Check (dry run)' }).click();
    const bad = dialog.getByRole('list', { name: 'Bad lines' });
    await eventually(async () => expect(await bad.innerText()).toMatch(/Line 2: not JSON/));
    expect(await bad.innerText()).toMatch(/Line 3: value must be a string or null/);
    expect(await dialog.getByRole('button', { name: /^Import 1 message/ }).isDisabled()).toBe(true);
    await screenshot(page, 'workbench-import-bad-lines');
    expect(await kcat('strict')).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('copies a topic to another after a dry run, partitions and timestamps kept: kcat reads the same', async () => {
    await openMessages('orders');
    await page.getByRole('button', { name: 'Copy messages to a topic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy messages' });
    await dialog.getByText('A range of offsets or times').click();
    await pick('Target topic', 'copies');
    await dialog.getByText('Keep partitions (same partition number)').click();
    await dialog.getByRole('button', { name: 'Dry run' }).click();
    await eventually(async () =>
      expect(await dialog.getByRole('status', { name: 'Dry run result' }).innerText()).toMatch(
        /30 messages would be copied to copies/,
      ),
    );
    expect(await kcat('copies')).toEqual([]);
    await screenshot(page, 'workbench-copy-dialog');
    await dialog.getByRole('button', { name: 'Copy 30 messages' }).click();
    await eventually(async () =>
      expect(await dialog.getByLabel('Copy result').innerText()).toMatch(/Copied 30 messages to copies/),
    );
    expect(withoutOffset(await kcat('copies'))).toEqual(withoutOffset(await kcat('orders')));
    await page.keyboard.press('Escape');
  });
});
