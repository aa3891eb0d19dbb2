/**
 * Serve mode's upload of a JSON Lines file to import (IMPORT_PATH, POST with
 * the token, from this server's page or a script): the body is spooled to a
 * private temporary file, because an import reads its file twice (checks every
 * line, then writes: core/service/record-import.ts), then imported, and the
 * file removed. The answer is the import's report as JSON (200), or the
 * refusal as {errorName, message} (400); a body over MAX_UPLOAD_BYTES is
 * refused with 413 before anything is imported.
 *
 * Query: topic, connection, dryRun=1, keepPartitions=1, keepTimestamps=1, skipBadLines=1.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { asKafkaError } from '../errors';
import type { ApiHost } from '../service/engine-api';
import type { HttpGuard } from './http-guard';
import { end } from './static-files';

export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export async function serveImport(
  api: ApiHost,
  g: HttpGuard,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const noStore = { ...headers, 'Cache-Control': 'no-store' };
  if (req.method !== 'POST') return end(res, 405, 'Method not allowed', { ...noStore, Allow: 'POST' });
  if (!g.originAllowed(req.headers.origin)) return end(res, 403, 'Origin not allowed', noStore);
  if (!g.tokenValid(url.searchParams.get('token'))) return end(res, 401, 'Missing or wrong token', noStore);
  const q = url.searchParams;
  const topic = q.get('topic');
  if (!topic) return json(res, 400, { errorName: 'INVALID_REQUEST', message: 'An import needs a topic' }, noStore);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) return end(res, 413, 'The file is larger than 2 GiB', noStore);
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const dir = await mkdtemp(join(tmpdir(), 'noticeboard-import-'));
  const file = join(dir, 'upload.jsonl');
  try {
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > MAX_UPLOAD_BYTES ? new Error('too large') : null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(file, { mode: 0o600 }));
    } catch {
      if (size > MAX_UPLOAD_BYTES) return end(res, 413, 'The file is larger than 2 GiB', noStore);
      return void res.destroy();
    }
    const report = await api.importRecords(file, {
      topic,
      connection: q.get('connection') ?? undefined,
      dryRun: q.get('dryRun') === '1',
      keepPartitions: q.get('keepPartitions') === '1',
      keepTimestamps: q.get('keepTimestamps') === '1',
      skipBadLines: q.get('skipBadLines') === '1',
      signal: abort.signal,
    });
    json(res, 200, report, noStore);
  } catch (err) {
    const e = asKafkaError(err);
    if (!res.headersSent) json(res, 400, { errorName: e.errorName, message: e.message }, noStore);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
