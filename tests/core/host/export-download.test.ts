/**
 * Serve mode's export download (GET /api/export): token and origin guarded, JSON Lines and CSV streamed from the
 * engine.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi } from '../../../core/service/engine-api';
import { startWsServer, type RunningServer } from '../../../core/host/ws-server';
import { openCluster } from '../../helpers/temp-cluster';

let env: Awaited<ReturnType<typeof openCluster>>;
let api: EngineApi;
let server: RunningServer;
const TOKEN = 'export-test-token-0123456789';

beforeAll(async () => {
  env = await openCluster({ brokers: 1 });
  await env.cluster.createTopic({ name: 'orders', partitions: 2, replicationFactor: 1 });
  await env.cluster.produce(
    'orders',
    Array.from({ length: 30 }, (_, i) => ({
      key: `k${i}`,
      value: i === 3 ? Buffer.from([0xff, 0x00, 0x41]) : `{"n":${i},"note":"a, \\"quoted\\" value"}`,
      headers: { source: i % 2 ? 'web' : 'mobile' },
      partition: i % 2,
      timestamp: 1_700_000_000_000 + i,
    })),
  );
  api = new EngineApi(env.cluster, { transport: 'websocket', dataDir: env.dataDir, version: '0.0.0' });
  server = await startWsServer({ api, host: '127.0.0.1', port: 0, staticDir: null, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  api?.close();
  await env?.cleanup();
});

function get(query: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: `/api/export?${query}`, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('export download', () => {
  it('refuses a missing or wrong token and a foreign origin', async () => {
    expect((await get('topic=orders')).status).toBe(401);
    expect((await get('topic=orders&token=nope')).status).toBe(401);
    expect((await get(`topic=orders&token=${TOKEN}`, { Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('streams a partition range as JSON Lines, binary bytes as base64, as a named attachment', async () => {
    const r = await get(`topic=orders&partition=1&from=2&to=6&format=jsonl&token=${TOKEN}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toBe('attachment; filename="orders.jsonl"');
    expect(r.headers['x-export-records']).toBe('4');
    const lines = r.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.offset)).toEqual([2, 3, 4, 5]);
    expect(lines[0]).toEqual({
      partition: 1,
      offset: 2,
      timestamp: 1_700_000_000_005,
      timestampType: 'CreateTime',
      key: 'k5',
      value: '{"n":5,"note":"a, \\"quoted\\" value"}',
      headers: [{ key: 'source', value: 'web' }],
    });
    // Record 3 is binary: it round-trips through base64.
    const all = await get(`topic=orders&partition=1&token=${TOKEN}`);
    const bin = all.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)
      .find((l) => l.key === 'k3')!;
    expect(bin.valueEncoding).toBe('base64');
    expect(Buffer.from(bin.value!, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x41]));
  });

  it('streams every partition as CSV with RFC 4180 quoting', async () => {
    const r = await get(`topic=orders&format=csv&token=${TOKEN}`);
    expect(r.status).toBe(200);
    const rows = r.body.split('\r\n');
    expect(rows[0]).toBe('partition,offset,timestamp,timestamp_type,key,key_encoding,value,value_encoding,headers');
    expect(rows).toHaveLength(1 + 30 + 1); // header, 30 records, the empty string after the last CRLF
    expect(rows[1]).toBe(
      '0,0,1700000000000,CreateTime,k0,utf8,"{""n"":0,""note"":""a, \\""quoted\\"" ' +
        'value""}",utf8,"[{""key"":""source"",""value"":""mobile""}]"',
    );
  });

  it('says what is wrong with a bad request', async () => {
    const r = await get(`topic=orders&partition=7&token=${TOKEN}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/^UNKNOWN_TOPIC_OR_PARTITION: Partition 7 of topic orders does not exist/);
    expect((await get(`topic=orders&from=-1&token=${TOKEN}`)).body).toMatch(/from must be a whole number/);
    expect((await get(`topic=orders&format=xml&token=${TOKEN}`)).body).toMatch(/format must be jsonl or csv/);
  });
});
