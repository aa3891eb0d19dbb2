/**
 * The sandbox's own certificate authority: a self-signed CA, a broker certificate it signs for the host names Kafka
 * clients use, and a client certificate (for mTLS), kept in `<dataDir>/tls/` so clients that trusted the CA once keep
 * trusting it across restarts.
 *
 * Rules:
 * - Generated with node-forge (pure JavaScript: the same on Windows, macOS and Linux, no openssl on PATH needed);
 *   keys are RSA 2048 made by Node's crypto (fast, native) and only signed with forge.
 * - Private keys are written mode 0600 (readable by the user only); certificates 0644. Files are written to a
 *   temporary name and renamed, so a crash never leaves half a key.
 * - The CA is made once and kept. The broker certificate is made again when its host names no longer cover what
 *   clients are told to connect to (--advertised-host changed) or when it expires within 30 days; the CA signs it,
 *   so clients need nothing new. A CA that does not parse is an error naming the file, never silently replaced
 *   (clients trust it).
 */
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

export interface SandboxTls {
  dir: string;
  /** PEM of the CA certificate: what clients trust (ssl.ca.location). */
  caCert: string;
  caCertPath: string;
  /** The broker's certificate chain (broker certificate, then the CA) and key, PEM. */
  brokerCert: string;
  brokerKey: string;
  /** A client certificate and key signed by the CA, for clients of a listener that requires one (mTLS). */
  clientCertPath: string;
  clientKeyPath: string;
}

const FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  brokerCert: 'broker.pem',
  brokerKey: 'broker-key.pem',
  clientCert: 'client.pem',
  clientKey: 'client-key.pem',
} as const;

const DAY_MS = 86_400_000;
const RENEW_BEFORE_MS = 30 * DAY_MS;

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode });
  // writeFileSync's mode is masked by the umask and ignored for an existing file: set it explicitly.
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function rsaKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // Positive (top bit clear) 16-byte serial, as RFC 5280 asks.
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString('hex');
}

interface Signed {
  certPem: string;
  keyPem: string;
}

function makeCa(now: Date): Signed {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(now.getTime() + 3650 * DAY_MS);
  const subject = [
    { name: 'commonName', value: 'Noticeboard sandbox CA' },
    { name: 'organizationName', value: 'Noticeboard' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function issue(ca: Signed, commonName: string, hosts: string[] | null, now: Date): Signed {
  const keys = rsaKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(now.getTime() + 825 * DAY_MS);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'Noticeboard' },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: hosts !== null, clientAuth: hosts === null },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (hosts) {
    extensions.push({
      name: 'subjectAltName',
      altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

/** The host names a broker certificate must name: the advertised host plus the loopback names. */
export function brokerHostNames(advertisedHost: string): string[] {
  return [...new Set([advertisedHost, 'localhost', '127.0.0.1', '::1'])];
}

function covers(certPem: string, hosts: string[], now: Date): boolean {
  const x = new X509Certificate(certPem);
  if (new Date(x.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
  return hosts.every((h) => (isIP(h) ? x.checkIP(h) !== undefined : x.checkHost(h) !== undefined));
}

/**
 * The sandbox's CA and certificates in `<dataDir>/tls`, made when missing (a few hundred ms, once) and the broker
 * certificate renewed when it no longer covers `advertisedHost`.
 */
export function ensureSandboxTls(dataDir: string, advertisedHost: string, now = new Date()): SandboxTls {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = (f: keyof typeof FILES) => join(dir, FILES[f]);
  let ca: Signed;
  if (existsSync(p('caCert')) && existsSync(p('caKey'))) {
    ca = { certPem: readFileSync(p('caCert'), 'utf8'), keyPem: readFileSync(p('caKey'), 'utf8') };
    try {
      forge.pki.certificateFromPem(ca.certPem);
      forge.pki.privateKeyFromPem(ca.keyPem);
    } catch (err) {
      throw new Error(
        `The sandbox CA in ${dir} does not parse (${(err as Error).message}); ` +
          `move ${FILES.caCert} and ${FILES.caKey} away to make a new one (clients must then trust the new CA)`,
        { cause: err },
      );
    }
  } else {
    ca = makeCa(now);
    writeAtomic(p('caKey'), ca.keyPem, 0o600);
    writeAtomic(p('caCert'), ca.certPem, 0o644);
  }
  const hosts = brokerHostNames(advertisedHost);
  let broker: Signed | null = null;
  if (existsSync(p('brokerCert')) && existsSync(p('brokerKey'))) {
    const certPem = readFileSync(p('brokerCert'), 'utf8');
    try {
      if (covers(certPem, hosts, now)) broker = { certPem, keyPem: readFileSync(p('brokerKey'), 'utf8') };
    } catch {
      broker = null; // unreadable: made again below, signed by the same CA
    }
  }
  if (!broker) {
    broker = issue(ca, advertisedHost, hosts, now);
    writeAtomic(p('brokerKey'), broker.keyPem, 0o600);
    writeAtomic(p('brokerCert'), broker.certPem, 0o644);
  }
  if (!existsSync(p('clientCert')) || !existsSync(p('clientKey'))) {
    const client = issue(ca, 'noticeboard-client', null, now);
    writeAtomic(p('clientKey'), client.keyPem, 0o600);
    writeAtomic(p('clientCert'), client.certPem, 0o644);
  }
  return {
    dir,
    caCert: ca.certPem,
    caCertPath: p('caCert'),
    brokerCert: broker.certPem.trimEnd() + '\n' + ca.certPem,
    brokerKey: broker.keyPem,
    clientCertPath: p('clientCert'),
    clientKeyPath: p('clientKey'),
  };
}
