/**
 * Preferred leader election on a remote connection, end to end: serve mode in Chromium connected to a second
 * Noticeboard (3 brokers, its leader balancer slowed to once a day) whose broker 1 was stopped and started, so the
 * partitions it prefers are led by others. On the Brokers page the button opens a dialog that asks for the
 * connection's name typed; once typed, the election runs through ElectLeaders and the report says what moved, and
 * the remote cluster's own API shows every partition led by its preferred replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import type { Browser } from './support/browser';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';

const NAME = 'Remote election';
let local: ServeProcess;
let remote: ServeProcess;
let remoteScript: Connection;
let localScript: Connection;
let browser: Browser;
let page: Page;

const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByText(label, { exact: true }).click();

beforeAll(async () => {
  [local, remote] = await Promise.all([
    startServeProcess(['--brokers', '1']),
    startServeProcess(['--brokers', '3', '--leader-imbalance-check-interval', '86400']),
  ]);
  const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(remote.output())![1]!;
  remoteScript = scriptConnection(remote);
  localScript = scriptConnection(local);
  await remoteScript.api.createTopic({ name: 'elect', partitions: 6, replicationFactor: 3 });
  await remoteScript.api.stopBroker({ id: 1 });
  await remoteScript.api.startBroker({ id: 1 });
  // A record in every partition gives broker 1 something to fetch, and so to rejoin the ISRs.
  await remoteScript.api.produce({
    topic: 'elect',
    records: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, key: 'k', value: 'v' })),
    acks: -1,
  });
  await eventually(async () => {
    const parts = (await remoteScript.api.listAllPartitions({})).filter((p) => p.topic === 'elect');
    return parts.every((p) => p.isr.includes(1)) && parts.some((p) => p.replicas[0] === 1 && p.leader !== 1);
  }, 30_000);
  await localScript.api.addConnection({
    name: NAME,
    bootstrapServers: bootstrap.split(','),
    securityProtocol: 'PLAINTEXT',
  });
  ({ browser, page } = await openAppPage(local.url, {
    viewport: { width: 1440, height: 900 },
    timeoutMs: 15_000,
    connected: true,
  }));
  await page.locator('[data-testid="connection-switcher"]').click();
  await page.locator('.n-dropdown-option').getByText(NAME, { exact: true }).click();
  await page.locator('[data-testid="connection-switcher"]').getByText(NAME).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  remoteScript?.transport.close();
  localScript?.transport.close();
  await Promise.all([local?.stop(), remote?.stop()]);
});

screenshotFailures(() => page);

describe('preferred leader election on a remote connection', () => {
  it('asks for the connection name typed, runs the election and reports what moved', async () => {
    const away = (await remoteScript.api.listAllPartitions({})).filter(
      (p) => p.topic === 'elect' && p.replicas[0] !== p.leader,
    );
    expect(away.length).toBeGreaterThan(0);
    await nav('Brokers');
    await page.getByRole('button', { name: 'Elect preferred leaders of every topic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Preferred leader election' });
    await dialog.getByText(`This preferred leader election goes to ${NAME}`).waitFor();
    const act = dialog.locator('[data-testid="elect-confirm"]');
    expect(await act.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the connection name to confirm').fill(NAME);
    await eventually(async () => !(await act.isDisabled()), 5000);
    await screenshot(page, 'remote-election-confirm');
    await act.click();
    const report = page.getByRole('status', { name: 'Preferred leader election result' });
    await report.waitFor();
    const words = await report.innerText();
    expect(words).toContain(
      `${away.length} partition${away.length === 1 ? '' : 's'} moved to ${away.length === 1 ? 'its' : 'their'} preferred leader`,
    );
    await screenshot(page, 'remote-election-report');
    const after = (await remoteScript.api.listAllPartitions({})).filter((p) => p.topic === 'elect');
    for (const p of after) expect(p.leader).toBe(p.replicas[0]);
  });
});
