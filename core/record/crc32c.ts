/**
 * CRC-32C (Castagnoli), the checksum of every record batch and metadata snapshot. Computed by the native
 * @node-rs/crc32 addon when its prebuilt binary for this platform loads, otherwise by the table-driven code below
 * (same results, a few times slower): a package built without the binary for its target still starts, and says
 * once on stderr which addon was missing.
 *
 * `crc32c(data, initial)` continues a checksum the way the addon does, so callers can checksum in pieces.
 */
import { requireNative } from './native';

type Crc32c = (data: Uint8Array, initial?: number) => number;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The portable CRC-32C; exported so tests can compare it with the addon. */
export function crc32cPortable(data: Uint8Array, initial = 0): number {
  let c = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function loadNative(): Crc32c {
  try {
    return requireNative<{ crc32c: Crc32c }>('@node-rs/crc32', (message) => new Error(message)).crc32c;
  } catch (err) {
    process.emitWarning(`${(err as Error).message}; using the slower portable CRC-32C`, {
      code: 'NOTICEBOARD_NO_NATIVE_CRC32C',
    });
    return crc32cPortable;
  }
}

let impl: Crc32c | undefined;

export function crc32c(data: Uint8Array, initial?: number): number {
  return (impl ??= loadNative())(data, initial);
}
