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

/** The desktop's file transfers (electron/files.ts): save and open dialogs in the main process. */
export const FILE_CHANNELS = {
  export: `${PREFIX}file:export`,
  pickImport: `${PREFIX}file:pick-import`,
  import: `${PREFIX}file:import`,
  cancel: `${PREFIX}file:cancel`,
} as const;

/** Main → renderer: a file job's progress. */
export const FILE_PROGRESS_CHANNEL = `${PREFIX}file:progress`;

export interface FileProgress {
  jobId: string;
  /** Records written (export, import's write phase) or lines checked (import's check phase). */
  done: number;
  /** Records to expect (export), 0 when unknown. */
  total: number;
  phase?: 'check' | 'write';
}

export interface ImportFileOptions {
  topic: string;
  connection?: string;
  dryRun?: boolean;
  keepPartitions?: boolean;
  keepTimestamps?: boolean;
  skipBadLines?: boolean;
}

export interface ExportFileResult {
  path: string;
  records: number;
  total: number;
  bytes: number;
  cancelled: boolean;
}

export interface FilesBridge {
  /** Asks where to save, then writes the export there; result null when the dialog was cancelled. */
  exportToFile(input: { jobId: string; spec: unknown; connection?: string }): Promise<Envelope>;
  /** Asks for a file to import; result null when cancelled, else { fileId, name, size }. */
  pickImportFile(): Promise<Envelope>;
  importFile(input: { jobId: string; fileId: string } & ImportFileOptions): Promise<Envelope>;
  cancel(jobId: string): Promise<Envelope>;
  onProgress(listener: (p: FileProgress) => void): () => void;
}

export interface NoticeboardBridge {
  api: Record<MethodName, (input: unknown) => Promise<Envelope>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /** Absent in serve mode (the page downloads and uploads over HTTP there). */
  files?: FilesBridge;
}

/** The method and event names baked into the preload by electron.vite.config.ts. */
export interface ApiManifest {
  methods: string[];
  events: string[];
}
