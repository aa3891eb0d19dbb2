/**
 * Broker configs edited on the Broker detail page, end to end in Chromium against serve mode: on the Local
 * sandbox (a 3-broker cluster) a per-broker value is set with the topic config editor, checked inline, reset, and a
 * cluster-wide default is set; the engine's own describe agrees. On a remote connection (a second Noticeboard as
 * the cluster) the same change waits for the connection's name typed, reaches the remote cluster, and a read-only
 * connection turns the editor off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import type { ConfigEntry } from '../../core/cluster/types';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { readTable, rowOf } from './support/tables-and-labels';

let local: ServeProcess;
let remote: ServeProcess;
let script: Connection;
let remoteScript: Connection;
let browser: Browser;
let page: Page;
let connectionId: string;

const table = (label: string) => page.locator(`[aria-label="${label}"].n-data-table`);
const drawer = () => page.getByRole('dialog', { name: 'Edit configs' });
const field = (n: string) => drawer().getByLabel(n, { exact: true });
const entry = (list: ConfigEntry[], name: string) => list.find((c) => c.name === name)!;

beforeAll(async () => {
  [local, remote] = await Promise.all([startServeProcess(['--brokers', '3']), startServeProcess(['--brokers', '3'])]);
  script = scriptConnection(local);
  remoteScript = scriptConnection(remote);
  const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(remote.output())![1]!;
  connectionId = (
    await script.api.addConnection({
      name: 'Staging',
      bootstrapServers: bootstrap.split(','),
      securityProtocol: 'PLAINTEXT',
    })
  ).id;
  ({ browser, page } = await openAppPage(local.url, { connected: true, timeoutMs: 15_000 }));
}, 120_000);

screenshotFailures(() => page);

afterAll(async () => {
  await browser?.close();
  script?.transport.close();
  remoteScript?.transport.close();
  await Promise.all([local?.stop(), remote?.stop()]);
});

describe('broker configs on the Broker detail page', () => {
  it('sets a per-broker value on the sandbox, checked inline, shown with its source, then resets it', async () => {
    await page.goto(`${local.url.replace(/\?token=.*$/, '')}#/brokers/1`);
    const configs = table('Configs of broker 1');
    await rowOf(configs, /log\.retention\.ms/).waitFor();
    // Read-only ones say why.
    const dirs = (await readTable(configs)).find((r) => r.Config!.startsWith('log.dirs'))!;
    expect(dirs.Config).toContain('set in server.properties');
    expect(dirs.Config).toContain('needs a broker restart');

    await page.getByRole('button', { name: 'Edit configs' }).click();
    await drawer().getByText('Edit configs of broker 1').waitFor();
    // The cluster's dry run gives Kafka's range reason beside the config as it is typed.
    await field('log.retention.ms').fill('-5');
    await drawer()
      .locator('[data-config="log.retention.ms"]')
      .getByText(/must be at least -1/)
      .waitFor();
    await field('log.retention.ms').fill('soon');
    await drawer().getByText('Must be a whole number').waitFor();
    await field('log.retention.ms').fill('3600000');
    await drawer()
      .getByText(/1 hour · Default 604800000/)
      .waitFor();
    // A read-only one cannot be typed into, and says why.
    expect(await field('log.dirs').isDisabled()).toBe(true);
    await drawer()
      .locator('[data-config="log.dirs"]')
      .getByText(/needs a broker restart/)
      .waitFor();
    await page.mouse.move(300, 700);
    await screenshot(page, 'broker-config-editor');
    await drawer().getByRole('button', { name: 'Save changes' }).click();
    await drawer().waitFor({ state: 'detached' });
    await eventually(async () => {
      const row = (await readTable(configs)).find((r) => r.Config!.startsWith('log.retention.ms'))!;
      expect(row.Value).toMatch(/^3600000/);
      expect(row.Source).toBe('Set on broker DYNAMIC_BROKER_CONFIG');
    });
    expect(entry(await script.api.describeBrokerConfigs({ broker: 1 }), 'log.retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_BROKER_CONFIG',
    });
    await page.getByLabel('Filter configs').fill('log.retention');
    await rowOf(configs, /log\.retention\.bytes/).waitFor();
    await screenshot(page, 'broker-configs');
    await page.getByLabel('Filter configs').fill('');

    // Reset removes the broker's value: back to Kafka's default.
    await page.getByRole('button', { name: 'Edit configs' }).click();
    await drawer().getByRole('button', { name: 'Reset log.retention.ms to its default' }).click();
    await drawer()
      .getByText(/Reset: falls back to 604800000 \(Default\)/)
      .waitFor();
    await drawer().getByRole('button', { name: 'Save changes' }).click();
    await drawer().waitFor({ state: 'detached' });
    await eventually(async () =>
      expect(entry(await script.api.describeBrokerConfigs({ broker: 1 }), 'log.retention.ms').source).toBe(
        'DEFAULT_CONFIG',
      ),
    );
  });

  it('sets a cluster-wide default that every broker takes', async () => {
    await page.getByRole('radiogroup', { name: 'Config level' }).getByText('Cluster-wide defaults').click();
    const configs = table('Cluster-wide broker defaults');
    await rowOf(configs, /message\.max\.bytes/).waitFor();
    await page.getByRole('button', { name: 'Edit configs' }).click();
    await drawer().getByText('Edit configs of the cluster-wide broker defaults').waitFor();
    await field('message.max.bytes').fill('500000');
    await drawer().getByRole('button', { name: 'Save changes' }).click();
    await drawer().waitFor({ state: 'detached' });
    await eventually(async () => {
      const row = (await readTable(configs)).find((r) => r.Config!.startsWith('message.max.bytes'))!;
      expect(row.Source).toBe('Cluster-wide DYNAMIC_DEFAULT_BROKER_CONFIG');
    });
    for (const broker of [0, 2])
      expect(entry(await script.api.describeBrokerConfigs({ broker }), 'message.max.bytes')).toMatchObject({
        value: '500000',
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      });
    await script.api.alterBrokerConfigs({ delete: ['message.max.bytes'] });
  });

  it('on a remote connection, changes a broker config only after the connection name is typed', async () => {
    await page.locator('[data-testid="connection-switcher"]').click();
    await page.locator('.n-dropdown-option').getByText('Staging', { exact: true }).click();
    await page.locator('[data-testid="connection-switcher"]').getByText('Staging').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByText('Brokers', { exact: true }).click();
    await page.goto(`${local.url.replace(/\?token=.*$/, '')}#/brokers/2`);
    const configs = table('Configs of broker 2');
    await rowOf(configs, /log\.retention\.ms/).waitFor();
    await page.getByRole('button', { name: 'Edit configs' }).click();
    await field('log.retention.ms').fill('7200000');
    const save = drawer().getByRole('button', { name: 'Save changes' });
    const confirm = drawer().getByLabel('Type the connection name to confirm');
    await confirm.waitFor();
    expect(await save.isDisabled()).toBe(true);
    await confirm.fill('staging');
    expect(await save.isDisabled()).toBe(true);
    await confirm.fill('Staging');
    await page.mouse.move(300, 700);
    await screenshot(page, 'broker-config-remote-confirm');
    await save.click();
    await drawer().waitFor({ state: 'detached' });
    // The remote cluster's own API (its engine) has the value, set on broker 2.
    await eventually(async () =>
      expect(entry(await remoteScript.api.describeBrokerConfigs({ broker: 2 }), 'log.retention.ms')).toMatchObject({
        value: '7200000',
        source: 'DYNAMIC_BROKER_CONFIG',
      }),
    );
    expect(entry(await script.api.describeBrokerConfigs({ broker: 2 }), 'log.retention.ms').source).toBe(
      'DEFAULT_CONFIG',
    );
  });

  it('turns the editor off on a read-only connection', async () => {
    await script.api.editConnection({ id: connectionId, readOnly: true });
    // A fresh page starts on the sandbox: switch to the (now read-only) connection again.
    await page.reload();
    await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
    await page.locator('[data-testid="connection-switcher"]').click();
    await page.locator('.n-dropdown-option').getByText('Staging (read-only)', { exact: true }).click();
    await page.locator('[data-testid="connection-switcher"]').getByText('read-only').waitFor();
    await page.goto(`${local.url.replace(/\?token=.*$/, '')}#/brokers/2`);
    await rowOf(table('Configs of broker 2'), /log\.retention\.ms/).waitFor();
    await page.getByText('This connection is read-only: configs cannot change.').waitFor();
    expect(await page.getByRole('button', { name: 'Edit configs' }).isDisabled()).toBe(true);
  });
});
