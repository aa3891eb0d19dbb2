/**
 * Forms say no instead of changing what was typed: every refused value keeps its text, gets the reason in words
 * next to it, and keeps the form's action disabled; nothing is clamped, rounded or replaced behind the user's back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import { openAppPage, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
let base: string;

const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '1']);
  base = serve.url.replace(/\?token=.*$/, '');
  script = scriptConnection(serve);
  await script.api.createTopic({ name: 'orders', partitions: 6, replicationFactor: 1 });
  await script.api.produce({ topic: 'orders', records: [{ key: 'k', value: 'v' }] });
  ({ browser, page } = await openAppPage(serve.url, { viewport: { width: 1440, height: 900 } }));
});

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) await serve.stop();
});

describe('forms say no', () => {
  it('refuses 100,000 partitions, "abc" and an existing name in the create dialog, with words', async () => {
    await page.goto(`${base}#/topics`);
    await page.getByRole('button', { name: 'Create topic' }).first().click();
    const dialog = page.getByRole('dialog');
    const create = dialog.getByRole('button', { name: 'Create', exact: true });
    const partitions = dialog.getByLabel('Partitions', { exact: true });
    await dialog.getByRole('textbox', { name: 'Topic name' }).fill('payments');

    await partitions.fill('100000');
    await partitions.blur();
    await dialog.getByText("100,000 is more than 10,000, the cluster's partition limit.").waitFor();
    expect(await partitions.inputValue()).toBe('100000');
    expect(await create.isDisabled()).toBe(true);

    await partitions.fill('abc');
    await partitions.blur();
    await dialog.getByText('“abc” is not a number. Enter a whole number from 1 to 10,000').waitFor();
    expect(await partitions.inputValue()).toBe('abc');
    expect(await create.isDisabled()).toBe(true);
    await partitions.fill('3');

    await dialog.getByRole('textbox', { name: 'Topic name' }).fill('orders');
    await dialog.getByText('A topic named orders already exists').waitFor();
    expect(await create.isDisabled()).toBe(true);

    await dialog.getByRole('textbox', { name: 'Topic name' }).fill('payments.v1_eu');
    await dialog.getByText(/topics with a period \('\.'\) or underscore \('_'\) could collide/).waitFor();
    await eventually(async () => expect(await create.isDisabled()).toBe(false));
    await screenshot(page, 'topic-create-warning-1440x900');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('refuses fewer partitions than the topic has today', async () => {
    await page.goto(`${base}#/topics/orders`);
    await page.getByRole('button', { name: 'Add partitions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add partitions' });
    const total = dialog.getByRole('textbox', { name: 'New number of partitions' });
    await total.fill('4');
    await dialog
      .getByText('4 is less than 7, the topic has 6 partitions now and partitions cannot be removed')
      .waitFor();
    expect(await total.inputValue()).toBe('4');
    expect(await dialog.getByRole('button', { name: 'Add partitions' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('refuses offset "1.5" and a timestamp that is not a time, saying what to type', async () => {
    await page.goto(`${base}#/topics/orders/messages`);
    await page.locator('.messages-page').getByLabel('Start at', { exact: true }).first().click();
    await page.locator('.n-base-select-option', { hasText: /^\s*Offset\s*$/ }).click();
    const offset = page.getByLabel('Start offset');
    await offset.fill('1.5');
    const problem = page.getByTestId('start-problem');
    await eventually(async () =>
      expect(await text(problem)).toBe('1.5 is not a whole number. Enter a whole number of at least 0'),
    );
    expect(await page.getByRole('button', { name: 'Go to this position' }).isDisabled()).toBe(true);
    await offset.fill('0');
    await eventually(async () => expect(await problem.count()).toBe(0));

    await page.locator('.messages-page').getByLabel('Start at', { exact: true }).first().click();
    await page.locator('.n-base-select-option', { hasText: /^\s*Timestamp\s*$/ }).click();
    const time = page.getByLabel('Start time');
    await time.fill('2025-02-31 10:00');
    await eventually(async () => expect(await text(problem)).toBe('February 2025 has no day 31: it has 28 days.'));
    expect(await page.getByRole('button', { name: 'Go to this position' }).isDisabled()).toBe(true);
  });

  it('refuses a workload rate of 1e9 instead of making it 100,000', async () => {
    await page.goto(`${base}#/workload`);
    const rate = page.getByRole('textbox', { name: 'Rate in messages per second' });
    await rate.fill('1e9');
    await rate.blur();
    await page.getByText("1,000,000,000 is more than 100,000, the simulator's limit.").waitFor();
    expect(await rate.inputValue()).toBe('1e9');
    expect(await page.getByRole('button', { name: /^Start/ }).isDisabled()).toBe(true);
    await rate.fill('250');
    await eventually(async () => expect(await page.getByRole('button', { name: /^Start/ }).isDisabled()).toBe(false));
  });
});
