/**
 * WebSocket backpressure on replies: a client that sends 300 readRecords
 * calls (each answered by about 0.35 MB) and does not read costs the server a
 * bounded amount of memory, gets every reply once it reads, and leaves
 * nothing behind when it closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startServe, type ServeHandle } from '../../../core/host/serve';
import { FakeCluster } from '../../support/fake-cluster';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = 300;
const RECORDS = 100;
const VALUE_BYTES = 2_500;
/** ws-server's budget of unsent bytes, and the calls it runs at once. */
const BUDGET = 8 * 1024 * 1024;
const IN_FLIGHT = 8;

let handle: ServeHandle;

const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
};
const mb = (n: number) => Math.round(n / 1024 / 1024);

const dataDir = mkdtempSync(join(tmpdir(), 'nb-backpressure-'));

beforeAll(async () => {
  let cluster: FakeCluster;
  handle = await startServe({
    dataDir,
    brokers: 1,
    host: '127.0.0.1',
    port: 0,
    staticDir: null,
    version: 'test',
    openCluster: async () => (cluster = new FakeCluster(1)),
    feed: { coalesceMs: 5, metricsIntervalMs: 1000 },
  });
  await cluster!.createTopic({ name: 'big', partitions: 1, replicationFactor: 1 });
  await cluster!.produce(
    'big',
    Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(VALUE_BYTES, i % 256) })),
  );
});

afterAll(async () => {
  await handle?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(handle.server.wsUrl, { headers: { Origin: `http://127.0.0.1:${handle.server.port}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('a client that floods calls and does not read', () => {
  it('holds the server to a bounded buffer, answers every call once read, and frees everything on close', async () => {
    const before = memory();
    const ws = await open();
    const replies = new Map<number, number>();
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as { id?: number; ok?: boolean; result?: unknown[] };
      if (typeof f.id === 'number') replies.set(f.id, f.ok ? (f.result?.length ?? -1) : -1);
    });
    ws.pause(); // stop reading: replies pile up unless the server holds back
    for (let id = 0; id < CALLS; id++) {
      ws.send(
        JSON.stringify({
          id,
          method: 'readRecords',
          params: { topic: 'big', partition: 0, start: { type: 'earliest' }, limit: RECORDS },
        }),
      );
    }

    // The server runs what the budget allows, then every further call waits.
    await vi.waitFor(
      () => {
        const [load] = handle.server.connections();
        expect(load).toBeDefined();
        expect(load!.inFlight).toBe(0);
        // On a loaded machine the client's calls may still be arriving when the first ones have run:
        // wait until most of them are in, and held back.
        expect(load!.queued).toBeGreaterThan(CALLS / 2);
      },
      { timeout: 30_000, interval: 50 },
    );
    const [load] = handle.server.connections();
    const during = memory();
    const replyBytes = RECORDS * (Math.ceil(VALUE_BYTES / 3) * 4 + 200);
    console.log(
      `ws flood: server buffered ${mb(load!.bufferedBytes)} MB with ${load!.queued} calls waiting (paused: ${load!.paused}); ` +
        `heap+buffers ${mb(before.heap)} -> ${mb(during.heap)} MB, rss ${mb(before.rss)} -> ${mb(during.rss)} MB`,
    );
    expect(load!.bufferedBytes).toBeLessThanOrEqual(BUDGET + IN_FLIGHT * replyBytes);
    expect(load!.queued).toBeGreaterThan(CALLS / 2);
    // Unbounded, the 300 replies (about 100 MB of JSON) would all be held here.
    expect(during.heap - before.heap).toBeLessThan(BUDGET + 2 * IN_FLIGHT * replyBytes + 64 * 1024 * 1024);

    ws.resume();
    await vi.waitFor(() => expect(replies.size).toBe(CALLS), { timeout: 60_000, interval: 50 });
    expect([...replies.values()].every((n) => n === RECORDS)).toBe(true);

    // Flood again, close without reading, and check the server lets go of it all.
    ws.pause();
    for (let id = CALLS; id < CALLS + 100; id++) {
      ws.send(
        JSON.stringify({
          id,
          method: 'readRecords',
          params: { topic: 'big', partition: 0, start: { type: 'earliest' }, limit: RECORDS },
        }),
      );
    }
    await vi.waitFor(() => expect(handle.server.connections()[0]?.queued ?? 0).toBeGreaterThan(0), {
      timeout: 30_000,
      interval: 50,
    });
    ws.terminate();
    await vi.waitFor(() => expect(handle.server.connections()).toEqual([]), { timeout: 10_000, interval: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const after = memory();
    console.log(
      `ws flood: after close heap+buffers ${mb(after.heap)} MB (before ${mb(before.heap)} MB), rss ${mb(after.rss)} MB`,
    );
    expect(after.heap - before.heap).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);
});
