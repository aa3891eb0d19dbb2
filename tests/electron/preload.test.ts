import { beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../core/api/api';
import { BRIDGE_KEY, EVENT_CHANNEL, methodChannel, type NoticeboardBridge } from '../../electron/ipc-contract';
import type { FakeElectron } from '../support/fake-electron';

vi.mock('electron', async () => (await import('../support/fake-electron')).createFakeElectron());

let electron: FakeElectron;
let bridge: NoticeboardBridge;

beforeEach(async () => {
  vi.resetModules();
  electron = (await import('electron')) as unknown as FakeElectron;
  electron.reset();
  // What electron.vite.config.ts compiles into the preload from the API table.
  vi.stubGlobal('__NOTICEBOARD_API_MANIFEST__', { methods: METHOD_NAMES, events: EVENT_NAMES });
  await import('../../electron/preload');
  bridge = electron.exposed[BRIDGE_KEY] as NoticeboardBridge;
});

describe('preload bridge', () => {
  it('exposes one global with exactly the API methods, an event subscription and the file transfers', () => {
    expect(Object.keys(electron.exposed)).toEqual([BRIDGE_KEY]);
    expect(Object.keys(bridge).sort()).toEqual(['api', 'files', 'on']);
    expect(Object.keys(bridge.files!).sort()).toEqual([
      'cancel',
      'exportToFile',
      'importFile',
      'onProgress',
      'pickImportFile',
    ]);
    expect(Object.keys(bridge.api).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it("invokes each method on that method's own channel with the caller's input", async () => {
    await bridge.api.stopBroker({ id: 1 });
    await bridge.api.listTopics({});
    expect(electron.ipcRenderer.invoked).toEqual([
      [methodChannel('stopBroker'), { id: 1 }],
      [methodChannel('listTopics'), {}],
    ]);
  });

  it('delivers only the subscribed event, without the IPC event object, until unsubscribed', () => {
    const got: unknown[] = [];
    const off = bridge.on('metrics', (payload) => got.push(payload));
    electron.ipcRenderer.deliver(EVENT_CHANNEL, 'cluster', { x: 1 });
    electron.ipcRenderer.deliver(EVENT_CHANNEL, 'metrics', { time: 5 });
    expect(got).toEqual([{ time: 5 }]);
    off();
    expect(electron.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
  });

  it('refuses to subscribe to an event the API does not declare', () => {
    expect(() => bridge.on('secrets' as never, () => {})).toThrow(/Unknown event/);
  });
});
