/**
 * Switching the running sandbox's listener security through the API, proven with clients that are not this
 * project's (kcat and librdkafka's confluent_kafka): from PLAINTEXT to SASL_SSL with SCRAM-SHA-512 on the same
 * ports (the open client connection is closed, plaintext clients now fail, the new settings work, a wrong password
 * fails), then mTLS with the certificate and key the API hands out, a bad setting refused while the listeners keep
 * serving, and the setting still in force after the whole host is opened again on its data folder.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../core/cluster/cluster';
import { openNoticeboard, type Noticeboard } from '../../../core/host/noticeboard';
import { KafkaListeners } from '../../../core/kafka-server/kafka-listeners';
import type { ApiSession } from '../../../core/service/engine-api';
import type { MethodName } from '../../../core/api/api';
import { tempDir } from '../../helpers/temp-cluster';
import { PYTHON } from '../kafka-server/support/python-client';

const dir = tempDir('noticeboard-listener-switch-');
const dataDir = join(dir.path, 'data');
let nb: Noticeboard;
let session: ApiSession;

async function open(): Promise<void> {
  nb = await openNoticeboard({
    dataDir,
    transport: 'websocket',
    version: 't',
    openCluster: (o) => Cluster.open({ ...o, brokers: 2, replicaLagTimeMaxMs: 2000 }),
    startKafka: (c, _groups, security) =>
      KafkaListeners.start(c as Cluster, { basePort: 0, users: security.users, tls: security.tls, log: () => {} }),
    connections: { remote: null },
  });
  session = nb.router.openSession(() => undefined);
}

async function close(): Promise<void> {
  session?.close();
  await nb?.close();
}

beforeAll(open, 60_000);
afterAll(async () => {
  await close();
  dir.remove();
});

async function call<T>(method: MethodName, input: unknown = {}): Promise<T> {
  const r = await session.call(method, input);
  if (!r.ok) throw new Error(`${method}: ${r.error.errorName}: ${r.error.message} (field ${r.error.field})`);
  return r.result as T;
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.on('error', () => undefined);
    if (input !== undefined) child.stdin?.end(input);
  });
}

const bootstrap = () => nb.kafka!.bootstrapServers();
/** kcat listing metadata once, giving up after a few seconds (what a client with the wrong settings gets). */
const kcatList = (...settings: string[]) =>
  run('kcat', [
    '-b',
    bootstrap(),
    ...settings.flatMap((s) => ['-X', s]),
    '-X',
    'socket.timeout.ms=5000',
    '-m',
    '6',
    '-L',
    '-J',
  ]);

/** librdkafka listing metadata; prints {"brokers": n} or {"error": "..."}. */
const PY_METADATA = `
import json, sys
from confluent_kafka.admin import AdminClient
try:
    md = AdminClient(json.loads(sys.argv[1])).list_topics(timeout=8)
    print(json.dumps({'brokers': len(md.brokers)}))
except Exception as e:
    print(json.dumps({'error': str(e)}))
`;
async function pyMetadata(conf: Record<string, string>): Promise<{ brokers?: number; error?: string }> {
  const r = await run(PYTHON, ['-c', PY_METADATA, JSON.stringify({ 'bootstrap.servers': bootstrap(), ...conf })]);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { brokers?: number; error?: string };
}

let caFile: string;
const scram = (password: string) => [
  'security.protocol=sasl_ssl',
  `ssl.ca.location=${caFile}`,
  'sasl.mechanism=SCRAM-SHA-512',
  'sasl.username=alice',
  `sasl.password=${password}`,
];

describe('switching the running sandbox between listener securities', () => {
  let ports: string;

  it('serves plaintext clients to begin with', async () => {
    expect(await call('getListenerSecurity')).toMatchObject({ protocol: 'PLAINTEXT', source: 'settings' });
    const md = await kcatList();
    expect(md.code, md.stderr).toBe(0);
    expect((JSON.parse(md.stdout) as { brokers: unknown[] }).brokers).toHaveLength(2);
    ports = bootstrap();
  });

  it('switches to SASL_SSL on the same ports, closing the open connection; plaintext now fails', async () => {
    const [host, port] = ports.split(',')[0]!.split(':') as [string, string];
    const socket = connect(Number(port), host);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);

    const state = await call<{ protocol: string; users: string[]; bootstrapServers: string }>('setListenerSecurity', {
      protocol: 'SASL_SSL',
      users: [{ name: 'alice', password: 'alice-secret' }],
    });
    expect(state).toMatchObject({ protocol: 'SASL_SSL', users: ['alice'], bootstrapServers: ports });
    await closed;
    expect(bootstrap()).toBe(ports);

    const ca = await call<{ fileName: string; pem: string }>('getSandboxCaCertificate');
    caFile = join(dir.path, ca.fileName);
    writeFileSync(caFile, ca.pem);

    const old = await kcatList();
    expect(old.code).not.toBe(0);
    expect((await pyMetadata({})).error).toBeDefined();
  });

  it('kcat and librdkafka connect with SCRAM-SHA-512 over TLS; a wrong password is refused', async () => {
    const md = await kcatList(...scram('alice-secret'));
    expect(md.code, md.stderr).toBe(0);
    expect((JSON.parse(md.stdout) as { brokers: unknown[] }).brokers).toHaveLength(2);

    await nb.cluster.createTopic({ name: 'secured', partitions: 1, replicationFactor: 2 });
    const x = scram('alice-secret').flatMap((s) => ['-X', s]);
    const produced = await run('kcat', ['-b', bootstrap(), ...x, '-P', '-t', 'secured', '-p', '0'], 'one\ntwo\n');
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await run('kcat', ['-b', bootstrap(), ...x, '-C', '-t', 'secured', '-o', 'beginning', '-e']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(['one', 'two']);

    const py = await pyMetadata({
      'security.protocol': 'sasl_ssl',
      'ssl.ca.location': caFile,
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.username': 'alice',
      'sasl.password': 'alice-secret',
    });
    expect(py).toEqual({ brokers: 2 });

    const wrong = await kcatList(...scram('wrong'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/[Aa]uthenticat/);
  });

  it('requires client certificates (mTLS): refused without one, served with the downloaded one', async () => {
    expect(await call('setListenerSecurity', { protocol: 'SSL', clientAuth: true })).toMatchObject({
      protocol: 'SSL',
      clientAuth: true,
      users: ['alice'],
    });
    expect(bootstrap()).toBe(ports);
    const pair = await call<{ certFileName: string; cert: string; keyFileName: string; key: string }>(
      'getSandboxClientCertificate',
    );
    const certFile = join(dir.path, pair.certFileName);
    const keyFile = join(dir.path, pair.keyFileName);
    writeFileSync(certFile, pair.cert);
    writeFileSync(keyFile, pair.key, { mode: 0o600 });

    const ssl = ['security.protocol=ssl', `ssl.ca.location=${caFile}`];
    const without = await kcatList(...ssl);
    expect(without.code).not.toBe(0);
    const withCert = [...ssl, `ssl.certificate.location=${certFile}`, `ssl.key.location=${keyFile}`];
    const md = await kcatList(...withCert);
    expect(md.code, md.stderr).toBe(0);
    expect(
      await pyMetadata({
        'security.protocol': 'ssl',
        'ssl.ca.location': caFile,
        'ssl.certificate.location': certFile,
        'ssl.key.location': keyFile,
      }),
    ).toEqual({ brokers: 2 });

    // A bad setting is refused naming its field; the listeners keep speaking mTLS.
    const refused = await session.call('setListenerSecurity', { protocol: 'SASL_PLAINTEXT', users: [] });
    expect(refused).toMatchObject({ ok: false, error: { errorName: 'INVALID_CONFIG', field: 'users' } });
    expect((await kcatList(...withCert)).code).toBe(0);
  });

  it('keeps the setting when the host opens again on its data folder', async () => {
    await close();
    await open();
    expect(await call('getListenerSecurity')).toMatchObject({ protocol: 'SSL', clientAuth: true, users: ['alice'] });
    expect((await kcatList()).code).not.toBe(0);
    expect((await call('setListenerSecurity', { protocol: 'SASL_PLAINTEXT' })) as object).toMatchObject({
      protocol: 'SASL_PLAINTEXT',
      users: ['alice'],
    });
    const md = await kcatList(
      'security.protocol=sasl_plaintext',
      'sasl.mechanism=PLAIN',
      'sasl.username=alice',
      'sasl.password=alice-secret',
    );
    expect(md.code, md.stderr).toBe(0);
  });
});
