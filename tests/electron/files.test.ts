/**
 * The desktop's file transfers (electron/files.ts) against the fake `electron` and a real engine: an export goes
 * through the save dialog into the chosen file with progress to the window, a cancelled dialog writes nothing,
 * an import's file comes from the open dialog (dry run first, then the write), and calls from anywhere but
 * Noticeboard's own page are refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FILE_CHANNELS, FILE_PROGRESS_CHANNEL } from '../../electron/ipc-contract';
import type { FakeElectron } from '../support/fake-electron';
import { Cluster } from '../../core/cluster/cluster';

vi.mock('electron', async () => (await import('../support/fake-electron')).createFakeElectron());

const PAGE_URL = 'app://noticeboard/index.html';
let electron: FakeElectron;
let dir: string;
let cluster: Cluster;

async function bootReady() {
  vi.resetModules();
  electron = (await import('electron')) as unknown as FakeElectron;
  electron.reset();
  electron.app.hasLock = true;
  const { startDesktopApp } = await import('../../electron/app');
  const handle = startDesktopApp({
    openCluster: async () => cluster,
    page: { kind: 'file', path: '/app/out/renderer/index.html' },
    preload: '/app/out/preload/index.cjs',
    version: 'test',
  })!;
  electron.app.makeReady();
  await handle.ready;
  return electron.BrowserWindow.instances[0]!;
}

function call(channel: string, win: { webContents: unknown }, input?: unknown, url = PAGE_URL) {
  const handler = electron.ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler({ sender: win.webContents, senderFrame: { url, parent: null } }, input) as Promise<any>;
}

beforeEach(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
  dir = mkdtempSync(join(tmpdir(), 'nb-files-test-'));
  cluster = await Cluster.open({ dataDir: join(dir, 'data'), brokers: 1 });
  await cluster.createTopic({ name: 'orders', partitions: 2, replicationFactor: 1 });
  await cluster.produce(
    'orders',
    Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: `v${n}`, partition: n % 2, timestamp: 1000 + n })),
  );
});
afterEach(async () => {
  electron.app.quit();
  await vi.waitFor(() => expect(electron.app.quitted).toBe(true), { timeout: 20_000 });
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('desktop file transfers', () => {
  it('exports into the file the save dialog chose, with progress sent to the window', async () => {
    const win = await bootReady();
    const path = join(dir, 'out.jsonl');
    electron.dialog.saveAnswer = { canceled: false, filePath: path };
    const r = await call(FILE_CHANNELS.export, win, {
      jobId: 'job-1',
      spec: { topic: 'orders', format: 'jsonl', partitions: [1] },
    });
    expect(r).toMatchObject({ ok: true, result: { path, records: 5, total: 5, cancelled: false } });
    expect(electron.dialog.asked[0]![1]).toMatchObject({ defaultPath: 'orders.jsonl' });
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.partition, l.offset, l.key, l.value])).toEqual(
      [1, 3, 5, 7, 9].map((n, i) => [1, i, `k${n}`, `v${n}`]),
    );
    const progress = win.webContents.sent.filter(([c]) => c === FILE_PROGRESS_CHANNEL).map(([, p]) => p);
    expect(progress.at(-1)).toEqual({ jobId: 'job-1', done: 5, total: 5 });
  });

  it('writes nothing when the save dialog is cancelled, and refuses a bad spec in words', async () => {
    const win = await bootReady();
    expect(await call(FILE_CHANNELS.export, win, { jobId: 'j', spec: { topic: 'orders', format: 'jsonl' } })).toEqual({
      ok: true,
      result: null,
    });
    const path = join(dir, 'bad.csv');
    electron.dialog.saveAnswer = { canceled: false, filePath: path };
    const bad = await call(FILE_CHANNELS.export, win, {
      jobId: 'j',
      spec: { topic: 'orders', format: 'csv', partitions: [9] },
    });
    expect(bad).toMatchObject({ ok: false, error: { errorName: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    expect(existsSync(path)).toBe(false);
  });

  it('imports the file the open dialog chose: a dry run that writes nothing, then the write', async () => {
    const win = await bootReady();
    const file = join(dir, 'in.jsonl');
    writeFileSync(
      file,
      ['{"key":"a","value":"1","partition":1}', 'oops', '{"key":"b","value":"2","partition":1}'].join('\n'),
    );
    electron.dialog.openAnswer = { canceled: false, filePaths: [file] };
    await cluster.createTopic({ name: 'target', partitions: 2, replicationFactor: 1 });
    const picked = await call(FILE_CHANNELS.pickImport, win);
    expect(picked).toMatchObject({ ok: true, result: { name: 'in.jsonl' } });
    const opts = { jobId: 'i', fileId: picked.result.fileId, topic: 'target', keepPartitions: true };
    const dry = await call(FILE_CHANNELS.import, win, { ...opts, dryRun: true });
    expect(dry.result).toMatchObject({ records: 2, badLines: 1, bad: [{ line: 2 }], written: 0 });
    const refused = await call(FILE_CHANNELS.import, win, opts);
    expect(refused).toMatchObject({ ok: false, error: { errorName: 'INVALID_RECORD' } });
    const done = await call(FILE_CHANNELS.import, win, { ...opts, skipBadLines: true });
    expect(done.result).toMatchObject({ written: 2 });
    const got = await cluster.readRecords({ topic: 'target', partition: 1, start: { type: 'earliest' }, limit: 10 });
    expect(got.map((r) => r.key?.toString())).toEqual(['a', 'b']);
    expect(await call(FILE_CHANNELS.import, win, { ...opts, fileId: 'made-up' })).toMatchObject({ ok: false });
  });

  it("refuses calls that do not come from Noticeboard's own page", async () => {
    const win = await bootReady();
    electron.dialog.saveAnswer = { canceled: false, filePath: join(dir, 'x.jsonl') };
    const r = await call(
      FILE_CHANNELS.export,
      win,
      { spec: { topic: 'orders', format: 'jsonl' } },
      'https://evil.example/',
    );
    expect(r).toMatchObject({ ok: false, error: { errorName: 'CLUSTER_AUTHORIZATION_FAILED' } });
    expect(electron.dialog.asked).toEqual([]);
  });
});
