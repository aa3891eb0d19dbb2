/**
 * Support for the real-client matrix (tests/core/kafka-server/clients/*.test.ts):
 * finding each client on the machine, running it as a child process, and
 * reading back what the broker stored.
 *
 * Missing clients: in CI (CI=true) a missing client is a failing test that
 * names the Debian package to install (.ci/run installs them all); on a
 * developer machine the file is skipped with the same reason printed, so the
 * rest of the suite still runs.
 *
 * Child processes are killed (by pid) when they outlive their timeout and
 * when the file ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { batchCompression, batchLastOffset, batchMaxTimestamp, batchProducerId } from '../../../../core/record/index';
import type { TestKafka } from '../helpers';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SCRIPTS = join(HERE, 'scripts');
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** Debian's python3 has confluent_kafka and kafka-python; a python3 earlier on PATH may not. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** null when the client can run, else why not. */
export type Probe = () => string | null;

export function commandProbe(cmd: string, args: string[], pkg: string): Probe {
  return () => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
    if (r.error || r.status !== 0) {
      return `${cmd} ${args.join(' ')} failed (${r.error?.message ?? (r.stderr || '').trim().split('\n').pop()}); install Debian's ${pkg}`;
    }
    return null;
  };
}

/**
 * describe() for a client that may be missing: in CI the missing client fails
 * the file with `reason`; elsewhere the file is skipped and the reason printed.
 */
export function describeClient(name: string, probe: Probe, body: () => void): void {
  const missing = probe();
  if (missing === null) {
    describe(name, body);
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('is installed (CI requires every client of the matrix)', () => {
        throw new Error(`${name} is not available: ${missing}`);
      });
    });
    return;
  }
  console.warn(`[clients] skipping ${name}: ${missing}`);
  describe.skip(name, body);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  children.clear();
});

/** Runs a command to completion (killed after timeoutMs); rejects on a non-zero exit unless allowFailure. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFailure?: boolean; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const r = { code, stdout, stderr };
      if ((code !== 0 || signal) && !opts.allowFailure) {
        reject(
          new Error(
            `${cmd} ${args.join(' ')} exited with ${code ?? signal}\n--- stdout\n${stdout.slice(-4000)}\n--- ` +
              `stderr\n${stderr.slice(-4000)}`,
          ),
        );
      } else resolve(r);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a client script that prints one JSON document as its last stdout line. */
export async function runJson<T = Record<string, unknown>>(
  cmd: string,
  args: string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<T> {
  const r = await run(cmd, args, opts);
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    throw new Error(
      `${cmd} ${args.join(' ')} printed no JSON result\n--- stdout\n${r.stdout.slice(-4000)}\n--- ` +
        `stderr\n${r.stderr.slice(-4000)}`,
    );
  }
}

export interface StoredBatch {
  partition: number;
  codec: number;
  producerId: number;
  lastOffset: number;
  maxTimestamp: number;
}

/** Every batch of a topic as the leaders store it (header facts only). */
export async function storedBatches(k: TestKafka, topic: string): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  for (const p of k.cluster.partitions(topic)) {
    let offset = p.logStartOffset;
    while (offset < p.highWatermark) {
      const { batches } = await k.cluster.fetch(topic, p.partition, offset, { maxBytes: 1 << 20 });
      if (batches.length === 0) break;
      for (const b of batches) {
        out.push({
          partition: p.partition,
          codec: batchCompression(b),
          producerId: batchProducerId(b),
          lastOffset: batchLastOffset(b),
          maxTimestamp: batchMaxTimestamp(b),
        });
      }
      offset = batchLastOffset(batches[batches.length - 1]!) + 1;
    }
  }
  return out;
}

/** Every stored record value of a topic, as UTF-8 strings, partition by partition. */
export async function storedValues(k: TestKafka, topic: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of k.cluster.partitions(topic)) {
    const recs = await k.cluster.readRecords({
      topic,
      partition: p.partition,
      start: { type: 'earliest' },
      limit: 100_000,
    });
    for (const r of recs) out.push(r.value?.toString() ?? '');
  }
  return out;
}

export const CODEC_IDS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** Values occurring more than once, for exactly-once checks with a readable failure. */
export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** The ten values producer `j` sends in `round` of an idempotence check, each naming both. */
export const idempotentRound = (j: number, round: number): string[] =>
  Array.from({ length: 10 }, (_, i) => `producer${j}-${round * 10 + i}`);

/** Every acknowledged value is stored exactly once, written under `producerIds` distinct producer ids. */
export async function expectStoredOnce(k: TestKafka, topic: string, acked: string[], producerIds: number) {
  const stored = await storedValues(k, topic);
  expect(duplicates(stored)).toEqual([]);
  expect(stored.sort()).toEqual([...acked].sort());
  expect(new Set((await storedBatches(k, topic)).map((b) => b.producerId)).size).toBe(producerIds);
}

/**
 * A group of two reads 40 records and commits, then, restarted, reads the next 40 from where it stopped: each
 * batch whole, nothing of the first read again. `consume` runs the client's group until it has `expected` new
 * values and the group's committed offsets add up to `committedAfter`.
 */
export async function expectGroupResumes(
  k: TestKafka,
  topic: string,
  consume: (expected: number, committedAfter: number) => Promise<string[][]>,
) {
  const first = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` }));
  await k.cluster.produce(topic, first);
  const a = await consume(40, 40);
  expect(new Set(a.flat())).toEqual(new Set(first.map((r) => r.value)));
  const second = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` }));
  await k.cluster.produce(topic, second);
  const b = await consume(40, 80);
  expect(new Set(b.flat())).toEqual(new Set(second.map((r) => r.value)));
}

// ---------------------------------------------------------------------------
// sarama: built once per source version in GOPATH mode from Debian's sources.

export const GOPATH_SYSTEM = '/usr/share/gocode';

export const saramaProbe: Probe = () => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) return "go is not installed; install Debian's golang-go";
  if (!existsSync(join(GOPATH_SYSTEM, 'src/github.com/Shopify/sarama'))) {
    return `sarama sources are missing from ${GOPATH_SYSTEM}; install Debian's golang-github-shopify-sarama-dev`;
  }
  return null;
};

/**
 * Path of the built sarama client, building it when its sources (ours and
 * sarama's version) changed. The binary lives under the temp dir keyed by
 * that hash, so the build happens once; concurrent builders write to their
 * own file and rename it into place.
 */
export async function saramaBinary(): Promise<string> {
  const src = join(HERE, 'sarama');
  const h = createHash('sha256');
  for (const f of readdirSync(src).sort()) h.update(f).update(readFileSync(join(src, f)));
  const version =
    spawnSync('dpkg-query', ['-W', '-f=${Version}', 'golang-github-shopify-sarama-dev'], { encoding: 'utf8' }).stdout ??
    '';
  h.update(version).update(spawnSync('go', ['version'], { encoding: 'utf8' }).stdout ?? '');
  const dir = join(tmpdir(), `noticeboard-sarama-${h.digest('hex').slice(0, 16)}`);
  const bin = join(dir, 'sarama-client');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const work = join(dir, `build-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const partial = join(work, 'sarama-client');
  try {
    await run('go', ['build', '-o', partial, '.'], {
      env: {
        GO111MODULE: 'off',
        GOFLAGS: '',
        GOPATH: `${GOPATH_SYSTEM}:${join(work, 'gopath')}`,
        GOCACHE: join(dir, 'gocache'),
        GOPROXY: 'off',
      },
      cwd: src,
      timeoutMs: 300_000,
    }).catch((err: Error) => {
      throw new Error(`building the sarama client failed: ${err.message}`);
    });
    renameSync(partial, bin);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
