/**
 * EngineLogger: the one place the engine reports what it cannot report to a
 * caller, i.e. failures in background work (replica fetchers, log cleaner,
 * leader balancer, high watermark checkpoints, group coordinator loading, lag
 * sampler, workload). Nothing in a background path may throw past its loop or
 * swallow an error silently: it logs here and carries on.
 *
 * Rules:
 * - Lines are `ISO-time LEVEL [source] message` (plus the error's name, code
 *   and message), appended to one file, by default `<dataDir>/logs/noticeboard.log`.
 * - The file is size-capped: past MAX_FILE_BYTES it is renamed to `.1` (`.1`
 *   to `.2`, ...), keeping ROTATIONS old files, so the log never fills a disk.
 * - The same source+message repeated within REPEAT_WINDOW_MS is written once;
 *   the count of suppressed repeats goes on the next line of that kind, so a
 *   failure retried every 50 ms cannot flood the file.
 * - Writes are synchronous (rare lines; a crash must not lose the line that
 *   explains it). A write that fails (disk full, folder gone) is dropped: the
 *   logger never throws into the code that called it.
 * Plain Node: no Electron; hosts pass the path (desktop: the app's log folder).
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface EngineLogger {
  /** Absolute path of the log file, or null when logging goes nowhere. */
  readonly path: string | null;
  log(level: LogLevel, source: string, message: string, err?: unknown): void;
  warn(source: string, message: string, err?: unknown): void;
  error(source: string, message: string, err?: unknown): void;
  info(source: string, message: string): void;
}

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const ROTATIONS = 3;
const REPEAT_WINDOW_MS = 10_000;
/** Bounds the repeat table itself, so distinct messages cannot grow it without end. */
const MAX_TRACKED = 500;

function describe(err: unknown): string {
  if (err === undefined) return '';
  if (err instanceof Error) {
    const code = (err as { errorName?: unknown; code?: unknown }).errorName ?? (err as { code?: unknown }).code;
    return `: ${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`;
  }
  return `: ${String(err)}`;
}

export class FileLogger implements EngineLogger {
  private size = -1;
  private readonly recent = new Map<string, { at: number; suppressed: number }>();

  constructor(
    readonly path: string,
    private readonly opts: { maxBytes?: number; rotations?: number; now?: () => number; echo?: boolean } = {},
  ) {}

  log(level: LogLevel, source: string, message: string, err?: unknown): void {
    const now = (this.opts.now ?? Date.now)();
    const key = `${source}\u0000${message}`;
    const seen = this.recent.get(key);
    if (seen && now - seen.at < REPEAT_WINDOW_MS) {
      seen.suppressed++;
      return;
    }
    const repeats = seen && seen.suppressed > 0 ? ` (repeated ${seen.suppressed} more times)` : '';
    this.recent.delete(key);
    this.recent.set(key, { at: now, suppressed: 0 });
    if (this.recent.size > MAX_TRACKED) this.recent.delete(this.recent.keys().next().value!);
    const line = `${new Date(now).toISOString()} ${level.toUpperCase()} [${source}] ${message}${describe(err)}${repeats}\n`;
    if (this.opts.echo) process.stderr.write(line);
    this.write(line);
  }

  warn(source: string, message: string, err?: unknown): void {
    this.log('warn', source, message, err);
  }

  error(source: string, message: string, err?: unknown): void {
    this.log('error', source, message, err);
  }

  info(source: string, message: string): void {
    this.log('info', source, message);
  }

  private write(line: string): void {
    try {
      if (this.size < 0) {
        mkdirSync(dirname(this.path), { recursive: true });
        try {
          this.size = statSync(this.path).size;
        } catch {
          this.size = 0;
        }
      }
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > (this.opts.maxBytes ?? MAX_FILE_BYTES)) this.rotate();
      appendFileSync(this.path, line);
      this.size += bytes;
    } catch {
      // Nowhere left to report a failing log write: drop the line, never throw into the caller.
      this.size = -1;
    }
  }

  private rotate(): void {
    const keep = this.opts.rotations ?? ROTATIONS;
    for (let i = keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        /* that generation does not exist yet */
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.size = 0;
  }
}

/** A logger that writes nowhere (tests that do not care, hosts that opt out). */
export const nullLogger: EngineLogger = {
  path: null,
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
};
