/**
 * The message browser's workbench views through the UI, in Chromium on serve mode: the start-time picker
 * (typed ISO text in the local zone or UTC, epoch milliseconds, a calendar; refusals in words; per partition
 * where the read started or that nothing is after the time), the JSON view of the detail panel (colours,
 * folding, copy of a subtree, a large value drawn a window at a time), and producing keys and values as text,
 * JSON or base64, whose bytes are read back with kcat, an independent client.
 *
 * The browser and this process run in Asia/Kolkata (UTC+05:30, no daylight saving time), so local time and
 * UTC differ by a known amount on every machine. Records carry fixed 2025 timestamps on topics that keep
 * them forever (retention.ms -1).
 */
process.env.TZ = 'Asia/Kolkata';

import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Locator, Page } from 'playwright-core';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, unlabelledControls } from './support/tables-and-labels';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;
let bootstrap: string;

/** A local (Kolkata) wall-clock time in 2025 as epoch milliseconds. */
const local = (month: number, day: number, hour: number, minute = 0) =>
  Date.UTC(2025, month - 1, day, hour, minute) - 330 * 60_000;
const KEEP = { 'retention.ms': '-1' };

const rows = () => page.locator('.message-table tbody tr[data-row-key]');
const table = () => page.locator('.message-table .n-data-table');
const drawer = () => page.getByRole('dialog', { name: /^Message details/ });
const produceDialog = () => page.getByRole('dialog', { name: 'Produce a message' });
const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();
const problem = () => page.getByTestId('start-problem');
const starts = () => page.getByRole('status', { name: 'Timestamp starts' });

async function choose(selectLabel: string, option: string): Promise<void> {
  await page.locator('.messages-page').getByLabel(selectLabel, { exact: true }).first().click();
  await page.locator('.n-base-select-option', { hasText: new RegExp(`^\\s*${option}\\s*$`) }).click();
}

async function openMessages(topic: string): Promise<void> {
  await page.goto(`${base}#/topics/${topic}/messages`);
  await rows().first().waitFor();
}

/** The row keys on screen ("partition:offset"), in table order. */
const rowKeys = () =>
  rows().evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { rowKey: string } }).dataset.rowKey));

/** One record's key or value bytes as kcat prints them with -f '%k' or '%s' (nothing added, nothing decoded). */
function kcatBytes(topic: string, offset: number, format: '%k' | '%s'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'kcat',
      ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', String(offset), '-c', '1', '-e', '-q', '-f', format],
      { encoding: 'buffer', timeout: 30_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kcat failed: ${err.message}\n${String(stderr)}`)) : resolve(stdout),
    );
  });
}

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '1']);
  base = serve.url.replace(/\?token=.*$/, '');
  bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!.split(',')[0]!;
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  await script.api.createTopic({ name: 'shipments', partitions: 3, replicationFactor: 1, configs: KEEP });
  // Partition 0: 10 March 09:00, 10:00, 11:00; partition 1: 8 March only; partition 2: 11 March 08:00.
  const at = (partition: number, ts: number, n: string) => ({
    partition,
    timestamp: ts,
    key: n,
    value: `shipment ${n}`,
  });
  await script.api.produce({
    topic: 'shipments',
    records: [
      at(0, local(3, 10, 9), 'p0-0900'),
      at(0, local(3, 10, 10), 'p0-1000'),
      at(0, local(3, 10, 11), 'p0-1100'),
      at(1, local(3, 8, 12), 'p1-0308'),
      at(2, local(3, 11, 8), 'p2-0311'),
    ],
  });
  await script.api.createTopic({ name: 'documents', partitions: 1, replicationFactor: 1, configs: KEEP });
  const order = JSON.stringify({
    order: { id: 'o-1', customer: { id: 'c-70', address: { city: 'Lyon', geo: { lat: 45.76 } } } },
    items: [1, 2],
  }).replace('"items"', '"big":12345678901234567890,"items"');
  const big = JSON.stringify(
    Array.from({ length: 9000 }, (_, i) => ({ id: i, lines: [{ sku: `s-${i}`, qty: i % 7 }], note: 'n'.repeat(40) })),
  );
  await script.api.produce({
    topic: 'documents',
    records: [
      { key: 'order', value: order },
      { key: 'catalogue', value: big },
    ],
  });
  await script.api.produce({
    topic: 'documents',
    encoding: 'base64',
    records: [{ key: null, value: Buffer.from([0, 1, 2, 255, 254, 0, 7]).toString('base64') }],
  });
  await script.api.createTopic({ name: 'produced', partitions: 1, replicationFactor: 1 });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(serve.url);
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) await serve.stop();
});

describe('start at a timestamp', () => {
  it('refuses what is not a time, in words, and keeps Go disabled', async () => {
    await openMessages('shipments');
    await choose('Start at', 'Timestamp');
    const time = page.getByLabel('Start time', { exact: true });
    const go = page.getByRole('button', { name: 'Go to this position' });
    for (const [typed, why] of [
      ['2025-02-29 10:00', 'February 2025 has no day 29: it has 28 days.'],
      ['2025-03-10 25:00', 'Hour 25 does not exist: hours are 0 to 23.'],
      ['1741580000', /^“1741580000” is too short for milliseconds since 1970.* the milliseconds are 1741580000000\./],
      ['next tuesday', /^“next tuesday” is not a time\. Type a time such as 2025-01-31 14:05:00\.000/],
    ] as const) {
      await time.fill(typed);
      await eventually(async () => expect(await text(problem())).toMatch(why));
      expect(await go.isDisabled()).toBe(true);
      // The text stays as typed.
      expect(await time.inputValue()).toBe(typed);
    }
  });

  it('jumps to the first offset at or after a local time per partition; says which have none after it', async () => {
    const time = page.getByLabel('Start time', { exact: true });
    await time.fill('2025-03-10 10:30');
    await eventually(async () =>
      expect(await text(page.getByTestId('start-resolved'))).toBe(
        'Start at 2025-03-10 10:30:00.000 Asia/Calcutta (UTC+05:30) · 2025-03-10 05:00:00.000 UTC'.replace(
          'Asia/Calcutta',
          await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
        ),
      ),
    );
    await time.press('Enter');
    await eventually(async () => expect(await rowKeys()).toEqual(['0:2', '2:0']));
    expect(await text(starts())).toBe(
      'First message at or after 2025-03-10 10:30:00.000: partition 0 at offset 2, partition 2 at offset 0. ' +
        'Partition 1 has nothing at or after 2025-03-10 10:30:00.000: the page shows the other partitions.',
    );
    expect((await readTable(table())).map((r) => r.Key)).toEqual(['p0-1100', 'p2-0311']);
    await page.mouse.move(1300, 850);
    await screenshot(page, 'messages-start-at-timestamp');
  });

  it('shows the same instant in UTC when switched, and reads typed UTC and epoch milliseconds', async () => {
    const time = page.getByLabel('Start time', { exact: true });
    await page.getByRole('switch', { name: 'Times in UTC' }).click();
    await eventually(async () => expect(await time.inputValue()).toBe('2025-03-10 05:00:00.000'));
    expect(await text(page.getByTestId('start-resolved'))).toMatch(
      /^Start at 2025-03-10 05:00:00\.000 UTC · 2025-03-10 10:30:00\.000 \S+ \(UTC\+05:30\)$/,
    );
    // 03:30 UTC is 09:00 in Kolkata: the first record of partition 0.
    await time.fill('2025-03-10T03:30:00');
    await page.getByRole('button', { name: 'Go to this position' }).click();
    await eventually(async () => expect(await rowKeys()).toEqual(['0:0', '0:1', '0:2', '2:0']));
    expect(await text(starts())).toMatch(
      /^First message at or after 2025-03-10 03:30:00\.000 UTC: partition 0 at offset 0/,
    );

    await time.fill(String(local(3, 11, 8)));
    await time.press('Enter');
    await eventually(async () => expect(await rowKeys()).toEqual(['2:0']));
    expect(await text(starts())).toBe(
      'First message at or after 2025-03-11 02:30:00.000 UTC: partition 2 at offset 0. ' +
        'Partitions 0, 1 have nothing at or after 2025-03-11 02:30:00.000 UTC: the page shows the other partitions.',
    );

    await time.fill(String(local(4, 1, 0)));
    await time.press('Enter');
    await page.getByText('No messages at or after 2025-03-31 18:30:00.000 UTC.').waitFor();
    expect(await text(starts())).toBe('Partitions 0, 1, 2 have nothing at or after 2025-03-31 18:30:00.000 UTC.');
    // An explicit offset is that instant whatever the zone shown; switching back keeps it as typed.
    await page.getByRole('switch', { name: 'Times in UTC' }).click();
    await time.fill('2025-03-10T10:30:00+05:30');
    await time.press('Enter');
    await eventually(async () => expect(await rowKeys()).toEqual(['0:2', '2:0']));
  });

  it('picks a day and time from a calendar, in the local zone, and jumps there', async () => {
    const time = page.getByLabel('Start time', { exact: true });
    await time.fill('2025-03-10 10:30');
    await page.getByRole('button', { name: 'Pick a date and time from a calendar' }).click();
    const picker = page.getByRole('dialog', { name: 'Calendar: pick where to start' });
    await picker.waitFor();
    expect(await picker.innerText()).toMatch(/Times in \S+/);
    await picker.locator('.n-date-panel-date:not(.n-date-panel-date--excluded)', { hasText: /^9$/ }).click();
    await page.mouse.move(1300, 850);
    await screenshot(page, 'messages-start-time-picker');
    await picker.getByRole('button', { name: /^(Confirm|OK)$/ }).click();
    await eventually(async () => expect(await time.inputValue()).toBe('2025-03-09 10:30:00.000'));
    await eventually(async () => expect(await rowKeys()).toEqual(['0:0', '0:1', '0:2', '2:0']));
    expect(await text(starts())).toMatch(/Partition 1 has nothing at or after 2025-03-09 10:30:00\.000/);
  });
});

describe('JSON values in the detail panel', () => {
  const json = () => drawer().getByTestId('json-view');
  const line = (path: string) => json().locator(`.json-line[data-path="${path}"]`);

  it('colours and folds a JSON value, deep levels folded at first, big integers as written', async () => {
    await openMessages('documents');
    await page.locator('.message-table tbody tr[data-row-key="0:0"]').click();
    await json().waitFor();
    expect(await json().innerText()).toBe(
      [
        '{',
        '  "order": {',
        '    "id": "o-1",',
        '    "customer": {',
        '      "id": "c-70",',
        '      "address": { 2 keys }',
        '    }',
        '  },',
        '  "big": 12345678901234567890,',
        '  "items": [',
        '    1,',
        '    2',
        '  ]',
        '}',
      ].join('\n'),
    );
    const colour = (l: Locator) =>
      l.evaluate(
        (e) =>
          (globalThis as unknown as { getComputedStyle(el: unknown): { color: string } }).getComputedStyle(e).color,
      );
    const keyColour = await colour(line('$.big').locator('.j-key'));
    const numberColour = await colour(line('$.big').locator('.j-number'));
    const stringColour = await colour(line('$.order.id').locator('.j-string'));
    expect(new Set([keyColour, numberColour, stringColour]).size).toBe(3);

    await drawer().getByRole('button', { name: 'Unfold $.order.customer.address' }).click();
    await line('$.order.customer.address.city').waitFor();
    expect(await text(line('$.order.customer.address.geo'))).toBe('"geo": { 1 key }');
    await drawer().getByRole('button', { name: 'Fold $.order', exact: true }).click();
    await eventually(async () => expect(await text(line('$.order'))).toBe('"order": { 2 keys },'));
    expect(await line('$.order.id').count()).toBe(0);
    expect(await unlabelledControls(page), 'controls without an accessible name in the panel').toEqual([]);
    await drawer().getByRole('button', { name: 'Unfold $.order', exact: true }).click();
    await line('$.order.customer').hover();
    await page.mouse.move(300, 850);
    await screenshot(page, 'message-detail-json-folding');
  });

  it('copies a subtree and the whole value as pretty JSON, scalars as written', async () => {
    // Runs in the page; typed loosely because the tests compile without the DOM library.
    const clipboard = () =>
      page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      );
    await line('$.order.customer').hover();
    await drawer().getByRole('button', { name: 'Copy $.order.customer', exact: true }).click();
    await page.getByText('Value at $.order.customer copied').waitFor();
    expect(await clipboard()).toBe(
      '{\n  "id": "c-70",\n  "address": {\n    "city": "Lyon",\n    "geo": {\n      "lat": 45.76\n    }\n  }\n}',
    );
    await drawer().getByRole('button', { name: 'Copy value' }).click();
    await eventually(async () => expect(await clipboard()).toContain('"big": 12345678901234567890,'));
    expect(JSON.parse((await clipboard()).replace('12345678901234567890', '1'))).toMatchObject({ items: [1, 2] });
  });

  it('draws a 9,000-item value a window at a time, expanded or not, and scrolls to its end', async () => {
    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
    await page.locator('.message-table tbody tr[data-row-key="0:1"]').click();
    await drawer().getByText('Partition 0 · offset 1').waitFor();
    await json().waitFor();
    const count = drawer().locator('.json-tools .count');
    // Opening the 9,000 items' members would show far more lines than the budget: each item starts folded.
    await eventually(async () => expect(await text(count)).toBe('9,002 lines shown'));
    expect(await text(line('$[0]'))).toBe('{ 3 keys },');
    const drawn = () => json().locator('.json-line').count();
    expect(await drawn()).toBeLessThan(100);
    await drawer().getByRole('button', { name: 'Expand all' }).click();
    await eventually(async () => expect(await text(count)).toBe('90,002 lines shown'));
    expect(await drawn()).toBeLessThan(100);
    await json().evaluate((e) => {
      const el = e as unknown as { scrollTop: number; scrollHeight: number };
      el.scrollTop = el.scrollHeight;
    });
    await line('$[8999].note').waitFor();
    expect(await drawn()).toBeLessThan(100);
    await drawer().getByRole('button', { name: 'Fold all' }).click();
    await eventually(async () => expect(await text(count)).toBe('9,002 lines shown'));
  });

  it('keeps text, hex and base64 for a value that is not JSON', async () => {
    await page.keyboard.press('Escape');
    await drawer().waitFor({ state: 'hidden' });
    await page.locator('.message-table tbody tr[data-row-key="0:2"]').click();
    await drawer().getByText('Partition 0 · offset 2').waitFor();
    const views = drawer().getByRole('radiogroup', { name: 'Show the value as' });
    await eventually(async () =>
      expect(await text(drawer().getByLabel('Value (hex)'))).toMatch(/^00000000 00 01 02 ff fe 00 07/),
    );
    for (const [name, disabled] of [
      ['Text', true],
      ['JSON', true],
      ['Hex', false],
      ['Base64', false],
    ] as const)
      expect(await views.getByRole('radio', { name }).isDisabled(), name).toBe(disabled);
    expect(await json().count()).toBe(0);
    await page.keyboard.press('Escape');
  });
});

describe('producing keys and values as text, JSON or base64', () => {
  async function formatOf(dialog: Locator, which: 'Key format' | 'Value format', f: 'Text' | 'JSON' | 'Base64') {
    await dialog.getByRole('radiogroup', { name: which }).getByText(f, { exact: true }).click();
  }

  it('refuses a key or value that is not what its format says, in words, keeping the text', async () => {
    await openMessages('shipments');
    await page.getByRole('button', { name: 'Produce message' }).click();
    const dialog = produceDialog();
    await dialog.waitFor();
    const key = dialog.getByLabel('Key', { exact: true });
    const value = dialog.getByLabel('Value', { exact: true });
    const produce = dialog.getByRole('button', { name: 'Produce', exact: true });
    await formatOf(dialog, 'Key format', 'Base64');
    for (const [typed, why] of [
      [
        'AB==',
        'Not valid base64: The last character before the padding has bits that are not zero: it would be read as AA==, not AB==',
      ],
      ['AAE', 'Not valid base64: 3 characters is not a multiple of 4: base64 is padded with = to a multiple of 4'],
      ['AA*A', 'Not valid base64: “*” is not a base64 character: use A–Z, a–z, 0–9, + and /, padded with ='],
    ]) {
      await key.fill(typed);
      await dialog.getByText(why, { exact: true }).waitFor();
      expect(await produce.isDisabled()).toBe(true);
      expect(await key.inputValue()).toBe(typed);
    }
    await key.fill('AAEC/w==');
    await dialog.getByText('Decodes to 4 bytes', { exact: true }).waitFor();
    await formatOf(dialog, 'Key format', 'JSON');
    await key.fill('{"k": 1');
    await dialog.getByText(/^Not valid JSON: /).waitFor();
    expect(await produce.isDisabled()).toBe(true);
    await formatOf(dialog, 'Value format', 'Base64');
    await value.fill('3q2+7w=');
    await dialog.getByText(/^Not valid base64: 7 characters is not a multiple of 4/).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('produces exactly the bytes typed, as kcat reads them', async () => {
    await page.goto(`${base}#/topics/produced/messages`);
    await page.getByRole('button', { name: 'Produce message' }).first().click();
    const dialog = produceDialog();
    await dialog.waitFor();
    const key = dialog.getByLabel('Key', { exact: true });
    const value = dialog.getByLabel('Value', { exact: true });
    const produce = dialog.getByRole('button', { name: 'Produce', exact: true });
    const result = dialog.getByRole('alert', { name: 'Produce result' });

    // 1: a binary key in base64, a JSON value as typed (spaces, 1.50 and the big integer kept).
    await formatOf(dialog, 'Key format', 'Base64');
    await key.fill('AAEC/w==');
    await formatOf(dialog, 'Value format', 'JSON');
    const typedJson = '{ "id": 1.50,\n  "big": 12345678901234567890 }';
    await value.fill(typedJson);
    await produce.click();
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 0 at offset 0 /));
    expect(await unlabelledControls(page), 'controls without an accessible name in the dialog').toEqual([]);
    await screenshot(page, 'produce-key-formats');

    // 2: a JSON key, a base64 value that is not text.
    await formatOf(dialog, 'Key format', 'JSON');
    await key.fill('{"tenant": "t-9", "n": 2}');
    await formatOf(dialog, 'Value format', 'Base64');
    await value.fill('3q2+\n7w==');
    await produce.click();
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 0 at offset 1 /));

    // 3: text key and value, unicode included; 4: no key.
    await formatOf(dialog, 'Key format', 'Text');
    await key.fill('café ☕');
    await formatOf(dialog, 'Value format', 'Text');
    await value.fill('plain text, not JSON {');
    await produce.click();
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 0 at offset 2 /));
    await key.fill('');
    await produce.click();
    await eventually(async () => expect(await text(result)).toMatch(/^Produced Partition 0 at offset 3 /));
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();

    expect([...(await kcatBytes('produced', 0, '%k'))]).toEqual([0, 1, 2, 255]);
    expect((await kcatBytes('produced', 0, '%s')).toString('utf8')).toBe(typedJson);
    expect((await kcatBytes('produced', 1, '%k')).toString('utf8')).toBe('{"tenant": "t-9", "n": 2}');
    expect([...(await kcatBytes('produced', 1, '%s'))]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect((await kcatBytes('produced', 2, '%k')).toString('utf8')).toBe('café ☕');
    expect((await kcatBytes('produced', 2, '%s')).toString('utf8')).toBe('plain text, not JSON {');
    const [noKey] = await script.api.readRecords({
      topic: 'produced',
      partition: 0,
      start: { type: 'offset', offset: 3 },
      limit: 1,
    });
    expect(noKey!.key).toBeNull();
  });

  it('copies a message with a binary key to a new one as base64, so its bytes come through', async () => {
    // Read afresh from another page: the browser opened on the empty topic. The Topics list is on screen before
    // the browser opens again, so the router really left the messages page.
    await page.goto(`${base}#/topics`);
    await page.locator('td', { hasText: 'produced' }).first().waitFor();
    await openMessages('produced');
    await page.locator('.message-table tbody tr[data-row-key="0:0"]').click();
    await drawer().getByText('Partition 0 · offset 0').waitFor();
    await drawer().getByRole('button', { name: 'Copy to a new message' }).click();
    const dialog = produceDialog();
    await dialog.waitFor();
    expect(await dialog.getByLabel('Key', { exact: true }).inputValue()).toBe('AAEC/w==');
    const keyFormat = dialog.getByRole('radiogroup', { name: 'Key format' });
    expect(await keyFormat.getByRole('radio', { name: 'Base64' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });
});
