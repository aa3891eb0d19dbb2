/**
 * TLS in front of a plaintext cluster, for core/remote's TLS tests: one
 * node:tls listener per broker forwarding to its Kafka port, with the
 * broker addresses in Metadata, FindCoordinator and DescribeCluster answers
 * rewritten to the proxies' ports (decoded and re-encoded with the project's
 * codec), so a client that follows Metadata stays on TLS. Certificates come
 * from `openssl` run here: a CA, a server certificate for 127.0.0.1 and
 * localhost (sent with the CA in its chain, as many clusters do), a client
 * certificate, and a second CA nobody uses, for the wrong-CA case.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import {
  API_KEYS,
  FrameSplitter,
  decodeRequestHeader,
  decodeResponse,
  encodeResponse,
} from '../../../../core/protocol/index';

export interface TestCertificates {
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'nb-certs-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    for (const ca of ['ca', 'other-ca'])
      ssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca}`);
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      ssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
      ssl(
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.crt`,
        '-days',
        '2',
        '-extfile',
        `${who}.ext`,
      );
    }
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    return {
      ca: read('ca.crt'),
      otherCa: read('other-ca.crt'),
      // The chain the server sends: its certificate, then the CA.
      serverCert: read('server.crt') + read('ca.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TlsProxy {
  bootstrap: string[];
  close(): Promise<void>;
}

const REWRITTEN = new Set<number>([API_KEYS.Metadata, API_KEYS.FindCoordinator, API_KEYS.DescribeCluster]);

type Endpoint = { host: string; port: number };

function rewrite(apiKey: number, body: Record<string, unknown>, ports: Map<number, number>): void {
  const fix = (e: Endpoint) => {
    const p = ports.get(e.port);
    if (p !== undefined) {
      e.port = p;
      e.host = '127.0.0.1';
    }
  };
  if (apiKey === API_KEYS.FindCoordinator) {
    fix(body as unknown as Endpoint);
    for (const c of (body.coordinators as Endpoint[]) ?? []) fix(c);
  } else for (const b of (body.brokers as Endpoint[]) ?? []) fix(b);
}

/** One TLS listener per upstream port; `requireClientCert` turns on mTLS. */
export async function startTlsProxy(
  upstream: string[],
  certs: TestCertificates,
  opts: { requireClientCert?: boolean } = {},
): Promise<TlsProxy> {
  const ports = new Map<number, number>();
  const servers: Server[] = [];
  const sockets = new Set<Socket | TLSSocket>();
  for (const hp of upstream) {
    const [host, portText] = hp.split(':') as [string, string];
    const server = createServer(
      {
        cert: certs.serverCert,
        key: certs.serverKey,
        ca: certs.ca,
        requestCert: opts.requireClientCert ?? false,
        rejectUnauthorized: opts.requireClientCert ?? false,
      },
      (client) => {
        const up = connect({ host, port: Number(portText) });
        sockets.add(client);
        sockets.add(up);
        const pending = new Map<number, { apiKey: number; apiVersion: number }>();
        const fromClient = new FrameSplitter();
        const fromBroker = new FrameSplitter();
        const end = () => {
          client.destroy();
          up.destroy();
        };
        client.on('error', end);
        up.on('error', end);
        client.on('close', end);
        up.on('close', end);
        client.on('data', (chunk: Buffer) => {
          try {
            for (const frame of fromClient.push(chunk)) {
              const h = decodeRequestHeader(frame);
              if (REWRITTEN.has(h.apiKey)) pending.set(h.correlationId, { apiKey: h.apiKey, apiVersion: h.apiVersion });
              const size = Buffer.alloc(4);
              size.writeInt32BE(frame.length);
              up.write(Buffer.concat([size, frame]));
            }
          } catch {
            end();
          }
        });
        up.on('data', (chunk: Buffer) => {
          try {
            for (const frame of fromBroker.push(chunk)) {
              const id = frame.readInt32BE(0);
              const req = pending.get(id);
              if (req) {
                pending.delete(id);
                const { body } = decodeResponse(req.apiKey, req.apiVersion, frame);
                rewrite(req.apiKey, body as Record<string, unknown>, ports);
                client.write(encodeResponse(req.apiKey, req.apiVersion, id, body as never));
              } else {
                const size = Buffer.alloc(4);
                size.writeInt32BE(frame.length);
                client.write(Buffer.concat([size, frame]));
              }
            }
          } catch {
            end();
          }
        });
      },
    );
    server.on('tlsClientError', () => undefined);
    server.on('error', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    ports.set(Number(portText), (server.address() as { port: number }).port);
    servers.push(server);
  }
  return {
    bootstrap: [...ports.values()].map((p) => `127.0.0.1:${p}`),
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
