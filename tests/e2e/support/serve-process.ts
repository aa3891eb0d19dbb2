/**
 * Serve mode as a user runs it: the built command in its own process, on a
 * free port, with a temporary data folder that is removed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../out/serve/noticeboard.js', import.meta.url));

export interface ServeProcess {
  url: string;
  wsUrl: string;
  token: string;
  port: number;
  dataDir: string;
  output(): string;
  /** Ctrl-C, as a user would; resolves with the exit code once the process is gone and the data removed. */
  stop(): Promise<number | null>;
}

/**
 * `opts.dataDir`: a data folder the caller owns (a restart on the same folder), kept on stop; otherwise a
 * temporary one is made and removed.
 */
export async function startServeProcess(args: string[] = [], opts: { dataDir?: string } = {}): Promise<ServeProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'noticeboard-e2e-data-'));
  // Free Kafka ports unless a test asks for some: test files run in parallel.
  const kafkaArgs = args.includes('--kafka-port') ? [] : ['--kafka-port', '0'];
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, '--data-dir', dataDir, '--port', '0', ...kafkaArgs, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const cleanup = () => {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`serve mode did not print its URL within 20 s:\n${out}`)), 20_000);
      const check = () => {
        const m = /Open in your browser:\s+(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      };
      child.stdout!.on('data', check);
      void exited.then((code) => rej(new Error(`serve mode exited with ${code}:\n${out}`)));
    });
    const wsUrl = /WebSocket API:\s+(\S+)/.exec(out)![1]!;
    const u = new URL(url);
    let stopping: Promise<number | null> | null = null;
    return {
      url,
      wsUrl,
      token: u.searchParams.get('token')!,
      port: Number(u.port),
      dataDir,
      output: () => out,
      stop: () =>
        (stopping ??= (async () => {
          if (child.exitCode === null) child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(timer);
          cleanup();
          return code;
        })()),
    };
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw err;
  }
}
