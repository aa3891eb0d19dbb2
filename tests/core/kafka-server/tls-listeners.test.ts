/**
 * The embedded cluster's Kafka ports over TLS, with the sandbox CA (core/host/sandbox-tls.ts), checked with clients
 * that are not this project's: kcat and librdkafka (confluent_kafka) trust ca.pem and produce and consume over SSL;
 * SASL_SSL with SCRAM-SHA-512 authenticates; with client certificates required (mTLS) a client without one is
 * refused and one with the sandbox's client certificate is served; a client that trusts another CA fails.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaListeners } from '../../../core/kafka-server/kafka-listeners';
import { ensureSandboxTls, type SandboxTls } from '../../../core/host/sandbox-tls';
import { tempDir } from '../../helpers/temp-cluster';
import { startKafka, type TestKafka } from './helpers';
import { PYTHON } from './support/python-client';

const dir = tempDir('noticeboard-tls-');
let tls: SandboxTls;
let otherCa: string;

beforeAll(() => {
  tls = ensureSandboxTls(join(dir.path, 'sandbox'), '127.0.0.1');
  otherCa = ensureSandboxTls(join(dir.path, 'other'), '127.0.0.1').caCertPath;
});

afterAll(() => dir.remove());

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** kcat's `-b broker` and one `-X name=value` a setting, the settings given as librdkafka names them. */
function kcatArgs(broker: string, settings: Record<string, string>): string[] {
  return ['-b', broker, ...Object.entries(settings).flatMap(([name, value]) => ['-X', `${name}=${value}`])];
}
const SSL = () => ({ 'security.protocol': 'ssl', 'ssl.ca.location': tls.caCertPath });

/** Produces `count` values to `topic` partition 0 with librdkafka, then reads them back; prints JSON. */
const PY_ROUND_TRIP = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition
conf = json.loads(sys.argv[1]); topic = sys.argv[2]
out = {}
try:
    p = Producer(dict(conf, **{'message.timeout.ms': 15000}))
    for i in range(3):
        p.produce(topic, value=('v%d' % i).encode(), partition=0)
    left = p.flush(20)
    out['unsent'] = left
    c = Consumer(dict(conf, **{'group.id': 'tls-test', 'enable.auto.commit': False}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    while len(got) < 3:
        m = c.poll(20)
        if m is None: break
        if m.error(): out['error'] = str(m.error()); break
        got.append(m.value().decode())
    c.close()
    out['values'] = got
except Exception as e:
    out['error'] = str(e)
print(json.dumps(out))
`;

/** Lists metadata once with a short timeout; prints {"brokers": n} or {"error": "..."}. */
const PY_METADATA = `
import json, sys
from confluent_kafka.admin import AdminClient
conf = json.loads(sys.argv[1])
try:
    md = AdminClient(conf).list_topics(timeout=8)
    print(json.dumps({'brokers': len(md.brokers)}))
except Exception as e:
    print(json.dumps({'error': str(e)}))
`;

async function python(script: string, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await run(PYTHON, ['-c', script, ...args]);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`python printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('SSL listeners with the sandbox CA', () => {
  let k: TestKafka;
  beforeAll(async () => {
    k = await startKafka({
      groups: false,
      listeners: { tls: { cert: tls.brokerCert, key: tls.brokerKey, ca: tls.caCert } },
    });
    await k.cluster.createTopic({ name: 'tls-kcat', partitions: 1, replicationFactor: 1 });
    await k.cluster.createTopic({ name: 'tls-py', partitions: 1, replicationFactor: 1 });
  });
  afterAll(async () => k?.stop());

  it('kcat lists the brokers and produces and consumes over SSL, verifying the broker certificate', async () => {
    const ssl = kcatArgs(k.brokers[0]!, SSL());
    const md = await run('kcat', [...ssl, '-L', '-J']);
    expect(md.code, md.stderr).toBe(0);
    expect((JSON.parse(md.stdout) as { brokers: unknown[] }).brokers).toHaveLength(3);
    const produced = await run('kcat', [...ssl, '-P', '-t', 'tls-kcat', '-p', '0'], 'a\nb\n');
    expect(produced.code, produced.stderr).toBe(0);
    expect(k.cluster.partitions('tls-kcat')[0]!.highWatermark).toBe(2);
    const consumed = await run('kcat', [...ssl, '-C', '-t', 'tls-kcat', '-o', 'beginning', '-e']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(['a', 'b']);
    expect(k.cluster.describeBrokerConfigs(0).find((c) => c.name === 'listeners')?.value).toMatch(/^SSL:\/\//);
  });

  it('librdkafka (confluent_kafka) produces and consumes over SSL', async () => {
    const out = await python(
      PY_ROUND_TRIP,
      JSON.stringify({
        'bootstrap.servers': k.brokers.join(','),
        'security.protocol': 'ssl',
        'ssl.ca.location': tls.caCertPath,
      }),
      'tls-py',
    );
    expect(out).toEqual({ unsent: 0, values: ['v0', 'v1', 'v2'] });
  });

  it('a client that trusts another CA fails the handshake, and the broker logs why', async () => {
    const out = await python(
      PY_METADATA,
      JSON.stringify({ 'bootstrap.servers': k.brokers[0]!, 'security.protocol': 'ssl', 'ssl.ca.location': otherCa }),
    );
    expect(out.error).toBeDefined();
    expect(out.brokers).toBeUndefined();
    await expect.poll(() => k.logs.some((l) => l.type === 'tls-error'), { timeout: 20_000 }).toBe(true);
  });

  it('a plaintext client on a TLS port gets no answer and the port keeps serving', async () => {
    const out = await python(PY_METADATA, JSON.stringify({ 'bootstrap.servers': k.brokers[0]! }));
    expect(out.error).toBeDefined();
    const md = await run('kcat', [...kcatArgs(k.brokers[0]!, SSL()), '-L', '-J']);
    expect(md.code, md.stderr).toBe(0);
  });
});

describe('SASL_SSL with SCRAM-SHA-512', () => {
  let k: TestKafka;
  beforeAll(async () => {
    k = await startKafka({
      listeners: {
        tls: { cert: tls.brokerCert, key: tls.brokerKey, ca: tls.caCert },
        users: [{ username: 'alice', password: 'alice-secret' }],
      },
    });
    await k.cluster.createTopic({ name: 'sasl-ssl', partitions: 1, replicationFactor: 1 });
  });
  afterAll(async () => k?.stop());

  const conf = (password: string) =>
    JSON.stringify({
      'bootstrap.servers': k.brokers.join(','),
      'security.protocol': 'sasl_ssl',
      'ssl.ca.location': tls.caCertPath,
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.username': 'alice',
      'sasl.password': password,
    });

  it('librdkafka authenticates and round-trips records', async () => {
    expect(await python(PY_ROUND_TRIP, conf('alice-secret'), 'sasl-ssl')).toEqual({
      unsent: 0,
      values: ['v0', 'v1', 'v2'],
    });
    expect(k.cluster.describeBrokerConfigs(0).find((c) => c.name === 'listeners')?.value).toMatch(/^SASL_SSL:\/\//);
  });

  it('kcat with a wrong password is refused with an authentication error', async () => {
    const r = await run('kcat', [
      ...kcatArgs(k.brokers[0]!, {
        ...SSL(),
        'security.protocol': 'sasl_ssl',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.username': 'alice',
        'sasl.password': 'wrong',
        'socket.timeout.ms': '8000',
      }),
      '-m',
      '8',
      '-L',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/[Aa]uthenticat/);
  });
});

describe('mTLS: client certificates required', () => {
  let k: TestKafka;
  beforeAll(async () => {
    k = await startKafka({
      groups: false,
      listeners: { tls: { cert: tls.brokerCert, key: tls.brokerKey, ca: tls.caCert, requireClientCert: true } },
    });
    await k.cluster.createTopic({ name: 'mtls', partitions: 1, replicationFactor: 1 });
  });
  afterAll(async () => k?.stop());

  const base = () => ({
    'bootstrap.servers': k.brokers.join(','),
    'security.protocol': 'ssl',
    'ssl.ca.location': tls.caCertPath,
  });

  it('refuses a client without a certificate', async () => {
    const out = await python(PY_METADATA, JSON.stringify(base()));
    expect(out.error).toBeDefined();
    await expect.poll(() => k.logs.some((l) => l.type === 'tls-error'), { timeout: 20_000 }).toBe(true);
  });

  it("serves a client presenting the sandbox's client certificate (librdkafka and kcat)", async () => {
    const conf = { ...base(), 'ssl.certificate.location': tls.clientCertPath, 'ssl.key.location': tls.clientKeyPath };
    expect(await python(PY_ROUND_TRIP, JSON.stringify(conf), 'mtls')).toEqual({
      unsent: 0,
      values: ['v0', 'v1', 'v2'],
    });
    const settings = {
      ...SSL(),
      'ssl.certificate.location': tls.clientCertPath,
      'ssl.key.location': tls.clientKeyPath,
    };
    const r = await run('kcat', [...kcatArgs(k.brokers[0]!, settings), '-C', '-t', 'mtls', '-o', 'beginning', '-e']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['v0', 'v1', 'v2']);
  });

  it('refuses to start when client certificates are required without a CA to check them against', async () => {
    await expect(
      KafkaListeners.start(k.cluster, {
        basePort: 0,
        tls: { cert: tls.brokerCert, key: tls.brokerKey, requireClientCert: true },
      }),
    ).rejects.toThrow(/requireClientCert needs tls.ca/);
  });
});
