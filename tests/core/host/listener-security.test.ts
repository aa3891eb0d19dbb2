/**
 * The sandbox's listener security as the host keeps it (core/host/listener-security.ts): a change is checked, given
 * to the listeners and kept in `kafka-security.json` (mode 0600, SCRAM credentials, never a password); a host opened
 * again on the same data folder speaks the same; serve-mode flags win; a bad setting is refused naming its field,
 * and neither the listeners nor the file change; the API refuses the setting on a remote connection.
 */
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors';
import { ConnectionRouter } from '../../../core/host/connection-router';
import { ConnectionStore } from '../../../core/host/connection-store';
import { ListenerSecurity, type SecurableListeners } from '../../../core/host/listener-security';
import type { ListenerSecurityOptions } from '../../../core/kafka-server/kafka-listeners';
import { SaslAuthenticator } from '../../../core/kafka-server/sasl';
import { EngineApi } from '../../../core/service/engine-api';
import { tempDir } from '../../helpers/temp-cluster';
import { FakeCluster } from '../../support/fake-cluster';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
function dataDir(): string {
  const d = tempDir('noticeboard-listener-security-');
  dirs.push(d);
  return d.path;
}

/** Listeners that record what they are told to speak, and refuse when told to. */
class RecordingListeners implements SecurableListeners {
  calls: ListenerSecurityOptions[] = [];
  refuse: string | null = null;
  async setSecurity(security: ListenerSecurityOptions): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    this.calls.push(security);
  }
  bootstrapServers(): string {
    return '127.0.0.1:19092,127.0.0.1:19093';
  }
}

async function opened(dir: string) {
  const security = await ListenerSecurity.open({ dataDir: dir });
  const listeners = new RecordingListeners();
  security.attach(listeners);
  return { security, listeners };
}

async function refusal(p: Promise<unknown>): Promise<KafkaError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KafkaError);
  return err as KafkaError;
}

/** PLAIN as a client sends it: authzid NUL username NUL password. */
function plain(auth: SaslAuthenticator, username: string, password: string): boolean {
  const step = auth.start('PLAIN')!.step(Buffer.from(`\u0000${username}\u0000${password}`, 'utf8'));
  return step.outcome?.ok === true;
}

describe('listener security kept by the host', () => {
  it('starts as PLAINTEXT without users when the data folder has no setting', async () => {
    const dir = dataDir();
    const security = await ListenerSecurity.open({ dataDir: dir });
    expect(security.state()).toMatchObject({
      protocol: 'PLAINTEXT',
      clientAuth: false,
      users: [],
      source: 'settings',
      fixedBy: null,
      listening: false,
      caCertPath: null,
      bootstrapServers: null,
    });
    expect(security.listenerOptions()).toEqual({ users: undefined });
    expect(existsSync(join(dir, 'kafka-security.json'))).toBe(false);
  });

  it('applies SASL_SSL to the listeners and keeps it in a 0600 file holding credentials, never the password', async () => {
    const dir = dataDir();
    const { security, listeners } = await opened(dir);
    const state = await security.set({
      protocol: 'SASL_SSL',
      clientAuth: false,
      users: [{ name: 'alice', password: 'alice-secret' }],
    });
    expect(state).toMatchObject({
      protocol: 'SASL_SSL',
      users: ['alice'],
      saslMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
      bootstrapServers: '127.0.0.1:19092,127.0.0.1:19093',
      caCertPath: join(dir, 'tls', 'ca.pem'),
      listening: true,
    });
    expect(JSON.stringify(state)).not.toContain('alice-secret');
    expect(listeners.calls).toHaveLength(1);
    const told = listeners.calls[0]!;
    expect(told.tls?.requireClientCert).toBe(false);
    expect(told.tls?.ca).toBe(readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8'));
    expect(told.users?.map((u) => [u.username, u.password])).toEqual([['alice', undefined]]);

    const file = join(dir, 'kafka-security.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('alice-secret');
    const stored = JSON.parse(text) as {
      version: number;
      protocol: string;
      users: Array<{ name: string; scram: Record<string, { iterations: number }> }>;
    };
    expect(stored).toMatchObject({ version: 1, protocol: 'SASL_SSL', clientAuth: false });
    expect(Object.keys(stored.users[0]!.scram).sort()).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(stored.users[0]!.scram['SCRAM-SHA-512']!.iterations).toBe(4096);
  });

  it('speaks the same after the host restarts, and PLAIN checks passwords against the stored credentials', async () => {
    const dir = dataDir();
    const first = await opened(dir);
    await first.security.set({ protocol: 'SASL_PLAINTEXT', users: [{ name: 'alice', password: 'alice-secret' }] });

    const again = await ListenerSecurity.open({ dataDir: dir });
    expect(again.state()).toMatchObject({ protocol: 'SASL_PLAINTEXT', users: ['alice'], source: 'settings' });
    const options = again.listenerOptions();
    expect(options.tls).toBeUndefined();
    const auth = new SaslAuthenticator(options.users!);
    expect(plain(auth, 'alice', 'alice-secret')).toBe(true);
    expect(plain(auth, 'alice', 'wrong')).toBe(false);
    expect(plain(auth, 'mallory', 'alice-secret')).toBe(false);
  });

  it('keeps a saved password when a user is listed without one, removes users left out, and keeps users off SASL', async () => {
    const dir = dataDir();
    const { security } = await opened(dir);
    await security.set({
      protocol: 'SASL_PLAINTEXT',
      users: [
        { name: 'alice', password: 'alice-secret' },
        { name: 'bob', password: 'bob-secret' },
      ],
    });
    const before = readFileSync(join(dir, 'kafka-security.json'), 'utf8');
    const aliceOf = (text: string) => JSON.stringify((JSON.parse(text) as { users: unknown[] }).users[0]);
    await security.set({ protocol: 'SASL_PLAINTEXT', users: [{ name: 'alice' }] });
    const after = readFileSync(join(dir, 'kafka-security.json'), 'utf8');
    expect(aliceOf(after)).toBe(aliceOf(before));
    expect(security.state().users).toEqual(['alice']);

    // PLAINTEXT keeps the users (names only shown), so going back to SASL needs no new password.
    expect(await security.set({ protocol: 'PLAINTEXT' })).toMatchObject({ protocol: 'PLAINTEXT', users: ['alice'] });
    expect(security.listenerOptions().users).toBeUndefined();
    expect(await security.set({ protocol: 'SASL_PLAINTEXT' })).toMatchObject({ users: ['alice'] });
    expect(plain(new SaslAuthenticator(security.listenerOptions().users!), 'alice', 'alice-secret')).toBe(true);
  });

  it('refuses bad settings naming the field, leaving the listeners and the file as they were', async () => {
    const dir = dataDir();
    const { security, listeners } = await opened(dir);
    await security.set({ protocol: 'SSL' });
    const file = join(dir, 'kafka-security.json');
    const saved = readFileSync(file, 'utf8');
    listeners.calls = [];

    const noUser = await refusal(security.set({ protocol: 'SASL_SSL', users: [] }));
    expect(noUser).toMatchObject({ errorName: 'INVALID_CONFIG', field: 'users' });
    expect(noUser.message).toMatch(/SASL_SSL needs at least one SASL user/);

    const mtlsPlain = await refusal(security.set({ protocol: 'PLAINTEXT', clientAuth: true }));
    expect(mtlsPlain).toMatchObject({ errorName: 'INVALID_CONFIG', field: 'clientAuth' });
    expect(mtlsPlain.message).toMatch(/need TLS: choose SSL or SASL_SSL/);

    const twice = await refusal(
      security.set({
        protocol: 'SASL_SSL',
        users: [
          { name: 'alice', password: 'a' },
          { name: 'alice', password: 'b' },
        ],
      }),
    );
    expect(twice).toMatchObject({ field: 'users[1].name' });

    const noPassword = await refusal(
      security.set({ protocol: 'SASL_SSL', users: [{ name: 'alice', password: 'a' }, { name: 'bob' }] }),
    );
    expect(noPassword).toMatchObject({ field: 'users[1].password' });
    expect(noPassword.message).toMatch(/User bob is new: give it a password/);

    listeners.refuse = 'Broker 1 cannot listen on 127.0.0.1:19093: the port is in use';
    const portTaken = await refusal(security.set({ protocol: 'PLAINTEXT' }));
    expect(portTaken.message).toMatch(/the port is in use/);

    expect(listeners.calls).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(saved);
    expect(security.state()).toMatchObject({ protocol: 'SSL', users: [] });
    expect((await ListenerSecurity.open({ dataDir: dir })).state().protocol).toBe('SSL');
  });

  it('lets serve-mode flags win over the saved setting and refuses a change naming them', async () => {
    const dir = dataDir();
    await (await opened(dir)).security.set({ protocol: 'SASL_SSL', users: [{ name: 'alice', password: 'x' }] });
    const saved = readFileSync(join(dir, 'kafka-security.json'), 'utf8');
    const security = await ListenerSecurity.open({
      dataDir: dir,
      flags: {
        protocol: 'SASL_PLAINTEXT',
        clientAuth: false,
        users: [{ username: 'carol', password: 'carol-secret' }],
        flags: '--kafka-security sasl_plaintext --kafka-user',
      },
    });
    expect(security.state()).toMatchObject({
      protocol: 'SASL_PLAINTEXT',
      users: ['carol'],
      source: 'flags',
      fixedBy: '--kafka-security sasl_plaintext --kafka-user',
    });
    expect(security.listenerOptions().users).toEqual([{ username: 'carol', password: 'carol-secret' }]);
    const refused = await refusal(security.set({ protocol: 'PLAINTEXT' }));
    expect(refused.errorName).toBe('INVALID_REQUEST');
    expect(refused.message).toMatch(/fixed by the command line \(--kafka-security sasl_plaintext --kafka-user\)/);
    expect(readFileSync(join(dir, 'kafka-security.json'), 'utf8')).toBe(saved);
  });

  it('refuses a setting file that does not parse, naming it, and leaves it in place', async () => {
    const dir = dataDir();
    const file = join(dir, 'kafka-security.json');
    writeFileSync(file, '{"version":1,"protocol":"SASL_SSL","clientAuth":false,"users":[]}');
    await expect(ListenerSecurity.open({ dataDir: dir })).rejects.toThrow(
      /kafka-security.json cannot be used: SASL_SSL needs at least one SASL user/,
    );
    writeFileSync(file, 'not json');
    await expect(ListenerSecurity.open({ dataDir: dir })).rejects.toThrow(/kafka-security.json.*not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('not json');
  });

  it('hands out the client certificate and key only while TLS is on', async () => {
    const dir = dataDir();
    const { security } = await opened(dir);
    await expect(security.clientCertificate()).rejects.toThrow(/do not use TLS/);
    await security.set({ protocol: 'SSL', clientAuth: true });
    const pair = await security.clientCertificate();
    expect(pair.certFileName).toBe('client.pem');
    expect(pair.cert).toBe(readFileSync(join(dir, 'tls', 'client.pem'), 'utf8'));
    expect(pair.key).toMatch(/PRIVATE KEY/);
    expect(security.state()).toMatchObject({ protocol: 'SSL', clientAuth: true });
  });
});

describe('listener security through the API', () => {
  it('checks input (field paths), answers on the sandbox and refuses on a remote connection', async () => {
    const dir = dataDir();
    const { security } = await opened(dir);
    const cluster = new FakeCluster(2);
    const sandbox = new EngineApi(cluster, {
      transport: 'websocket',
      dataDir: dir,
      version: 't',
      listenerSecurity: security,
    });
    const store = new ConnectionStore(dir);
    const router = new ConnectionRouter({
      sandbox,
      store,
      remote: null,
      transport: 'websocket',
      dataDir: dir,
      version: 't',
      sandboxBootstrap: () => null,
      sandboxSecurity: () => security.info(),
    });
    const session = router.openSession(() => undefined);
    try {
      const badName = await session.call('setListenerSecurity', {
        protocol: 'SASL_SSL',
        users: [{ name: 'has space', password: 'p' }],
      });
      expect(badName).toMatchObject({ ok: false, error: { errorName: 'INVALID_REQUEST', field: 'users[0].name' } });
      const set = await session.call('setListenerSecurity', {
        protocol: 'SASL_SSL',
        users: [{ name: 'alice', password: 'alice-secret' }],
      });
      expect(set).toMatchObject({ ok: true, result: { protocol: 'SASL_SSL', users: ['alice'] } });
      expect(JSON.stringify(set)).not.toContain('alice-secret');
      const info = await session.call('getServerInfo', {});
      expect(info).toMatchObject({ ok: true, result: { kafkaSecurity: { protocol: 'SASL_SSL' } } });
      const listed = await session.call('listConnections', {});
      expect(listed).toMatchObject({ ok: true, result: { connections: [{ securityProtocol: 'SASL_SSL' }] } });

      const remote = await store.add({
        name: 'Production',
        bootstrapServers: ['kafka-1.example.com:9092'],
        securityProtocol: 'PLAINTEXT',
      });
      for (const m of ['getListenerSecurity', 'setListenerSecurity'] as const) {
        const r = await session.call(m, m === 'setListenerSecurity' ? { protocol: 'PLAINTEXT' } : {}, remote.id);
        expect(r).toMatchObject({ ok: false, error: { errorName: 'INVALID_REQUEST' } });
        expect(JSON.stringify(r)).toMatch(/applies to the Local sandbox only/);
      }
      expect(security.state().protocol).toBe('SASL_SSL');
    } finally {
      session.close();
      await router.close();
      sandbox.close();
      await cluster.close();
    }
  });
});
