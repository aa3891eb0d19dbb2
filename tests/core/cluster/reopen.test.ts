/**
 * Reopening a data folder as users do: 300 partitions rf=3 with committed
 * groups, prepared in a child process, then closed cleanly and reopened 10
 * times (the first in a fresh process), and killed with SIGKILL while producing (acks=all)
 * and committing, then reopened, 3 times. Every topic, record, committed
 * offset and ISR comes back; every acknowledged record and commit survives.
 * A child that meets an unhandled rejection exits non-zero, failing the test.
 * REOPEN_CYCLES multiplies the rounds (default 1).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-cluster';
import { GROUPS, RECORDS_PER_PARTITION, openReady, snapshot, type Snapshot } from '../../helpers/real-use-child';

const CHILD = fileURLToPath(new URL('../../helpers/real-use-child.ts', import.meta.url));
const CYCLES = Math.max(1, Number(process.env.REOPEN_CYCLES ?? 1));

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child ${args[0]} exited with ${code}: ${err}`)),
    );
  });
}

/** Starts a producing child, waits for `acks` acknowledgements, then kills it with SIGKILL. */
function produceThenKill(
  dir: string,
  acks: number,
): Promise<{ acked: Map<string, string>; commits: Map<number, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'produce', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked = new Map<string, string>();
    const commits = new Map<number, number>();
    let buf = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const [kind, a, b, c] = line.split(' ');
        if (kind === 'ack') acked.set(`${a}/${b}`, `produced-${c}`);
        if (kind === 'commit') commits.set(Number(a), Math.max(commits.get(Number(a)) ?? 0, Number(b)));
      }
      if (!killed && acked.size >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve({ acked, commits }) : reject(new Error(`producer exited with ${code}: ${err}`)),
    );
  });
}

async function reopenHere(dataDir: string): Promise<Snapshot> {
  const { cluster, groups } = await openReady(dataDir);
  try {
    return await snapshot(cluster, groups);
  } finally {
    await groups.close();
    await cluster.close();
  }
}

describe('reopening a data folder', () => {
  const dir = tempDir('noticeboard-reopen-');
  let prepared: Snapshot;

  beforeAll(async () => {
    prepared = JSON.parse(await run(['prepare', dir.path, '300'])) as Snapshot;
  }, 120_000);
  afterAll(() => dir.remove());

  it('brings back every topic, record count, committed offset and ISR over 10 reopens of 300 partitions', async () => {
    expect(Object.keys(prepared.partitions)).toHaveLength(300);
    expect(
      Object.values(prepared.partitions).every(
        ([start, hw, isr]) => start === 0 && hw === RECORDS_PER_PARTITION && isr.split(',').length === 3,
      ),
    ).toBe(true);
    expect(Object.keys(prepared.offsets)).toHaveLength(GROUPS);
    const isrSets = (s: Snapshot) =>
      Object.fromEntries(
        Object.entries(s.partitions).map(([k, [start, hw, isr]]) => [k, [start, hw, isr.split(',').sort().join(',')]]),
      );
    for (let i = 0; i < 10 * CYCLES; i++) {
      // The first reopen in a fresh process (where the crash was seen), the rest in this one (faster, same path).
      const snapshot =
        i === 0
          ? (JSON.parse(await run(['reopen', dir.path])) as { snapshot: Snapshot }).snapshot
          : await reopenHere(dir.path);
      expect(snapshot.topics).toEqual(prepared.topics);
      expect(snapshot.offsets).toEqual(prepared.offsets);
      // Leaders may move between reopens; the ISR comes back whole.
      expect(isrSets(snapshot)).toEqual(isrSets(prepared));
    }
  }, 300_000);

  it('loses no acknowledged record or commit when killed with SIGKILL while producing, 3 times', async () => {
    for (let round = 0; round < 3 * CYCLES; round++) {
      const { acked, commits } = await produceThenKill(dir.path, 200);
      const { cluster, groups } = await openReady(dir.path);
      try {
        for (const [key, value] of acked) {
          const [partition, offset] = key.split('/').map(Number) as [number, number];
          const [r] = await cluster.readRecords({
            topic: 'orders',
            partition,
            start: { type: 'offset', offset },
            limit: 1,
          });
          expect(r?.value?.toString(), `record ${key}`).toBe(value);
        }
        const fetched = await groups.coordinator.fetchOffsets({ groupId: 'group-0', partitions: null });
        for (const [partition, offset] of commits) {
          expect(
            fetched.offsets.find((o) => o.topic === 'orders' && o.partition === partition)?.offset,
          ).toBeGreaterThanOrEqual(offset);
        }
        const topics = cluster.listTopics().map((t) => ({ name: t.name, partitions: t.partitions }));
        expect(topics).toEqual(prepared.topics);
      } finally {
        await groups.close();
        await cluster.close();
      }
    }
  }, 300_000);
});
