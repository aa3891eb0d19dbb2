/**
 * Builds the renderer and serve mode once before the test run, only when a
 * source file changed since the last build, so the end-to-end tests drive
 * the code as it is now.
 */
import { buildIfStale } from '../../electron/scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildIfStale({ quiet: true });
}
