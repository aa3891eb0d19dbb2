/**
 * The native addons, one rule for all of them: loaded on first use, never at import. They are classic-level
 * (LevelDB: core/storage/broker-store.ts), snappy, lz4-napi and @mongodb-js/zstd (compression.ts), and
 * @node-rs/crc32 (crc32c.ts). A package built without one addon's binary for its OS and CPU still starts; what
 * needs the addon then fails with an error naming the addon and the platform (a store cannot open, one codec is
 * unsupported), or, for CRC-32C, falls back to portable code. The README's packaging section says how each target,
 * macOS arm64 and universal included, gets the binaries.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The OS and CPU an addon's prebuilt binary must match, as npm and the prebuild packages name them. */
export function nativePlatform(): string {
  return `${process.platform}-${process.arch}`;
}

/** Why `id` did not load, naming it and the platform (first line of Node's own message). */
export function nativeLoadFailure(id: string, err: unknown): string {
  const detail = String((err as Error | undefined)?.message ?? err).split('\n')[0];
  return `the native module ${id} did not load on ${nativePlatform()} (${detail})`;
}

/** Loads a native addon, or throws `fail(message)` with a message from nativeLoadFailure. */
export function requireNative<T>(id: string, fail: (message: string, cause: unknown) => Error): T {
  try {
    return require(id) as T;
  } catch (err) {
    throw fail(nativeLoadFailure(id, err), err);
  }
}
