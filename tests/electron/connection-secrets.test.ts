/**
 * The desktop app's connection secrets: encrypted with safeStorage (the fake electron's stand-in), never in clear in
 * the data folder, read back by a new store, and refused with words where the system offers no encryption.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStore } from '../../core/host/connection-store';
import { SafeStorageSecretStore } from '../../electron/connection-secrets';
import { tempDir } from '../helpers/temp-cluster';
import { createFakeElectron } from '../support/fake-electron';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const conn = {
  name: 'Staging',
  bootstrapServers: ['staging:9092'],
  securityProtocol: 'SASL_PLAINTEXT' as const,
  sasl: { mechanism: 'PLAIN' as const, username: 'me', password: 'pa55-in-keychain' },
};

describe('safeStorage secret store', () => {
  it('stores the password encrypted (0600), never in clear, and a new store reads it back', async () => {
    const d = tempDir('noticeboard-secrets-');
    dirs.push(d);
    const electron = createFakeElectron();
    const store = new ConnectionStore(d.path, new SafeStorageSecretStore(electron.safeStorage, d.path));
    const saved = await store.add(conn);
    expect(saved.sasl?.hasPassword).toBe(true);
    const file = join(d.path, 'connection-secrets.enc');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const raw = readFileSync(file);
    expect(raw.toString('utf8')).not.toContain('pa55-in-keychain');
    expect(Buffer.from(raw.toString('utf8'), 'base64').toString('latin1')).not.toContain('pa55-in-keychain');
    expect(readFileSync(join(d.path, 'connections.json'), 'utf8')).not.toContain('pa55-in-keychain');
    const again = new ConnectionStore(d.path, new SafeStorageSecretStore(electron.safeStorage, d.path));
    expect((await again.remoteConfig(saved.id)).sasl?.password).toBe('pa55-in-keychain');
  });

  it('refuses to save a secret without real encryption (no keyring, or basic_text), and saves none', async () => {
    const d = tempDir('noticeboard-secrets-');
    dirs.push(d);
    const electron = createFakeElectron();
    electron.safeStorage.backend = 'basic_text';
    const store = new ConnectionStore(d.path, new SafeStorageSecretStore(electron.safeStorage, d.path));
    await expect(store.add(conn)).rejects.toThrow(/cannot store this password or key: the system offers no encryption/);
    expect(await store.list()).toEqual([]);
    electron.safeStorage.available = false;
    const plain = await store.add({ name: 'Open', bootstrapServers: ['open:9092'], securityProtocol: 'PLAINTEXT' });
    expect(plain.sasl).toBeNull();
  });
});
