/**
 * Fills a data folder before serve mode opens it, through the engine's batch
 * path (Cluster.produceBatch), as the Kafka wire would deliver them: copies of
 * one ready-made 1,000-record batch, several in flight. Ten million records
 * take seconds this way, where ten million API produces would take minutes.
 *
 * Each copy gets its own timestamps (the template's, moved on by `stepMs`
 * per batch) so the records are ordered in time as real traffic would be.
 *
 * `bulkLoadNiced` does the same in a child process at the lowest CPU
 * priority, so end-to-end tests running beside it (some measure frame
 * rates) keep the processor while ten million records go in.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../../../core/cluster/cluster';
import { BASE_TIMESTAMP, MAX_TIMESTAMP, buildBatch, updateBatchCrc, type RecordInput } from '../../../core/record';

export interface BulkTopic {
  name: string;
  partitions: number;
  /** Records per partition; a multiple of the template's size. */
  recordsPerPartition: number;
  /** The records of one batch (1,000 of them); copied as often as needed. */
  template: RecordInput[];
  /** Timestamp of the first batch, in ms. */
  startTime: number;
  /** How far each batch's timestamps move on from the previous one's. */
  stepMs: number;
  /**
   * A run of zeros that appears once in the template's bytes (say the
   * "000000" of "ref":"B000000"): each copy writes its batch number there, so
   * a few records differ from batch to batch and a search has rare matches.
   */
  batchTag?: string;
}

export interface BulkLoadResult {
  records: number;
  ms: number;
  recordsPerSecond: number;
}

const IN_FLIGHT = 8;

function setInt64(buf: Buffer, pos: number, value: number): void {
  buf.writeBigInt64BE(BigInt(value), pos);
}

/** Opens (or creates) the cluster in `dataDir`, creates the topics with rf=1 and fills them, then closes it. */
export async function bulkLoad(dataDir: string, brokers: number, topics: BulkTopic[]): Promise<BulkLoadResult> {
  const cluster = await Cluster.open({ dataDir, brokers });
  const t0 = performance.now();
  let records = 0;
  try {
    for (const t of topics) {
      await cluster.createTopic({ name: t.name, partitions: t.partitions, replicationFactor: 1 });
      const template = buildBatch({ records: t.template.map((r) => ({ ...r, timestamp: t.startTime })) });
      const tagAt = t.batchTag ? template.indexOf(t.batchTag) : -1;
      if (t.batchTag && (tagAt < 0 || template.indexOf(t.batchTag, tagAt + 1) >= 0))
        throw new Error(`batchTag ${t.batchTag} must appear exactly once in the template`);
      const perBatch = t.template.length;
      const batches = Math.ceil(t.recordsPerPartition / perBatch);
      for (let p = 0; p < t.partitions; p++) {
        let next = 0;
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < batches) {
              const b = next++;
              const copy = Buffer.from(template);
              const ts = t.startTime + b * t.stepMs;
              setInt64(copy, BASE_TIMESTAMP, ts);
              setInt64(copy, MAX_TIMESTAMP, ts);
              if (tagAt >= 0)
                copy.write(String(b).padStart(t.batchTag!.length, '0').slice(-t.batchTag!.length), tagAt, 'latin1');
              updateBatchCrc(copy);
              await cluster.produceBatch(t.name, p, copy, { acks: 1 });
            }
          }),
        );
        records += batches * perBatch;
      }
    }
  } finally {
    await cluster.close();
  }
  const ms = performance.now() - t0;
  return { records, ms: Math.round(ms), recordsPerSecond: Math.round(records / (ms / 1000)) };
}

/** bulkLoad in a child process at the lowest CPU priority; resolves with its result. */
export async function bulkLoadNiced(dataDir: string, brokers: number, topics: BulkTopic[]): Promise<BulkLoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    if (child.pid) setPriority(child.pid, 19);
  } catch {
    // Not allowed here: load at normal priority.
  }
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  child.stdin!.end(JSON.stringify({ dataDir, brokers, topics }));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`bulk load failed (exit ${code}):\n${err}${out}`);
  return JSON.parse(line) as BulkLoadResult;
}

// Run as a script (by bulkLoadNiced): the job as JSON on stdin, the result as JSON on stdout.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let input = '';
  process.stdin.on('data', (d) => (input += d));
  process.stdin.on('end', () => {
    const job = JSON.parse(input) as { dataDir: string; brokers: number; topics: BulkTopic[] };
    bulkLoad(job.dataDir, job.brokers, job.topics).then(
      (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
      (e) => {
        process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
        process.exit(1);
      },
    );
  });
}
