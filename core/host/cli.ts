/**
 * `noticeboard` / `npm run serve`: the embedded cluster plus the UI in a
 * browser, for machines without the desktop shell. Plain Node, no Electron.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { Cluster } from '../cluster/cluster';
import { Groups } from '../groups';
import { KafkaListeners, type SaslUser } from '../kafka-server/kafka-listeners';
import { parseVersionLimits, type VersionLimits } from '../kafka-server/api-version-profiles';
import type { FlagSecurity } from './listener-security';
import { exposureWarnings } from './exposure';
import { defaultDataDir } from './paths';
import { startServe, type ServeHandle } from './serve';

const USAGE = `Usage: noticeboard [options]

Runs a Kafka-style cluster on this machine and serves its UI to your browser.

Options:
  --data-dir <dir>    where the cluster keeps its data (default: ${defaultDataDir()})
  --brokers <n>       number of brokers, 1 to 9 (default: 3)
  --kafka-port <p>    Kafka port of broker 0; broker N uses p + N (default: 9092; 0 picks free ports)
  --port <p>          port of the UI and WebSocket API (default: 9080; 0 picks a free one)
  --host <addr>       address the UI and WebSocket API listen on (default: 127.0.0.1; anything else exposes them)
  --kafka-host <addr> address the Kafka ports listen on (default: 127.0.0.1, whatever --host is; they have no authentication)
  --advertised-host <name>
                      host name brokers give Kafka clients in Metadata (default: --kafka-host, or
                      127.0.0.1 when that is 0.0.0.0 or ::); set it so other machines can connect
  --kafka-security <protocol>
                      what the Kafka ports speak: plaintext (default), ssl, sasl_plaintext or sasl_ssl;
                      TLS uses a CA Noticeboard makes once in <data-dir>/tls (ca.pem: what clients trust)
  --kafka-user <name:password>
                      a SASL user (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); repeat for more; needed by sasl_*
  --kafka-client-auth required
                      with ssl or sasl_ssl: clients must present a certificate signed by the sandbox CA (mTLS;
                      <data-dir>/tls/client.pem and client-key.pem are one)
  --num-partitions <n>
                      partitions of topics created without a count, e.g. auto-created (Kafka's
                      num.partitions; kept in the data folder like a change in Settings)
  --default-replication-factor <n>
                      replication factor of topics created without one (default.replication.factor)
  --sasl-users-file <file>
                      require SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on the Kafka ports for the users in
                      this file, one username:password per line (# starts a comment)
  --leader-imbalance-check-interval <seconds>
                      how often leadership moves back to the preferred replicas by itself (Kafka's
                      leader.imbalance.check.interval.seconds; default: 10)
  --api-versions <profile>
                      advertise and serve only the API versions of kafka-2.2, kafka-2.8 or redpanda, or
                      of a list such as Produce:0-7,Fetch:4-11 (for testing clients against older brokers)
  -h, --help          show this help
  -v, --version       show the version
`;

function fail(message: string): never {
  process.stderr.write(`noticeboard: ${message}\n`);
  process.exit(2);
}

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  return n;
}

/** The built renderer next to this file (out/serve → out/renderer), or the source tree's build when run by tsx. */
function findRenderer(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '..', 'renderer'), join(here, '..', '..', 'out', 'renderer')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

/** SASL users from a file: one username:password per line; blank lines and # comments skipped. */
function readUsers(file: string): SaslUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`--sasl-users-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const users: SaslUser[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    const colon = l.indexOf(':');
    if (colon < 1) fail(`--sasl-users-file: line ${i + 1} is not username:password`);
    users.push({ username: l.slice(0, colon), password: l.slice(colon + 1) });
  });
  if (users.length === 0) fail(`--sasl-users-file: ${file} names no user`);
  return users;
}

const PROTOCOLS = {
  plaintext: 'PLAINTEXT',
  ssl: 'SSL',
  sasl_plaintext: 'SASL_PLAINTEXT',
  sasl_ssl: 'SASL_SSL',
} as const;

/**
 * --kafka-security, --kafka-user, --sasl-users-file and --kafka-client-auth, checked together (one makes no sense
 * without another). Users from a file alone mean sasl_plaintext. None given: null, and the data folder's setting
 * (Settings → Kafka security, core/host/listener-security.ts) applies; any given: they win over it.
 */
function kafkaSecurityFlags(
  values: { 'kafka-security'?: string; 'kafka-user'?: string[]; 'kafka-client-auth'?: string },
  fileUsers: SaslUser[],
  usersFile: boolean,
): FlagSecurity | null {
  const given = [
    values['kafka-security'] !== undefined ? `--kafka-security ${values['kafka-security'].toLowerCase()}` : null,
    values['kafka-user']?.length ? '--kafka-user' : null,
    usersFile ? '--sasl-users-file' : null,
    values['kafka-client-auth'] !== undefined ? '--kafka-client-auth' : null,
  ].filter((f): f is string => f !== null);
  if (given.length === 0) return null;
  const raw = (values['kafka-security'] ?? (fileUsers.length ? 'sasl_plaintext' : 'plaintext')).toLowerCase();
  if (!Object.prototype.hasOwnProperty.call(PROTOCOLS, raw))
    fail(`--kafka-security must be one of ${Object.keys(PROTOCOLS).join(', ')} (got "${raw}")`);
  const protocol = PROTOCOLS[raw as keyof typeof PROTOCOLS];
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const users = [
    ...fileUsers,
    ...(values['kafka-user'] ?? []).map((u) => {
      const at = u.indexOf(':');
      if (at < 1 || at === u.length - 1) fail(`--kafka-user must be name:password (got a value without both)`);
      return { username: u.slice(0, at), password: u.slice(at + 1) };
    }),
  ];
  if (sasl && users.length === 0)
    fail(`--kafka-security ${raw} needs at least one --kafka-user name:password (or --sasl-users-file)`);
  if (!sasl && users.length > 0)
    fail('--kafka-user and --sasl-users-file need --kafka-security sasl_plaintext or sasl_ssl');
  const clientAuth = values['kafka-client-auth'];
  if (clientAuth !== undefined && clientAuth !== 'required')
    fail(`--kafka-client-auth takes only "required" (got "${clientAuth}")`);
  if (clientAuth && !tls) fail('--kafka-client-auth needs --kafka-security ssl or sasl_ssl');
  return { protocol, clientAuth: clientAuth === 'required', users, flags: given.join(' ') };
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string' },
        brokers: { type: 'string' },
        'kafka-port': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'kafka-host': { type: 'string' },
        'advertised-host': { type: 'string' },
        'num-partitions': { type: 'string' },
        'kafka-security': { type: 'string' },
        'kafka-user': { type: 'string', multiple: true },
        'kafka-client-auth': { type: 'string' },
        'default-replication-factor': { type: 'string' },
        'sasl-users-file': { type: 'string' },
        'api-versions': { type: 'string' },
        'leader-imbalance-check-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${version}\n`);

  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const brokers = intOption('brokers', values.brokers, 3, 1, 9);
  // Broker N listens on kafka-port + N; 0 picks free ports.
  const kafkaPort = intOption('kafka-port', values['kafka-port'], 9092, 0, 65535 - 9);
  const port = intOption('port', values.port, 9080, 0, 65535);
  const host = values.host ?? '127.0.0.1';
  // The Kafka ports have no authentication in serve mode: they never follow --host off loopback by themselves.
  const kafkaHost = values['kafka-host'] ?? '127.0.0.1';
  const wildcard = kafkaHost === '0.0.0.0' || kafkaHost === '::';
  const advertisedRaw = values['advertised-host'];
  if (advertisedRaw !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/.test(advertisedRaw)) {
    fail(`--advertised-host must be a host name or IP address clients can reach (got "${advertisedRaw}")`);
  }
  const advertisedHost = advertisedRaw ?? (wildcard ? '127.0.0.1' : kafkaHost);
  // Sandbox settings: stored as dynamic cluster-wide broker configs, so the Settings page shows and changes the same
  // values.
  const settings: Record<string, string> = {};
  if (values['num-partitions'] !== undefined)
    settings['num.partitions'] = String(intOption('num-partitions', values['num-partitions'], 1, 1, 10_000));
  if (values['default-replication-factor'] !== undefined) {
    settings['default.replication.factor'] = String(
      intOption('default-replication-factor', values['default-replication-factor'], 1, 1, 9),
    );
  }
  const leaderBalanceIntervalMs =
    intOption('leader-imbalance-check-interval', values['leader-imbalance-check-interval'], 10, 1, 86_400) * 1000;
  const fileUsers = values['sasl-users-file'] === undefined ? [] : readUsers(values['sasl-users-file']);
  let apiVersionLimits: VersionLimits | undefined;
  try {
    apiVersionLimits = values['api-versions'] === undefined ? undefined : parseVersionLimits(values['api-versions']);
  } catch (err) {
    fail(`--api-versions: ${(err as Error).message}`);
  }
  const flags = kafkaSecurityFlags(values, fileUsers, values['sasl-users-file'] !== undefined);
  const staticDir = findRenderer();
  if (!staticDir)
    process.stderr.write('noticeboard: the UI is not built (run `npm run build`); serving the WebSocket API only\n');

  let handle: ServeHandle;
  try {
    // The cluster's host is what the UI shows clients to connect to: the advertised one.
    handle = await startServe({
      dataDir,
      brokers,
      host,
      kafkaHost,
      port,
      staticDir,
      version,
      openCluster: (o) => Cluster.open({ ...o, host: advertisedHost, leaderBalanceIntervalMs }),
      onTokenChange: (url) =>
        process.stdout.write(`\nAccess token regenerated from Settings. Open in your browser: ${url}\n`),
      attachGroups: (c) => Groups.attach(c),
      startKafka: (c, groups, security) =>
        KafkaListeners.start(c, {
          host: kafkaHost,
          advertisedHost,
          basePort: kafkaPort,
          groups: (groups as Groups | null) ?? undefined,
          users: security.users,
          tls: security.tls,
          apiVersionLimits,
        }),
      listenerSecurity: { advertisedHost, flags },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(`port ${port} on ${host} is already in use; pick another with --port`);
    if (/cannot listen on/.test(e.message ?? '')) fail(`${e.message}; pick another first port with --kafka-port`);
    // LevelDB refuses a folder another process holds open (its LOCK); any other cause is printed as LevelDB gives it.
    if ((err as { locked?: boolean }).locked === true) {
      fail(
        `${e.message}\nIs another Noticeboard (the desktop app or serve mode) using ${dataDir}? Close it, or pass another --data-dir.`,
      );
    }
    fail(e.message ?? String(err));
  }

  if (Object.keys(settings).length > 0) {
    try {
      await handle.cluster.alterBrokerConfigs(null, { set: settings });
    } catch (err) {
      await handle.close().catch(() => undefined);
      fail((err as Error).message);
    }
  }

  const security = handle.listenerSecurity?.state() ?? null;
  const saslUsers = security && security.saslMechanisms.length > 0 ? security.users.length : 0;
  const lines = [
    '',
    `Noticeboard ${version}: a ${brokers}-broker cluster, data in ${dataDir}`,
    '',
    `  Open in your browser:  ${handle.server.url}`,
    `  Access token:          kept in ${join(dataDir, 'access-token')} (the same on every start)`,
    `  WebSocket API:         ${handle.server.wsUrl}`,
    `  Kafka bootstrap:       ${handle.bootstrapServers ?? 'none (no broker is listening)'}`,
    `  Kafka security:        ${security?.protocol ?? 'PLAINTEXT'}${security?.clientAuth ? ' with client certificates (mTLS)' : ''}` +
      (security?.source === 'flags' ? ' (set by flags)' : ' (Settings → Kafka security changes it)'),
    ...(security?.caCertPath ? [`  Kafka clients trust:   ${security.caCertPath}`] : []),
    '',
    saslUsers ? `  Kafka ports require SASL for ${saslUsers} user${saslUsers === 1 ? '' : 's'}.\n` : '',
    ...exposureWarnings(host, kafkaHost, saslUsers > 0).map((w) => `  ${w}\n`),
    wildcard && advertisedRaw === undefined
      ? `  Kafka clients are told to connect to ${advertisedHost}; pass --advertised-host for clients on other machines.\n`
      : '',
    ...handle.cluster
      .brokers()
      .filter((b) => b.failure)
      .map((b) => `  Warning: broker ${b.id} did not start: ${b.failure}\n`),
    'Press Ctrl-C to stop.',
    '',
  ].filter((l, i, all) => l !== '' || all[i - 1] !== '');
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write('noticeboard: forced exit\n');
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the cluster...\n`);
    handle.close().then(
      () => {
        process.stdout.write('Stopped cleanly.\n');
        process.exit(0);
      },
      (err) => {
        process.stderr.write(`noticeboard: error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => fail((err as Error).stack ?? String(err)));
