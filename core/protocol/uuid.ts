/**
 * Uuids are carried as Kafka's textual form: the 16 bytes in unpadded
 * base64url, 22 characters ("AAAAAAAAAAAAAAAAAAAAAA" is the zero uuid, which
 * Kafka uses for "no id"). These helpers convert from and to 32-char hex.
 */
import { randomBytes } from 'node:crypto';

export function uuidFromHex(hex: string): string {
  const h = hex.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error(`invalid uuid hex ${JSON.stringify(hex)}`);
  return Buffer.from(h, 'hex').toString('base64url');
}

export function uuidToHex(uuid: string): string {
  const b = Buffer.from(uuid, 'base64url');
  if (uuid.length !== 22 || b.length !== 16) throw new Error(`invalid uuid ${JSON.stringify(uuid)}`);
  return b.toString('hex');
}

/** A random (version 4) uuid in Kafka's textual form, never the zero uuid. */
export function randomUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b.toString('base64url');
}
