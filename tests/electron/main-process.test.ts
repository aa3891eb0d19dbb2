import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../core/api/api';
import { EVENT_CHANNEL, FILE_CHANNELS, methodChannel } from '../../electron/ipc-contract';
import type { FakeElectron } from '../support/fake-electron';
import { FakeCluster } from '../support/fake-cluster';

vi.mock('electron', async () => (await import('../support/fake-electron')).createFakeElectron());

const PAGE = '/app/out/renderer/index.html';
// The built page is served by the app's own scheme, never from file://.
const PAGE_URL = 'app://noticeboard/index.html';

let electron: FakeElectron;
let cluster: FakeCluster;

async function boot(
  opts: {
    lock?: boolean;
    openCluster?: (o?: { dataDir: string; logFile: string }) => Promise<FakeCluster>;
    startKafka?: () => Promise<{ bootstrapServers(): string; close(): Promise<void> }>;
  } = {},
) {
  vi.resetModules();
  electron = (await import('electron')) as unknown as FakeElectron;
  electron.reset();
  electron.app.hasLock = opts.lock ?? true;
  const { startDesktopApp } = await import('../../electron/app');
  cluster = new FakeCluster(3);
  const handle = startDesktopApp({
    openCluster: opts.openCluster ?? (async () => cluster),
    startKafka: opts.startKafka,
    page: { kind: 'file', path: PAGE },
    preload: '/app/out/preload/index.cjs',
    version: 'test',
  });
  return handle;
}

async function bootReady() {
  const handle = await boot();
  electron.app.makeReady();
  await handle!.ready;
  return { handle: handle!, win: electron.BrowserWindow.instances[0]! };
}

/** An invoke event as Electron builds it for a frame with this URL. */
function invokeEvent(
  win: { webContents: { id: number } },
  url = PAGE_URL,
  parent: unknown = null,
  senderId = win.webContents.id,
) {
  return { sender: { id: senderId }, senderFrame: { url, parent } };
}

function call(method: string, event: unknown, input: unknown = {}) {
  const handler = electron.ipcMain.handlers.get(methodChannel(method));
  if (!handler) throw new Error(`no handler for ${method}`);
  return handler(event, input) as Promise<any>;
}

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('desktop main process: window', () => {
  it('opens one window that isolates the page from Node and Electron', async () => {
    const { win } = await bootReady();
    expect(electron.BrowserWindow.instances).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      preload: '/app/out/preload/index.cjs',
    });
    expect(win.options.show).toBe(false);
    expect(win.loaded).toBe(PAGE_URL);
  });

  it('shows the window only once its content is ready', async () => {
    const { win } = await bootReady();
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('opens the engine in userData before the window exists', async () => {
    let release!: () => void;
    const opened = new Promise<void>((r) => (release = r));
    const handle = await boot({
      openCluster: async () => {
        await opened;
        return cluster;
      },
    });
    electron.app.makeReady();
    await new Promise((r) => setTimeout(r, 20));
    expect(electron.BrowserWindow.instances).toHaveLength(0);
    release();
    await handle!.ready;
    const dataDir = handle!.dataDir;
    expect(electron.BrowserWindow.instances).toHaveLength(1);
    expect(dataDir).toBe('/fake/appData/Noticeboard/cluster');
  });

  it("opens the engine with its log in the app's log folder", async () => {
    let seen: { dataDir: string; logFile: string } | undefined;
    const handle = await boot({
      openCluster: async (o) => {
        seen = o;
        return cluster;
      },
    });
    electron.app.makeReady();
    await handle!.ready;
    expect(seen).toEqual({ dataDir: '/fake/appData/Noticeboard/cluster', logFile: '/fake/logs/noticeboard.log' });
  });

  it('installs a strict Content-Security-Policy header and denies permission requests and checks', async () => {
    await bootReady();
    const hook = electron.session.defaultSession.headersHook!;
    let result: any;
    hook({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (result = r));
    const csp = result.responseHeaders['Content-Security-Policy'][0] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("object-src 'none'");
    expect(result.responseHeaders['X-Other']).toEqual(['1']);
    let granted: boolean | undefined;
    electron.session.defaultSession.permissionHook!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    for (const permission of ['clipboard-read', 'notifications', 'geolocation', 'media']) {
      expect(electron.session.defaultSession.permissionCheckHook!({}, permission, PAGE_URL, {})).toBe(false);
    }
  });

  it('serves the page from its own app:// scheme, registered as privileged before the app is ready', async () => {
    const { win } = await bootReady();
    expect(electron.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true }, beforeReady: true },
    ]);
    expect(electron.protocol.handlers.has('app')).toBe(true);
    expect(win.loaded).toBe('app://noticeboard/index.html');
    // Another file of the same folder, or the same page from file://, is not the app.
    const elsewhere = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', elsewhere, 'app://noticeboard/other.html');
    expect(elsewhere.preventDefault).toHaveBeenCalled();
    const asFile = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', asFile, `file://${PAGE}`);
    expect(asFile.preventDefault).toHaveBeenCalled();
  });

  it('denies navigation away from the app and every new window', async () => {
    const { win } = await bootReady();
    const away = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', inApp, `${PAGE_URL}#/topics`);
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    const otherFile = { preventDefault: vi.fn() };
    win.webContents.emit('will-navigate', otherFile, 'file:///etc/passwd');
    expect(otherFile.preventDefault).toHaveBeenCalled();

    expect(win.webContents.windowOpenHandler!({ url: 'https://kafka.apache.org/documentation/' })).toEqual({
      action: 'deny',
    });
    expect(electron.shell.opened).toEqual(['https://kafka.apache.org/documentation/']);
    expect(win.webContents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(electron.shell.opened).toHaveLength(1);

    const webview = { preventDefault: vi.fn() };
    win.webContents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('sets the standard application menu with a data-folder entry', async () => {
    await bootReady();
    const menu = electron.Menu.current as { template: Array<{ label?: string; role?: string; submenu?: any[] }> };
    expect(menu.template.map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help']);
    const openData = menu.template[0]!.submenu!.find((i) => i.label === 'Open Data Folder');
    openData.click();
    expect(electron.shell.opened).toContain('/fake/appData/Noticeboard/cluster');
  });
});

describe('desktop main process: IPC', () => {
  it('registers exactly one handler per API method, and the file transfers (electron/files.ts)', async () => {
    await bootReady();
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(
      [...METHOD_NAMES.map(methodChannel), ...Object.values(FILE_CHANNELS)].sort(),
    );
  });

  it("answers calls from the app's own page", async () => {
    const { win } = await bootReady();
    const reply = await call('getCluster', invokeEvent(win, `${PAGE_URL}#/brokers`));
    expect(reply.ok).toBe(true);
    expect(reply.result.brokers).toHaveLength(3);
    expect((await call('stopBroker', invokeEvent(win), { id: 2 })).ok).toBe(true);
    expect(cluster.calls).toEqual(['stopBroker:2']);
  });

  it('validates IPC input like any other transport', async () => {
    const { win } = await bootReady();
    const reply = await call('createTopic', invokeEvent(win), { name: 'x', partitions: 0 });
    expect(reply).toMatchObject({ ok: false, error: { errorName: 'INVALID_PARTITIONS', code: 37 } });
    expect(cluster.topics.size).toBe(0);
  });

  it('refuses a foreign sender: another page, an iframe, or another web contents', async () => {
    const { win } = await bootReady();
    const foreign = [
      invokeEvent(win, 'https://evil.example/'),
      invokeEvent(win, 'file:///tmp/other.html'),
      invokeEvent(win, PAGE_URL, { url: PAGE_URL }),
      invokeEvent(win, PAGE_URL, null, 9999),
      { sender: { id: win.webContents.id }, senderFrame: null },
    ];
    for (const event of foreign) {
      const reply = await call('stopBroker', event, { id: 1 });
      expect(reply).toMatchObject({ ok: false, error: { errorName: 'CLUSTER_AUTHORIZATION_FAILED' } });
    }
    expect(cluster.calls).toEqual([]);
  });

  it("pushes engine events to the window's contents", async () => {
    const { win } = await bootReady();
    await cluster.stopBroker(1);
    await new Promise((r) => setTimeout(r, 250));
    const pushed = win.webContents.sent.filter(([channel, name]) => channel === EVENT_CHANNEL && name === 'cluster');
    expect(pushed.length).toBeGreaterThan(0);
  });
});

describe('desktop main process: lifecycle', () => {
  it('a second launch quits and leaves the data folder to the first instance', async () => {
    const handle = await boot({ lock: false });
    expect(handle).toBeNull();
    expect(electron.app.quitRequests).toBe(1);
    electron.app.makeReady();
    await new Promise((r) => setTimeout(r, 10));
    expect(electron.BrowserWindow.instances).toHaveLength(0);
  });

  it('the first instance focuses its window when a second launch happens', async () => {
    const { win } = await bootReady();
    electron.app.emit('second-instance');
    expect(win.focused).toBe(true);
  });

  it('quitting waits for the engine to close, then quits', async () => {
    await bootReady();
    let finishClose!: () => void;
    const closing = new Promise<void>((r) => (finishClose = r));
    const close = vi.spyOn(cluster, 'close').mockImplementation(async () => {
      await closing;
      cluster.closed = true;
    });
    electron.app.quit();
    await vi.waitFor(() => expect(close).toHaveBeenCalledTimes(1));
    expect(electron.app.quitted).toBe(false);
    electron.app.quit();
    await new Promise((r) => setTimeout(r, 10));
    expect(close).toHaveBeenCalledTimes(1);
    finishClose();
    await new Promise((r) => setTimeout(r, 10));
    expect(cluster.closed).toBe(true);
    expect(electron.app.quitted).toBe(true);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('closes the Kafka listeners before the engine on quit', async () => {
    const order: string[] = [];
    const handle = await boot({
      startKafka: async () => ({
        bootstrapServers: () => '127.0.0.1:9092',
        close: async () => {
          order.push('kafka');
        },
      }),
    });
    electron.app.makeReady();
    await handle!.ready;
    vi.spyOn(cluster, 'close').mockImplementation(async () => {
      order.push('engine');
      cluster.closed = true;
    });
    electron.app.quit();
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['kafka', 'engine']);
    expect(electron.app.quitted).toBe(true);
  });

  it('keeps running without Kafka listeners when their ports are taken, and says so', async () => {
    const handle = await boot({
      startKafka: async () => {
        throw new Error('Broker 0 cannot listen on 127.0.0.1:9092: the port is in use');
      },
    });
    electron.app.makeReady();
    await handle!.ready;
    expect(electron.dialog.errors[0]![1]).toContain('9092: the port is in use');
    expect(electron.BrowserWindow.instances).toHaveLength(1);
    expect(electron.app.exited).toBeNull();
  });

  it('says why and exits when the engine cannot open', async () => {
    const handle = await boot({
      openCluster: async () => {
        throw new Error('LOCK: already held by process');
      },
    });
    electron.app.makeReady();
    await handle!.ready;
    expect(electron.dialog.errors[0]![1]).toContain('LOCK: already held');
    expect(electron.app.exited).toBe(1);
    expect(electron.BrowserWindow.instances).toHaveLength(0);
  });
});
