/**
 * A second Noticeboard for core/remote's tests: serve mode (core/host/cli.ts
 * under tsx) as its own process, with a temporary data folder and free
 * ports, driven from the test through its WebSocket API (to stop brokers)
 * and reached through its Kafka ports like any remote cluster.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createConnection, type Connection } from '../../../../core/api/client';
import { createWsTransport } from '../../../../core/api/ws-transport';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface SecondNoticeboard {
  /** Kafka bootstrap servers as host:port. */
  bootstrap: string[];
  /** Its own API over WebSocket (what the user's second window would use). */
  api: Connection['api'];
  output(): string;
  stop(): Promise<void>;
}

export async function startSecondNoticeboard(
  opts: {
    brokers?: number;
    users?: Array<[string, string]>;
    apiVersions?: string;
    args?: string[];
    /** A data folder filled beforehand (the bench's); it is left in place. */
    dataDir?: string;
  } = {},
): Promise<SecondNoticeboard> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nb-remote-'));
  const args = [
    join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
    join(ROOT, 'core/host/cli.ts'),
    '--data-dir',
    opts.dataDir ?? join(dataDir, 'data'),
    '--brokers',
    String(opts.brokers ?? 3),
    '--port',
    '0',
    '--kafka-port',
    '0',
    ...(opts.args ?? []),
  ];
  if (opts.users) {
    const file = join(dataDir, 'users.txt');
    writeFileSync(file, opts.users.map(([u, p]) => `${u}:${p}`).join('\n') + '\n', { mode: 0o600 });
    args.push('--sasl-users-file', file);
  }
  if (opts.apiVersions) args.push('--api-versions', opts.apiVersions);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  child.on('error', (e) => (out += `\nspawn error: ${e.message}`));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => /Press Ctrl-C/.test(out) && resolve();
      child.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`the second Noticeboard exited:\n${out}`)));
    });
  } catch (e) {
    cleanup();
    throw e;
  }
  const bootstrap = /Kafka bootstrap:\s+(\S+)/.exec(out)![1]!.split(',');
  const wsUrl = /WebSocket API:\s+(\S+)/.exec(out)![1]!;
  const conn = createConnection(createWsTransport({ url: wsUrl, WebSocket: WebSocket as never, reconnect: false }));
  return {
    bootstrap,
    api: conn.api,
    output: () => out,
    stop: async () => {
      conn.transport.close();
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}
