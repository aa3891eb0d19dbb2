/**
 * The Settings page's sandbox settings, end to end: serve mode started with
 * --num-partitions, --default-replication-factor and --advertised-host; the
 * page shows those values, a person changes them, and the engine and a real
 * Kafka client see the change (auto-created topics, advertised brokers).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Kafka, logLevel } from 'kafkajs';
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
const pageErrors: string[] = [];

beforeAll(async () => {
  serve = await startServeProcess([
    '--brokers',
    '3',
    '--num-partitions',
    '4',
    '--default-replication-factor',
    '2',
    '--advertised-host',
    'localhost',
  ]);
  script = createConnection(createWsTransport({ url: serve.wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  browser = await launchBrowser();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${serve.url.replace(/\?token=.*$/, '')}?token=${serve.token}#/settings`);
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
});

const partitionsInput = () => page.getByLabel('Partitions of new topics', { exact: true });
const rfInput = () => page.getByLabel('Replication factor of new topics', { exact: true });

describe('Settings: new topics', () => {
  it('advertises the --advertised-host to Kafka clients and prints it as the bootstrap', async () => {
    expect(serve.output()).toMatch(/Kafka bootstrap:\s+localhost:\d+,localhost:\d+,localhost:\d+/);
    const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!.split(',');
    const admin = new Kafka({ clientId: 'e2e-settings', brokers: bootstrap, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => b.host)).toEqual(['localhost', 'localhost', 'localhost']);
    } finally {
      await admin.disconnect();
    }
  });

  it('shows the values the serve flags set, and saves a change a person makes', async () => {
    await eventually(async () => {
      expect(await partitionsInput().inputValue()).toBe('4');
      expect(await rfInput().inputValue()).toBe('2');
    });
    expect(await page.getByTestId('new-topic-sources').innerText()).toMatch(
      /Partitions: set here.*Replication factor: set here/s,
    );
    await screenshot(page, 'settings-new-topics');

    await partitionsInput().fill('6');
    await rfInput().fill('3');
    await rfInput().blur();
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(async () => {
      const configs = await script.api.describeBrokerConfigs({});
      expect(configs.find((c) => c.name === 'num.partitions')).toMatchObject({
        value: '6',
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      });
      expect(configs.find((c) => c.name === 'default.replication.factor')).toMatchObject({ value: '3' });
    });
    // A client's auto-created topic gets them.
    const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!.split(',');
    const producer = new Kafka({
      clientId: 'e2e-settings-producer',
      brokers: bootstrap,
      logLevel: logLevel.NOTHING,
    }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'made-by-a-client', acks: -1, messages: [{ value: 'hello' }] });
    } finally {
      await producer.disconnect();
    }
    expect(await script.api.describeTopic({ name: 'made-by-a-client' })).toMatchObject({
      partitions: 6,
      replicationFactor: 3,
    });

    // Reset goes back to Kafka's default partitions and the sandbox's replication factor (min(3, brokers)).
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    await eventually(async () => {
      expect(await partitionsInput().inputValue()).toBe('1');
      expect(await rfInput().inputValue()).toBe('3');
    });
    expect(await page.getByTestId('new-topic-sources').innerText()).toMatch(/Partitions: Kafka's default \(1\)/);
    expect(pageErrors).toEqual([]);
  });
});
