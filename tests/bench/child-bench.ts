/**
 * Benchmarks that hold a large cluster run in a child process, so their memory does not raise the main
 * bench's `peak_rss_mb`: the parent spawns the module's own file with a marker variable set, the child
 * runs the figures and prints them as its last stdout line.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** In the parent: runs `moduleUrl` (the bench module's import.meta.url) as a child and returns its figures. */
export function benchInChild(moduleUrl: string, marker: string, label: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(moduleUrl)], {
      env: { ...process.env, [marker]: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${label} bench child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
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
