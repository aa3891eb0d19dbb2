/**
 * Connections end to end: serve mode in Chromium manages a second Noticeboard process (its Kafka ports on
 * SASL_SSL with SCRAM-SHA-512 and the sandbox CA) as a "remote" Kafka cluster. A connection is added in the
 * dialog and tested (right password: connected; wrong password and unreachable host: the words of the stage
 * that failed); the header switches to it without a page reload; its topics and messages are browsed; the
 * broker chaos buttons are gone with a note; a group's offsets are reset with the connection's name typed; and
 * no secret ever reaches the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

let local: ServeProcess;
let remote: ServeProcess;
let remoteScript: Connection;
let browser: Browser;
let page: Page;
let ca: string;
let bootstrap: string;
const PASSWORD = 'remote-s3cret-pw';
const seenFrames: string[] = [];

const modal = () => page.locator('.n-modal');
const dialog = () => page.locator('[data-testid="connection-dialog"]');
const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByText(label, { exact: true }).click();

beforeAll(async () => {
  [local, remote] = await Promise.all([
    startServeProcess(['--brokers', '1']),
    startServeProcess(['--brokers', '3', '--kafka-security', 'sasl_ssl', '--kafka-user', `alice:${PASSWORD}`]),
  ]);
  bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(remote.output())![1]!;
  remoteScript = createConnection(
    createWsTransport({ url: remote.wsUrl, WebSocket: WebSocket as never, reconnect: false }),
  );
  ca = (await remoteScript.api.getSandboxCaCertificate()).pem;
  await remoteScript.api.createTopic({ name: 'remote-orders', partitions: 3, replicationFactor: 3 });
  await remoteScript.api.produce({
    topic: 'remote-orders',
    records: Array.from({ length: 30 }, (_, i) => ({ key: `order-${i}`, value: `{"order":${i},"where":"remote"}` })),
  });
  await remoteScript.api.resetGroupOffsets({
    groupId: 'remote-billing',
    to: { type: 'latest' },
    topics: [{ topic: 'remote-orders' }],
  });
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  browser.context.setDefaultTimeout(15_000);
  // Every frame the page receives: a secret must never be in one.
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seenFrames.push(String(f.payload))));
  await page.goto(local.url);
  await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  remoteScript?.transport.close();
  await Promise.all([local?.stop(), remote?.stop()]);
});

async function fill(label: string, value: string) {
  await dialog().getByLabel(label, { exact: true }).fill(value);
}

async function pick(label: string, option: string) {
  await dialog().locator(`[aria-label="${label}"]`).click();
  await page.locator('.n-base-select-option').getByText(option, { exact: true }).click();
}

async function testResult(): Promise<string> {
  const r = dialog().locator('[data-testid="connection-test-result"]');
  await r.waitFor();
  return (await r.innerText()).replace(/\s+/g, ' ');
}

describe('connections to another cluster', () => {
  it('adds a SASL_SSL connection in the dialog; the test says what failed in words, then connects', async () => {
    await nav('Connections');
    await page.locator('[data-testid="connections-table"]').getByText('Local sandbox').waitFor();
    await page.locator('[data-testid="add-connection"]').click();
    await fill('Name', 'Staging');
    await dialog().locator('[aria-label="orange"]').first().click();
    await fill('Bootstrap servers', '127.0.0.1:1');
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    expect(await testResult()).toMatch(/TCP failed TCP: connection refused by 127\.0\.0\.1:1/);

    await fill('Bootstrap servers', bootstrap);
    await pick('Security protocol', 'SASL_SSL');
    await pick('SASL mechanism', 'SCRAM-SHA-512');
    await fill('User name', 'alice');
    await fill('Password', 'not-the-password');
    await fill('CA certificate (PEM)', ca);
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await eventually(async () => expect(await testResult()).toMatch(/SASL failed SASL: authentication failed/));

    await fill('Password', PASSWORD);
    await dialog().getByRole('button', { name: 'Test connection' }).click();
    await eventually(async () => expect(await testResult()).toMatch(/^Connected Connected: 3 brokers/));
    // The SASL_SSL form is taller than 800 px: a taller window for the picture, so the whole dialog is in it.
    await page.setViewportSize({ width: 1280, height: 1200 });
    await page.mouse.move(1270, 1190);
    const box = await dialog().boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(1200);
    await screenshot(page, 'connection-dialog');
    await page.setViewportSize({ width: 1280, height: 800 });

    await dialog().getByRole('button', { name: 'Save' }).click();
    await dialog().waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="connections-table"] tr').filter({ hasText: 'Staging' });
    await row.getByText('SASL_SSL · SCRAM-SHA-512 as alice').waitFor();
    // Testing the saved connection uses the saved password, which the page never sees.
    await row.getByRole('button', { name: 'Test' }).click();
    await row.getByText('Connected: 3 brokers').waitFor();
  });

  it('switches to it from the header without reloading, and browses its topics and messages', async () => {
    await page.evaluate('window.__noReload = true');
    await page.locator('[data-testid="connection-switcher"]').click();
    await page.locator('.n-dropdown-option').getByText('Staging', { exact: true }).click();
    await page.locator('[data-testid="connection-switcher"]').getByText('Staging').waitFor();
    await nav('Topics');
    await page.getByRole('link', { name: 'remote-orders' }).waitFor();
    await page.getByRole('link', { name: 'remote-orders' }).click();
    await page.getByRole('navigation', { name: 'Topic sections' }).getByRole('link', { name: 'Messages' }).click();
    const status = page.getByRole('status', { name: 'Messages shown' });
    await eventually(async () =>
      expect((await status.innerText()).replace(/\s+/g, ' ')).toMatch(/^30 messages of 30 · newest first/),
    );
    await page.mouse.move(1270, 790);
    await screenshot(page, 'remote-cluster-messages');
    expect(await page.evaluate('window.__noReload')).toBe(true);
  });

  it('hides broker chaos and the workload simulator on the remote connection, saying why', async () => {
    await nav('Brokers');
    await page.locator('[data-testid="sandbox-only-note"]').waitFor();
    expect(await page.getByRole('button', { name: /^(Stop|Kill) broker/ }).count()).toBe(0);
    expect((await page.getByRole('navigation', { name: 'Main' }).innerText()).replace(/\s+/g, ' ')).toContain(
      'Workload simulator (sandbox only)',
    );
    // Read in full at the sider's width: no line of the entry is cut to an ellipsis.
    // Runs in the page; typed loosely because the tests compile without the DOM library.
    type Box = { scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number };
    type Label = Box & { parentElement: Box; querySelectorAll(s: string): Iterable<Box> };
    const clipped = await page.locator('[data-testid="sandbox-only-nav"]').evaluate((label: Label) => {
      // The menu entry's header is what cuts a label too wide for it with an ellipsis.
      const boxes = [label, ...Array.from(label.querySelectorAll('span')), label.parentElement];
      return boxes.filter((b) => b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1).length;
    });
    expect(clipped).toBe(0);
    await screenshot(page, 'remote-sandbox-only-nav');
    // What its consumers read is not observable from outside the remote cluster: said in words, not as 0 msg/s.
    await nav('Overview');
    await page.locator('[data-testid="out-rate-unknown"]').waitFor();
    expect(await page.getByLabel('Current throughput').innerText()).not.toContain('msg/s out');
  });

  it("resets a group's offsets on the remote cluster only after the connection's name is typed", async () => {
    await nav('Consumer groups');
    await page.getByRole('link', { name: 'remote-billing' }).click();
    await page.getByRole('heading', { name: 'remote-billing', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Reset offsets' }).click();
    await modal().getByText('Earliest', { exact: true }).click();
    await modal().getByRole('button', { name: 'Preview' }).click();
    await modal()
      .getByText(/3 partitions · lag 0 → 30 records/)
      .waitFor();
    const apply = modal().getByRole('button', { name: 'Apply reset' });
    expect(await apply.isDisabled()).toBe(true);
    await modal().getByLabel('Type the connection name to confirm').fill('staging');
    expect(await apply.isDisabled()).toBe(true);
    await modal().getByLabel('Type the connection name to confirm').fill('Staging');
    await apply.click();
    await modal().waitFor({ state: 'detached' });
    // What a real client of the remote cluster sees: the committed offsets went back to the start.
    await eventually(async () => {
      const g = await remoteScript.api.describeGroup({ groupId: 'remote-billing' });
      expect(g.lag.partitions.map((p) => p.committedOffset)).toEqual([0, 0, 0]);
    }, 20_000);
  });

  it("adds partitions and produces on the remote cluster only after the connection's name is typed", async () => {
    await nav('Topics');
    await page.getByRole('link', { name: 'remote-orders' }).click();
    await page.getByRole('button', { name: 'Add partitions' }).click();
    const grow = page.getByRole('dialog', { name: 'Add partitions' });
    await grow.getByLabel('New number of partitions').fill('4');
    const add = grow.getByRole('button', { name: 'Add partitions' });
    expect(await add.isDisabled()).toBe(true);
    await grow.getByLabel('Type the connection name to confirm').fill('Staging');
    await add.click();
    await grow.waitFor({ state: 'detached' });
    await eventually(async () => {
      const t = await remoteScript.api.getTopic({ name: 'remote-orders' });
      expect(t.partitions).toBe(4);
    }, 20_000);

    await page.getByRole('navigation', { name: 'Topic sections' }).getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('button', { name: 'Produce message' }).click();
    const produce = page.getByRole('dialog', { name: 'Produce a message' });
    await produce.getByLabel('Value', { exact: true }).fill('{"typed":true}');
    const send = produce.getByRole('button', { name: 'Produce', exact: true });
    expect(await send.isDisabled()).toBe(true);
    await produce.getByLabel('Type the connection name to confirm').fill('Staging');
    await send.click();
    await produce.getByRole('alert', { name: 'Produce result' }).waitFor();
    // A real client of the remote cluster sees the record the dialog sent.
    await eventually(async () => {
      const t = await remoteScript.api.listTopics({});
      expect(t.find((x) => x.name === 'remote-orders')?.messages).toBe(31);
    }, 20_000);
    await produce.getByRole('button', { name: 'Close', exact: true }).click();
    await produce.waitFor({ state: 'detached' });
  });

  it('never sent the password to the page, and switching back shows the sandbox again', async () => {
    expect(seenFrames.length).toBeGreaterThan(10);
    expect(seenFrames.some((f) => f.includes(PASSWORD))).toBe(false);
    await page.locator('[data-testid="connection-switcher"]').click();
    await page.locator('.n-dropdown-option').getByText('Local sandbox', { exact: true }).click();
    await nav('Topics');
    await eventually(async () => expect(await page.getByRole('link', { name: 'remote-orders' }).count()).toBe(0));
    await nav('Brokers');
    await page.getByRole('button', { name: 'Stop broker 0' }).waitFor();
  });
});
