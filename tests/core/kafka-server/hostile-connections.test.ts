/**
 * Hostile connections to the Kafka listeners: idle ones close after
 * connections.max.idle.ms, an unfinished request frame has a deadline,
 * 2,000 silent or half-sent connections are all closed, a request trickled
 * one byte per segment is still served, a user cannot create Kafka's
 * internal topics, and bad connections do not flood the default log.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEYS, encodeRequest } from '../../../core/protocol/index';
import { RawClient, sleep, startKafka, type TestKafka } from './helpers';

const IDLE_MS = 600;
const FRAME_MS = 300;

let k: TestKafka;

beforeAll(async () => {
  k = await startKafka({
    groups: false,
    cluster: { brokers: 1 },
    // 2,000 connections from one address: above the default max.connections.per.ip (1,000), which
    // hostile-connection-caps.test.ts covers; here the deadlines must close them, not the cap.
    listeners: { connectionsMaxIdleMs: IDLE_MS, requestFrameTimeoutMs: FRAME_MS, maxConnectionsPerIp: 5000 },
  });
});

afterAll(async () => {
  await k?.stop();
});

const open = () => k.kafka.connectionCounts()[0]!.connections;

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.off('error', reject);
      // The broker is expected to cut these connections, and a write racing the cut ends in ECONNRESET:
      // that is the behaviour under test, not a failure, so the socket always has a listener.
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const closed = (s: Socket) =>
  new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('connections.max.idle.ms', () => {
  it('closes a connection without traffic, and keeps one that keeps talking', async () => {
    const quiet = await RawClient.connect(k.port(0));
    const chatty = await RawClient.connect(k.port(0));
    let talking = true;
    const talk = (async () => {
      while (talking) {
        await chatty.request(API_KEYS.ApiVersions, 3, { clientSoftwareName: 'chatty', clientSoftwareVersion: '1' });
        await sleep(IDLE_MS / 4);
      }
    })();
    await quiet.closed;
    expect(k.logs.some((e) => e.type === 'idle' && /connections\.max\.idle\.ms/.test(e.message))).toBe(true);
    // The chatty one outlived the quiet one's idle time several times over.
    await sleep(IDLE_MS * 2);
    expect(chatty.isClosed).toBe(false);
    talking = false;
    await talk;
    chatty.close();
  });
});

describe('unfinished request frames', () => {
  it('closes a connection whose frame stays unfinished past the deadline, even while it trickles bytes', async () => {
    const s = await rawSocket(k.port(0));
    const frame = encodeRequest(API_KEYS.ApiVersions, 3, 1, 'slow', {
      clientSoftwareName: 'slow'.repeat(100),
      clientSoftwareVersion: '1',
    });
    let i = 0;
    // One byte every FRAME_MS / 6, far more often than the idle time: never idle, never finished.
    const trickle = setInterval(() => {
      if (i < frame.length - 1 && !s.destroyed) s.write(frame.subarray(i, ++i));
    }, FRAME_MS / 6);
    await closed(s);
    clearInterval(trickle);
    expect(i).toBeLessThan(frame.length - 1);
    expect(k.logs.some((e) => e.type === 'frame-timeout' && e.level === 'warn')).toBe(true);
  });

  it('serves a request sent one byte per TCP segment', async () => {
    const c = await RawClient.connect(k.port(0));
    c.socket.setNoDelay(true);
    const frame = encodeRequest(API_KEYS.Metadata, 12, 7, 'bytewise', {
      topics: [],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    for (let i = 0; i < frame.length; i++) {
      c.write(frame.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(c.frames.length).toBe(1), { timeout: 5000 });
    expect(c.frames[0]!.readInt32BE(0)).toBe(7);
    c.close();
  });
});

describe('2,000 half-open connections', () => {
  it('are all closed: silent ones at the idle time, half-sent ones at the frame deadline', async () => {
    const idleBefore = k.logs.filter((e) => e.type === 'idle').length;
    const deadlineBefore = k.logs.filter((e) => e.type === 'frame-timeout').length;
    const sockets: Socket[] = [];
    const partial = encodeRequest(API_KEYS.ApiVersions, 3, 1, 'half', {
      clientSoftwareName: 'half',
      clientSoftwareVersion: '1',
    }).subarray(0, 9);
    for (let i = 0; i < 2000; i++) {
      const s = await rawSocket(k.port(0));
      if (i % 2 === 1) s.write(partial);
      sockets.push(s);
    }
    // The clients never close them: the broker does.
    await Promise.all(sockets.map(closed));
    await vi.waitFor(() => expect(open()).toBe(0), { timeout: 10_000 });
    const idle = k.logs.filter((e) => e.type === 'idle').length - idleBefore;
    const deadline = k.logs.filter((e) => e.type === 'frame-timeout').length - deadlineBefore;
    // Every connection is closed by one of the two rules. A silent one never counts as half-sent; a half-sent
    // one whose 9 bytes reach the broker only after the idle time (a loaded machine) is closed as idle.
    expect(idle + deadline).toBe(2000);
    expect(idle).toBeGreaterThanOrEqual(1000);
    expect(deadline).toBeGreaterThan(900);
  }, 60_000);
});

describe('internal topics over the wire', () => {
  it('refuses CreateTopics for __consumer_offsets with INVALID_REQUEST, as Kafka does', async () => {
    const c = await RawClient.connect(k.port(0));
    const r = await c.request(API_KEYS.CreateTopics, 7, {
      topics: [{ name: '__consumer_offsets', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(r.topics[0]).toMatchObject({
      name: '__consumer_offsets',
      errorCode: 42,
      errorMessage: 'Creation of internal topic __consumer_offsets is prohibited.',
    });
    expect(k.cluster.listTopics({ includeInternal: true }).map((t) => t.name)).not.toContain('__consumer_offsets');
    c.close();
  });
});

describe('the default log under a flood of bad connections', () => {
  let writes: string[];
  afterEach(() => vi.restoreAllMocks());

  it('writes a few lines per kind of refusal, not one per connection', async () => {
    const own = await startKafka({ groups: false, cluster: { brokers: 1 }, listeners: { log: undefined } });
    writes = [];
    const original = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const line = String(chunk);
      if (line.startsWith('[kafka broker')) {
        writes.push(line);
        return true;
      }
      return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write);
    try {
      const bad = Buffer.from([0xff, 0xff, 0xff, 0xf0]); // a negative frame size
      for (let i = 0; i < 200; i++) {
        const s = await rawSocket(own.port(0));
        s.on('error', () => undefined);
        s.write(bad);
        await closed(s);
      }
      const malformed = writes.filter((l) => l.includes(' malformed '));
      expect(malformed.length).toBeGreaterThan(0);
      expect(malformed.length).toBeLessThanOrEqual(5);
    } finally {
      vi.restoreAllMocks();
      await own.stop();
    }
  }, 60_000);
});
