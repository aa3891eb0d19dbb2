/**
 * The sandbox's Kafka listener security, owned by the host (serve mode and the desktop app alike): what the Kafka
 * ports speak (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), the SASL users, and whether clients must present a
 * certificate (mTLS). Settings changes it through the API (getListenerSecurity / setListenerSecurity) and the
 * running listeners restart in place (KafkaListeners.setSecurity); the data folder keeps it across restarts.
 *
 * File: `<dataDir>/kafka-security.json`, mode 0600, written to a temporary name and renamed:
 *
 *   { "version": 1, "protocol": "SASL_SSL", "clientAuth": false,
 *     "users": [{ "name": "alice", "scram": {
 *       "SCRAM-SHA-256": { "salt": "<base64>", "iterations": 4096, "storedKey": "<base64>", "serverKey": "<base64>" },
 *       "SCRAM-SHA-512": { ... } } }] }
 *
 * Rules:
 * - No file: PLAINTEXT without users, what the sandbox always spoke. A file that does not parse or breaks a rule
 *   below is an error naming it, never silently replaced (clients were set up for what it says).
 * - Passwords are never stored, returned or logged: a new password becomes SCRAM-SHA-256 and SCRAM-SHA-512
 *   credentials at once (random salts, 4096 iterations, as Kafka keeps them) and is dropped; PLAIN is checked
 *   against the SCRAM-SHA-512 credential (core/kafka-server/sasl.ts). The credentials still allow guessing
 *   passwords offline, hence mode 0600. Only user names leave this module.
 * - Users stay when the protocol leaves SASL, so switching back needs no new passwords.
 * - A change is checked before anything happens, each refusal naming its field: sasl_* needs a user (`users`),
 *   client certificates need ssl or sasl_ssl (`clientAuth`), names are unique (`users[i].name`), a new user needs a
 *   password (`users[i].password`). A refused change leaves the listeners and the file as they were.
 * - Order of a change: check, derive credentials, TLS material (core/host/sandbox-tls.ts, made on first use), the
 *   new file written under a temporary name, the listeners restarted in place, then the file renamed into place. If
 *   the listeners cannot take it (a port would not open again) they keep the old settings and the file is dropped.
 * - Serve-mode flags (--kafka-security, --kafka-user, --sasl-users-file, --kafka-client-auth) win: with any of them
 *   the file is not read, the flags' setting is what the ports speak, and a change is refused naming the flags.
 *   Flag passwords stay in memory only.
 * - Changes are applied one at a time, in the order they arrive.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { KafkaSecurityInfo, ListenerSecurityState, ParsedInput } from '../api/api';
import { KafkaError } from '../errors';
import type { ListenerSecurityOptions } from '../kafka-server/kafka-listeners';
import {
  deriveSaslCredentials,
  SASL_MECHANISMS,
  type SaslCredentials,
  type SaslUser,
  type ScramCredential,
} from '../kafka-server/sasl';
import { writeFileAtomic } from './connection-store';
import { ensureSandboxTls, type SandboxTls } from './sandbox-tls';

export type SandboxProtocol = KafkaSecurityInfo['protocol'];
export const LISTENER_SECURITY_FILE = 'kafka-security.json';

/** The listener security serve-mode flags set; passwords in memory only. */
export interface FlagSecurity {
  protocol: SandboxProtocol;
  clientAuth: boolean;
  users: SaslUser[];
  /** The flags given, as the page names them (e.g. "--kafka-security sasl_ssl --kafka-user"). */
  flags: string;
}

/** What this module needs of the Kafka listeners (core/kafka-server/kafka-listeners.ts). */
export interface SecurableListeners {
  setSecurity(security: ListenerSecurityOptions): Promise<void>;
  bootstrapServers(): string;
}

interface StoredUser {
  name: string;
  credentials: SaslCredentials;
}

interface Setting {
  protocol: SandboxProtocol;
  clientAuth: boolean;
  users: StoredUser[];
}

const PROTOCOLS: readonly SandboxProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const SCRAM = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
const DEFAULT: Setting = { protocol: 'PLAINTEXT', clientAuth: false, users: [] };

export const usesTls = (p: SandboxProtocol) => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SandboxProtocol) => p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

function credentialToJson(c: ScramCredential) {
  return {
    salt: c.salt.toString('base64'),
    iterations: c.iterations,
    storedKey: c.storedKey.toString('base64'),
    serverKey: c.serverKey.toString('base64'),
  };
}

function serialize(s: Setting): string {
  const users = s.users.map((u) => ({
    name: u.name,
    scram: Object.fromEntries(SCRAM.map((m) => [m, credentialToJson(u.credentials[m])])),
  }));
  return JSON.stringify({ version: 1, protocol: s.protocol, clientAuth: s.clientAuth, users }, null, 2) + '\n';
}

/** The file's content as a Setting, or an error naming the file and what is wrong. */
function parse(text: string, file: string): Setting {
  const bad = (why: string): never => {
    throw new Error(`The Kafka listener security in ${file} cannot be used: ${why}; fix or move the file away`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return bad(`it is not valid JSON (${(err as Error).message})`);
  }
  const o = raw as { version?: unknown; protocol?: unknown; clientAuth?: unknown; users?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== 1) return bad('it is not version 1 of the format');
  if (!PROTOCOLS.includes(o.protocol as SandboxProtocol))
    return bad(`"protocol" is not one of ${PROTOCOLS.join(', ')}`);
  if (typeof o.clientAuth !== 'boolean') return bad('"clientAuth" is not true or false');
  if (!Array.isArray(o.users)) return bad('"users" is not a list');
  const b64 = (v: unknown, what: string) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return bad(`${what} is not base64`);
    return Buffer.from(v, 'base64');
  };
  const users = o.users.map((u: { name?: unknown; scram?: Record<string, Record<string, unknown>> }, i) => {
    if (typeof u?.name !== 'string' || u.name === '') return bad(`users[${i}] has no name`);
    const credentials = {} as SaslCredentials;
    for (const m of SCRAM) {
      const c = u.scram?.[m];
      if (!c || !Number.isInteger(c.iterations)) return bad(`user ${u.name} has no ${m} credential`);
      credentials[m] = {
        salt: b64(c.salt, `user ${u.name}'s ${m} salt`),
        iterations: c.iterations as number,
        storedKey: b64(c.storedKey, `user ${u.name}'s ${m} storedKey`),
        serverKey: b64(c.serverKey, `user ${u.name}'s ${m} serverKey`),
      };
    }
    return { name: u.name, credentials };
  });
  const problem = check({ protocol: o.protocol as SandboxProtocol, clientAuth: o.clientAuth, users });
  if (problem) bad(problem.message);
  return { protocol: o.protocol as SandboxProtocol, clientAuth: o.clientAuth, users };
}

/** The first rule a setting breaks, with the field it names, or null. */
function check(s: {
  protocol: SandboxProtocol;
  clientAuth: boolean;
  users: Array<{ name: string }>;
}): { field: string; message: string } | null {
  const seen = new Set<string>();
  for (const [i, u] of s.users.entries()) {
    if (seen.has(u.name)) return { field: `users[${i}].name`, message: `User ${u.name} is listed twice` };
    seen.add(u.name);
  }
  if (usesSasl(s.protocol) && s.users.length === 0)
    return { field: 'users', message: `${s.protocol} needs at least one SASL user (a name and a password)` };
  if (s.clientAuth && !usesTls(s.protocol))
    return {
      field: 'clientAuth',
      message: `Client certificates (mTLS) need TLS: choose SSL or SASL_SSL, not ${s.protocol}`,
    };
  return null;
}

export class ListenerSecurity {
  readonly file: string;
  private setting: Setting;
  private tls: SandboxTls | null = null;
  private listeners: SecurableListeners | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dataDir: string,
    private readonly advertisedHost: string,
    private readonly flags: FlagSecurity | null,
    setting: Setting,
  ) {
    this.file = join(dataDir, LISTENER_SECURITY_FILE);
    this.setting = setting;
  }

  /** Reads the data folder's setting (or takes the flags'), and makes the TLS material if it needs TLS. */
  static async open(opts: {
    dataDir: string;
    advertisedHost?: string;
    flags?: FlagSecurity | null;
  }): Promise<ListenerSecurity> {
    const file = join(opts.dataDir, LISTENER_SECURITY_FILE);
    const flags = opts.flags ?? null;
    let setting = DEFAULT;
    if (flags) {
      setting = { protocol: flags.protocol, clientAuth: flags.clientAuth, users: [] };
    } else {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (text !== null) setting = parse(text, file);
    }
    const ls = new ListenerSecurity(opts.dataDir, opts.advertisedHost ?? '127.0.0.1', flags, setting);
    if (usesTls(setting.protocol)) ls.tls = ls.tlsMaterial();
    return ls;
  }

  /** The listeners a change restarts; null while none run (a change is then saved for their next start). */
  attach(listeners: SecurableListeners | null): void {
    this.listeners = listeners;
  }

  /** What KafkaListeners.start takes for the current setting. */
  listenerOptions(): ListenerSecurityOptions {
    return this.optionsFor(this.setting, this.tls);
  }

  info(): KafkaSecurityInfo {
    const s = this.setting;
    const tls = usesTls(s.protocol) ? this.tls : null;
    return {
      protocol: s.protocol,
      clientAuth: s.clientAuth,
      saslMechanisms: usesSasl(s.protocol) ? [...SASL_MECHANISMS] : [],
      caCertPath: tls?.caCertPath ?? null,
      clientCertPath: tls?.clientCertPath ?? null,
      clientKeyPath: tls?.clientKeyPath ?? null,
    };
  }

  state(): ListenerSecurityState {
    return {
      ...this.info(),
      users: this.flags ? this.flags.users.map((u) => u.username) : this.setting.users.map((u) => u.name),
      bootstrapServers: this.listeners?.bootstrapServers() || null,
      source: this.flags ? 'flags' : 'settings',
      fixedBy: this.flags?.flags ?? null,
      file: this.file,
      listening: this.listeners !== null,
    };
  }

  /** Checks, applies (listeners restarted in place) and keeps a new setting; see the header for the order. */
  set(input: ParsedInput<'setListenerSecurity'>): Promise<ListenerSecurityState> {
    const run = this.chain.then(
      () => this.apply(input),
      () => this.apply(input),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The sandbox's client certificate and key, for clients of listeners that require one. */
  async clientCertificate(): Promise<{ certFileName: string; cert: string; keyFileName: string; key: string }> {
    const tls = usesTls(this.setting.protocol) ? this.tls : null;
    if (!tls)
      throw new KafkaError(
        'INVALID_REQUEST',
        "The sandbox's Kafka ports do not use TLS, so there is no client certificate; choose SSL or SASL_SSL in " +
          'Settings → Kafka security',
      );
    const [cert, key] = await Promise.all([readFile(tls.clientCertPath, 'utf8'), readFile(tls.clientKeyPath, 'utf8')]);
    return { certFileName: basename(tls.clientCertPath), cert, keyFileName: basename(tls.clientKeyPath), key };
  }

  private async apply(input: ParsedInput<'setListenerSecurity'>): Promise<ListenerSecurityState> {
    if (this.flags)
      throw new KafkaError(
        'INVALID_REQUEST',
        `The Kafka listener security is fixed by the command line (${this.flags.flags}); ` +
          'start serve mode without those flags to change it here',
      );
    const protocol = input.protocol;
    const clientAuth = input.clientAuth ?? false;
    const wanted: Array<{ name: string; password?: string }> =
      input.users ?? this.setting.users.map((u) => ({ name: u.name }));
    const problem = check({ protocol, clientAuth, users: wanted });
    if (problem) throw new KafkaError('INVALID_CONFIG', problem.message, { field: problem.field });
    const users: StoredUser[] = wanted.map((u, i) => {
      if (u.password !== undefined) return { name: u.name, credentials: deriveSaslCredentials(u.password) };
      const kept = this.setting.users.find((s) => s.name === u.name);
      if (!kept)
        throw new KafkaError('INVALID_CONFIG', `User ${u.name} is new: give it a password`, {
          field: `users[${i}].password`,
        });
      return kept;
    });
    const next: Setting = { protocol, clientAuth, users };
    let tls = this.tls;
    if (usesTls(protocol) && !tls) {
      try {
        tls = this.tlsMaterial();
      } catch (err) {
        throw new KafkaError('INVALID_CONFIG', (err as Error).message, { field: 'protocol' });
      }
    }
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}.new`;
    await writeFileAtomic(tmp, serialize(next), 0o600);
    try {
      await this.listeners?.setSecurity(this.optionsFor(next, tls));
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new KafkaError('INVALID_CONFIG', (err as Error).message, { field: 'protocol', cause: err });
    }
    this.setting = next;
    this.tls = tls;
    return this.state();
  }

  private optionsFor(s: Setting, tls: SandboxTls | null): ListenerSecurityOptions {
    const users: SaslUser[] | undefined = !usesSasl(s.protocol)
      ? undefined
      : this.flags
        ? this.flags.users
        : s.users.map((u) => ({ username: u.name, credentials: u.credentials }));
    if (!usesTls(s.protocol) || !tls) return { users };
    return {
      users,
      tls: { cert: tls.brokerCert, key: tls.brokerKey, ca: tls.caCert, requireClientCert: s.clientAuth },
    };
  }

  private tlsMaterial(): SandboxTls {
    return ensureSandboxTls(this.dataDir, this.advertisedHost);
  }
}
