/**
 * A stand-in for the `electron` module, enough to run the desktop shell's
 * main-process code in Node: it records what the shell asks of Electron
 * (window options, handlers, menus, CSP hooks) and lets a test play
 * Electron's part (emit app events, send IPC, navigate).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  sent: Array<[string, ...unknown[]]> = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  mainFrame = { url: '', parent: null as unknown };
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpenHandler = h;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export function createFakeElectron() {
  let appReady = false;
  const app = new (class extends EventEmitter {
    paths: Record<string, string> = {
      appData: '/fake/appData',
      userData: '/fake/appData/noticeboard',
      logs: '/fake/logs',
    };
    hasLock = true;
    isPackaged = false;
    quitRequests = 0;
    exited: number | null = null;
    /** True once a quit got past every before-quit handler. */
    quitted = false;
    private readyResolve!: () => void;
    private ready = new Promise<void>((r) => (this.readyResolve = r));
    reset() {
      this.removeAllListeners();
      this.paths = { appData: '/fake/appData', userData: '/fake/appData/noticeboard', logs: '/fake/logs' };
      this.hasLock = true;
      this.quitRequests = 0;
      this.exited = null;
      this.quitted = false;
      this.ready = new Promise<void>((r) => (this.readyResolve = r));
    }
    setPath(name: string, value: string) {
      this.paths[name] = value;
    }
    getPath(name: string) {
      return this.paths[name]!;
    }
    requestSingleInstanceLock() {
      return this.hasLock;
    }
    whenReady() {
      return this.ready;
    }
    /** The test says when Electron is ready, as the real one would after launch. */
    makeReady() {
      appReady = true;
      this.readyResolve();
    }
    quit() {
      this.quitRequests++;
      let prevented = false;
      this.emit('before-quit', { preventDefault: () => (prevented = true) });
      if (!prevented) this.quitted = true;
    }
    exit(code: number) {
      this.exited = code;
    }
  })();

  class BrowserWindow extends EventEmitter {
    static instances: BrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    loaded: string | null = null;
    shown = false;
    focused = false;
    destroyed = false;
    constructor(readonly options: Record<string, any>) {
      super();
      BrowserWindow.instances.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadFile(path: string) {
      this.loaded = `file://${path}`;
      this.webContents.mainFrame.url = this.loaded;
      return Promise.resolve();
    }
    loadURL(url: string) {
      this.loaded = url;
      this.webContents.mainFrame.url = url;
      return Promise.resolve();
    }
    show() {
      this.shown = true;
    }
    focus() {
      this.focused = true;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    isDestroyed() {
      return this.destroyed;
    }
  }

  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipcMain = {
    handlers,
    handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, fn);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };

  const defaultSession = {
    headersHook: null as null | ((details: any, cb: (r: any) => void) => void),
    permissionHook: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    permissionCheckHook: null as
      null | ((wc: unknown, permission: string, origin: string, details: unknown) => boolean),
    webRequest: {
      onHeadersReceived(fn: (details: any, cb: (r: any) => void) => void) {
        defaultSession.headersHook = fn;
      },
    },
    setPermissionRequestHandler(fn: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void) {
      defaultSession.permissionHook = fn;
    },
    setPermissionCheckHandler(fn: (wc: unknown, permission: string, origin: string, details: unknown) => boolean) {
      defaultSession.permissionCheckHook = fn;
    },
  };

  // Custom schemes: what was registered as privileged (and whether the app was ready then), and the handlers.
  const protocol = {
    privileged: [] as Array<{ scheme: string; privileges: Record<string, boolean>; beforeReady: boolean }>,
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>) {
      for (const s of schemes) protocol.privileged.push({ ...s, beforeReady: !appReady });
    },
    handle(scheme: string, fn: (request: Request) => Promise<Response>) {
      protocol.handlers.set(scheme, fn);
    },
  };
  // net.fetch for file:// URLs, as the protocol handler uses it.
  const net = {
    fetch: async (url: string) => new Response(await readFile(fileURLToPath(url))),
  };

  const Menu = {
    current: null as unknown,
    buildFromTemplate: (template: unknown[]) => ({ template }),
    setApplicationMenu(m: unknown) {
      Menu.current = m;
    },
  };

  const shell = {
    opened: [] as string[],
    openExternal: async (u: string) => void shell.opened.push(u),
    openPath: async (p: string) => (shell.opened.push(p), ''),
  };
  // Save / open dialogs answer what the test set (electron/files.ts); each call is recorded with its options.
  const dialog = {
    errors: [] as Array<[string, string]>,
    showErrorBox: (t: string, c: string) => void dialog.errors.push([t, c]),
    asked: [] as Array<['save' | 'open', Record<string, any>]>,
    saveAnswer: { canceled: true, filePath: undefined } as { canceled: boolean; filePath?: string },
    openAnswer: { canceled: true, filePaths: [] } as { canceled: boolean; filePaths: string[] },
    showSaveDialog: async (...args: unknown[]) => {
      dialog.asked.push(['save', args.at(-1) as Record<string, any>]);
      return dialog.saveAnswer;
    },
    showOpenDialog: async (...args: unknown[]) => {
      dialog.asked.push(['open', args.at(-1) as Record<string, any>]);
      return dialog.openAnswer;
    },
  };

  // safeStorage: a reversible stand-in (XOR + marker) that a test can switch off, as on a Linux without a keyring.
  const safeStorage = {
    available: true,
    backend: 'gnome_libsecret',
    isEncryptionAvailable: () => safeStorage.available,
    getSelectedStorageBackend: () => safeStorage.backend,
    encryptString: (plain: string) => Buffer.concat([Buffer.from('FAKEENC:'), Buffer.from(plain).map((b) => b ^ 0x5a)]),
    decryptString: (enc: Buffer) => {
      if (!enc.subarray(0, 8).equals(Buffer.from('FAKEENC:'))) throw new Error('Error while decrypting the ciphertext');
      return Buffer.from(enc.subarray(8).map((b) => b ^ 0x5a)).toString();
    },
  };

  // Preload side
  const exposed: Record<string, unknown> = {};
  const rendererListeners = new Map<string, Set<(...a: unknown[]) => void>>();
  const contextBridge = { exposeInMainWorld: (key: string, value: unknown) => void (exposed[key] = value) };
  const ipcRenderer = {
    invoked: [] as Array<[string, unknown]>,
    invoke: async (channel: string, input: unknown) => {
      ipcRenderer.invoked.push([channel, input]);
      return { ok: true, result: channel };
    },
    on(channel: string, fn: (...a: unknown[]) => void) {
      if (!rendererListeners.has(channel)) rendererListeners.set(channel, new Set());
      rendererListeners.get(channel)!.add(fn);
    },
    off(channel: string, fn: (...a: unknown[]) => void) {
      rendererListeners.get(channel)?.delete(fn);
    },
    /** What the main process sending on a channel looks like from the preload. */
    deliver(channel: string, ...args: unknown[]) {
      for (const fn of rendererListeners.get(channel) ?? []) fn({ sender: 'ipc-event-object' }, ...args);
    },
    listenerCount: (channel: string) => rendererListeners.get(channel)?.size ?? 0,
  };

  /** vitest keeps one mocked module across resetModules, so each test starts from a clean fake instead. */
  function reset() {
    app.reset();
    BrowserWindow.instances = [];
    handlers.clear();
    defaultSession.headersHook = null;
    defaultSession.permissionHook = null;
    defaultSession.permissionCheckHook = null;
    protocol.privileged = [];
    protocol.handlers.clear();
    appReady = false;
    Menu.current = null;
    shell.opened = [];
    dialog.errors = [];
    dialog.asked = [];
    dialog.saveAnswer = { canceled: true, filePath: undefined };
    dialog.openAnswer = { canceled: true, filePaths: [] };
    ipcRenderer.invoked = [];
    rendererListeners.clear();
    safeStorage.available = true;
    safeStorage.backend = 'gnome_libsecret';
    for (const k of Object.keys(exposed)) delete exposed[k];
  }

  return {
    reset,
    app,
    BrowserWindow,
    ipcMain,
    session: { defaultSession },
    protocol,
    net,
    Menu,
    nativeTheme: { shouldUseDarkColors: false },
    shell,
    dialog,
    safeStorage,
    contextBridge,
    ipcRenderer,
    exposed,
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
