/**
 * Export on a remote connection: the router opens the connection's cluster (a second Noticeboard in its own
 * process, reached over the wire by core/remote) and streams its records through the same JSON Lines and CSV
 * formatter as the sandbox's export; every line is checked against what kcat reads from that cluster, and the
 * sandbox's own records never stand in for the remote's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionRouter } from '../../../core/host/connection-router';
import { ConnectionStore } from '../../../core/host/connection-store';
import { openRemoteCluster, testConnection } from '../../../core/remote';
import { EngineApi, type ApiSession, type ExportJob } from '../../../core/service/engine-api';
import { tempDir } from '../../helpers/temp-cluster';
import { FakeCluster } from '../../support/fake-cluster';
import { run } from '../kafka-server/clients/helpers';
import { startSecondNoticeboard, type SecondNoticeboard } from '../remote/support/second-noticeboard';

let nb: SecondNoticeboard;
let router: ConnectionRouter;
let session: ApiSession;
let sandbox: EngineApi;
let sandboxCluster: FakeCluster;
let dir: ReturnType<typeof tempDir>;
let id: string;

beforeAll(async () => {
  nb = await startSecondNoticeboard({ brokers: 1 });
  await nb.api.createTopic({ name: 'exported', partitions: 3, replicationFactor: 1 });
  await nb.api.produce({
    topic: 'exported',
    records: Array.from({ length: 300 }, (_, i) => ({
      key: i % 10 === 0 ? null : `key-${i}`,
      value: `{"n":${i},"text":"line, with \\"quotes\\""}`,
    })),
  });
  dir = tempDir('noticeboard-remote-export-');
  sandboxCluster = new FakeCluster(1);
  sandbox = new EngineApi(sandboxCluster, { transport: 'websocket', dataDir: dir.path, version: 't' });
  router = new ConnectionRouter({
    sandbox,
    store: new ConnectionStore(dir.path),
    remote: { open: (config) => openRemoteCluster(config), test: (config) => testConnection(config) },
    transport: 'websocket',
    dataDir: dir.path,
    version: 't',
    sandboxBootstrap: () => '127.0.0.1:9092',
    sandboxSecurity: undefined,
  });
  session = router.openSession(() => undefined);
  const added = await session.call('addConnection', {
    name: 'Second',
    color: 'green',
    bootstrapServers: nb.bootstrap,
    securityProtocol: 'PLAINTEXT',
    readOnly: true,
    sasl: null,
    tls: null,
  });
  if (!added.ok) throw new Error(JSON.stringify(added));
  id = (added.result as { id: string }).id;
}, 60_000);

afterAll(async () => {
  session?.close();
  await router?.close();
  sandbox?.close();
  await sandboxCluster?.close();
  dir?.remove();
  await nb?.stop();
});

async function collect(job: ExportJob): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of job.chunks) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/** kcat's view of the topic: partition, offset, key (or NULL) and value, one record a line. */
async function kcat(): Promise<string[]> {
  const out = await run(
    'kcat',
    [
      '-C',
      '-b',
      nb.bootstrap.join(','),
      '-t',
      'exported',
      '-o',
      'beginning',
      '-e',
      '-q',
      '-Z',
      '-f',
      '%p\t%o\t%k\t%s\n',
    ],
    { timeoutMs: 30_000 },
  );
  return out.stdout.split('\n').filter(Boolean).sort();
}

describe('export on a remote connection', () => {
  it('streams the remote records as JSON Lines, record for record what kcat reads', async () => {
    const job = await router.exportRecords({ topic: 'exported', format: 'jsonl' }, { connection: id });
    expect(job.total).toBe(300);
    const lines = (await collect(job))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { partition: number; offset: number; key: string | null; value: string });
    expect(lines).toHaveLength(300);
    const ours = lines.map((r) => `${r.partition}\t${r.offset}\t${r.key ?? 'NULL'}\t${r.value}`).sort();
    expect(ours).toEqual(await kcat());
  });

  it('streams CSV of one partition with the header and RFC 4180 quoting', async () => {
    const job = await router.exportRecords({ topic: 'exported', format: 'csv', partitions: [1] }, { connection: id });
    const rows = (await collect(job)).split('\r\n').filter(Boolean);
    const theirs = (await kcat()).filter((l) => l.startsWith('1\t'));
    expect(rows[0]).toBe('partition,offset,timestamp,timestamp_type,key,key_encoding,value,value_encoding,headers');
    expect(rows).toHaveLength(theirs.length + 1);
    expect(rows[1]).toContain('"{""n"":');
  });

  it('refuses a topic the remote cluster does not have, in words, instead of exporting the sandbox', async () => {
    await expect(router.exportRecords({ topic: 'nowhere', format: 'jsonl' }, { connection: id })).rejects.toMatchObject(
      {
        errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      },
    );
  });
});
