/**
 * Where the cluster lives by default. Serve mode uses the same folder as the
 * desktop app (Electron's userData for "Noticeboard"), so both show the same
 * cluster; LevelDB's lock keeps them from opening it at the same time.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Noticeboard';

/** The per-user application data folder, as Electron's app.getPath('appData') computes it. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(homedir(), '.config');
}

/** The cluster's folder inside an app's userData folder. */
export function clusterDir(userData: string): string {
  return join(userData, 'cluster');
}

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return clusterDir(join(appDataDir(env, platform), PRODUCT_NAME));
}
