/**
 * What the preload and the main process agree on: channel names and the shape
 * of the object the preload exposes to the page. The method and event lists
 * themselves come from core/api/api.ts (bundled into the preload at build
 * time), so nothing here repeats a method name.
 */
import type { Envelope, EventName, MethodName } from '../core/api/api';

const PREFIX = 'noticeboard:';

/** One invoke channel per API method. */
export function methodChannel(method: string): string {
  return `${PREFIX}api:${method}`;
}

/** Main → renderer pushes: (eventName, payload). */
export const EVENT_CHANNEL = `${PREFIX}event`;

/** The global the preload installs as `window.noticeboard`. */
export const BRIDGE_KEY = 'noticeboard';

export interface NoticeboardBridge {
  api: Record<MethodName, (input: unknown) => Promise<Envelope>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}

/** The method and event names baked into the preload by electron.vite.config.ts. */
export interface ApiManifest {
  methods: string[];
  events: string[];
}
