/**
 * The desktop app's file transfers, which the browser's download / upload do
 * in serve mode: an export goes through a save dialog and is streamed by the
 * main process straight into the chosen file (one chunk at a time, waiting for
 * the disk: core/service/record-export.ts), an import's file is chosen in an
 * open dialog and read by the main process (core/service/record-import.ts).
 * The page never sees a path it did not pick, and never names one: an import
 * is run on the `fileId` the open dialog handed out.
 *
 * Rules a reader cannot see in the code below:
 * - Every call is checked like an API call (the sender must be Noticeboard's
 *   own page) and answers an Envelope, so errors keep their Kafka name.
 * - Progress goes to the calling window on FILE_PROGRESS_CHANNEL, tagged with
 *   the `jobId` the page chose; FILE_CHANNELS.cancel with that id stops the job.
 * - A cancelled or failed export removes its partial file.
 */
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { BrowserWindow, Dialog, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Envelope } from '../core/api/api';
import { KafkaError } from '../core/errors';
import { toApiError } from '../core/service/validate';
import type { ApiHost } from '../core/service/engine-api';
import type { ExportSpec } from '../core/service/record-export';
import { FILE_CHANNELS, FILE_PROGRESS_CHANNEL, type FileProgress, type ImportFileOptions } from './ipc-contract';

export interface FileBinding {
  dispose(): void;
}

type Trusted = (event: IpcMainInvokeEvent) => boolean;

export function registerFileHandlers(
  ipcMain: IpcMain,
  dialog: Pick<Dialog, 'showSaveDialog' | 'showOpenDialog'>,
  api: ApiHost,
  trusted: Trusted,
  window: () => BrowserWindow | null,
): FileBinding {
  const jobs = new Map<string, AbortController>();
  const picked = new Map<string, string>();

  const guarded =
    <I>(fn: (event: IpcMainInvokeEvent, input: I) => Promise<unknown>) =>
    async (event: IpcMainInvokeEvent, input: unknown): Promise<Envelope> => {
      const refused = new KafkaError(
        'CLUSTER_AUTHORIZATION_FAILED',
        "Refused: the call did not come from Noticeboard's own page",
      );
      if (!trusted(event)) return { ok: false, error: toApiError(refused) };
      try {
        return { ok: true, result: (await fn(event, (input ?? {}) as I)) as never };
      } catch (err) {
        return { ok: false, error: toApiError(err) };
      }
    };

  const progress = (event: IpcMainInvokeEvent, p: FileProgress) => {
    if (!event.sender.isDestroyed?.()) event.sender.send(FILE_PROGRESS_CHANNEL, p);
  };

  const job = (jobId: unknown): [string, AbortController] => {
    const id = typeof jobId === 'string' && jobId !== '' ? jobId : randomUUID();
    const abort = new AbortController();
    jobs.set(id, abort);
    return [id, abort];
  };

  ipcMain.handle(
    FILE_CHANNELS.export,
    guarded(async (event, input: { jobId?: string; spec: ExportSpec; connection?: string }) => {
      const spec = input.spec;
      if (!spec || typeof spec.topic !== 'string') throw new KafkaError('INVALID_REQUEST', 'An export needs a topic');
      const w = window();
      const opts = {
        title: 'Export messages',
        defaultPath: `${spec.topic.replace(/[^\w.-]/g, '_')}.${spec.format === 'csv' ? 'csv' : 'jsonl'}`,
        filters: [
          spec.format === 'csv' ? { name: 'CSV', extensions: ['csv'] } : { name: 'JSON Lines', extensions: ['jsonl'] },
        ],
      };
      const chosen = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      if (chosen.canceled || !chosen.filePath) return null;
      const path = chosen.filePath;
      const [jobId, abort] = job(input.jobId);
      try {
        let written = 0;
        let total = 0;
        const exp = await api.exportRecords(spec, {
          signal: abort.signal,
          connection: input.connection,
          onProgress: (records) => progress(event, { jobId, done: (written = records), total }),
        });
        total = exp.total;
        progress(event, { jobId, done: 0, total });
        await pipeline(Readable.from(exp.chunks), createWriteStream(path, { mode: 0o600 }), { signal: abort.signal });
        if (abort.signal.aborted) throw new KafkaError('REQUEST_TIMED_OUT', 'cancelled');
        return { path, records: written, total, bytes: (await stat(path)).size, cancelled: false };
      } catch (err) {
        await rm(path, { force: true });
        if (abort.signal.aborted) return { path, records: 0, total: 0, bytes: 0, cancelled: true };
        throw err;
      } finally {
        jobs.delete(jobId);
      }
    }),
  );

  ipcMain.handle(
    FILE_CHANNELS.pickImport,
    guarded(async () => {
      const w = window();
      const opts = {
        title: 'Import messages',
        properties: ['openFile' as const],
        filters: [
          { name: 'JSON Lines', extensions: ['jsonl', 'ndjson', 'json'] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const chosen = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      const path = chosen.filePaths[0];
      if (chosen.canceled || !path) return null;
      const fileId = randomUUID();
      picked.set(fileId, path);
      return { fileId, name: basename(path), size: (await stat(path)).size };
    }),
  );

  ipcMain.handle(
    FILE_CHANNELS.import,
    guarded(async (event, input: { jobId?: string; fileId: string } & ImportFileOptions) => {
      const path = picked.get(input.fileId);
      if (!path) throw new KafkaError('INVALID_REQUEST', 'Choose the file to import again (it is no longer known)');
      const [jobId, abort] = job(input.jobId);
      try {
        return await api.importRecords(path, {
          topic: input.topic,
          connection: input.connection,
          dryRun: input.dryRun === true,
          keepPartitions: input.keepPartitions === true,
          keepTimestamps: input.keepTimestamps === true,
          skipBadLines: input.skipBadLines === true,
          signal: abort.signal,
          onProgress: (p) =>
            progress(event, { jobId, done: p.phase === 'write' ? p.written : p.lines, total: 0, phase: p.phase }),
        });
      } finally {
        jobs.delete(jobId);
      }
    }),
  );

  ipcMain.handle(
    FILE_CHANNELS.cancel,
    guarded(async (_event, input: { jobId?: string }) => {
      const abort = typeof input.jobId === 'string' ? jobs.get(input.jobId) : undefined;
      abort?.abort();
      return abort !== undefined;
    }),
  );

  return {
    dispose() {
      for (const a of jobs.values()) a.abort();
      jobs.clear();
      picked.clear();
      for (const c of Object.values(FILE_CHANNELS)) ipcMain.removeHandler(c);
    },
  };
}
