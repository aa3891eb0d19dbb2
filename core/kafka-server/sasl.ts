/**
 * SASL authentication: SaslHandshake (v1) chooses the mechanism, then
 * SaslAuthenticate carries its tokens. PLAIN (RFC 4616) and SCRAM-SHA-256 /
 * SCRAM-SHA-512 (RFC 5802, RFC 7677) against the users the cluster was
 * started with. Off by default; when users are given every listener
 * requires authentication (ApiVersions and the SASL requests excepted).
 *
 * SCRAM credentials are derived once at start (random salt, 4096
 * iterations) and kept as StoredKey/ServerKey, as a Kafka broker keeps them;
 * passwords are compared in constant time. A user may be given by its stored
 * credentials alone (`credentials`, from deriveSaslCredentials), never its
 * password: then PLAIN checks the password it is sent by deriving the
 * SCRAM-SHA-512 StoredKey with the stored salt and comparing that, so no
 * password needs to be kept anywhere. A failed authentication is
 * answered with SASL_AUTHENTICATION_FAILED and the connection is closed.
 *
 * This module is the authenticator only; the two requests that drive it are
 * handlers/sasl.ts (so the request context can name a session's type without
 * this module importing the context back).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KafkaError } from '../errors';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SASL_MECHANISMS: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

export interface SaslUser {
  username: string;
  /** The password, or leave it out and give `credentials` (what a host stores instead of the password). */
  password?: string;
  credentials?: SaslCredentials;
  /** Mechanisms this user may use (default: all three). */
  mechanisms?: SaslMechanism[];
}

const SCRAM_ITERATIONS = 4096;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** A user's SCRAM credentials for both hashes: enough to check PLAIN and SCRAM without the password. */
export interface SaslCredentials {
  'SCRAM-SHA-256': ScramCredential;
  'SCRAM-SHA-512': ScramCredential;
}

interface UserEntry {
  /** The password when it was given; else PLAIN checks against the SCRAM-SHA-512 credential. */
  password: Buffer | null;
  mechanisms: Set<SaslMechanism>;
  scram: Map<SaslMechanism, ScramCredential>;
}

export interface SaslStep {
  /** Bytes for the client (SaslAuthenticate auth_bytes). */
  response: Buffer;
  /** Set once the exchange is over. */
  outcome?: { ok: true; principal: string } | { ok: false; message: string };
}

export interface SaslSession {
  readonly mechanism: SaslMechanism;
  step(token: Buffer): SaslStep;
}

const hashOf = (m: SaslMechanism) => (m === 'SCRAM-SHA-512' ? 'sha512' : 'sha256');
const hashLen = (m: SaslMechanism) => (m === 'SCRAM-SHA-512' ? 64 : 32);

function scramCredential(
  mechanism: SaslMechanism,
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
): ScramCredential {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hashLen(mechanism), hashOf(mechanism));
  const clientKey = createHmac(hashOf(mechanism), salted).update('Client Key').digest();
  return {
    salt,
    iterations,
    storedKey: createHash(hashOf(mechanism)).update(clientKey).digest(),
    serverKey: createHmac(hashOf(mechanism), salted).update('Server Key').digest(),
  };
}

/** SCRAM-SHA-256 and SCRAM-SHA-512 credentials of a password (fresh random salts), to store instead of it. */
export function deriveSaslCredentials(password: string): SaslCredentials {
  return {
    'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', password),
    'SCRAM-SHA-512': scramCredential('SCRAM-SHA-512', password),
  };
}

function validCredential(c: ScramCredential | undefined, m: SaslMechanism): boolean {
  return (
    c !== undefined &&
    Buffer.isBuffer(c.salt) &&
    c.salt.length > 0 &&
    Number.isInteger(c.iterations) &&
    c.iterations >= SCRAM_ITERATIONS &&
    Buffer.isBuffer(c.storedKey) &&
    c.storedKey.length === hashLen(m) &&
    Buffer.isBuffer(c.serverKey) &&
    c.serverKey.length === hashLen(m)
  );
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** PLAIN's check: the password itself when it is kept, else the SCRAM-SHA-512 StoredKey it derives. */
function plainMatches(u: UserEntry, password: string): boolean {
  if (u.password) return safeEqual(u.password, Buffer.from(password, 'utf8'));
  const stored = u.scram.get('SCRAM-SHA-512')!;
  const derived = scramCredential('SCRAM-SHA-512', password, stored.salt, stored.iterations);
  return safeEqual(derived.storedKey, stored.storedKey);
}

const fail = (message: string): SaslStep => ({ response: Buffer.alloc(0), outcome: { ok: false, message } });

export class SaslAuthenticator {
  private readonly users = new Map<string, UserEntry>();

  constructor(users: SaslUser[]) {
    for (const u of users) {
      const hasPassword = typeof u?.password === 'string';
      if (!u || typeof u.username !== 'string' || u.username.length === 0 || (!hasPassword && !u.credentials)) {
        throw new KafkaError('INVALID_REQUEST', 'Every SASL user needs a non-empty username and a password');
      }
      const mechanisms = new Set<SaslMechanism>(u.mechanisms ?? SASL_MECHANISMS);
      for (const m of mechanisms)
        if (!SASL_MECHANISMS.includes(m))
          throw new KafkaError('INVALID_REQUEST', `Unknown SASL mechanism ${m}; use ${SASL_MECHANISMS.join(', ')}`);
      const scram = new Map<SaslMechanism, ScramCredential>();
      if (hasPassword) {
        for (const m of mechanisms) if (m !== 'PLAIN') scram.set(m, scramCredential(m, u.password!));
      } else {
        for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
          if (!validCredential(u.credentials![m], m))
            throw new KafkaError('INVALID_REQUEST', `SASL user ${u.username}: its stored ${m} credential is not valid`);
          scram.set(m, u.credentials![m]);
        }
      }
      this.users.set(u.username, {
        password: hasPassword ? Buffer.from(u.password!, 'utf8') : null,
        mechanisms,
        scram,
      });
    }
  }

  /** Mechanisms at least one user may use. */
  mechanisms(): SaslMechanism[] {
    return SASL_MECHANISMS.filter((m) => [...this.users.values()].some((u) => u.mechanisms.has(m)));
  }

  start(mechanism: string): SaslSession | null {
    if (!this.mechanisms().includes(mechanism as SaslMechanism)) return null;
    return mechanism === 'PLAIN' ? this.plain() : this.scram(mechanism as SaslMechanism);
  }

  private plain(): SaslSession {
    return {
      mechanism: 'PLAIN',
      step: (token) => {
        const parts = token.toString('utf8').split('\u0000');
        if (parts.length !== 3) return fail('Invalid SASL/PLAIN response: expected 3 tokens');
        const [authzid, username, password] = parts as [string, string, string];
        if (authzid !== '' && authzid !== username)
          return fail('Authentication failed: Client requested an authorization id that is different from username');
        const u = this.users.get(username);
        if (!u || !u.mechanisms.has('PLAIN') || !plainMatches(u, password)) {
          return fail('Authentication failed: Invalid username or password');
        }
        return { response: Buffer.alloc(0), outcome: { ok: true, principal: username } };
      },
    };
  }

  private scram(mechanism: SaslMechanism): SaslSession {
    let stage: 'first' | 'final' | 'done' = 'first';
    let expect: { gs2: string; nonce: string; authFirst: string; cred: ScramCredential; username: string } | null =
      null;
    const hash = hashOf(mechanism);
    const invalid = () =>
      fail(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`);
    return {
      mechanism,
      step: (token) => {
        const text = token.toString('utf8');
        if (stage === 'first') {
          stage = 'final';
          // gs2-header "n,," or "y,," or "n,a=authzid,", then client-first-bare "n=user,r=nonce[,ext]".
          const m = /^([nyp](?:=[^,]*)?,(?:a=[^,]*)?,)(n=([^,]*),r=([^,]+)(?:,.*)?)$/s.exec(text);
          if (!m) return fail(`Invalid SCRAM client-first message`);
          const [, gs2, bare, rawUser, clientNonce] = m as unknown as [string, string, string, string, string];
          if (gs2.startsWith('p')) return fail('SCRAM channel binding is not supported');
          const username = rawUser.replace(/=2C/g, ',').replace(/=3D/g, '=');
          const u = this.users.get(username);
          const cred = u?.mechanisms.has(mechanism) ? u.scram.get(mechanism) : undefined;
          if (!cred) return invalid();
          const nonce = clientNonce + randomBytes(18).toString('base64');
          const serverFirst = `r=${nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`;
          expect = { gs2, nonce, authFirst: `${bare},${serverFirst}`, cred, username };
          return { response: Buffer.from(serverFirst, 'utf8') };
        }
        if (stage === 'final' && expect) {
          stage = 'done';
          const m = /^(c=([^,]*),r=([^,]*)(?:,(?!p=)[^,]*)*),p=([^,]+)$/.exec(text);
          if (!m) return fail('Invalid SCRAM client-final message');
          const [, withoutProof, binding, nonce, proofB64] = m as unknown as [string, string, string, string, string];
          // Kafka's check (ScramSaslServer): the client's nonce must END with the server's. librdkafka 2.0 sends its
          // own nonce again in front of the server's, and Kafka brokers accept that; so do we.
          if (!nonce.endsWith(expect.nonce)) return fail('Invalid SCRAM client-final message: nonce mismatch');
          if (Buffer.from(binding, 'base64').toString('utf8') !== expect.gs2)
            return fail('Invalid SCRAM client-final message: channel binding mismatch');
          const authMessage = `${expect.authFirst},${withoutProof}`;
          const clientSignature = createHmac(hash, expect.cred.storedKey).update(authMessage).digest();
          const proof = Buffer.from(proofB64, 'base64');
          if (proof.length !== clientSignature.length) return invalid();
          const clientKey = Buffer.alloc(proof.length);
          for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
          if (!safeEqual(createHash(hash).update(clientKey).digest(), expect.cred.storedKey)) return invalid();
          const serverSignature = createHmac(hash, expect.cred.serverKey).update(authMessage).digest();
          return {
            response: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'),
            outcome: { ok: true, principal: expect.username },
          };
        }
        return fail('Unexpected SCRAM message after the exchange completed');
      },
    };
  }
}
