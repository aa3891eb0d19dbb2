/**
 * Wire-protocol benchmark (issue 4): 100-byte values produced and consumed
 * over loopback by @platformatic/kafka, 3 partitions on 3 brokers (rf 1, so
 * the figure is the wire path, not replication), acks=1. The producer sends
 * 1,000 records per call (one batch per partition per broker request) with 16
 * calls in flight; the consumer is a one-member group reading from earliest.
 * 2,000,000 records each way (WIRE_BENCH_RECORDS to change).
 *
 * The client runs in a child process (this same file, started with
 * WIRE_BENCH_CHILD set), so CPU time can be attributed: the broker's is
 * process.cpuUsage() of this process (LevelDB's threads included) between
 * the child's start and end marks of its timed phase, the client's is the
 * child's own over the same phase. `wire_broker_cpu_share` is the broker's part of the CPU
 * both spent; the `*_cpu_pct` figures are CPU seconds per wall second (100 =
 * one core busy), which shows whether the client (at ~100) or the broker is
 * the limit.
 *
 * Figures: wire_produce_rps, wire_consume_rps (records per second),
 * wire_broker_cpu_share, wire_produce_broker_cpu_pct,
 * wire_produce_client_cpu_pct, wire_consume_broker_cpu_pct,
 * wire_consume_client_cpu_pct.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './child-bench';

const RECORDS = Number(process.env.WIRE_BENCH_RECORDS ?? 2_000_000);
const PARTITIONS = 3;
const PER_SEND = Number(process.env.WIRE_BENCH_PER_SEND ?? 1000);
const IN_FLIGHT = Number(process.env.WIRE_BENCH_IN_FLIGHT ?? 16);
const TOPIC = 'wire-bench';

interface ChildResult {
  records: number;
  secs: number;
  cpuMs: number;
}

// ---------------------------------------------------------------------------
// Child: the client.

/** Tells the parent the timed phase starts or ends, so it samples its own CPU at the same moments. */
function mark(what: 'start' | 'end'): void {
  process.stdout.write(`${what}\n`);
}

async function runClient(mode: string, brokers: string[]): Promise<ChildResult> {
  const { Consumer, Producer } = await import('@platformatic/kafka');
  if (mode === 'produce') {
    const producer = new Producer({
      clientId: 'wire-bench-producer',
      bootstrapBrokers: brokers,
      acks: 1,
      maxInflights: IN_FLIGHT,
    });
    const value = Buffer.alloc(100, 0x61);
    const messages = Array.from({ length: PER_SEND }, (_, i) => ({ topic: TOPIC, partition: i % PARTITIONS, value }));
    // Warm up (metadata, connections, JIT) before timing.
    await producer.send({ messages: messages.slice(0, 300) });
    mark('start');
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let sent = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (sent < RECORDS) {
          sent += PER_SEND;
          await producer.send({ messages });
        }
      }),
    );
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    mark('end');
    await producer.close();
    return { records: sent, secs, cpuMs: (cpu.user + cpu.system) / 1000 };
  }
  const consumer = new Consumer({
    groupId: 'wire-bench',
    clientId: 'wire-bench-consumer',
    bootstrapBrokers: brokers,
    maxWaitTime: 100,
    maxBytes: 32 << 20,
    maxBytesPerPartition: 16 << 20,
  });
  const stream = await consumer.consume({
    topics: [TOPIC],
    mode: 'earliest',
    autocommit: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  let n = 0;
  let t0 = 0n;
  let cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      if (n === 0) {
        mark('start');
        t0 = process.hrtime.bigint();
        cpu0 = process.cpuUsage();
      }
      if (++n >= RECORDS) resolve();
    });
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  mark('end');
  await stream.close();
  await consumer.close(true);
  return { records: n, secs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

if (process.env.WIRE_BENCH_CHILD) {
  runClient(process.env.WIRE_BENCH_CHILD, process.env.WIRE_BENCH_BROKERS!.split(',')).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

// ---------------------------------------------------------------------------
// Parent: the brokers.

async function runClientChild(
  mode: 'produce' | 'consume',
  brokers: string,
): Promise<{ result: ChildResult; brokerCpuMs: number }> {
  let cpuAtStart: NodeJS.CpuUsage | null = null;
  let brokerCpuMs = 0;
  const line = await runChild(import.meta.url, {
    env: { WIRE_BENCH_CHILD: mode, WIRE_BENCH_BROKERS: brokers },
    label: `wire bench ${mode} client`,
    captureStderr: true,
    onStdout(out) {
      if (!cpuAtStart && /^start$/m.test(out)) cpuAtStart = process.cpuUsage();
      if (cpuAtStart && brokerCpuMs === 0 && /^end$/m.test(out)) {
        const cpu = process.cpuUsage(cpuAtStart);
        brokerCpuMs = (cpu.user + cpu.system) / 1000;
      }
    },
  });
  return { result: JSON.parse(line) as ChildResult, brokerCpuMs };
}

export async function benchWire(): Promise<Record<string, number>> {
  const { Cluster } = await import('../../core/cluster/cluster');
  const { Groups } = await import('../../core/groups/index');
  const { KafkaListeners } = await import('../../core/kafka-server/kafka-listeners');
  const dir = mkdtempSync(join(tmpdir(), 'noticeboard-wire-bench-'));
  const cluster = await Cluster.open({ dataDir: dir, brokers: 3 });
  const groups = await Groups.attach(cluster, {
    initialRebalanceDelayMs: 0,
    lagSampler: false,
    offsetsTopicPartitions: 3,
  });
  const kafka = await KafkaListeners.start(cluster, { basePort: 0, groups });
  const out: Record<string, number> = {};
  try {
    await cluster.createTopic({
      name: TOPIC,
      partitions: PARTITIONS,
      replicationFactor: 1,
      assignments: [[0], [1], [2]],
    });
    const produced = await runClientChild('produce', kafka.bootstrapServers());
    out.wire_produce_rps = Math.round(produced.result.records / produced.result.secs);
    out.wire_produce_broker_cpu_pct = Math.round((produced.brokerCpuMs / (produced.result.secs * 1000)) * 100);
    out.wire_produce_client_cpu_pct = Math.round((produced.result.cpuMs / (produced.result.secs * 1000)) * 100);
    out.wire_broker_cpu_share = Number(
      (produced.brokerCpuMs / (produced.brokerCpuMs + produced.result.cpuMs)).toFixed(2),
    );
    const consumed = await runClientChild('consume', kafka.bootstrapServers());
    out.wire_consume_rps = Math.round(consumed.result.records / consumed.result.secs);
    out.wire_consume_broker_cpu_pct = Math.round((consumed.brokerCpuMs / (consumed.result.secs * 1000)) * 100);
    out.wire_consume_client_cpu_pct = Math.round((consumed.result.cpuMs / (consumed.result.secs * 1000)) * 100);
  } finally {
    await kafka.close();
    await groups.close();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// `npx tsx tests/bench/wire-bench.ts` runs this benchmark alone.
if (!process.env.WIRE_BENCH_CHILD && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchWire().then(
    (f) => console.log(JSON.stringify(f, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
