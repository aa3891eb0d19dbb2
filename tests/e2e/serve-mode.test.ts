/**
 * Serve mode end to end: the built command starts a real 3-broker cluster,
 * real Chromium opens the printed URL, and the tests check what a person
 * sees, driving the cluster both from the UI and from a script over the
 * documented WebSocket API.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Kafka, logLevel } from 'kafkajs';
import type { Page } from 'playwright-core';
import { METHOD_NAMES } from '../../core/api/api';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;

const card = (label: string) => page.getByRole('group', { name: label, exact: true });
const text = async (label: string) => (await card(label).innerText()).replace(/\s+/g, ' ');

async function expectCard(label: string, pattern: RegExp, timeoutMs = 10_000) {
  await eventually(async () => expect(await text(label)).toMatch(pattern), timeoutMs);
}

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
});

describe('serve mode in a real browser', () => {
  it('prints the URL with its token and stops cleanly on Ctrl-C (checked in afterAll)', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    expect(serve.output()).toMatch(/Kafka bootstrap:\s+127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+/);
  });

  it("lets a user's own Kafka client produce to the printed bootstrap servers (auto-creating the topic)", async () => {
    const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!.split(',');
    const kafka = new Kafka({ clientId: 'e2e-app', brokers: bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'from-my-app', acks: -1, messages: [{ key: 'k', value: 'hello from kafkajs' }] });
    } finally {
      await producer.disconnect();
    }
    const [rec] = await script.api.readRecords({ topic: 'from-my-app', start: { type: 'earliest' }, limit: 1 });
    expect(Buffer.from(rec!.value!, 'base64').toString()).toBe('hello from kafkajs');
    await script.api.deleteTopic({ name: 'from-my-app' });
  });

  it('shows three brokers up, the controller, and topic and partition counts on the Overview', async () => {
    await script.api.createTopic({ name: 'orders', partitions: 3, replicationFactor: 3 });
    await script.api.createTopic({ name: 'payments', partitions: 2, replicationFactor: 2 });

    await page.goto(serve.url);
    await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
    // The token leaves the address bar once the page has it.
    expect(page.url()).not.toContain('token=');

    await expectCard('Brokers up', /3 \/ 3/);
    await expectCard('Controller', /Broker 0/);
    await expectCard('Topics', /\b2\b/);
    await expectCard('Partitions', /\b5\b/);
    await expectCard('Under-replicated', /\b0\b/);
    await expectCard('Offline', /\b0\b/);
    for (const id of [0, 1, 2]) await page.getByRole('group', { name: `Broker ${id}: Up` }).waitFor();
  });

  it('draws messages in per second live as records are produced', async () => {
    const chart = page.getByRole('img', { name: /Messages in and out per second/ });
    await chart.locator('svg').first().waitFor();
    // A few seconds of uneven traffic, so the chart has a shape to draw.
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 4500) {
      const batch = Math.round(15 + 12 * Math.sin((Date.now() - started) / 600));
      await script.api.produce({
        topic: 'orders',
        records: Array.from({ length: batch }, (_, i) => ({ key: `k${n + i}`, value: `order ${n + i}` })),
      });
      n += batch;
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(async () =>
      expect(await page.getByLabel('Current throughput').innerText()).toMatch(/[1-9][\d,]*\s*msg\/s in/),
    );
    // The legend and the series are drawn as SVG, so a person sees them and so can the test.
    expect(await chart.locator('svg text', { hasText: 'Messages in' }).count()).toBeGreaterThan(0);
    expect(await chart.locator('svg path[fill-opacity], svg path[fill]').count()).toBeGreaterThan(0);
    await expectCard('Topics', /\b2\b/);
    await screenshot(page, 'overview');
  });

  it('stops a broker from the Brokers page and shows it down', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Brokers', { exact: true }).click();
    const row = page.locator('tr', { hasText: 'Broker 2' });
    await row.getByRole('button', { name: 'Stop' }).click();
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Stop' }).click();
    await eventually(async () => expect(await row.innerText()).toMatch(/Down/), 15_000);
    await row.getByRole('button', { name: 'Start' }).waitFor();
    await page.getByText('Broker 2 stopped').waitFor();
    await screenshot(page, 'brokers');

    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview', { exact: true }).click();
    await expectCard('Brokers up', /2 \/ 3.*Down: broker 2/);
    await page.getByRole('group', { name: 'Broker 2: Down' }).waitFor();
    await expectCard('Under-replicated', /[1-9]/, 15_000);
  });

  it('sees a broker a script stopped over the WebSocket API, and one it starts again', async () => {
    await script.api.stopBroker({ id: 1 });
    await expectCard('Brokers up', /1 \/ 3/);
    await script.api.startBroker({ id: 1 });
    await script.api.startBroker({ id: 2 });
    await expectCard('Brokers up', /3 \/ 3/, 15_000);
  });

  it('refuses an existing topic name inline, keeping Create disabled', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Topics', { exact: true }).click();
    await page.getByRole('button', { name: 'Create topic' }).first().click();
    await page.getByPlaceholder('orders').fill('orders');
    await page.getByText('A topic named orders already exists').waitFor();
    expect(await page.getByRole('button', { name: 'Create', exact: true }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator('.n-modal').first().waitFor({ state: 'detached' });
  });

  it('lists topics in the Topics page', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByText('Topics', { exact: true }).click();
    await page.locator('td', { hasText: 'orders' }).first().waitFor();
    await page.locator('td', { hasText: 'payments' }).first().waitFor();
    // Dismiss the previous test's notification, as a person would, before the picture.
    for (const close of await page.locator('.n-notification .n-base-close').all()) await close.click();
    await page.locator('.n-notification').first().waitFor({ state: 'detached' });
    await screenshot(page, 'topics');
  });

  it('follows the dark theme of the OS', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('navigation', { name: 'Main' }).getByText('Overview', { exact: true }).click();
    await expectCard('Brokers up', /3 \/ 3/);
    const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(bg).not.toBe('rgb(255, 255, 255)');
    // Theme colours fade in; wait them out, with the pointer off the navigation.
    await page.mouse.move(760, 780);
    await page.waitForTimeout(700);
    await screenshot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('asks for the access link when the page is opened without its token', async () => {
    const bare = await browser.context.newPage();
    await bare.goto(`http://127.0.0.1:${serve.port}/`);
    await bare.getByText('This page needs its access link').waitFor();
    await bare.close();
  });

  it("refuses another site's page in the same browser, even one that knows the token", async () => {
    const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const other = await browser.context.newPage();
      await other.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      const outcome = await other.evaluate(
        (wsUrl) =>
          new Promise<string>((resolve) => {
            // The page's own WebSocket (the name alone would mean the test's imported `ws`).
            const ws = new (globalThis as unknown as { WebSocket: typeof WebSocket }).WebSocket(wsUrl);
            ws.onopen = () => resolve('open');
            ws.onclose = () => resolve('refused');
          }),
        serve.wsUrl,
      );
      expect(outcome).toBe('refused');
      await other.close();
    } finally {
      evil.close();
    }
  });
});

describe('desktop build output', () => {
  it('compiles exactly the API methods into a preload that requires only electron', () => {
    const preload = readFileSync(fileURLToPath(new URL('../../out/preload/index.cjs', import.meta.url)), 'utf8');
    for (const m of METHOD_NAMES) expect(preload).toContain(`"${m}"`);
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((x) => x[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
  });

  it('puts the Content-Security-Policy into the page itself for file:// loads', () => {
    const html = readFileSync(fileURLToPath(new URL('../../out/renderer/index.html', import.meta.url)), 'utf8');
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;self&#39;; script-src &#39;self&#39;/,
    );
  });
});
