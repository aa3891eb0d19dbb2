/**
 * Benchmarks that hold a large cluster run in a child process, so their memory does not raise the main
 * bench's `peak_rss_mb`: the parent spawns the module's own file with a marker variable set, the child
 * runs the figures and prints them as its last stdout line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildOptions {
  /** Set in the child's environment, besides the parent's own. */
  env: Record<string, string>;
  /** Names the child in errors. */
  label: string;
  /** Sees the child's stdout so far after each chunk (for marks the child prints while it runs). */
  onStdout?: (out: string) => void;
  /** Keeps the child's stderr for the error instead of passing it through. */
  captureStderr?: boolean;
}

/** In the parent: runs `moduleUrl` (a module's import.meta.url) as a child and resolves with its last stdout line. */
export function runChild(moduleUrl: string, opts: ChildOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(moduleUrl)], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', opts.captureStderr ? 'pipe' : 'inherit'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      opts.onStdout?.(out);
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${opts.label} exited with ${code}${err ? `: ${err.trim()}` : ''}`));
      resolve(out.trim().split('\n').at(-1)!);
    });
  });
}

/** In the parent: runs `moduleUrl` (the bench module's import.meta.url) as a child and returns its figures. */
export async function benchInChild(moduleUrl: string, marker: string, label: string): Promise<Record<string, number>> {
  const line = await runChild(moduleUrl, { env: { [marker]: '1' }, label: `${label} bench child` });
  return JSON.parse(line) as Record<string, number>;
}

/**
 * In the child: runs the figures and prints them. The engine unrefs its timers, so the child holds itself
 * open until the figures are in.
 */
export function runBenchChild(run: () => Promise<Record<string, number>>): void {
  const keepAlive = setInterval(() => {}, 1000);
  run().then(
    (figures) => {
      clearInterval(keepAlive);
      console.log(JSON.stringify(figures));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
