/**
 * The only bridge between the page and the main process. The page is
 * sandboxed and context-isolated: it sees `window.noticeboard` and nothing
 * else of Electron, and through it exactly the API's methods (no raw
 * ipcRenderer, no channel names, no event objects).
 *
 * The method list is the API table's, compiled in at build time
 * (`__NOTICEBOARD_API_MANIFEST__`), because a sandboxed preload cannot load
 * modules at run time and should not carry a schema library it does not use.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  BRIDGE_KEY,
  EVENT_CHANNEL,
  FILE_CHANNELS,
  FILE_PROGRESS_CHANNEL,
  methodChannel,
  type ApiManifest,
  type FileProgress,
  type NoticeboardBridge,
} from './ipc-contract';

declare const __NOTICEBOARD_API_MANIFEST__: ApiManifest;

const manifest = __NOTICEBOARD_API_MANIFEST__;

const api = Object.fromEntries(
  manifest.methods.map((method) => [method, (input: unknown) => ipcRenderer.invoke(methodChannel(method), input)]),
) as NoticeboardBridge['api'];

const bridge: NoticeboardBridge = {
  api,
  on(event, listener) {
    if (!manifest.events.includes(event)) throw new Error(`Unknown event: ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.off(EVENT_CHANNEL, handler);
    };
  },
  // Save / open dialogs and the file's bytes stay in the main process (electron/files.ts).
  files: {
    exportToFile: (input) => ipcRenderer.invoke(FILE_CHANNELS.export, input),
    pickImportFile: () => ipcRenderer.invoke(FILE_CHANNELS.pickImport),
    importFile: (input) => ipcRenderer.invoke(FILE_CHANNELS.import, input),
    cancel: (jobId) => ipcRenderer.invoke(FILE_CHANNELS.cancel, { jobId }),
    onProgress(listener) {
      const handler = (_e: IpcRendererEvent, p: FileProgress) => listener(p);
      ipcRenderer.on(FILE_PROGRESS_CHANNEL, handler);
      return () => {
        ipcRenderer.off(FILE_PROGRESS_CHANNEL, handler);
      };
    },
  },
};

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
