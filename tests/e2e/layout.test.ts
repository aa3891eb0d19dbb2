/**
 * Every main page from 1024x768 to 2560x1440: no number is cut (stat card values, broker tiles), no fact wraps
 * inside itself ("351 / led"), no word or number breaks between two of its letters, no header runs under its sort arrow, no table is wider than its box,
 * and any text cut with an ellipsis can be read whole from a tooltip. Screenshots of
 * each page at each size go to docs/screenshots/layout-<page>-<size>.png (UPDATE_SCREENSHOTS=1 refreshes them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { Page } from 'playwright-core';
import { createConnection, type Connection } from '../../core/api/client';
import { createWsTransport } from '../../core/api/ws-transport';
import { launchBrowser, type Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let consumer: Consumer;
let base: string;

const SIZES = [
  { width: 1024, height: 768 },
  // The desktop window opens at this size.
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
  { width: 2560, height: 1440 },
] as const;

const GROUP = 'invoice-reconciliation-service';
const PAGES = [
  { name: 'overview', path: '#/', ready: 'Brokers up' },
  { name: 'brokers', path: '#/brokers', ready: 'Brokers up' },
  { name: 'topics', path: '#/topics', ready: null },
  { name: 'topic', path: '#/topics/customer-orders.eu-west.v2', ready: 'Partitions' },
  { name: 'groups', path: '#/groups', ready: null },
  { name: 'group', path: `#/groups/${GROUP}`, ready: 'Assignor' },
  // The message browser with a message open: its JSON value in the detail panel.
  { name: 'messages', path: '#/topics/payments/messages', ready: null, detail: true },
  { name: 'broker', path: '#/brokers/1', ready: 'Partitions led' },
  { name: 'workload', path: '#/workload', ready: null },
  { name: 'settings', path: '#/settings', ready: null },
  { name: 'replica-map', path: '#/replicas', ready: null },
  { name: 'connections', path: '#/connections', ready: null },
] as const;

interface LayoutProblem {
  what: string;
  text: string;
}

/** What a person could not read on the page: cut numbers, facts broken over lines, ellipses without tooltips. */
function layoutProblems(p: Page): Promise<LayoutProblem[]> {
  // Runs in the page; typed loosely because the tests compile without the DOM library.
  return p.evaluate(() => {
    type El = {
      scrollWidth: number;
      clientWidth: number;
      textContent: string | null;
      getClientRects(): { length: number };
      closest(s: string): El | null;
      parentElement: El | null;
      getAttribute(n: string): string | null;
      querySelectorAll(s: string): Iterable<El>;
      getBoundingClientRect(): { right: number };
    };
    const d = (globalThis as unknown as { document: El }).document;
    const style = (el: El) =>
      (
        globalThis as unknown as { getComputedStyle(e: El): { textOverflow: string; lineHeight: string } }
      ).getComputedStyle(el);
    const out: Array<{ what: string; text: string }> = [];
    const cut = (el: El) => el.scrollWidth > el.clientWidth + 1;
    const text = (el: El) => (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    const titled = (el: El) => {
      for (let e: El | null = el, i = 0; e && i < 5; e = e.parentElement, i++) if (e.getAttribute('title')) return true;
      return el.closest('.n-ellipsis') !== null;
    };
    for (const el of d.querySelectorAll('.stat .value')) if (cut(el)) out.push({ what: 'cut number', text: text(el) });
    for (const el of d.querySelectorAll('.tile .fact'))
      if (el.getClientRects().length > 1) out.push({ what: 'fact broken over lines', text: text(el) });
    // A word, number or address broken between two of its letters or digits cannot be read ("RoundRobinAs / signer",
    // "127.0.0.1:3804 / 9"); wrapping at a space or after punctuation is fine.
    const doc = d as unknown as {
      createRange(): { setStart(n: unknown, o: number): void; setEnd(n: unknown, o: number): void } & {
        getClientRects(): ArrayLike<{ top: number; width: number }>;
      };
      createTreeWalker(root: unknown, what: number): { nextNode(): { data: string } | null };
    };
    const brokenInsideAWord = (el: El) => {
      const walk = doc.createTreeWalker(el, 4);
      const range = doc.createRange();
      for (let node = walk.nextNode(); node; node = walk.nextNode()) {
        let lastTop: number | null = null;
        for (let i = 0; i < node.data.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
          if (!rects.length) continue;
          const top = rects[0]!.top;
          if (
            lastTop !== null &&
            top > lastTop + 2 &&
            /[A-Za-z0-9]/.test(node.data[i - 1] ?? '') &&
            /[A-Za-z0-9]/.test(node.data[i]!)
          )
            return true;
          lastTop = top;
        }
      }
      return false;
    };
    for (const el of d.querySelectorAll('.n-data-table td, .n-data-table th, .stat .value, .tile .fact'))
      if (brokenInsideAWord(el)) out.push({ what: 'word broken over lines', text: text(el) });
    // A table wider than its box hides its last columns (the Stop and Kill buttons) behind a scrollbar shown on hover.
    for (const el of d.querySelectorAll('.n-data-table')) {
      const table = el.querySelectorAll('table')[Symbol.iterator]().next().value as El | undefined;
      const over = table ? table.getBoundingClientRect().right - el.getBoundingClientRect().right : 0;
      if (over > 1) out.push({ what: `table ${Math.round(over)} px wider than its box`, text: text(el).slice(0, 60) });
    }
    // A header narrower than its text runs the text under its sort arrow ("Under-replicate͘d").
    for (const el of d.querySelectorAll('.n-data-table-th__title'))
      if (cut(el)) out.push({ what: 'header text under its sort arrow', text: text(el) });
    for (const el of d.querySelectorAll('.n-layout-content *')) {
      if (style(el).textOverflow !== 'ellipsis' || !cut(el) || titled(el)) continue;
      out.push({ what: 'cut without a tooltip', text: text(el) });
    }
    return out;
  });
}

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '3']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  await script.api.createTopic({ name: 'customer-orders.eu-west.v2', partitions: 12, replicationFactor: 3 });
  await script.api.createTopic({ name: 'payments', partitions: 3, replicationFactor: 2 });
  await script.api.createTopic({
    name: 'a-rather-long-topic-name-for-the-inventory-snapshots-of-every-warehouse',
    partitions: 1,
    replicationFactor: 1,
  });
  await script.api.produce({
    topic: 'payments',
    records: Array.from({ length: 40 }, (_, i) => ({
      key: `payment-${i}`,
      value: JSON.stringify({
        id: `pay-${i}`,
        amount: { value: 1250 + i, currency: 'EUR' },
        customer: { id: `c-${i % 7}`, name: 'Grace Hopper', address: { city: 'Arlington', country: 'US' } },
        lines: [
          { sku: 'A-1', qty: 2 },
          { sku: 'B-7', qty: 1 },
        ],
        captured: i % 2 === 0,
      }),
    })),
  });
  await script.api.produce({
    topic: 'customer-orders.eu-west.v2',
    records: Array.from({ length: 5000 }, (_, i) => ({ key: `order-${i}`, value: JSON.stringify({ i }) })),
  });
  const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!.split(',');
  const kafka = new Kafka({ clientId: 'e2e-layout', brokers: bootstrap, logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: GROUP });
  await consumer.connect();
  await consumer.subscribe({ topic: 'customer-orders.eu-west.v2', fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  await eventually(async () => {
    const g = await script.api.describeGroup({ groupId: GROUP });
    expect(g.state).toBe('Stable');
  }, 60_000);
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await page.goto(serve.url);
});

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  script?.transport.close();
  await browser?.close();
  if (serve) await serve.stop();
});

describe('layout from 1024x768 to 2560x1440', () => {
  for (const size of SIZES) {
    it(`shows every main page whole at ${size.width}x${size.height}`, async () => {
      await page.setViewportSize(size);
      const problems: Record<string, LayoutProblem[]> = {};
      for (const p of PAGES) {
        await page.goto(`${base}${p.path}`);
        if (p.ready) await page.getByRole('group', { name: p.ready, exact: true }).first().waitFor();
        else await page.locator('.n-data-table, .n-card').first().waitFor();
        if ('detail' in p) {
          await page.locator('.message-table tbody tr[data-row-key]').first().click();
          await page.getByTestId('json-view').waitFor();
        }
        // Numbers arrive with the first events; let them settle before measuring.
        await page.waitForTimeout(500);
        await screenshot(page, `layout-${p.name}-${size.width}x${size.height}`);
        const found = await layoutProblems(page);
        if (found.length) problems[p.name] = found;
      }
      expect(problems).toEqual({});
    });
  }
});
