/**
 * Topics, topic detail, the replica map and broker chaos, end to end: serve
 * mode with a real 3-broker cluster, real Chromium, and checks of what a
 * person sees, compared with what a script reads from the engine over the
 * same WebSocket API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, rowOf, unlabelledControls } from './support/tables-and-labels';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;

const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByText(label, { exact: true }).click();
const topicsTable = () => page.locator('[aria-label="Topics"].n-data-table');
const statValue = async (p: Page, label: string) =>
  (await p.getByRole('group', { name: label, exact: true }).innerText()).replace(/\s+/g, ' ');
/** What has the keyboard focus: its aria-label, or a table row's key. */
const focusedLabel = () =>
  page.evaluate<string>(
    "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.getAttribute('data-row-key') ?? ''",
  );

async function expectNoUnlabelled(where: string, p: Page = page) {
  const missing = await unlabelledControls(p);
  expect(missing, `controls without an accessible name on ${where}`).toEqual([]);
}

async function dismissMessages(p: Page = page) {
  // Success toasts fade by themselves; wait them out so pictures show the page, not the toast.
  await p
    .locator('.n-message')
    .first()
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
}

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  await script.api.createTopic({ name: 'orders', partitions: 6, replicationFactor: 3 });
  await script.api.createTopic({
    name: 'payments',
    partitions: 3,
    replicationFactor: 2,
    configs: { 'cleanup.policy': 'compact' },
  });
  await script.api.createTopic({ name: '__audit', partitions: 1, replicationFactor: 3 });
  await script.api.produce({
    topic: 'orders',
    records: Array.from({ length: 1234 }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({ id: i, total: (i * 37) % 500, note: 'x'.repeat(60) }),
    })),
  });
  await script.api.produce({
    topic: 'payments',
    records: Array.from({ length: 56 }, (_, i) => ({ key: `p-${i % 20}`, value: `payment ${i}` })),
  });
  // A few more, so the list looks like a cluster in use.
  await script.api.createTopic({
    name: 'clickstream',
    partitions: 12,
    replicationFactor: 3,
    configs: { 'retention.ms': '3600000' },
  });
  await script.api.createTopic({
    name: 'user-profiles',
    partitions: 4,
    replicationFactor: 3,
    configs: { 'cleanup.policy': 'compact,delete' },
  });
  await script.api.createTopic({ name: 'audit-log', partitions: 1, replicationFactor: 1 });
  for (let batch = 0; batch < 5; batch++) {
    await script.api.produce({
      topic: 'clickstream',
      records: Array.from({ length: 5000 }, (_, i) => ({
        key: `session-${(batch * 5000 + i) % 977}`,
        value: `{"page":"/products/${i % 300}","ms":${i % 900}}`,
      })),
    });
  }
  await script.api.produce({
    topic: 'user-profiles',
    records: Array.from({ length: 300 }, (_, i) => ({ key: `user-${i % 120}`, value: `{"name":"user ${i}"}` })),
  });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  browser.context.setDefaultTimeout(10_000);
  await page.goto(serve.url);
  await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
});

describe('topics', () => {
  it('lists topics with their figures, hides internal ones unless asked, and searches with /', async () => {
    // The main navigation is made of links: reachable with Tab, opened with Enter.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topics' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/topics$/);
    const table = topicsTable();
    await rowOf(table, 'orders').waitFor();
    // At the window's default 1280 px the columns that say least give way, saying so, and each row's menu stays in
    // sight; a wider window shows every column.
    expect(await page.getByTestId('hidden-columns').innerText()).toBe(
      'Not shown at this width: Cleanup policy, Groups. Widen the window to see them.',
    );
    const menu = rowOf(table, 'orders').getByRole('button', { name: 'Actions for orders' });
    const [menuBox, tableBox] = [await menu.boundingBox(), await table.boundingBox()];
    expect(menuBox!.x + menuBox!.width).toBeLessThanOrEqual(tableBox!.x + tableBox!.width);
    await page.setViewportSize({ width: 1600, height: 800 });
    await page.getByTestId('hidden-columns').waitFor({ state: 'detached' });
    const rows = await readTable(table);
    await page.setViewportSize({ width: 1280, height: 800 });
    const names = ['audit-log', 'clickstream', 'orders', 'payments', 'user-profiles'];
    expect(rows.map((r) => r.Name)).toEqual(names);
    const orders = rows.find((r) => r.Name === 'orders')!;
    expect(orders).toMatchObject({
      Partitions: '6',
      Replication: '3',
      Messages: '1,234',
      'Under-replicated': '0',
      'Cleanup policy': 'delete',
    });
    expect(orders.Size).toMatch(/^\d+(\.\d)? KB$/);
    // Compacted: its count is an offset span, so at most that many records remain.
    expect(rows.find((r) => r.Name === 'payments')).toMatchObject({
      Partitions: '3',
      Replication: '2',
      Messages: '≤ 56',
      'Cleanup policy': 'compact',
    });
    expect(rows.find((r) => r.Name === 'clickstream')).toMatchObject({ Partitions: '12', Messages: '25,000' });
    expect(rows.find((r) => r.Name === 'clickstream')!.Size).toMatch(/^\d+\.\d (KB|MB)$/);
    expect(rows.find((r) => r.Name === 'user-profiles')).toMatchObject({ 'Cleanup policy': 'compact, delete' });
    await page.getByText('5 topics · 1 internal hidden').waitFor();

    await page.getByRole('switch', { name: 'Show internal topics' }).click();
    await rowOf(table, /^\s*__audit/).waitFor();
    await page.getByRole('switch', { name: 'Show internal topics' }).click();
    await rowOf(table, /^\s*__audit/).waitFor({ state: 'detached' });

    await page.mouse.move(900, 700);
    await screenshot(page, 'topics-list');
    await expectNoUnlabelled('the topics page');

    // `/` jumps to the search box from anywhere on the page.
    await page.mouse.click(700, 600);
    await page.keyboard.press('/');
    expect(await focusedLabel()).toBe('Search topics');
    await page.keyboard.type('pay');
    await eventually(async () => expect((await readTable(table)).map((r) => r.Name)).toEqual(['payments']));
    await page.getByText('1 of 5 topics').waitFor();
    await page.keyboard.type('zzz');
    await page.getByText('No topic matches “payzzz”.').waitFor();
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await rowOf(table, 'orders').waitFor();

    // Arrow keys move through the rows; Enter opens one.
    await rowOf(table, 'orders').locator('td').nth(1).click();
    expect(await focusedLabel()).toBe('orders');
    await page.keyboard.press('ArrowDown');
    expect(await focusedLabel()).toBe('payments');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'payments' }).waitFor();
    expect(page.url()).toContain('#/topics/payments');
  });

  it('creates a topic from the dialog, refusing what the cluster refuses with its reason, inline', async () => {
    await nav('Topics');
    await page.getByRole('button', { name: 'Create topic' }).first().click();
    const dialog = page.getByRole('dialog');
    const name = dialog.getByRole('textbox', { name: 'Topic name' });
    await name.fill('bad name!');
    await dialog.getByText("Use only letters, digits, '.', '_' and '-'").waitFor();
    expect(await dialog.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(true);

    // Kafka's defaults are shown, and a changed one is marked.
    await dialog.getByText('Default 604800000 (7 days)').waitFor();
    await name.fill('inventory');
    await dialog.getByLabel('Partitions', { exact: true }).fill('12');
    await dialog.getByLabel('Replication factor', { exact: true }).fill('4');
    await page.keyboard.press('Tab');
    await dialog.getByLabel('retention.ms', { exact: true }).fill('86400000');
    await dialog.getByText('1 day · Default 604800000 (7 days)').waitFor();
    // The engine checks the whole topic (validateOnly) before anything is submitted.
    await dialog.getByText('Replication factor: 4 larger than available brokers: 3.').waitFor();
    await page.mouse.move(900, 780);
    await screenshot(page, 'topic-create-invalid');
    await expectNoUnlabelled('the create dialog');

    // What the cluster would refuse cannot be submitted: Create stays off while the reason is shown.
    expect(await dialog.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(true);
    expect((await script.api.listTopics()).map((t) => t.name)).not.toContain('inventory');

    await dialog.getByLabel('Replication factor', { exact: true }).fill('3');
    await page.keyboard.press('Tab');
    await eventually(async () => expect(await dialog.getByText('Replication factor: 4 larger').count()).toBe(0));
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'inventory' }).waitFor();
    expect(await statValue(page, 'Partitions')).toContain('12');
    const made = await script.api.describeTopic({ name: 'inventory' });
    expect(made.partitions).toBe(12);
    expect(made.replicationFactor).toBe(3);
    expect(made.configs.find((c) => c.name === 'retention.ms')).toMatchObject({ value: '86400000', isDefault: false });
  });

  it('edits configs: values off their default are highlighted, bad ones refused with the reason', async () => {
    await page.getByRole('navigation', { name: 'Topic sections' }).getByText('Configs').click();
    const configs = page.locator('[aria-label="Configs"].n-data-table');
    const retention = configs.locator('tr[data-row-key="retention.ms"]');
    await retention.waitFor();
    expect(await retention.getAttribute('class')).toContain('non-default');
    expect(await retention.innerText()).toMatch(/86400000\s+1 day\s+Not default/);
    await page.getByText('1 not at the default').waitFor();

    await page.getByRole('button', { name: 'Edit configs' }).first().click();
    const drawer = page.getByRole('dialog', { name: 'Edit configs' });
    const field = (n: string) => drawer.getByLabel(n, { exact: true });
    await field('retention.bytes').fill('lots');
    await drawer.getByText('Must be a whole number').waitFor();
    expect(await drawer.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
    await field('retention.bytes').fill('1073741824');
    await drawer.getByText('1.0 GB · Default -1 (no limit)').waitFor();
    await field('min.insync.replicas').fill('5');
    await drawer.getByRole('button', { name: 'Save changes' }).click();
    await drawer.getByText('The cluster refused the change').waitFor();
    const refused = drawer.locator('[data-config="min.insync.replicas"]');
    await refused.getByText('min.insync.replicas=5 is larger than the replication factor 3').waitFor();
    expect(await refused.getAttribute('class')).toContain('invalid');
    // Nothing was applied.
    expect(
      (await script.api.describeConfigs({ topic: 'inventory' })).find((c) => c.name === 'retention.bytes')!.value,
    ).toBe('-1');
    await dismissMessages();
    await page.mouse.move(400, 780);
    await screenshot(page, 'topic-config-editor');
    await expectNoUnlabelled('the config editor');

    await field('min.insync.replicas').fill('2');
    await drawer.getByRole('button', { name: 'Save changes' }).click();
    await drawer.waitFor({ state: 'detached' });
    await page.getByText('3 not at the default').waitFor();
    const after = await script.api.describeConfigs({ topic: 'inventory' });
    expect(
      after
        .filter((c) => !c.isDefault)
        .map((c) => `${c.name}=${c.value}`)
        .sort(),
    ).toEqual(['min.insync.replicas=2', 'retention.bytes=1073741824', 'retention.ms=86400000']);
    expect(await configs.locator('tr[data-row-key="min.insync.replicas"]').getAttribute('class')).toContain(
      'non-default',
    );

    // Esc closes the panel.
    await page.getByRole('button', { name: 'Edit configs' }).first().click();
    await drawer.waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  it("shows every partition's leader, replicas, ISR, offsets and size as the engine has them", async () => {
    await page.goto(`${base}#/topics/orders`);
    const table = page.locator('[aria-label="Partitions"].n-data-table');
    await rowOf(table, '5').waitFor();
    const engine = await script.api.listPartitions({ topic: 'orders' });
    const fmt = (n: number) => n.toLocaleString('en-US');
    const kb = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KB`);
    await eventually(async () => {
      const rows = await readTable(table);
      expect(rows).toEqual(
        engine.map((p) => ({
          Partition: String(p.partition),
          Leader: String(p.leader),
          Replicas: p.replicas.join(', '),
          'In sync': p.isr.join(', '),
          Offline: p.offlineReplicas.length ? p.offlineReplicas.join(', ') : '—',
          'Log start': fmt(p.logStartOffset),
          'High watermark': fmt(p.highWatermark),
          'Log end': fmt(p.logEndOffset),
          Messages: fmt(p.highWatermark - p.logStartOffset),
          Size: kb(p.bytesOnDisk),
        })),
      );
    });
    expect(engine.reduce((n, p) => n + p.highWatermark, 0)).toBe(1234);
    await dismissMessages();
    await page.mouse.move(900, 780);
    await screenshot(page, 'topic-partitions');
    await expectNoUnlabelled('the partitions table');
  });

  it('adds partitions and purges records', async () => {
    await page.getByRole('button', { name: 'Add partitions' }).click();
    let dialog = page.getByRole('dialog', { name: 'Add partitions' });
    const total = dialog.getByRole('textbox', { name: 'New number of partitions' });
    await total.fill('6');
    await page.keyboard.press('Tab');
    await dialog
      .getByText('6 is less than 7, the topic has 6 partitions now and partitions cannot be removed')
      .waitFor();
    expect(await dialog.getByRole('button', { name: 'Add partitions' }).isDisabled()).toBe(true);
    await total.fill('8');
    await page.keyboard.press('Tab');
    await dialog.getByRole('button', { name: 'Add partitions' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => expect(await statValue(page, 'Partitions')).toContain('8'));
    const table = page.locator('[aria-label="Partitions"].n-data-table');
    await rowOf(table, '7').waitFor();
    expect((await script.api.listPartitions({ topic: 'orders' })).length).toBe(8);

    await page.getByRole('button', { name: 'Purge records' }).click();
    dialog = page.getByRole('dialog', { name: 'Purge records' });
    await dialog.getByText('This deletes 1,234 messages.').waitFor();
    await dialog.getByRole('button', { name: 'Purge records' }).click();
    await dialog.waitFor({ state: 'detached' });
    await eventually(async () => expect(await statValue(page, 'Messages')).toMatch(/Messages 0\b/));
    const after = await script.api.listPartitions({ topic: 'orders' });
    for (const p of after) expect(p.logStartOffset).toBe(p.highWatermark);
    await eventually(async () => {
      const rows = await readTable(table);
      expect(rows.find((r) => r.Partition === '0')).toMatchObject({
        'Log start': after[0]!.logStartOffset.toLocaleString('en-US'),
        Messages: '0',
      });
    });
  });

  it('deletes a topic only once its name is typed', async () => {
    await page.goto(`${base}#/topics/inventory`);
    await page.getByRole('button', { name: 'Delete topic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete topic' });
    const confirm = dialog.getByRole('textbox', { name: 'Type the topic name to confirm' });
    const del = dialog.getByRole('button', { name: 'Delete topic' });
    expect(await del.isDisabled()).toBe(true);
    await confirm.fill('inventor');
    expect(await del.isDisabled()).toBe(true);
    await confirm.fill('inventory');
    await del.click();
    await page.waitForURL(/#\/topics$/);
    await rowOf(topicsTable(), 'orders').waitFor();
    await eventually(async () =>
      expect((await readTable(topicsTable())).map((r) => r.Name)).toEqual([
        'audit-log',
        'clickstream',
        'orders',
        'payments',
        'user-profiles',
      ]),
    );
    expect((await script.api.listTopics()).map((t) => t.name)).not.toContain('inventory');
  });

  it('creates a topic with any topic config, set with the config editor controls and checked inline', async () => {
    await nav('Topics');
    await page.getByRole('button', { name: 'Create topic' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Topic name' }).fill('archive');
    // Only the common settings at first; segment.bytes is found by searching, the booleans under "All settings".
    await dialog.getByLabel('retention.ms', { exact: true }).waitFor();
    expect(await dialog.getByLabel('segment.bytes', { exact: true }).count()).toBe(0);
    await dialog.getByRole('textbox', { name: 'Find a setting' }).fill('segment');
    const segment = dialog.getByLabel('segment.bytes', { exact: true });
    await segment.fill('lots');
    await dialog.getByText('Must be a whole number').waitFor();
    expect(await dialog.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(true);
    // Below the engine's minimum: its own reason, beside the field, and Create stays off.
    await segment.fill('10');
    await dialog
      .locator('[data-config="segment.bytes"]')
      .getByText(/must be at least 14/)
      .waitFor();
    expect(await dialog.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(true);
    await segment.fill('1048576');
    await dialog.getByText('1 setting changed').waitFor();
    // A changed setting stays listed when the search moves on.
    await dialog.getByRole('textbox', { name: 'Find a setting' }).fill('');
    await dialog.getByLabel('segment.bytes', { exact: true }).waitFor();
    await dialog.getByRole('switch', { name: 'Show all settings' }).click();
    await dialog.getByRole('switch', { name: 'unclean.leader.election.enable' }).click();
    await dialog.getByText('2 settings changed').waitFor();
    await screenshot(page, 'topic-create-all-settings');
    await eventually(async () =>
      expect(await dialog.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(false),
    );
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'archive' }).waitFor();
    const made = await script.api.describeTopic({ name: 'archive' });
    const set = made.configs.filter((c) => !c.isDefault).map((c) => [c.name, c.value]);
    expect(Object.fromEntries(set)).toEqual({ 'segment.bytes': '1048576', 'unclean.leader.election.enable': 'true' });
    await script.api.deleteTopic({ name: 'archive' });
  });
});

describe('replica map and broker chaos', () => {
  let mapPage: Page;
  let overview: Page;
  const map = () => mapPage.locator('[aria-label="Replica map of the cluster"].n-data-table');
  const summary = async () =>
    (await mapPage.getByRole('status', { name: 'Replica map summary' }).innerText()).replace(/\s+/g, ' ');

  /** The replica map as drawn: partition → broker id → role text. */
  async function drawn(): Promise<Map<string, { leader: string; roles: string[]; isr: string }>> {
    const rows = await readTable(map());
    return new Map(
      rows.map((r) => {
        // A broker's column header also carries its status ("Broker 2 Down", "Broker 0 40 led").
        const column = (b: number) => Object.keys(r).find((k) => k === `Broker ${b}` || k.startsWith(`Broker ${b} `))!;
        return [
          r.Partition!,
          { leader: r.Leader!, roles: [0, 1, 2].map((b) => r[column(b)] ?? ''), isr: r['In sync']! },
        ];
      }),
    );
  }

  /** What the map should draw for a partition, from the engine's view of it. */
  function expected(
    p: { leader: number; replicas: number[]; isr: number[]; offlineReplicas: number[] },
    b: number,
  ): string {
    if (!p.replicas.includes(b)) return '·';
    if (p.offlineReplicas.includes(b)) return 'Offline';
    if (p.leader === b) return 'Leader';
    return p.isr.includes(b) ? 'In sync' : 'Out of sync';
  }

  async function mapMatchesEngine() {
    const engine = (await script.api.listAllPartitions()).filter((p) => p.topic === 'replicated');
    const shown = await drawn();
    expect(shown.size).toBeGreaterThan(5);
    for (const [name, row] of shown) {
      const p = engine.find((e) => `${e.topic}-${e.partition}` === name)!;
      expect(p, name).toBeDefined();
      expect(row.leader, name).toBe(p.leader < 0 ? 'None' : String(p.leader));
      expect(row.roles, name).toEqual([0, 1, 2].map((b) => expected(p, b)));
    }
  }

  beforeAll(async () => {
    await script.api.createTopic({ name: 'replicated', partitions: 120, replicationFactor: 3 });
    await script.api.produce({
      topic: 'replicated',
      records: Array.from({ length: 600 }, (_, i) => ({ key: `r${i}`, value: `record ${i}` })),
    });
    mapPage = await browser.context.newPage();
    overview = await browser.context.newPage();
    // A new tab has no session yet: it opens the printed URL, with its token, as a person would.
    await Promise.all([mapPage.goto(`${serve.url}#/replicas`), overview.goto(serve.url)]);
  });

  it('draws 120 partitions against 3 brokers, readable and virtualised', async () => {
    // Background tabs get no animation frames; work in the front one, as a person would.
    await mapPage.bringToFront();
    await mapPage.getByRole('textbox', { name: 'Filter by topic' }).fill('replicated');
    await eventually(async () => expect(await summary()).toContain('120 partitions · 1 topic'));
    await rowOf(map(), 'replicated-0').waitFor();
    const header = (await map().locator('thead').innerText()).replace(/\s+/g, ' ');
    for (const b of [0, 1, 2]) expect(header).toMatch(new RegExp(`Broker ${b} 40 led`));
    // Only what is in view is rendered; the end is a keypress away.
    const rendered = await map().locator('tbody tr').count();
    expect(rendered).toBeLessThan(60);
    await rowOf(map(), 'replicated-0').locator('td').first().click();
    await mapPage.keyboard.press('End');
    await rowOf(map(), 'replicated-119').waitFor();
    await mapPage.keyboard.press('Home');
    await rowOf(map(), 'replicated-0').waitFor();
    await eventually(mapMatchesEngine);
    await expectNoUnlabelled('the replica map', mapPage);
  });

  it('stops a broker from the Brokers page: live, leaders move, ISRs shrink, Overview counts them', async () => {
    await page.bringToFront();
    await nav('Brokers');
    const row = page.locator('tr', { hasText: 'Broker 2' });
    await row.getByRole('button', { name: 'Stop broker 2' }).click();
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Stop' }).click();
    await eventually(async () => expect(await row.innerText()).toMatch(/Down/), 15_000);

    // The other tab's map was not reloaded: the push events moved it.
    await eventually(async () => {
      const header = (await map().locator('thead').innerText()).replace(/\s+/g, ' ');
      expect(header).toContain('Broker 2 Down');
      const shown = await drawn();
      for (const [name, r] of shown) {
        expect(r.roles[2], name).toBe('Offline');
        expect(r.leader, name).not.toBe('2');
        expect(r.isr, name).toBe('2 / 3');
      }
    }, 15_000);
    await eventually(mapMatchesEngine);
    await eventually(async () => expect(await summary()).toContain('120 under-replicated'));
    await eventually(async () =>
      expect(await statValue(overview, 'Under-replicated')).toMatch(/Under-replicated (1[2-9]\d|[2-9]\d\d)\b/),
    );
    await eventually(async () => expect(await statValue(overview, 'Brokers up')).toContain('2 / 3'));

    // Leaders moved off broker 2: it leads nothing, and every replica it holds is offline.
    const onBroker2 = (await script.api.listAllPartitions({ includeInternal: true })).filter((p) =>
      p.replicas.includes(2),
    ).length;
    await eventually(async () =>
      expect((await row.innerText()).replace(/\s+/g, ' ')).toContain(
        `Broker 2 Down 0 ${onBroker2.toLocaleString('en-US')} ${onBroker2.toLocaleString('en-US')} offline`,
      ),
    );
    await dismissMessages();
    await page.mouse.move(700, 700);
    await screenshot(page, 'brokers-broker-down');
    await mapPage.bringToFront();
    // Let the "just changed" pulse finish before the picture.
    await mapPage.locator('.chip.recent').first().waitFor({ state: 'detached', timeout: 5000 });
    await mapPage.mouse.move(700, 790);
    await screenshot(mapPage, 'replica-map-broker-down');
    await page.bringToFront();
  });

  it('starts it again and watches its replicas catch up until every ISR is whole', async () => {
    // Data written while it was down is what it has to catch up on.
    await script.api.produce({
      topic: 'replicated',
      records: Array.from({ length: 400 }, (_, i) => ({ key: `late${i}`, value: `late ${i}` })),
    });
    await page.locator('tr', { hasText: 'Broker 2' }).getByRole('button', { name: 'Start broker 2' }).click();
    await eventually(async () => {
      const shown = await drawn();
      for (const [name, r] of shown) {
        expect(r.roles[2], name).toMatch(/^(In|Leader)/);
        expect(r.isr, name).toBe('3 / 3');
      }
    }, 30_000);
    await eventually(async () => expect(await summary()).toContain('0 under-replicated'));
    await eventually(
      async () => expect(await statValue(overview, 'Under-replicated')).toMatch(/Under-replicated 0\b/),
      15_000,
    );
    await eventually(mapMatchesEngine);
  });

  it('kills the controller: another broker takes over, its replicas go offline, and it comes back', async () => {
    const row = page.locator('tr', { hasText: 'Broker 0' });
    await row.getByRole('button', { name: 'Kill broker 0' }).click();
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Kill' }).click();
    await eventually(async () => expect(await row.innerText()).toMatch(/Down/), 15_000);
    await eventually(async () => expect(await statValue(page, 'Controller')).toContain('Broker 1'));
    await eventually(async () => {
      const shown = await drawn();
      for (const [name, r] of shown) {
        expect(r.roles[0], name).toBe('Offline');
        expect(r.leader, name).not.toBe('0');
      }
    }, 15_000);
    await eventually(async () => expect(await statValue(overview, 'Controller')).toContain('Broker 1'));
    await eventually(async () =>
      expect(await statValue(overview, 'Under-replicated')).toMatch(/Under-replicated [1-9]/),
    );

    await page.locator('tr', { hasText: 'Broker 0' }).getByRole('button', { name: 'Start broker 0' }).click();
    await eventually(async () => {
      const shown = await drawn();
      for (const [name, r] of shown) expect(r.isr, name).toBe('3 / 3');
    }, 30_000);
    await eventually(
      async () => expect(await statValue(overview, 'Under-replicated')).toMatch(/Under-replicated 0\b/),
      15_000,
    );
    await eventually(mapMatchesEngine);
  });
});
