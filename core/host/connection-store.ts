/**
 * The saved connections to the user's own Kafka clusters: `<dataDir>/connections.json` holds what is not secret
 * (name, colour, bootstrap servers, security protocol, SASL mechanism and user name, TLS CA and client certificate,
 * read-only switch); the secrets (SASL password, TLS private key) go to a `SecretStore`.
 *
 * Rules:
 * - Secrets never leave this module once saved: `summary()` says only hasPassword / hasKey, and no error message
 *   or log line carries one. Only `remoteConfig()` (for the host's own Kafka client) reads them.
 * - Serve mode's secret store is `<dataDir>/connection-secrets.json`, mode 0600 (readable by the user only, like
 *   ~/.ssh keys); the desktop app's encrypts them with Electron's safeStorage (electron/connection-secrets.ts).
 * - Both files are written to a temporary name and renamed: a crash leaves the old file or the new one, never half.
 *   The secrets are written before the connections file on add, after it on remove, so a connection never names
 *   secrets that are not there.
 * - A file that does not parse is an error naming it (never silently replaced: it holds the user's connections).
 * - Ids are made here (random, URL-safe); "sandbox" is the embedded cluster's and is never stored.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SANDBOX_CONNECTION_ID,
  type ConnectionColor,
  type ConnectionSecurityProtocol,
  type ConnectionSummary,
  type ParsedInput,
} from '../api/api';
import { KafkaError } from '../errors';
import type { RemoteConnectionConfig } from '../remote';

export interface ConnectionSecrets {
  saslPassword?: string;
  tlsKey?: string;
}

/** Where a host keeps connection secrets. `describe` says where, for the README and Settings. */
export interface SecretStore {
  readonly describe: string;
  read(): Promise<Record<string, ConnectionSecrets>>;
  write(all: Record<string, ConnectionSecrets>): Promise<void>;
}

interface StoredConnection {
  id: string;
  name: string;
  color: ConnectionColor;
  bootstrapServers: string[];
  securityProtocol: ConnectionSecurityProtocol;
  sasl: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string } | null;
  tls: { ca: string | null; cert: string | null; rejectUnauthorized: boolean; servername: string | null } | null;
  readOnly: boolean;
}

export type NewConnection = ParsedInput<'addConnection'>;
export type ConnectionEdit = ParsedInput<'editConnection'>;

export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode); // the umask may have narrowed or the file existed
  await rename(tmp, path);
}

async function readJson(path: string, what: string): Promise<unknown | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${what} ${path} is not valid JSON (${(err as Error).message}); fix or move it away`, {
      cause: err,
    });
  }
}

/** Serve mode's secrets: one JSON file in the data folder, mode 0600. */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  constructor(dataDir: string) {
    this.path = join(dataDir, 'connection-secrets.json');
  }
  get describe(): string {
    return `${this.path} (readable by your user only, mode 0600)`;
  }
  async read(): Promise<Record<string, ConnectionSecrets>> {
    const v = (await readJson(this.path, 'The connection secrets file')) as { secrets?: unknown } | null;
    return (v?.secrets as Record<string, ConnectionSecrets> | undefined) ?? {};
  }
  async write(all: Record<string, ConnectionSecrets>): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify({ version: 1, secrets: all }, null, 2) + '\n', 0o600);
  }
}

/** What the rules say about a connection's security fields together; the error names the field. */
function checkSecurity(c: StoredConnection, secrets: ConnectionSecrets): void {
  const sasl = c.securityProtocol === 'SASL_PLAINTEXT' || c.securityProtocol === 'SASL_SSL';
  if (sasl && !c.sasl)
    throw new KafkaError('INVALID_REQUEST', `${c.securityProtocol} needs a SASL mechanism and user name`, {
      field: 'sasl',
    });
  if (sasl && !secrets.saslPassword)
    throw new KafkaError('INVALID_REQUEST', `${c.securityProtocol} needs the SASL password`, {
      field: 'sasl.password',
    });
  if (c.tls?.cert && !secrets.tlsKey)
    throw new KafkaError('INVALID_REQUEST', 'A client certificate needs its private key', { field: 'tls.key' });
  if (secrets.tlsKey && !c.tls?.cert)
    throw new KafkaError('INVALID_REQUEST', 'A private key needs its client certificate', { field: 'tls.cert' });
  for (const [field, v] of [
    ['tls.ca', c.tls?.ca],
    ['tls.cert', c.tls?.cert],
    ['tls.key', secrets.tlsKey],
  ] as const) {
    if (v && !/-----BEGIN [A-Z0-9 ]+-----/.test(v))
      throw new KafkaError('INVALID_REQUEST', `${field} must be PEM text (-----BEGIN ...-----)`, { field });
  }
}

function applyTls(
  prev: StoredConnection['tls'],
  prevKey: string | undefined,
  input: NewConnection['tls'] | undefined,
): { tls: StoredConnection['tls']; key: string | undefined } {
  if (input === undefined) return { tls: prev, key: prevKey };
  if (input === null) return { tls: null, key: undefined };
  // A PEM left out keeps the saved one; '' removes it.
  const pick = (v: string | undefined, old: string | null | undefined) => (v === undefined ? (old ?? null) : v || null);
  const key = input.key === undefined ? prevKey : input.key || undefined;
  return {
    tls: {
      ca: pick(input.ca, prev?.ca),
      cert: pick(input.cert, prev?.cert),
      rejectUnauthorized: input.rejectUnauthorized ?? prev?.rejectUnauthorized ?? true,
      servername: input.servername === undefined ? (prev?.servername ?? null) : input.servername || null,
    },
    key,
  };
}

export class ConnectionStore {
  readonly path: string;
  private loaded: Promise<void> | null = null;
  private connections: StoredConnection[] = [];
  private secrets: Record<string, ConnectionSecrets> = {};
  /** Writes one after another, so two quick edits never interleave their files. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataDir: string,
    readonly secretStore: SecretStore = new FileSecretStore(dataDir),
  ) {
    this.path = join(dataDir, 'connections.json');
  }

  private load(): Promise<void> {
    return (this.loaded ??= (async () => {
      const v = (await readJson(this.path, 'The connections file')) as { connections?: unknown } | null;
      this.connections = Array.isArray(v?.connections) ? (v.connections as StoredConnection[]) : [];
      this.secrets = await this.secretStore.read();
    })().catch((err) => {
      this.loaded = null; // a later call tries again (the user may fix the file)
      throw err;
    }));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private find(id: string): StoredConnection {
    const c = this.connections.find((x) => x.id === id);
    if (!c) throw new KafkaError('INVALID_REQUEST', `No connection with id "${id}"`, { field: 'id' });
    return c;
  }

  private async persist(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    await writeFileAtomic(
      this.path,
      JSON.stringify({ version: 1, connections: this.connections }, null, 2) + '\n',
      0o644,
    );
  }

  async list(): Promise<ConnectionSummary[]> {
    await this.load();
    return this.connections.map((c) => this.summaryOf(c));
  }

  async summary(id: string): Promise<ConnectionSummary> {
    await this.load();
    return this.summaryOf(this.find(id));
  }

  private summaryOf(c: StoredConnection): ConnectionSummary {
    const s = this.secrets[c.id] ?? {};
    return {
      id: c.id,
      kind: 'remote',
      name: c.name,
      color: c.color,
      bootstrapServers: [...c.bootstrapServers],
      securityProtocol: c.securityProtocol,
      sasl: c.sasl ? { ...c.sasl, hasPassword: Boolean(s.saslPassword) } : null,
      tls: c.tls
        ? {
            hasCa: Boolean(c.tls.ca),
            hasCert: Boolean(c.tls.cert),
            hasKey: Boolean(s.tlsKey),
            rejectUnauthorized: c.tls.rejectUnauthorized,
            servername: c.tls.servername,
          }
        : null,
      readOnly: c.readOnly,
    };
  }

  /** A draft (addConnection's shape) merged over a saved connection's fields and secrets, checked, not saved. */
  async resolve(
    input: NewConnection | ConnectionEdit,
    base: string | null,
  ): Promise<{ conn: StoredConnection; secrets: ConnectionSecrets }> {
    await this.load();
    const prev = base === null ? null : this.find(base);
    const prevSecrets = base === null ? {} : (this.secrets[base] ?? {});
    if (!prev && (input.name === undefined || !input.bootstrapServers || !input.securityProtocol))
      throw new KafkaError('INVALID_REQUEST', 'A connection needs a name, bootstrap servers and a security protocol');
    const sasl =
      input.sasl === undefined
        ? (prev?.sasl ?? null)
        : input.sasl === null
          ? null
          : { mechanism: input.sasl.mechanism, username: input.sasl.username };
    const password =
      input.sasl === null
        ? undefined
        : input.sasl?.password !== undefined
          ? input.sasl.password
          : prevSecrets.saslPassword;
    const { tls, key } = applyTls(prev?.tls ?? null, prevSecrets.tlsKey, input.tls);
    const conn: StoredConnection = {
      id: prev?.id ?? '',
      name: input.name ?? prev!.name,
      color: input.color ?? prev?.color ?? 'blue',
      bootstrapServers: input.bootstrapServers ?? prev!.bootstrapServers,
      securityProtocol: input.securityProtocol ?? prev!.securityProtocol,
      sasl,
      tls,
      readOnly: input.readOnly ?? prev?.readOnly ?? false,
    };
    const secrets: ConnectionSecrets = {};
    if (sasl && password) secrets.saslPassword = password;
    if (key) secrets.tlsKey = key;
    checkSecurity(conn, secrets);
    return { conn, secrets };
  }

  add(input: NewConnection): Promise<ConnectionSummary> {
    return this.serial(async () => {
      const { conn, secrets } = await this.resolve(input, null);
      if (this.connections.some((c) => c.name.toLowerCase() === conn.name.toLowerCase()))
        throw new KafkaError('INVALID_REQUEST', `A connection named "${conn.name}" exists already`, { field: 'name' });
      conn.id = randomBytes(6)
        .toString('base64url')
        .replace(/[^A-Za-z0-9_-]/g, '');
      // Memory follows the files only once they are written: a refused write leaves no trace.
      const nextSecrets = { ...this.secrets, [conn.id]: secrets };
      await this.secretStore.write(nextSecrets);
      this.secrets = nextSecrets;
      const before = this.connections;
      this.connections = [...before, conn];
      await this.persist().catch((err) => {
        this.connections = before;
        throw err;
      });
      return this.summaryOf(conn);
    });
  }

  edit(input: ConnectionEdit): Promise<ConnectionSummary> {
    return this.serial(async () => {
      const { conn, secrets } = await this.resolve(input, input.id);
      if (this.connections.some((c) => c.id !== conn.id && c.name.toLowerCase() === conn.name.toLowerCase()))
        throw new KafkaError('INVALID_REQUEST', `A connection named "${conn.name}" exists already`, { field: 'name' });
      const nextSecrets = { ...this.secrets, [conn.id]: secrets };
      await this.secretStore.write(nextSecrets);
      this.secrets = nextSecrets;
      const before = this.connections;
      this.connections = before.map((c) => (c.id === conn.id ? conn : c));
      await this.persist().catch((err) => {
        this.connections = before;
        throw err;
      });
      return this.summaryOf(conn);
    });
  }

  remove(id: string): Promise<void> {
    return this.serial(async () => {
      await this.load();
      this.find(id);
      this.connections = this.connections.filter((c) => c.id !== id);
      await this.persist();
      const { [id]: _gone, ...rest } = this.secrets;
      await this.secretStore.write(rest);
      this.secrets = rest;
    });
  }

  /** The saved connection as the Kafka client takes it, secrets included: for the host's own client only. */
  async remoteConfig(id: string): Promise<RemoteConnectionConfig> {
    await this.load();
    return toRemoteConfig(this.find(id), this.secrets[id] ?? {});
  }
}

export function toRemoteConfig(c: StoredConnection, s: ConnectionSecrets): RemoteConnectionConfig {
  const config: RemoteConnectionConfig = {
    bootstrapServers: [...c.bootstrapServers],
    securityProtocol: c.securityProtocol,
    clientId: 'noticeboard',
  };
  if (c.sasl && s.saslPassword) config.sasl = { ...c.sasl, password: s.saslPassword };
  if (c.securityProtocol === 'SSL' || c.securityProtocol === 'SASL_SSL') {
    config.tls = { rejectUnauthorized: c.tls?.rejectUnauthorized ?? true };
    if (c.tls?.ca) config.tls.ca = c.tls.ca;
    if (c.tls?.cert) config.tls.cert = c.tls.cert;
    if (s.tlsKey) config.tls.key = s.tlsKey;
    if (c.tls?.servername) config.tls.servername = c.tls.servername;
  }
  return config;
}

export { SANDBOX_CONNECTION_ID };
