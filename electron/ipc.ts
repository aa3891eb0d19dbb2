/**
 * The IPC transport, derived from the API table: one `ipcMain.handle` per
 * method, each checking its sender and handing the call to that window's API
 * session. Events go back on one channel to the window that owns the session.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { METHOD_NAMES, type Envelope } from '../core/api/api';
import type { ApiHost, ApiSession } from '../core/service/engine-api';
import { errorCodeOf } from '../core/errors';
import { EVENT_CHANNEL, methodChannel } from './ipc-contract';

const REFUSED: Envelope = {
  ok: false,
  error: {
    code: errorCodeOf('CLUSTER_AUTHORIZATION_FAILED'),
    errorName: 'CLUSTER_AUTHORIZATION_FAILED',
    message: "Refused: the call did not come from Noticeboard's own page",
  },
};

export interface IpcBinding {
  /** Opens the API session for a window; it ends when the window's contents are destroyed. */
  attach(contents: WebContents): void;
  dispose(): void;
}

export function registerApiHandlers(
  ipcMain: IpcMain,
  api: ApiHost,
  trusted: (event: IpcMainInvokeEvent) => boolean,
): IpcBinding {
  const sessions = new Map<number, ApiSession>();

  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), (event, input: unknown) => {
      if (!trusted(event)) return REFUSED;
      const session = sessions.get(event.sender.id);
      if (!session) return REFUSED;
      return session.call(method, input);
    });
  }

  return {
    attach(contents) {
      const id = contents.id;
      const session = api.openSession((event, payload) => {
        if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event, payload);
      });
      sessions.set(id, session);
      contents.once('destroyed', () => {
        session.close();
        sessions.delete(id);
      });
    },
    dispose() {
      for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
      for (const s of sessions.values()) s.close();
      sessions.clear();
    },
  };
}
