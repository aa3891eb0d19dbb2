/**
 * Codecs a record batch's records section may be compressed with, by the id
 * in bits 0-2 of the batch attributes.
 *
 * Layout facts per codec (what Kafka's Java client writes, which is what we
 * must read, and what we write so Java consumers read ours):
 * - 1 gzip: an RFC 1952 gzip stream.
 * - 2 snappy: xerial framing, not Google's framing format:
 *     8-byte magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version (1),
 *     int32 minimum compatible version (1), then repeated
 *     [int32 compressed length][raw snappy block], each block <= 32 KiB of
 *     input. librdkafka and some other clients send a single raw snappy
 *     block instead, so decoding accepts both (told apart by the magic).
 * - 3 lz4: the LZ4 frame format (magic 0x184D2204), independent 64 KiB
 *     blocks, as Kafka's KafkaLZ4BlockOutputStream writes since magic v1.
 * - 4 zstd: one or more zstd frames; Java streams them, so the frame header
 *     may omit the content size.
 *
 * Native codec packages are loaded on first use, not at import (native.ts): the record
 * layer's hot paths never touch them, and a platform missing a prebuilt
 * binary should lose only that codec (with UNSUPPORTED_COMPRESSION_TYPE),
 * not every import of core/record.
 */

import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { KafkaError } from '../errors';
import { requireNative } from './native';

export const CODEC_IDS = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CodecName = keyof typeof CODEC_IDS;
export type CodecId = (typeof CODEC_IDS)[CodecName];
export const CODEC_NAMES: readonly CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Codec id for a name or id; UNSUPPORTED_COMPRESSION_TYPE for anything else. */
export function codecId(codec: number | string): CodecId {
  if (typeof codec === 'number') {
    if (Number.isInteger(codec) && codec >= 0 && codec < CODEC_NAMES.length) return codec as CodecId;
  } else if (Object.hasOwn(CODEC_IDS, codec)) {
    return CODEC_IDS[codec as CodecName];
  }
  throw new KafkaError(
    'UNSUPPORTED_COMPRESSION_TYPE',
    `unknown compression codec ${JSON.stringify(codec)}; known: ${CODEC_NAMES.map((n, i) => `${i} ${n}`).join(', ')}`,
  );
}

export function codecName(codec: number | string): CodecName {
  return CODEC_NAMES[codecId(codec)];
}

// ---------------------------------------------------------------------------
// Native libraries, loaded lazily (see top of file).

type SnappyLib = typeof import('snappy');
type Lz4Lib = typeof import('lz4-napi');
type ZstdLib = typeof import('@mongodb-js/zstd');

let snappyLib: SnappyLib | undefined;
let lz4Lib: Lz4Lib | undefined;
let zstdLib: ZstdLib | undefined;

function load<T>(name: string, id: string): T {
  return requireNative<T>(
    id,
    (message, cause) =>
      new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `${name} codec unavailable: ${message}`, { cause }),
  );
}
const snappy = (): SnappyLib => (snappyLib ??= load<SnappyLib>('snappy', 'snappy'));
const lz4 = (): Lz4Lib => (lz4Lib ??= load<Lz4Lib>('lz4', 'lz4-napi'));
const zstd = (): ZstdLib => (zstdLib ??= load<ZstdLib>('zstd', '@mongodb-js/zstd'));

// Electron's V8 memory cage forbids external array buffers; snappy can be
// told to copy its output instead.
const snappyOpts = process.versions.electron ? { copyOutputData: true } : undefined;

// node:zlib gained zstd in Node 22.15 (so Electron has it); Node 20 lacks it.
// Where present it is preferred: it works synchronously and needs no addon.
type ZlibZstd = {
  zstdCompressSync(buf: Uint8Array): Buffer;
  zstdDecompressSync(buf: Uint8Array): Buffer;
  zstdCompress(buf: Uint8Array, cb: (err: Error | null, out: Buffer) => void): void;
  zstdDecompress(buf: Uint8Array, cb: (err: Error | null, out: Buffer) => void): void;
};
const zlibZstd: ZlibZstd | null =
  typeof (zlib as unknown as Partial<ZlibZstd>).zstdCompressSync === 'function' ? (zlib as unknown as ZlibZstd) : null;
const zlibZstdCompress = zlibZstd && promisify(zlibZstd.zstdCompress);
const zlibZstdDecompress = zlibZstd && promisify(zlibZstd.zstdDecompress);

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** Kafka's default zstd level. */
const ZSTD_LEVEL = 3;

// ---------------------------------------------------------------------------
// xerial snappy framing

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** SnappyOutputStream's default block size, which Kafka uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

export function isXerialFramed(buf: Uint8Array): boolean {
  if (buf.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (buf[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function xerialFrame(blocks: Buffer[]): Buffer {
  let size = XERIAL_HEADER_SIZE;
  for (const b of blocks) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_MIN_COMPATIBLE_VERSION, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const b of blocks) {
    out.writeInt32BE(b.length, pos);
    out.set(b, pos + 4);
    pos += 4 + b.length;
  }
  return out;
}

function xerialChunks(buf: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; off += XERIAL_BLOCK_SIZE) chunks.push(buf.subarray(off, off + XERIAL_BLOCK_SIZE));
  return chunks;
}

/** The raw snappy blocks inside a xerial stream. */
function xerialBlocks(buf: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < buf.length) {
    if (buf.length - pos < 4) throw new Error(`xerial block length truncated at byte ${pos}`);
    const len = buf.readInt32BE(pos);
    if (len < 0 || pos + 4 + len > buf.length) {
      throw new Error(`xerial block at byte ${pos} declares ${len} bytes, ${buf.length - pos - 4} remain`);
    }
    blocks.push(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
  return blocks;
}

function joinBlocks(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function snappyCompressSync(buf: Buffer): Buffer {
  const lib = snappy();
  return xerialFrame(xerialChunks(buf).map((c) => lib.compressSync(c, snappyOpts)));
}

async function snappyCompressAsync(buf: Buffer): Promise<Buffer> {
  const lib = snappy();
  return xerialFrame(await Promise.all(xerialChunks(buf).map((c) => lib.compress(c, snappyOpts))));
}

function snappyDecompressSync(buf: Buffer): Buffer {
  const lib = snappy();
  if (!isXerialFramed(buf)) return lib.uncompressSync(buf, snappyOpts) as Buffer;
  return joinBlocks(xerialBlocks(buf).map((b) => lib.uncompressSync(b, snappyOpts) as Buffer));
}

async function snappyDecompressAsync(buf: Buffer): Promise<Buffer> {
  const lib = snappy();
  if (!isXerialFramed(buf)) return (await lib.uncompress(buf, snappyOpts)) as Buffer;
  return joinBlocks((await Promise.all(xerialBlocks(buf).map((b) => lib.uncompress(b, snappyOpts)))) as Buffer[]);
}

// ---------------------------------------------------------------------------
// Public entry points

function decompressionFailed(id: CodecId, err: unknown): KafkaError {
  if (err instanceof KafkaError) return err;
  return new KafkaError(
    'CORRUPT_MESSAGE',
    `${CODEC_NAMES[id]} decompression of the records failed: ${err instanceof Error ? err.message : String(err)}`,
  );
}

function zstdSyncUnavailable(): KafkaError {
  return new KafkaError(
    'UNSUPPORTED_COMPRESSION_TYPE',
    `zstd cannot run synchronously on Node ${process.versions.node} (node:zlib has no zstd before 22.15); use the ` +
      `async variant`,
  );
}

/** Whether compressSync/decompressSync work for this codec on this runtime. */
export function hasSyncCodec(codec: number | string): boolean {
  return codecId(codec) !== CODEC_IDS.zstd || zlibZstd !== null;
}

export function compressSync(codec: number | string, buf: Buffer): Buffer {
  const id = codecId(codec);
  switch (id) {
    case 0:
      return buf;
    case 1:
      return zlib.gzipSync(buf);
    case 2:
      return snappyCompressSync(buf);
    case 3:
      return lz4().compressFrameSync(buf);
    case 4:
      if (!zlibZstd) throw zstdSyncUnavailable();
      return zlibZstd.zstdCompressSync(buf);
  }
}

export async function compress(codec: number | string, buf: Buffer): Promise<Buffer> {
  const id = codecId(codec);
  switch (id) {
    case 0:
      return buf;
    case 1:
      return gzipAsync(buf);
    case 2:
      return snappyCompressAsync(buf);
    case 3:
      return lz4().compressFrame(buf);
    case 4:
      if (zlibZstdCompress) return zlibZstdCompress(buf);
      return zstd().compress(buf, ZSTD_LEVEL);
  }
}

export function decompressSync(codec: number | string, buf: Buffer): Buffer {
  const id = codecId(codec);
  if (id === 4 && !zlibZstd) throw zstdSyncUnavailable();
  try {
    switch (id) {
      case 0:
        return buf;
      case 1:
        return zlib.gunzipSync(buf);
      case 2:
        return snappyDecompressSync(buf);
      case 3:
        return lz4().decompressFrameSync(buf);
      case 4:
        return zlibZstd!.zstdDecompressSync(buf);
    }
  } catch (err) {
    throw decompressionFailed(id, err);
  }
}

export async function decompress(codec: number | string, buf: Buffer): Promise<Buffer> {
  const id = codecId(codec);
  try {
    switch (id) {
      case 0:
        return buf;
      case 1:
        return await gunzipAsync(buf);
      case 2:
        return await snappyDecompressAsync(buf);
      case 3:
        return await lz4().decompressFrame(buf);
      case 4:
        if (zlibZstdDecompress) return await zlibZstdDecompress(buf);
        return await zstd().decompress(buf);
    }
  } catch (err) {
    throw decompressionFailed(id, err);
  }
}
