/**
 * Moving records between files and topics, the same from every component:
 * - an export is, in serve mode, a download streamed by the server (the
 *   browser's downloads show its progress and cancel it), in the desktop app a
 *   save dialog and a file the main process writes (electron/files.ts), with
 *   progress and cancel here;
 * - an import is, in serve mode, an upload of the chosen File (POST
 *   /api/import with this tab's token; upload progress, abort), in the desktop
 *   app a file chosen in the main process's open dialog, read there.
 * Both answer Envelopes, so callers show errors the way API calls show them.
 */
import type { Envelope, ImportReport, RecordSourceSpec } from '@core/api/api';
import { IMPORT_PATH } from '@core/api/ws-protocol';
import type { ExportFileResult, FileProgress, ImportFileOptions } from '@electron/ipc-contract';
import { exportUrl } from './connect';

export type ExportFormat = 'jsonl' | 'csv';

export const desktopFiles = () => window.noticeboard?.files ?? null;

let jobs = 0;
const nextJobId = () => `job-${Date.now().toString(36)}-${++jobs}`;

/** The download address of an export in serve mode (query as core/service/record-export.ts reads it). */
export function exportDownloadUrl(spec: RecordSourceSpec, format: ExportFormat, connection: string): string | null {
  const url = exportUrl({ topic: spec.topic, format, connection, from: spec.from, to: spec.to });
  if (url === null) return null;
  const u = new URL(url, window.location.origin);
  for (const p of spec.partitions ?? []) u.searchParams.append('partition', String(p));
  if (spec.fromTimestamp !== undefined) u.searchParams.set('fromTimestamp', String(spec.fromTimestamp));
  if (spec.toTimestamp !== undefined) u.searchParams.set('toTimestamp', String(spec.toTimestamp));
  for (const m of spec.selection ?? []) u.searchParams.append('select', `${m.partition}:${m.offset}`);
  if (spec.search) {
    u.searchParams.set('search', spec.search.pattern);
    u.searchParams.set('mode', spec.search.mode);
    if (spec.search.caseSensitive) u.searchParams.set('caseSensitive', '1');
    for (const s of spec.search.scopes ?? []) u.searchParams.append('scope', s);
  }
  return u.pathname + u.search;
}

export interface RunningJob<T> {
  result: Promise<Envelope<T>>;
  cancel(): void;
}

/** Desktop: asks where to save and writes the export there (result null: the dialog was cancelled). */
export function exportToFile(
  spec: RecordSourceSpec,
  format: ExportFormat,
  connection: string,
  onProgress: (p: FileProgress) => void,
): RunningJob<ExportFileResult | null> {
  const files = desktopFiles()!;
  const jobId = nextJobId();
  const off = files.onProgress((p) => p.jobId === jobId && onProgress(p));
  const result = files.exportToFile({ jobId, spec: { ...spec, format }, connection }).finally(off) as Promise<
    Envelope<ExportFileResult | null>
  >;
  return { result, cancel: () => void files.cancel(jobId) };
}

/** Serve mode: starts the download (the browser shows and can cancel it). */
export function download(url: string, format: ExportFormat): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  a.setAttribute('data-export-link', format);
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** What an import reads: a File the page holds (serve mode) or a file the main process picked (desktop). */
export type ImportSource =
  { kind: 'upload'; file: File } | { kind: 'desktop'; fileId: string; name: string; size: number };

/** Desktop: the open dialog; null when cancelled. */
export async function pickDesktopFile(): Promise<Envelope<ImportSource | null>> {
  const e = (await desktopFiles()!.pickImportFile()) as Envelope<{ fileId: string; name: string; size: number } | null>;
  if (!e.ok) return e;
  return { ok: true, result: e.result && { kind: 'desktop', ...e.result } };
}

function tokenOf(): string {
  return sessionStorage.getItem('noticeboard.token') ?? '';
}

/** Runs an import (or its dry run) of `source` into a topic. */
export function runImport(
  source: ImportSource,
  opts: ImportFileOptions,
  onProgress: (p: { done: number; total: number; phase: 'upload' | 'check' | 'write' }) => void,
): RunningJob<ImportReport> {
  if (source.kind === 'desktop') {
    const files = desktopFiles()!;
    const jobId = nextJobId();
    const off = files.onProgress(
      (p) => p.jobId === jobId && onProgress({ done: p.done, total: p.total, phase: p.phase ?? 'check' }),
    );
    const result = files.importFile({ jobId, fileId: source.fileId, ...opts }).finally(off) as Promise<
      Envelope<ImportReport>
    >;
    return { result, cancel: () => void files.cancel(jobId) };
  }
  const q = new URLSearchParams({ token: tokenOf(), topic: opts.topic });
  if (opts.connection) q.set('connection', opts.connection);
  for (const k of ['dryRun', 'keepPartitions', 'keepTimestamps', 'skipBadLines'] as const) if (opts[k]) q.set(k, '1');
  const xhr = new XMLHttpRequest();
  const result = new Promise<Envelope<ImportReport>>((resolve) => {
    const fail = (message: string) =>
      resolve({ ok: false, error: { code: -1, errorName: 'NETWORK_EXCEPTION', message } as never });
    xhr.upload.onprogress = (e) => onProgress({ done: e.loaded, total: e.total, phase: 'upload' });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        return fail(`The server answered ${xhr.status}: ${xhr.responseText.trim()}`);
      }
      if (xhr.status === 200) resolve({ ok: true, result: body as ImportReport });
      else resolve({ ok: false, error: body as never });
    };
    xhr.onerror = () => fail('The upload failed: the server could not be reached');
    xhr.onabort = () => fail('The import was cancelled');
    xhr.open('POST', `${IMPORT_PATH}?${q.toString()}`);
    xhr.setRequestHeader('Content-Type', 'application/x-ndjson');
    xhr.send(source.file);
  });
  return { result, cancel: () => xhr.abort() };
}
