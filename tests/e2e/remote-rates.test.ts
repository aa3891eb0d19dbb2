/**
 * Rates on a remote connection, end to end: serve mode in Chromium connected to a second Noticeboard (3 brokers,
 * PLAINTEXT) that an independent producer (confluent_kafka) writes to at 50 messages a second. The Topics list shows
 * the topic's messages in per second and its last message (sampled in the app, not "—"); the Brokers page shows the
 * leader's messages in per second, and its broker page those with bytes in, saying its out rates are not
 * observable on a remote cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import type { Browser } from './support/browser';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, rowOf } from './support/tables-and-labels';

const PRODUCER = fileURLToPath(new URL('../core/remote/support/steady_producer.py', import.meta.url));
const RATE = 50;

let local: ServeProcess;
let remote: ServeProcess;
let remoteScript: Connection;
let localScript: Connection;
let browser: Browser;
let page: Page;
let producer: ChildProcess | null = null;
let leaderOfLive = -1;

const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByText(label, { exact: true }).click();
const numberIn = (text: string) => Number(/[\d,.]+/.exec(text)![0].replace(/,/g, ''));
const card = async (label: string) =>
  (await page.getByRole('group', { name: label, exact: true }).innerText()).replace(/\s+/g, ' ');

beforeAll(async () => {
  [local, remote] = await Promise.all([startServeProcess(['--brokers', '1']), startServeProcess(['--brokers', '3'])]);
  const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(remote.output())![1]!;
  remoteScript = scriptConnection(remote);
  localScript = scriptConnection(local);
  await remoteScript.api.createTopic({ name: 'live-orders', partitions: 1, replicationFactor: 3 });
  await remoteScript.api.createTopic({ name: 'still-topic', partitions: 1, replicationFactor: 3 });
  leaderOfLive = (await remoteScript.api.listAllPartitions({})).find((p) => p.topic === 'live-orders')!.leader;
  await localScript.api.addConnection({
    name: 'Remote rates',
    bootstrapServers: bootstrap.split(','),
    securityProtocol: 'PLAINTEXT',
  });
  // The producer runs until the file ends: the pages are read while it writes.
  producer = spawn('/usr/bin/python3', [PRODUCER, bootstrap, 'live-orders', String(RATE), '600', '100'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: producer.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => (l.includes('"started"') ? resolve() : l.includes('"error"') && reject(new Error(l))));
    producer!.once('exit', (code) => reject(new Error(`the producer exited with ${code}`)));
  });
  ({ browser, page } = await openAppPage(local.url, {
    viewport: { width: 1440, height: 900 },
    timeoutMs: 15_000,
    connected: true,
  }));
  await page.locator('[data-testid="connection-switcher"]').click();
  await page.locator('.n-dropdown-option').getByText('Remote rates', { exact: true }).click();
  await page.locator('[data-testid="connection-switcher"]').getByText('Remote rates').waitFor();
}, 120_000);

afterAll(async () => {
  producer?.kill('SIGTERM');
  await browser?.close();
  remoteScript?.transport.close();
  localScript?.transport.close();
  await Promise.all([local?.stop(), remote?.stop()]);
});

screenshotFailures(() => page);

describe('rates on a remote connection', () => {
  it("shows the Topics list's messages in per second and last message while a producer writes", async () => {
    await nav('Topics');
    const topics = page.locator('[aria-label="Topics"].n-data-table');
    await rowOf(topics, 'live-orders').waitFor();
    await eventually(async () => {
      const rows = await readTable(topics);
      const live = rows.find((r) => r.Name === 'live-orders')!;
      expect(numberIn(live['In/s']!)).toBeGreaterThanOrEqual(RATE * 0.7);
      expect(numberIn(live['In/s']!)).toBeLessThanOrEqual(RATE * 1.3);
      expect(live['Last message']).toMatch(/just now|\d+ s ago/);
      const still = rows.find((r) => r.Name === 'still-topic')!;
      expect(still['In/s']).toBe('0');
      expect(still['Last message']).toBe('—');
    }, 30_000);
    await page.mouse.move(1430, 890);
    await screenshot(page, 'remote-topics-rates');
  });

  it("shows a broker's messages and bytes in, and says its out rates are not observable", async () => {
    await nav('Brokers');
    const brokers = page.locator('[aria-label="Brokers"].n-data-table');
    await eventually(async () => {
      const rows = await readTable(brokers);
      const leader = rows.find((r) => r.Broker?.startsWith(`Broker ${leaderOfLive}`))!;
      expect(numberIn(leader['In/s']!)).toBeGreaterThanOrEqual(RATE * 0.7);
      expect(numberIn(leader['In/s']!)).toBeLessThanOrEqual(RATE * 1.3);
      // The others lead only the still topic.
      expect(rows.filter((r) => r !== leader).map((r) => r['In/s'])).toEqual(['0', '0']);
    }, 30_000);
    await screenshot(page, 'remote-brokers-rates');
    await page
      .locator('[aria-label="Brokers"].n-data-table')
      .getByRole('link', { name: `Broker ${leaderOfLive}` })
      .click();
    await page.getByRole('heading', { name: `Broker ${leaderOfLive}` }).waitFor();
    await eventually(async () => {
      const messagesIn = await card('Messages in');
      expect(messagesIn).toMatch(/\/s/);
      expect(numberIn(messagesIn.replace('Messages in', ''))).toBeGreaterThanOrEqual(RATE * 0.7);
      expect(numberIn(messagesIn.replace('Messages in', ''))).toBeLessThanOrEqual(RATE * 1.3);
      expect(messagesIn).toMatch(/B\/s to partitions it leads/);
    }, 30_000);
    const out = await card('Messages out');
    expect(out).toMatch(/not observable on a remote cluster/i);
    expect(out).not.toMatch(/\b0\/s/);
    await page.mouse.move(1430, 890);
    await screenshot(page, 'remote-broker-rates');
  });
});
