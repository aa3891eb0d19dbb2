/**
 * Child process of table-check.test.ts: builds a broker store the same way every time, writes 4 KB of seeded
 * random bytes into its table file, then does what a broker does with it (open, read everything, compact, write,
 * repair, open again). Run in a child because without the table check LevelDB aborts the whole process on some
 * seeds (SIGABRT from an assertion); the parent sees the exit signal instead of losing its own worker.
 *
 * Usage: table-damage.child.ts <dir> <seed>. Prints one JSON line: what each open read and why the store
 * counts as repaired.
 */
import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { BrokerStore, STORE_OPTIONS } from '../../../core/storage/broker-store';
import { PartitionKeys } from '../../../core/storage/keys';
import { seededRandom } from '../../helpers/random';

export const PARTITIONS = 3;
export const ROUNDS = 60;

async function build(dir: string): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { ...STORE_OPTIONS, createIfMissing: true });
  await db.open();
  const next = seededRandom(99);
  const keys = Array.from({ length: PARTITIONS }, (_, p) => new PartitionKeys(Buffer.alloc(16, 7), p));
  for (let round = 0; round < ROUNDS; round++) {
    await db.batch(
      keys.map((k) => {
        // About the size of a batch of 50 records of 220 bytes: a few values per 64 KB block.
        const value = Buffer.alloc(11_000 + Math.floor(next() * 100), 'x');
        value.writeUInt32BE(round, 0);
        return { type: 'put' as const, key: k.data(round * 50 + 49), value };
      }),
    );
  }
  await db.close();
  // Reopening turns the write-ahead log into a table file.
  const again = new ClassicLevel<Buffer, Buffer>(dir, STORE_OPTIONS);
  await again.open();
  await again.close();
}

function damage(dir: string, seed: number): void {
  const [file] = readdirSync(dir)
    .filter((n) => n.endsWith('.ldb'))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!file) throw new Error(`no table file in ${dir}`);
  const next = seededRandom(seed);
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, Math.floor(statSync(file).size / 3) + ((seed * 7919) % 65536));
  } finally {
    closeSync(fd);
  }
}

async function readAll(store: BrokerStore): Promise<number | string> {
  let n = 0;
  try {
    for await (const _ of store.db.iterator()) n++;
  } catch (err) {
    return (err as Error).message;
  }
  return n;
}

async function main(): Promise<void> {
  const [dir, seedArg] = process.argv.slice(2);
  if (!dir || !seedArg) throw new Error('usage: table-damage.child.ts <dir> <seed>');
  await build(dir);
  damage(dir, Number(seedArg));
  let store = await BrokerStore.open(dir);
  const lostData = store.lostData;
  const firstRead = await readAll(store);
  const compact = await store.db.compactRange(Buffer.from([0]), Buffer.from([0xff])).then(
    () => 'ok',
    (err: unknown) => (err as Error).message,
  );
  await store.write([{ type: 'put', key: Buffer.from('after'), value: Buffer.alloc(1000) }]).catch(() => undefined);
  await store.close();
  await BrokerStore.repair(dir, 'the test repairs it');
  store = await BrokerStore.open(dir);
  const secondRead = await readAll(store);
  await store.close();
  process.stdout.write(`${JSON.stringify({ lostData, firstRead, compact, secondRead })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(3);
});
