/**
 * The desktop app's connection secrets (SASL passwords, TLS private keys): one file in the data folder whose
 * content is encrypted with Electron's safeStorage (the macOS Keychain, Windows DPAPI, or the Linux secret
 * service / kwallet), so the file alone reveals nothing. The core store (core/host/connection-store.ts) takes it
 * through its SecretStore interface and never sees how it is kept.
 *
 * Rules:
 * - Where the OS offers no encryption (safeStorage.isEncryptionAvailable() false, or Linux's "basic_text"
 *   fallback, which is only obfuscation), saving a secret is refused with words rather than written weakly;
 *   connections without secrets still save.
 * - The file is mode 0600 too, and written to a temporary name and renamed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionSecrets, SecretStore } from '../core/host/connection-store';
import { writeFileAtomic } from '../core/host/connection-store';
import { KafkaError } from '../core/errors';

/** The part of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export class SafeStorageSecretStore implements SecretStore {
  readonly path: string;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    dataDir: string,
  ) {
    this.path = join(dataDir, 'connection-secrets.enc');
  }

  get describe(): string {
    return `${this.path} (encrypted with the system keychain through Electron safeStorage)`;
  }

  private usable(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return this.safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
  }

  async read(): Promise<Record<string, ConnectionSecrets>> {
    let raw: Buffer;
    try {
      raw = await readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    if (!this.safeStorage.isEncryptionAvailable())
      throw new Error(`${this.path} cannot be read: the system keychain is not available to decrypt it`);
    const parsed = JSON.parse(this.safeStorage.decryptString(Buffer.from(raw.toString('utf8'), 'base64'))) as {
      secrets?: Record<string, ConnectionSecrets>;
    };
    return parsed.secrets ?? {};
  }

  async write(all: Record<string, ConnectionSecrets>): Promise<void> {
    const hasSecret = Object.values(all).some((s) => s.saslPassword || s.tlsKey);
    if (hasSecret && !this.usable()) {
      throw new KafkaError(
        'INVALID_REQUEST',
        'Noticeboard cannot store this password or key: the system offers no encryption for it ' +
          '(on Linux, install and unlock a secret service such as GNOME Keyring or KWallet)',
      );
    }
    const encrypted = this.safeStorage.encryptString(JSON.stringify({ version: 1, secrets: all }));
    await writeFileAtomic(this.path, encrypted.toString('base64'), 0o600);
  }
}
