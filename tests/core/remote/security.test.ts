/**
 * core/remote's security and its words for failures, against a second
 * Noticeboard that requires SASL (SCRAM-SHA-512 and PLAIN users from
 * --sasl-users-file), reached directly (SASL_PLAINTEXT) and through a TLS
 * proxy with openssl-made certificates (SASL_SSL, mTLS): right and wrong
 * passwords, right and wrong CAs, host names, client certificates, and
 * hosts that do not exist or do not listen.
 */
import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRemoteCluster, testConnection, type RemoteConnectionConfig } from '../../../core/remote';
import { startSecondNoticeboard, type SecondNoticeboard } from './support/second-noticeboard';
import { makeCertificates, startTlsProxy, type TestCertificates, type TlsProxy } from './support/tls-proxy';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let nb: SecondNoticeboard;
let certs: TestCertificates;
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;

const alice = { mechanism: 'SCRAM-SHA-512' as const, username: 'alice', password: 'wonder-land' };

beforeAll(async () => {
  certs = makeCertificates();
  nb = await startSecondNoticeboard({ brokers: 2, users: [['alice', 'wonder-land']] });
  tlsProxy = await startTlsProxy(nb.bootstrap, certs);
  mtlsProxy = await startTlsProxy(nb.bootstrap, certs, { requireClientCert: true });
});

afterAll(async () => {
  await tlsProxy?.close();
  await mtlsProxy?.close();
  await nb?.stop();
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('SASL_PLAINTEXT', () => {
  it('authenticates with SCRAM-SHA-512 and manages the cluster; kafkajs as the same user sees it', async () => {
    const cfg: RemoteConnectionConfig = {
      bootstrapServers: nb.bootstrap,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: alice,
    };
    const test = await testConnection(cfg);
    expect(test).toMatchObject({ ok: true, stage: 'metadata', message: 'Connected: 2 brokers' });
    expect(test.brokers).toHaveLength(2);
    const remote = await openRemoteCluster(cfg);
    try {
      await remote.createTopic({ name: 'secured', partitions: 2, replicationFactor: 2 });
      await remote.produce('secured', [{ key: 'k', value: 'over SCRAM' }]);
      const kafka = new Kafka({
        brokers: nb.bootstrap,
        sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'wonder-land' },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets('secured');
        expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(1);
      } finally {
        await admin.disconnect();
      }
      const [r] = await remote.readRecords({ topic: 'secured', start: { type: 'earliest' }, limit: 5 });
      expect(String(r!.value)).toBe('over SCRAM');
    } finally {
      await remote.close();
    }
  });

  it('authenticates with PLAIN and SCRAM-SHA-256 too', async () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256'] as const) {
      const r = await testConnection({
        bootstrapServers: nb.bootstrap,
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { ...alice, mechanism },
      });
      expect(r, mechanism).toMatchObject({ ok: true });
    }
  });

  it('says "bad credentials" for a wrong password, and openRemoteCluster fails the same way', async () => {
    const cfg: RemoteConnectionConfig = {
      bootstrapServers: nb.bootstrap,
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { ...alice, password: 'not-it' },
    };
    const r = await testConnection(cfg);
    expect(r).toMatchObject({ ok: false, stage: 'sasl', message: 'SASL: authentication failed (bad credentials)' });
    expect(r.message).not.toContain('not-it');
    await expect(openRemoteCluster(cfg)).rejects.toMatchObject({
      stage: 'sasl',
      message: 'SASL: authentication failed (bad credentials)',
    });
  });

  it('says the broker requires authentication when PLAINTEXT meets a SASL listener', async () => {
    const r = await testConnection({ bootstrapServers: nb.bootstrap, securityProtocol: 'PLAINTEXT' });
    expect(r).toMatchObject({ ok: false, stage: 'sasl' });
    expect(r.message).toMatch(/^SASL: .*requires authentication/);
  });
});

describe('SASL_SSL', () => {
  it('connects over TLS with the cluster CA (host name checked) and SCRAM-SHA-512, Metadata on TLS', async () => {
    const cfg: RemoteConnectionConfig = {
      bootstrapServers: tlsProxy.bootstrap,
      securityProtocol: 'SASL_SSL',
      sasl: alice,
      tls: { ca: certs.ca },
    };
    expect(await testConnection(cfg)).toMatchObject({ ok: true, stage: 'metadata' });
    const remote = await openRemoteCluster(cfg);
    try {
      // Every broker is reached through its TLS proxy: the port Metadata gives is the proxy's.
      const proxyPorts = tlsProxy.bootstrap.map((b) => Number(b.split(':')[1]));
      expect(
        remote
          .brokers()
          .map((b) => b.port)
          .sort(),
      ).toEqual([...proxyPorts].sort());
      await remote.createTopic({ name: 'over-tls', partitions: 2, replicationFactor: 2 });
      await remote.produce('over-tls', [{ value: 'a' }, { value: 'b' }], { acks: -1 });
      const recs = await remote.readRecords({ topic: 'over-tls', start: { type: 'earliest' }, limit: 5 });
      expect(recs.map((r) => String(r.value)).sort()).toEqual(['a', 'b']);
    } finally {
      await remote.close();
    }
  });

  it('names the certificate problem: no CA (system store), a wrong CA, a host name the certificate lacks', async () => {
    const base = { bootstrapServers: tlsProxy.bootstrap, securityProtocol: 'SASL_SSL' as const, sasl: alice };
    const noCa = await testConnection(base);
    expect(noCa).toMatchObject({ ok: false, stage: 'tls' });
    expect(noCa.message).toMatch(/^TLS: self-signed certificate in chain/);
    const wrongCa = await testConnection({ ...base, tls: { ca: certs.otherCa } });
    expect(wrongCa).toMatchObject({ ok: false, stage: 'tls' });
    expect(wrongCa.message).toMatch(
      /^TLS: (self-signed certificate in chain|the broker's certificate is not signed by a trusted CA)/,
    );
    const wrongName = await testConnection({ ...base, tls: { ca: certs.ca, servername: 'kafka.example' } });
    expect(wrongName).toMatchObject({ ok: false, stage: 'tls' });
    expect(wrongName.message).toMatch(/^TLS: the broker's certificate does not name kafka\.example/);
    // Verification off (the user's explicit choice) gets through.
    expect(await testConnection({ ...base, tls: { rejectUnauthorized: false } })).toMatchObject({ ok: true });
  });

  it('says a TLS client met a plaintext port', async () => {
    const r = await testConnection({ bootstrapServers: nb.bootstrap, securityProtocol: 'SSL', tls: { ca: certs.ca } });
    expect(r).toMatchObject({ ok: false, stage: 'tls' });
    expect(r.message).toMatch(/^TLS: /);
  });
});

describe('mTLS', () => {
  it('connects with a client certificate and says what is missing without one', async () => {
    const base = { bootstrapServers: mtlsProxy.bootstrap, securityProtocol: 'SASL_SSL' as const, sasl: alice };
    const withCert = await testConnection({
      ...base,
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    expect(withCert).toMatchObject({ ok: true, stage: 'metadata' });
    const without = await testConnection({ ...base, tls: { ca: certs.ca } });
    expect(without).toMatchObject({ ok: false, stage: 'tls' });
    expect(without.message).toMatch(/^TLS: .*client certificate/);
  });
});

describe('unreachable clusters', () => {
  it('says DNS for a host that does not exist and TCP for a port nobody listens on', async () => {
    const dns = await testConnection({
      bootstrapServers: ['kafka.example.invalid:9092'],
      securityProtocol: 'PLAINTEXT',
    });
    expect(dns).toMatchObject({ ok: false, stage: 'dns' });
    expect(dns.message).toMatch(/^DNS: (no such host kafka\.example\.invalid|cannot resolve kafka\.example\.invalid)/);
    const port = await closedPort();
    const tcp = await testConnection({ bootstrapServers: [`127.0.0.1:${port}`], securityProtocol: 'PLAINTEXT' });
    expect(tcp).toMatchObject({
      ok: false,
      stage: 'tcp',
      message: `TCP: connection refused by 127.0.0.1:${port} (is a broker listening on that port?)`,
    });
    const bad = await testConnection({ bootstrapServers: ['no-port-here'], securityProtocol: 'PLAINTEXT' });
    expect(bad).toMatchObject({ ok: false, stage: 'dns', message: 'Bootstrap server "no-port-here" is not host:port' });
  });
});
