/**
 * The desktop app's life: one instance per data folder, the engine opened
 * before the window shows anything, one window bound to the API over IPC,
 * and a quit that waits for the engine to finish its writes and close LevelDB.
 *
 * Everything Electron-specific comes from the `electron` module and the
 * engine from `openCluster`, so tests can drive this with fakes of both. The
 * engine's parts are opened and closed by the composition root shared with
 * serve mode (core/host/noticeboard.ts); this file adds the window, the IPC
 * transport (disposed before the engine closes) and the quit that waits.
 */
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  net,
  protocol,
  safeStorage,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import { clusterDir, PRODUCT_NAME } from '../core/host/paths';
import type { OwnedGroups } from '../core/service/engine-port';
import {
  openNoticeboard,
  type KafkaListenersHandle,
  type Noticeboard,
  type OwnedCluster,
} from '../core/host/noticeboard';
import type { RemoteClients } from '../core/host/connection-router';
import type { ListenerSecurityOptions } from '../core/kafka-server/kafka-listeners';
import { SafeStorageSecretStore } from './connection-secrets';
import { handleAppProtocol, registerAppScheme } from './app-protocol';
import { registerApiHandlers, type IpcBinding } from './ipc';
import { registerFileHandlers, type FileBinding } from './files';
import { menuTemplate } from './menu';
import { installContentSecurityPolicy, isTrustedSender, lockDownContents, type AppPage } from './security';
import { loadPage, windowOptions } from './window';

export interface DesktopOptions<C extends OwnedCluster = OwnedCluster> {
  /** `logFile`: the engine log, in the app's log folder (Settings shows it). */
  openCluster(opts: { dataDir: string; logFile: string }): Promise<C>;
  /** Consumer groups over the opened cluster (`Groups.attach`); closed after the API and before the cluster. */
  attachGroups?(cluster: C): Promise<OwnedGroups>;
  /**
   * Kafka listeners for the user's own clients (`KafkaListeners.start`), speaking `security` (the data folder's
   * setting, core/host/listener-security.ts); closed first on quit.
   */
  startKafka?(cluster: C, groups: OwnedGroups | null, security: ListenerSecurityOptions): Promise<KafkaListenersHandle>;
  /** How real Kafka clusters are reached (default: core/remote's client; null: their calls fail with words). */
  remote?: RemoteClients | null;
  page: AppPage;
  preload: string;
  icon?: string;
  version: string;
}

export interface DesktopApp {
  /** Resolves once the engine is open and the window exists (or startup failed). */
  ready: Promise<void>;
  window(): BrowserWindow | null;
  dataDir: string;
}

export function startDesktopApp<C extends OwnedCluster>(opts: DesktopOptions<C>): DesktopApp | null {
  // Set before the lock: the lock, like the data, belongs to this folder.
  app.setPath('userData', join(app.getPath('appData'), PRODUCT_NAME));
  const dataDir = clusterDir(app.getPath('userData'));

  if (!app.requestSingleInstanceLock()) {
    // Another Noticeboard owns this data folder; it will focus its window.
    app.quit();
    return null;
  }

  // Electron takes privileged schemes only before it is ready.
  registerAppScheme(protocol);

  let win: BrowserWindow | null = null;
  let nb: Noticeboard<C> | null = null;
  let ipc: IpcBinding | null = null;
  let files: FileBinding | null = null;
  let shutdown: 'running' | 'closing' | 'closed' = 'running';

  const focus = () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  const createWindow = () => {
    win = new BrowserWindow(windowOptions(opts.preload, nativeTheme.shouldUseDarkColors, opts.icon));
    const w = win;
    ipc!.attach(w.webContents);
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = null;
    });
    void loadPage(w, opts.page);
  };

  app.on('second-instance', focus);

  app.on('web-contents-created', (_event, contents) => {
    lockDownContents(contents, opts.page, (url) => void shell.openExternal(url));
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (!win && nb) createWindow();
  });

  app.on('before-quit', (event) => {
    if (shutdown === 'closed' || !nb) return;
    // Hold the quit until the engine has flushed and closed its stores.
    event.preventDefault();
    if (shutdown === 'closing') return;
    shutdown = 'closing';
    // The window's calls stop first; then the engine's parts close in the composition root's order.
    ipc?.dispose();
    files?.dispose();
    nb.close()
      .catch((err: Error) => console.error('Noticeboard: error while closing the engine:', err))
      .finally(() => {
        shutdown = 'closed';
        app.quit();
      });
  });

  const ready = app.whenReady().then(async () => {
    installContentSecurityPolicy(session.defaultSession);
    if (opts.page.kind === 'file') handleAppProtocol(protocol, opts.page.path, (url) => net.fetch(url));
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          openDataFolder: () => void shell.openPath(dataDir),
          isMac: process.platform === 'darwin',
          isPackaged: app.isPackaged,
        }),
      ),
    );
    try {
      nb = await openNoticeboard({
        dataDir,
        transport: 'ipc',
        version: opts.version,
        openCluster: (o) => opts.openCluster({ ...o, logFile: join(app.getPath('logs'), 'noticeboard.log') }),
        attachGroups: opts.attachGroups,
        startKafka: opts.startKafka,
        // Connection secrets are encrypted by the OS keychain (electron/connection-secrets.ts), never kept in clear.
        connections: { secrets: new SafeStorageSecretStore(safeStorage, dataDir), remote: opts.remote },
        // The app is still useful without them; say why clients cannot connect.
        onKafkaError: (err) =>
          dialog.showErrorBox(
            'Kafka clients cannot connect',
            `${err.message}\n\nNoticeboard runs without its Kafka listeners. ` +
              'Free the ports (or quit the other program using them) and restart Noticeboard.',
          ),
      });
    } catch (err) {
      dialog.showErrorBox(
        'Noticeboard could not start its cluster',
        `${(err as Error).message}\n\nData folder: ${dataDir}`,
      );
      app.exit(1);
      return;
    }
    const trusted = (event: IpcMainInvokeEvent) => {
      const own = (id: number) => win !== null && !win.isDestroyed() && win.webContents.id === id;
      return isTrustedSender(event.senderFrame, opts.page, own, event.sender.id);
    };
    ipc = registerApiHandlers(ipcMain, nb.router, trusted);
    files = registerFileHandlers(ipcMain, dialog, nb.router, trusted, () => win);
    createWindow();
  });

  return { ready, window: () => win, dataDir };
}
