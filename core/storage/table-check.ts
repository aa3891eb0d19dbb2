/**
 * Table check: every LevelDB table file of a broker store is verified by us, block by block, before LevelDB
 * reads it, and a damaged one is salvaged so LevelDB never sees a damaged block.
 *
 * Why (issue 14): LevelDB reads table blocks without checking their CRC-32C (classic-level exposes neither
 * `paranoid_checks` nor `verify_checksums`), and the classic-level binary is built with its assertions on. A
 * block overwritten with random bytes still parses, into keys out of order or shorter than LevelDB's 8-byte
 * internal-key suffix; the first compaction, repair or merging read that compares or copies them hits an
 * `assert` (`TableBuilder::Add: Compare(key, last_key) > 0` in RepairDB was seen: the whole process aborts with
 * SIGABRT, about 1 run in 20 of the random-bytes damage test), and a damaged block handle can make it allocate
 * a garbage length. No JavaScript can catch either, so the damage must be found before LevelDB reads it.
 *
 * Table format (LevelDB table_format.md): data blocks, filter block, metaindex block, index block, then a
 * 48-byte footer (metaindex and index block handles as varint64 offset + size, zero padding to 40 bytes, the
 * magic 0xdb4775248b80fb57 little-endian). Every block is followed by a 5-byte trailer: a type byte (0 plain,
 * 1 snappy) and the masked CRC-32C of the block and that byte. Index and metaindex blocks hold entries
 * (varint32 shared, non-shared and value lengths, key suffix, value) and a restart array; an index entry's
 * value is the handle of one data block, its key is >= every key in that block and < every key of the next.
 *
 * Rules:
 * - A table whose footer lacks the magic (a truncated file) is left to LevelDB, which checks the magic itself
 *   and refuses to open the store: that broker is reported failed (broker-store.ts).
 * - A table whose data blocks alone are damaged keeps its file: its index is rewritten in place without those
 *   blocks (the footer stays at the end, so the file size LevelDB's MANIFEST records still holds, and no block
 *   moves, so the bloom filter, indexed by block offset, still fits). Lookups in the dropped key range find the
 *   next block, whose keys are all greater: the dropped keys are simply absent.
 * - A table whose index, metaindex or filter block is damaged (or whose handles point outside the file) cannot
 *   be salvaged block by block: it is moved into `lost/` (where LevelDB's repair puts what it drops) and the
 *   store is rebuilt from the other files by LevelDB's repair, which is safe once every table left is verified.
 * - Either way the store has lost data: the caller marks it repaired, so every replica in it is refilled.
 * - Table files never change once LevelDB has written them, so a verified one is remembered in
 *   `table-checks.json` by name, size, modification and change time and inode; it is read again only when one
 *   of those changed (anything that writes the file changes its change time). A file damaged in place without
 *   any of them changing (a failing disk flipping bits) is not looked at again at open; but a batch that fails
 *   its CRC on a read forgets every verification (`forgetVerifiedTables`), and a repair checks every table.
 * - The check runs before LevelDB takes the store's LOCK (LevelDB may start a compaction as it opens, which would
 *   read a damaged table). It writes only to a table it found damaged, which a live LevelDB would abort on anyway;
 *   a table another process is still writing has no footer yet and is left alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c } from '../record/crc32c';
import { requireNative } from '../record/native';
import { FORMAT_VERSION } from './keys';

export const TABLE_CHECKS_FILE = 'table-checks.json';
const TABLE_FILE = /^\d+\.(ldb|sst)$/;
const FOOTER_BYTES = 48;
const TRAILER_BYTES = 5;
const MAGIC_LO = 0x8b80fb57;
const MAGIC_HI = 0xdb477524;
const MASK_DELTA = 0xa282ead8;

interface Handle {
  offset: number;
  size: number;
}

interface IndexEntry {
  key: Buffer;
  value: Buffer;
  handle: Handle;
}

/** What checking one table file found. */
export interface TableCheck {
  file: string;
  /** No LevelDB footer at the end (truncated or overwritten): left for LevelDB to refuse. */
  notATable: boolean;
  /** Why the table's structure (footer handles, index, metaindex or filter block) cannot be trusted. */
  structural: string | null;
  dataBlocks: number;
  /** Data blocks whose bytes fail their CRC-32C (or lie outside the data area), in file order. */
  badBlocks: Handle[];
}

/** What salvaging a store's tables did; null when every table was sound. */
export interface StoreSalvage {
  /** One line for the broker's log and the checkpoint's `repaired` field. */
  reason: string;
  /** A table was moved into lost/: the MANIFEST names a file that is gone, so LevelDB's repair must run. */
  needsRepair: boolean;
  checks: TableCheck[];
}

function unmask(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

function mask(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** Reads a varint of at most `maxBytes` bytes; null when it runs past `end` or exceeds 2^53. */
function varint(buf: Buffer, pos: number, end: number, maxBytes: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < maxBytes && pos + i < end; i++) {
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    if (value > Number.MAX_SAFE_INTEGER) return null;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
    scale *= 128;
  }
  return null;
}

function putVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function decodeHandle(buf: Buffer, pos: number, end: number): { handle: Handle; next: number } | null {
  const offset = varint(buf, pos, end, 10);
  if (!offset) return null;
  const size = varint(buf, offset.next, end, 10);
  if (!size) return null;
  return { handle: { offset: offset.value, size: size.value }, next: size.next };
}

/** True when the block and its trailer lie inside `limit` and its CRC-32C matches. */
function blockIntact(file: Buffer, h: Handle, limit: number): boolean {
  if (h.offset + h.size + TRAILER_BYTES > limit) return false;
  const stored = file.readUInt32LE(h.offset + h.size + 1);
  return crc32c(file.subarray(h.offset, h.offset + h.size + 1)) === unmask(stored);
}

type SnappyLib = { uncompressSync(input: Uint8Array, opts: { asBuffer: true }): Buffer };

/** The bytes of an intact block: as stored, or uncompressed (a store written while LevelDB compressed blocks). */
function blockContents(file: Buffer, h: Handle): Buffer | string {
  const raw = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  if (type === 0) return raw;
  if (type !== 1) return `block at ${h.offset} has the unknown type ${type}`;
  try {
    const snappy = requireNative<SnappyLib>('snappy', (message) => new Error(message));
    return snappy.uncompressSync(raw, { asBuffer: true });
  } catch (err) {
    return `block at ${h.offset} cannot be uncompressed (${(err as Error).message})`;
  }
}

/** The entries of an intact index or metaindex block; a string saying why when they cannot be read. */
function blockEntries(file: Buffer, h: Handle): IndexEntry[] | string {
  const block = blockContents(file, h);
  if (typeof block === 'string') return block;
  const end = block.length;
  if (end < 4) return `block at ${h.offset} is too short`;
  const restarts = block.readUInt32LE(end - 4);
  const restartsAt = end - 4 - restarts * 4;
  if (restarts === 0 || restartsAt < 0) return `block at ${h.offset} has a bad restart array`;
  const entries: IndexEntry[] = [];
  let prev = Buffer.alloc(0);
  for (let p = 0; p < restartsAt;) {
    const shared = varint(block, p, restartsAt, 5);
    const nonShared = shared && varint(block, shared.next, restartsAt, 5);
    const valueLength = nonShared && varint(block, nonShared.next, restartsAt, 5);
    if (!shared || !nonShared || !valueLength) return `block at ${h.offset}: entry at ${p} is cut short`;
    const keyAt = valueLength.next;
    const valueAt = keyAt + nonShared.value;
    const next = valueAt + valueLength.value;
    if (shared.value > prev.length || next > restartsAt) return `block at ${h.offset}: entry at ${p} overruns`;
    const key = Buffer.concat([prev.subarray(0, shared.value), block.subarray(keyAt, valueAt)]);
    const value = Buffer.from(block.subarray(valueAt, next));
    const handle = decodeHandle(value, 0, value.length);
    entries.push({ key, value, handle: handle?.handle ?? { offset: -1, size: -1 } });
    prev = key;
    p = next;
  }
  return entries;
}

interface Parsed {
  check: TableCheck;
  index?: { handle: Handle; entries: IndexEntry[] };
  metaindex?: Handle;
}

function parse(name: string, file: Buffer): Parsed {
  const check: TableCheck = { file: name, notATable: false, structural: null, dataBlocks: 0, badBlocks: [] };
  const footerAt = file.length - FOOTER_BYTES;
  if (footerAt < 0 || file.readUInt32LE(footerAt + 40) !== MAGIC_LO || file.readUInt32LE(footerAt + 44) !== MAGIC_HI) {
    check.notATable = true;
    return { check };
  }
  const meta = decodeHandle(file, footerAt, footerAt + 40);
  const index = meta && decodeHandle(file, meta.next, footerAt + 40);
  if (!meta || !index) return { check: { ...check, structural: 'its footer is damaged' } };
  const fail = (why: string): Parsed => ({ check: { ...check, structural: why } });
  if (!blockIntact(file, index.handle, footerAt)) return fail('its index block fails its CRC-32C');
  if (!blockIntact(file, meta.handle, index.handle.offset)) return fail('its metaindex block fails its CRC-32C');
  const metaEntries = blockEntries(file, meta.handle);
  if (typeof metaEntries === 'string') return fail(`its metaindex cannot be read (${metaEntries})`);
  let dataEnd = meta.handle.offset;
  for (const m of metaEntries) {
    // The only meta block LevelDB writes is the filter ("filter.<policy>"): it sits between data and metaindex.
    if (m.handle.offset < 0 || !blockIntact(file, m.handle, meta.handle.offset))
      return fail(`its meta block ${m.key.toString('latin1')} fails its CRC-32C`);
    dataEnd = Math.min(dataEnd, m.handle.offset);
  }
  const entries = blockEntries(file, index.handle);
  if (typeof entries === 'string') return fail(`its index cannot be read (${entries})`);
  check.dataBlocks = entries.length;
  for (const e of entries) {
    if (e.handle.offset < 0) return fail('its index holds a damaged block handle');
    if (!blockIntact(file, e.handle, dataEnd)) check.badBlocks.push(e.handle);
  }
  return { check, index: { handle: index.handle, entries }, metaindex: meta.handle };
}

/** Checks one table file's footer and the CRC-32C of every block it references. */
export async function checkTable(path: string, name = path): Promise<TableCheck> {
  return parse(name, await readFile(path)).check;
}

/** An uncompressed block of entries, one restart point each (as LevelDB writes index blocks), with its trailer. */
function encodeBlock(entries: IndexEntry[]): Buffer {
  const bytes: number[] = [];
  const restarts: number[] = [];
  for (const e of entries) {
    restarts.push(bytes.length);
    putVarint(bytes, 0);
    putVarint(bytes, e.key.length);
    putVarint(bytes, e.value.length);
    for (const b of e.key) bytes.push(b);
    for (const b of e.value) bytes.push(b);
  }
  if (restarts.length === 0) restarts.push(0);
  const body = Buffer.alloc(bytes.length + restarts.length * 4 + 4 + TRAILER_BYTES);
  Buffer.from(bytes).copy(body, 0);
  let p = bytes.length;
  for (const r of restarts) p = body.writeUInt32LE(r, p);
  p = body.writeUInt32LE(restarts.length, p);
  body[p] = 0;
  body.writeUInt32LE(mask(crc32c(body.subarray(0, p + 1))), p + 1);
  return body;
}

function encodeFooter(metaindex: Handle, index: Handle): Buffer {
  const bytes: number[] = [];
  putVarint(bytes, metaindex.offset);
  putVarint(bytes, metaindex.size);
  putVarint(bytes, index.offset);
  putVarint(bytes, index.size);
  const footer = Buffer.alloc(FOOTER_BYTES);
  Buffer.from(bytes).copy(footer, 0);
  footer.writeUInt32LE(MAGIC_LO, 40);
  footer.writeUInt32LE(MAGIC_HI, 44);
  return footer;
}

/**
 * Rewrites the index of a table whose data blocks alone are damaged, without them; false when the new index
 * does not fit where the old one was (an old store's compressed index), so the caller moves the file aside.
 */
async function dropBlocks(path: string, file: Buffer, parsed: Parsed): Promise<boolean> {
  const { index, metaindex, check } = parsed;
  if (!index || !metaindex) return false;
  const bad = new Set(check.badBlocks.map((h) => h.offset));
  const block = encodeBlock(index.entries.filter((e) => !bad.has(e.handle.offset)));
  const footerAt = file.length - FOOTER_BYTES;
  if (index.handle.offset + block.length > footerAt) return false;
  const region = Buffer.alloc(file.length - index.handle.offset);
  block.copy(region, 0);
  encodeFooter(metaindex, { offset: index.handle.offset, size: block.length - TRAILER_BYTES }).copy(
    region,
    footerAt - index.handle.offset,
  );
  const fh = await open(path, 'r+');
  try {
    await fh.write(region, 0, region.length, index.handle.offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return true;
}

type Verified = Record<string, string>;
let tmpFiles = 0;

function fingerprint(s: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): string {
  return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

function loadVerified(dir: string): Verified {
  const file = join(dir, TABLE_CHECKS_FILE);
  if (!existsSync(file)) return {};
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { v: number; tables: Verified };
    return j.v === FORMAT_VERSION && j.tables && typeof j.tables === 'object' ? j.tables : {};
  } catch {
    return {};
  }
}

/**
 * Checks every table file of the store in `dir` not verified before (`recheckAll`: every one), before LevelDB
 * opens it (or repairs it), and salvages the damaged ones (rules above). Returns null when all were sound.
 */
export async function salvageTables(dir: string, recheckAll = false): Promise<StoreSalvage | null> {
  const verified = recheckAll ? {} : loadVerified(dir);
  const next: Verified = {};
  const damaged: TableCheck[] = [];
  const notes: string[] = [];
  let needsRepair = false;
  let changed = false;
  for (const name of (await readdir(dir)).filter((n) => TABLE_FILE.test(n)).sort()) {
    const path = join(dir, name);
    const before = fingerprint(await stat(path));
    if (verified[name] === before) {
      next[name] = before;
      continue;
    }
    changed = true;
    const file = await readFile(path);
    const parsed = parse(name, file);
    const { check } = parsed;
    if (check.notATable) continue;
    if (check.structural === null && check.badBlocks.length === 0) {
      next[name] = before;
      continue;
    }
    damaged.push(check);
    const where = check.badBlocks.map((h) => h.offset).join(', ');
    if (check.structural === null && (await dropBlocks(path, file, parsed))) {
      notes.push(
        `table file ${name}: ${check.badBlocks.length} of ${check.dataBlocks} data blocks failed their CRC-32C ` +
          `(at byte ${where}) and were dropped from its index`,
      );
      const after = parse(name, await readFile(path)).check;
      if (after.structural === null && after.badBlocks.length === 0) next[name] = fingerprint(await stat(path));
      continue;
    }
    await mkdir(join(dir, 'lost'), { recursive: true });
    await rename(path, join(dir, 'lost', name));
    needsRepair = true;
    notes.push(`table file ${name}: ${check.structural ?? 'its index cannot be rewritten'}; moved to lost/`);
  }
  if (changed || Object.keys(next).length !== Object.keys(verified).length) {
    const tmp = join(dir, `${TABLE_CHECKS_FILE}.${process.pid}-${++tmpFiles}.tmp`);
    await writeFile(tmp, JSON.stringify({ v: FORMAT_VERSION, tables: next }));
    await rename(tmp, join(dir, TABLE_CHECKS_FILE));
  }
  if (damaged.length === 0) return null;
  return { reason: `Corruption found by the table check: ${notes.join('; ')}`, needsRepair, checks: damaged };
}

/** Forgets which tables were verified: the next check reads every table file again. */
export async function forgetVerifiedTables(dir: string): Promise<void> {
  await rm(join(dir, TABLE_CHECKS_FILE), { force: true });
}
