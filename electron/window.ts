/** The one application window and the preferences that keep the page powerless outside the API. */
import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions } from 'electron';
import { appPageUrl } from './app-protocol';
import type { AppPage } from './security';

export function windowOptions(preload: string, dark: boolean, icon?: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    title: 'Noticeboard',
    // Shown on ready-to-show, so the user never sees an empty frame.
    show: false,
    backgroundColor: dark ? '#101014' : '#ffffff',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

export function loadPage(win: BrowserWindowType, page: AppPage): Promise<void> {
  return win.loadURL(page.kind === 'url' ? page.url : appPageUrl(page.path));
}
