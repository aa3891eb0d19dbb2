/**
 * The client side of SASL: PLAIN (RFC 4616) and SCRAM-SHA-256/512
 * (RFC 5802, RFC 7677), as tokens for SaslAuthenticate. The connection
 * sends each token and hands back the broker's answer; a SCRAM exchange
 * checks the server's signature, so a broker that does not know the
 * password cannot pass for one that does.
 *
 * Secrets stay here: no message built in this file contains the password.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SaslMechanism } from './types';

export interface SaslClientSession {
  /** The first token to send. */
  first(): Buffer;
  /** The next token for the broker's answer, or null when the exchange is over (and succeeded). */
  next(answer: Buffer): Buffer | null;
}

/** A failure the broker did not report: its SCRAM answer was malformed or its signature wrong. */
export class SaslClientError extends Error {}

export function saslSession(mechanism: SaslMechanism, username: string, password: string): SaslClientSession {
  if (mechanism === 'PLAIN') {
    return {
      first: () => Buffer.from(`\u0000${username}\u0000${password}`, 'utf8'),
      next: () => null,
    };
  }
  return scramSession(mechanism, username, password);
}

/** RFC 5802 saslname: '=' and ',' escaped. */
const saslName = (s: string) => s.replace(/=/g, '=3D').replace(/,/g, '=2C');

function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

function scramSession(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string) {
  const hash = mechanism === 'SCRAM-SHA-512' ? 'sha512' : 'sha256';
  const keyLength = mechanism === 'SCRAM-SHA-512' ? 64 : 32;
  const nonce = randomBytes(24).toString('base64url');
  const firstBare = `n=${saslName(username)},r=${nonce}`;
  let serverSignature: Buffer | null = null;
  let step = 0;
  return {
    first: () => Buffer.from(`n,,${firstBare}`, 'utf8'),
    next(answer: Buffer): Buffer | null {
      const text = answer.toString('utf8');
      const a = attributes(text);
      if (step === 0) {
        step = 1;
        if (a.has('e')) throw new SaslClientError(`the broker refused: ${a.get('e')}`);
        const serverNonce = a.get('r');
        const salt = a.get('s');
        const iterations = Number(a.get('i'));
        if (!serverNonce || !serverNonce.startsWith(nonce) || !salt || !Number.isInteger(iterations) || iterations < 1)
          throw new SaslClientError('the broker sent a malformed SCRAM challenge');
        const salted = pbkdf2Sync(
          Buffer.from(password, 'utf8'),
          Buffer.from(salt, 'base64'),
          iterations,
          keyLength,
          hash,
        );
        const clientKey = createHmac(hash, salted).update('Client Key').digest();
        const storedKey = createHash(hash).update(clientKey).digest();
        const finalBare = `c=biws,r=${serverNonce}`;
        const authMessage = `${firstBare},${text},${finalBare}`;
        const clientSignature = createHmac(hash, storedKey).update(authMessage).digest();
        const proof = Buffer.alloc(clientKey.length);
        for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
        const serverKey = createHmac(hash, salted).update('Server Key').digest();
        serverSignature = createHmac(hash, serverKey).update(authMessage).digest();
        return Buffer.from(`${finalBare},p=${proof.toString('base64')}`, 'utf8');
      }
      if (step === 1) {
        step = 2;
        if (a.has('e')) throw new SaslClientError(`the broker refused: ${a.get('e')}`);
        const v = Buffer.from(a.get('v') ?? '', 'base64');
        if (!serverSignature || v.length !== serverSignature.length || !timingSafeEqual(v, serverSignature))
          throw new SaslClientError("the broker's SCRAM signature is wrong (it does not know this user's password)");
        return null;
      }
      throw new SaslClientError('the broker sent more SCRAM messages than the exchange has');
    },
  };
}
