/**
 * Settings → Kafka security, end to end: a person switches the running sandbox from PLAINTEXT to SASL_SSL with a
 * user, then turns on client certificates, from the page; kcat (not this project's client) fails with the old
 * settings and connects with the new ones on the same ports, with the CA and the client certificate and key the page
 * downloads. The form refuses what cannot work next to its field; serve-mode flags make the setting read-only.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Connection } from '../../core/api/client';
import { openAppPage, screenshotFailures, scriptConnection } from './support/app-page';
import type { Browser } from './support/browser';
import { startServeProcess, type ServeProcess } from './support/serve-process';
import { eventually, screenshot } from './support/screens';
import { tempDir } from '../helpers/temp-cluster';

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let script: Connection;
const errors: string[] = [];
const files = tempDir('noticeboard-e2e-security-');

beforeAll(async () => {
  serve = await startServeProcess(['--brokers', '2']);
  script = scriptConnection(serve);
  ({ browser, page } = await openAppPage(`${serve.url}#/settings`, { timeoutMs: 15_000, errors, connected: true }));
}, 120_000);

screenshotFailures(() => page);

afterAll(async () => {
  script?.transport.close();
  await browser?.close();
  if (serve) expect(await serve.stop()).toBe(0);
  files.remove();
});

function kcat(bootstrap: string, settings: string[]): Promise<{ code: number; stderr: string }> {
  const args = ['-b', bootstrap, ...settings.flatMap((s) => ['-X', s]), '-X', 'socket.timeout.ms=5000', '-m', '6'];
  return new Promise((resolve) => {
    execFile('kcat', [...args, '-L'], { timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

const card = () => page.getByTestId('kafka-security');
const speaks = () => page.getByTestId('kafka-security-speaks');
const bootstrap = () => /Kafka bootstrap:\s+(\S+)/.exec(serve.output())![1]!;

/** Clicks a download button and saves what the page hands over, by the file name it gives. */
async function downloads(button: string, count: number): Promise<Record<string, string>> {
  const saved: Record<string, string> = {};
  const all = new Promise<void>((resolve) => {
    page.on('download', (d) => {
      const path = join(files.path, d.suggestedFilename());
      void d.saveAs(path).then(() => {
        saved[d.suggestedFilename()] = path;
        if (Object.keys(saved).length === count) resolve();
      });
    });
  });
  await page.getByTestId(button).click();
  await all;
  page.removeAllListeners('download');
  return saved;
}

describe('Settings: Kafka security of the sandbox', () => {
  it('switches the running sandbox to SASL_SSL from the page; kcat needs the new settings', async () => {
    await eventually(async () => expect(await speaks().innerText()).toBe('PLAINTEXT'));
    const ports = bootstrap();
    expect((await kcat(ports, [])).code).toBe(0);

    await card().getByText('SASL_SSL', { exact: true }).click();
    // Refused next to its field before anything is sent.
    await card().getByText('SASL_SSL needs at least one user').waitFor();
    expect(await page.getByTestId('apply-kafka-security').isDisabled()).toBe(true);
    await page.getByTestId('add-kafka-user').click();
    await page.getByLabel('User 1 name', { exact: true }).fill('alice');
    await card().getByText('A new user needs a password').waitFor();
    await page.getByLabel('User 1 password', { exact: true }).fill('alice-secret');
    await page.getByTestId('apply-kafka-security').click();

    await eventually(async () => expect(await speaks().innerText()).toBe('SASL_SSL'), 30_000);
    expect(await page.getByTestId('kafka-security-users').innerText()).toBe('alice');
    expect(await card().innerText()).not.toContain('alice-secret');
    await screenshot(page, 'settings-kafka-security');

    const state = await script.api.getListenerSecurity();
    expect(state).toMatchObject({ protocol: 'SASL_SSL', users: ['alice'], bootstrapServers: ports });

    const { 'ca.pem': ca } = await downloads('download-ca', 1);
    expect(ca).toBeDefined();
    const old = await kcat(ports, []);
    expect(old.code).not.toBe(0);
    const sasl = [
      'security.protocol=sasl_ssl',
      `ssl.ca.location=${ca}`,
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.username=alice',
      'sasl.password=alice-secret',
    ];
    const now = await kcat(ports, sasl);
    expect(now.code, now.stderr).toBe(0);
  });

  it('turns on client certificates (mTLS) and serves kcat with the certificate and key it downloads', async () => {
    const ports = bootstrap();
    await page.getByLabel('Require client certificates', { exact: true }).click();
    await page.getByTestId('apply-kafka-security').click();
    await eventually(
      async () => expect(await speaks().innerText()).toBe('SASL_SSL, client certificates required (mTLS)'),
      30_000,
    );
    const got = await downloads('download-client-cert', 2);
    const ca = join(files.path, 'ca.pem');
    const sasl = [
      'security.protocol=sasl_ssl',
      `ssl.ca.location=${ca}`,
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.username=alice',
      'sasl.password=alice-secret',
    ];
    expect((await kcat(ports, sasl)).code).not.toBe(0);
    const withCert = [
      ...sasl,
      `ssl.certificate.location=${got['client.pem']}`,
      `ssl.key.location=${got['client-key.pem']}`,
    ];
    const r = await kcat(ports, withCert);
    expect(r.code, r.stderr).toBe(0);
    await screenshot(page, 'settings-kafka-security-mtls');
    expect(errors).toEqual([]);
  });
});

describe('Settings: Kafka security fixed by serve flags', () => {
  let fixed: ServeProcess;
  let other: { browser: Browser; page: Page } | null = null;
  afterAll(async () => {
    await other?.browser.close();
    if (fixed) expect(await fixed.stop()).toBe(0);
  });

  it('shows the flags that fix it and offers no form', async () => {
    fixed = await startServeProcess(['--brokers', '1', '--kafka-security', 'ssl']);
    other = await openAppPage(`${fixed.url}#/settings`, { timeoutMs: 15_000, connected: true });
    const p = other.page;
    await p.getByTestId('kafka-security-fixed').waitFor();
    expect(await p.getByTestId('kafka-security-fixed').innerText()).toContain('--kafka-security ssl');
    expect(await p.getByTestId('kafka-security-speaks').innerText()).toBe('SSL');
    expect(await p.getByTestId('kafka-security-form').count()).toBe(0);
  });
});
