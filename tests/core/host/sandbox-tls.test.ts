/**
 * The sandbox CA in the data folder: keys readable by the user only, the CA kept across starts (clients trust it),
 * the broker certificate made again for a new advertised host and signed by the same CA, a damaged CA refused with
 * words rather than replaced; and the API hands out the CA's PEM only while TLS is on.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSandboxTls } from '../../../core/host/sandbox-tls';
import { EngineApi } from '../../../core/service/engine-api';
import { tempDir } from '../../helpers/temp-cluster';
import { FakeCluster } from '../../support/fake-cluster';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
function dataDir(): string {
  const d = tempDir('noticeboard-sandbox-tls-');
  dirs.push(d);
  return d.path;
}

describe('sandbox TLS material', () => {
  it('writes a CA, a broker and a client certificate; keys are mode 0600', () => {
    const dir = dataDir();
    const tls = ensureSandboxTls(dir, 'kafka.example.test');
    for (const f of ['ca-key.pem', 'broker-key.pem', 'client-key.pem'])
      expect(statSync(join(dir, 'tls', f)).mode & 0o777, f).toBe(0o600);
    const ca = new X509Certificate(tls.caCert);
    expect(ca.ca).toBe(true);
    const broker = new X509Certificate(tls.brokerCert);
    expect(broker.verify(ca.publicKey)).toBe(true);
    expect(broker.checkHost('kafka.example.test')).toBe('kafka.example.test');
    expect(broker.checkHost('localhost')).toBe('localhost');
    expect(broker.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(broker.checkHost('other.example.test')).toBeUndefined();
    const client = new X509Certificate(readFileSync(tls.clientCertPath, 'utf8'));
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
  });

  it('keeps the CA and broker certificate on the next start, and signs a new broker certificate for a new host', () => {
    const dir = dataDir();
    const first = ensureSandboxTls(dir, '127.0.0.1');
    const again = ensureSandboxTls(dir, '127.0.0.1');
    expect(again.caCert).toBe(first.caCert);
    expect(again.brokerCert).toBe(first.brokerCert);
    const moved = ensureSandboxTls(dir, 'broker.lan');
    expect(moved.caCert).toBe(first.caCert);
    expect(moved.brokerCert).not.toBe(first.brokerCert);
    const broker = new X509Certificate(moved.brokerCert);
    expect(broker.checkHost('broker.lan')).toBe('broker.lan');
    expect(broker.verify(new X509Certificate(first.caCert).publicKey)).toBe(true);
  });

  it('renews a broker certificate that expires within 30 days', () => {
    const dir = dataDir();
    const first = ensureSandboxTls(dir, '127.0.0.1');
    const later = new Date(Date.now() + 800 * 86_400_000); // the broker certificate lives 825 days
    const renewed = ensureSandboxTls(dir, '127.0.0.1', later);
    expect(renewed.caCert).toBe(first.caCert);
    expect(renewed.brokerCert).not.toBe(first.brokerCert);
  });

  it('refuses a CA that does not parse, naming the folder, and leaves it in place', () => {
    const dir = dataDir();
    ensureSandboxTls(dir, '127.0.0.1');
    writeFileSync(join(dir, 'tls', 'ca.pem'), 'not a certificate');
    expect(() => ensureSandboxTls(dir, '127.0.0.1')).toThrow(/sandbox CA in .*tls does not parse/);
    expect(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8')).toBe('not a certificate');
  });
});

describe('getSandboxCaCertificate', () => {
  it('returns the CA PEM while TLS is on, and says how to turn it on otherwise', async () => {
    const dir = dataDir();
    const tls = ensureSandboxTls(dir, '127.0.0.1');
    const cluster = new FakeCluster(1);
    const on = new EngineApi(cluster, {
      transport: 'websocket',
      dataDir: dir,
      version: 't',
      kafkaSecurity: {
        protocol: 'SSL',
        clientAuth: false,
        saslMechanisms: [],
        caCertPath: tls.caCertPath,
        clientCertPath: tls.clientCertPath,
        clientKeyPath: tls.clientKeyPath,
      },
    });
    const off = new EngineApi(cluster, { transport: 'websocket', dataDir: dir, version: 't' });
    try {
      const s1 = on.openSession(() => undefined);
      expect(await s1.call('getSandboxCaCertificate', {})).toEqual({
        ok: true,
        result: { fileName: 'ca.pem', pem: tls.caCert },
      });
      const info = (await s1.call('getServerInfo', {})) as { ok: true; result: { kafkaSecurity: unknown } };
      expect(info.result.kafkaSecurity).toMatchObject({ protocol: 'SSL', caCertPath: tls.caCertPath });
      const s2 = off.openSession(() => undefined);
      const refused = await s2.call('getSandboxCaCertificate', {});
      expect(refused).toMatchObject({ ok: false, error: { errorName: 'INVALID_REQUEST' } });
      expect(JSON.stringify(refused)).toMatch(/--kafka-security ssl/);
    } finally {
      on.close();
      off.close();
      await cluster.close();
    }
  });
});
