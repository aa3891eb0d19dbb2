/**
 * The table check (core/storage/table-check.ts): LevelDB never reads a damaged table block, so a damaged table
 * file can never abort the process, and what can be kept of it is kept.
 *
 * Fast by default (one seed known to abort LevelDB without the check); TABLE_DAMAGE_SEEDS=n tries seeds 1..n,
 * each in its own child process.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it, vi } from 'vitest';
import { BrokerStore, STORE_OPTIONS } from '../../../core/storage/broker-store';
import { checkTable, salvageTables, TABLE_CHECKS_FILE } from '../../../core/storage/table-check';
import { tempDir } from '../../helpers/temp-cluster';

const CHILD = join(import.meta.dirname, 'table-damage.child.ts');
// Seed 1 made LevelDB's compaction abort the process (TableBuilder::Add's ordering assertion) before the check.
const SEEDS_TO_TRY = Number(process.env.TABLE_DAMAGE_SEEDS ?? 1);
const VALUE_BYTES = 11_000;
const KEYS = 60;

function runChild(dir: string, seed: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out: out + err }));
  });
}

async function writeStore(dir: string, compression = false): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { ...STORE_OPTIONS, compression, createIfMissing: true });
  await db.open();
  for (let i = 0; i < KEYS; i++) {
    const key = Buffer.alloc(8);
    key.writeUInt32BE(i, 4);
    await db.put(key, Buffer.alloc(VALUE_BYTES, (i % 26) + 97));
  }
  await db.close();
  // Reopening turns the write-ahead log into a table file.
  const again = new ClassicLevel<Buffer, Buffer>(dir, STORE_OPTIONS);
  await again.open();
  await again.close();
}

function tableOf(dir: string): string {
  const name = readdirSync(dir).find((n) => n.endsWith('.ldb'));
  if (!name) throw new Error(`no table file in ${dir}`);
  return join(dir, name);
}

function flipByte(file: string, at: number): void {
  const b = readFileSync(file).subarray(at, at + 1);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from([b[0]! ^ 0xff]), 0, 1, at);
  } finally {
    closeSync(fd);
  }
}

async function countKeys(dir: string): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, STORE_OPTIONS);
  await db.open();
  try {
    let n = 0;
    for await (const _ of db.keys()) n++;
    return n;
  } finally {
    await db.close();
  }
}

describe('a table file with random bytes written over it', () => {
  for (let seed = 1; seed <= SEEDS_TO_TRY; seed++) {
    it(`never aborts the process, and the damaged blocks are dropped (seed ${seed})`, async () => {
      const dir = tempDir();
      try {
        const r = await runChild(join(dir.path, 'broker-0'), seed);
        expect({ code: r.code, signal: r.signal }, r.out).toEqual({ code: 0, signal: null });
        const result = JSON.parse(r.out) as {
          lostData: string | null;
          firstRead: number | string;
          compact: string;
          secondRead: number | string;
        };
        // LevelDB never saw a damaged block: every read and the compaction succeed.
        expect(typeof result.firstRead, String(result.firstRead)).toBe('number');
        expect(typeof result.secondRead, String(result.secondRead)).toBe('number');
        expect(result.compact).toBe('ok');
        if (seed === 1) {
          expect(result.lostData).toMatch(/data blocks? failed their CRC-32C .* dropped from its index/);
          // 180 batches and the store's format and incarnation keys, less the dropped block's batches.
          expect(result.firstRead).toBeLessThan(182);
          expect(result.firstRead).toBeGreaterThan(150);
        }
        if (result.lostData !== null) expect(result.lostData).toMatch(/table check/);
      } finally {
        dir.remove();
      }
    }, 120_000);
  }
});

describe('the table check', () => {
  it('finds no damage in sound tables, plain or snappy-compressed', async () => {
    for (const compression of [false, true]) {
      const dir = tempDir();
      try {
        await writeStore(dir.path, compression);
        const check = await checkTable(tableOf(dir.path));
        expect(check).toMatchObject({ notATable: false, structural: null, badBlocks: [] });
        expect(check.dataBlocks).toBeGreaterThan(5);
        expect(await salvageTables(dir.path)).toBeNull();
      } finally {
        dir.remove();
      }
    }
  });

  it('drops a damaged data block from the index and keeps every other key', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      const file = tableOf(dir.path);
      const size = statSync(file).size;
      const damagedAt = Math.floor(size / 2);
      flipByte(file, damagedAt);
      const check = await checkTable(file);
      expect(check.badBlocks).toHaveLength(1);
      const [bad] = check.badBlocks;
      expect(damagedAt).toBeGreaterThanOrEqual(bad!.offset);
      expect(damagedAt).toBeLessThan(bad!.offset + bad!.size + 5);

      const salvage = await salvageTables(dir.path);
      expect(salvage?.needsRepair).toBe(false);
      expect(salvage?.reason).toMatch(/1 of \d+ data blocks failed their CRC-32C .* dropped from its index/);
      expect(statSync(file).size).toBe(size);
      expect(await checkTable(file)).toMatchObject({ structural: null, badBlocks: [] });
      // A 64 KB block holds 5 or 6 of the 11 KB values: only those are gone.
      const kept = await countKeys(dir.path);
      expect(kept).toBeLessThan(KEYS);
      expect(kept).toBeGreaterThanOrEqual(KEYS - 6);
    } finally {
      dir.remove();
    }
  });

  it('checks a verified table again once the file changed, and not before', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      expect(await salvageTables(dir.path)).toBeNull();
      const file = tableOf(dir.path);
      const verified = JSON.parse(readFileSync(join(dir.path, TABLE_CHECKS_FILE), 'utf8')) as {
        tables: Record<string, string>;
      };
      expect(Object.keys(verified.tables)).toEqual([file.split('/').pop()]);
      flipByte(file, Math.floor(statSync(file).size / 3));
      expect((await salvageTables(dir.path))?.checks).toHaveLength(1);
      expect(await salvageTables(dir.path)).toBeNull();
    } finally {
      dir.remove();
    }
  });

  it('checks every table before a repair, also one damaged after it was verified', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      const file = tableOf(dir.path);
      const name = file.split('/').pop()!;
      flipByte(file, Math.floor(statSync(file).size / 2));
      // A disk that flips bits under an unchanged file: the verification record still matches it.
      const s = statSync(file);
      const record = { v: 1, tables: { [name]: `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}` } };
      writeFileSync(join(dir.path, TABLE_CHECKS_FILE), JSON.stringify(record));
      expect(await salvageTables(dir.path)).toBeNull();
      // LevelDB reported corruption at run time, so the store is repaired: the table check runs on every table.
      await BrokerStore.repair(dir.path, 'Corruption: bad entry in block');
      const store = await BrokerStore.open(dir.path);
      try {
        expect(store.lostData).toMatch(/bad entry in block; Corruption found by the table check: table file/);
      } finally {
        await store.close();
      }
      expect(await checkTable(file)).toMatchObject({ structural: null, badBlocks: [] });
    } finally {
      dir.remove();
    }
  });

  it('forgets every verification once a read finds a damaged batch', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      const store = await BrokerStore.open(dir.path);
      try {
        expect(existsSync(join(dir.path, TABLE_CHECKS_FILE))).toBe(true);
        const told: string[] = [];
        store.onReplicaDamaged = (log, reason) => told.push(`${log.key}: ${reason}`);
        store.replicaDamaged({ key: 'topic:0', markUnclean: () => undefined }, 'a batch failed its CRC-32C');
        expect(told).toEqual(['topic:0: a batch failed its CRC-32C']);
        await vi.waitFor(() => expect(existsSync(join(dir.path, TABLE_CHECKS_FILE))).toBe(false), 10_000);
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  });

  it('moves a table with a damaged index into lost/, and the store opens repaired', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      const file = tableOf(dir.path);
      // The index block ends just before the 48-byte footer.
      flipByte(file, statSync(file).size - 48 - 8);
      expect((await checkTable(file)).structural).toMatch(/index block fails its CRC-32C/);
      const store = await BrokerStore.open(dir.path);
      try {
        expect(store.lostData).toMatch(/moved to lost/);
        // The store's only table is gone: what remains is the format and incarnation keys this open wrote.
        const keys: string[] = [];
        for await (const k of store.db.keys()) keys.push(k.toString());
        expect(keys).toEqual(['I', 'V']);
      } finally {
        await store.close();
      }
      expect(existsSync(join(dir.path, 'lost', file.split('/').pop()!))).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('leaves a truncated table to LevelDB, which refuses to read it', async () => {
    const dir = tempDir();
    try {
      await writeStore(dir.path);
      const file = tableOf(dir.path);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      expect((await checkTable(file)).notATable).toBe(true);
      // Its footer is gone, so LevelDB's own magic-number check refuses it on the first read that needs it (a
      // broker's first read of its own keys: the store then cannot open, broker-store.ts).
      const store = await BrokerStore.open(dir.path);
      try {
        expect(store.lostData).toBeNull();
        const readAll = async () => {
          for await (const _ of store.db.keys());
        };
        await expect(readAll()).rejects.toThrow(/\.ldb/);
      } finally {
        await store.close();
      }
      expect(existsSync(file)).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
