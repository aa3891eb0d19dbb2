/**
 * The app:// scheme's handler against a real folder: it serves the renderer's files with the page's CSP, the page
 * itself at `/`, and nothing outside the folder, however the path is spelled.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appFileFor, appPageUrl, handleAppProtocol } from '../../electron/app-protocol';

let dir: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nb-app-protocol-'));
  mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Noticeboard</title>');
  writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the page');
  const protocol = {
    handle: (scheme: string, fn: (request: Request) => Promise<Response>) => {
      expect(scheme).toBe('app');
      handler = fn;
    },
  };
  handleAppProtocol(protocol as never, join(dir, 'renderer', 'index.html'), async (url) => {
    return new Response(await readFile(fileURLToPath(url)));
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string) => handler(new Request(url));

describe('app:// protocol', () => {
  it('serves the page and its assets from the renderer folder, each with the CSP header', async () => {
    expect(appPageUrl(join(dir, 'renderer', 'index.html'))).toBe('app://noticeboard/index.html');
    const page = await get('app://noticeboard/index.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Noticeboard</title>');
    expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'self'");
    expect(await (await get('app://noticeboard/')).text()).toContain('<title>Noticeboard</title>');
    expect(await (await get('app://noticeboard/assets/app.js')).text()).toBe('console.log(1)');
  });

  it('answers 404 outside the folder, for directories, missing files and other hosts', async () => {
    for (const url of [
      'app://noticeboard/../secret.txt',
      'app://noticeboard/%2e%2e/secret.txt',
      'app://noticeboard/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://noticeboard/assets',
      'app://noticeboard/missing.js',
      'app://elsewhere/index.html',
      'app://noticeboard/%E0%A4%A',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text()).toBe('Not found');
    }
    expect(
      appFileFor(join(dir, 'renderer'), 'app://noticeboard/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 'index.html'),
    ).toBeNull();
  });
});
