/**
 * Child of native-modules.test.ts: a process in which the native addons named on the command line cannot be
 * resolved (as in a package built without their binaries for this platform). It imports the whole engine, the
 * Kafka server and the composition root, then says on stdout (one JSON line) which addons the imports loaded and
 * what opening a cluster, a snappy batch and a CRC-32C do without them.
 */
import Module, { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const blocked = new Set(process.argv.slice(2));
type Resolve = (request: string, ...rest: unknown[]) => string;
const mod = Module as unknown as { _resolveFilename: Resolve };
const resolve = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (blocked.has(request)) {
    const err = new Error(`Cannot find module '${request}' (blocked by the test)`) as NodeJS.ErrnoException;
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return resolve.call(this, request, ...rest);
};

const NATIVE = ['classic-level', 'snappy', 'lz4-napi', '@mongodb-js/zstd', '@node-rs/crc32'];
const failure = (err: unknown) => ({
  name: (err as { errorName?: string }).errorName,
  message: (err as Error).message,
});

async function main(): Promise<void> {
  process.removeAllListeners('warning');
  const warnings: string[] = [];
  process.on('warning', (w) => warnings.push(w.message));
  const { Cluster } = await import('../../../core/cluster/cluster');
  await import('../../../core/kafka-server/kafka-listeners');
  await import('../../../core/groups/index');
  await import('../../../core/host/noticeboard');
  const record = await import('../../../core/record');
  const { crc32c, crc32cPortable } = await import('../../../core/record/crc32c');
  const cache = Object.keys(createRequire(import.meta.url).cache);
  const loadedAtImport = NATIVE.filter((id) => cache.some((f) => f.includes(`/node_modules/${id}/`)));

  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-native-'));
  let open: unknown = 'opened';
  try {
    const c = await Cluster.open({ dataDir: dir, brokers: 1, logFile: null });
    await c.close();
  } catch (err) {
    open = failure(err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let snappy: unknown = 'compressed';
  try {
    await record.compress('snappy', Buffer.from('hello'));
  } catch (err) {
    snappy = failure(err);
  }
  const data = Buffer.from('123456789');
  const gzip = (await record.decompress('gzip', await record.compress('gzip', data))).toString();
  const crc = { native: crc32c(data), portable: crc32cPortable(data) };
  // process.emitWarning emits on the next tick.
  await new Promise((r) => setImmediate(r));
  process.stdout.write(JSON.stringify({ loadedAtImport, open, snappy, gzip, crc, warnings }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
