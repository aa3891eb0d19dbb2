/**
 * Serve mode's access token, kept in the data folder so it is the same on every start: a tab left open while
 * the server restarts reconnects by itself, and a reload of the page works. Rules:
 * - The file is `<data folder>/access-token`, one line, mode 0600 (only its owner reads it: the token drives the
 *   whole cluster). A file with looser permissions is tightened on start.
 * - A file that does not hold a token (empty, damaged, edited by hand into something else) is replaced by a new
 *   token rather than trusted, so a short or guessable value is never used.
 * - A new token replaces the file atomically (written beside it, then renamed), so a crash mid-write leaves the
 *   old token or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ACCESS_TOKEN_FILE = 'access-token';
/** 24 random bytes as base64url: 32 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

export function accessTokenPath(dataDir: string): string {
  return join(dataDir, ACCESS_TOKEN_FILE);
}

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token stored for `dataDir`, created (and stored) when there is none or it is not a token. */
export async function loadAccessToken(dataDir: string): Promise<string> {
  const file = accessTokenPath(dataDir);
  let text: string | null = null;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null && TOKEN_PATTERN.test(text)) {
    if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return text;
  }
  return storeAccessToken(dataDir, newAccessToken());
}

/** Writes `token` as the data folder's token (0600, atomically) and returns it. */
export async function storeAccessToken(dataDir: string, token: string): Promise<string> {
  if (!TOKEN_PATTERN.test(token)) throw new Error('An access token is 32 to 128 letters, digits, "-" or "_"');
  await mkdir(dataDir, { recursive: true });
  const file = accessTokenPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${token}\n`, { mode: 0o600 });
  // writeFile's mode is filtered by the umask and ignored for a file that already existed.
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return token;
}
