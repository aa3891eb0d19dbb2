/**
 * Exposure in serve mode: the UI and the Kafka ports bind separately. --host
 * moves only the UI off loopback; the unauthenticated Kafka ports move only
 * with --kafka-host, and each exposure is announced in words.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exposureWarnings, isLoopback } from '../../../core/host/exposure';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('exposureWarnings', () => {
  it('says nothing while both stay on loopback', () => {
    expect(exposureWarnings('127.0.0.1', '127.0.0.1')).toEqual([]);
    expect(exposureWarnings('localhost', '::1')).toEqual([]);
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('192.168.1.4')).toBe(false);
  });

  it('warns about the UI and, separately, about Kafka ports without SASL', () => {
    const [ui] = exposureWarnings('0.0.0.0', '127.0.0.1');
    expect(ui).toMatch(/UI and its WebSocket API listen on every network interface .*token/);
    expect(exposureWarnings('0.0.0.0', '127.0.0.1')).toHaveLength(1);
    const [kafka] = exposureWarnings('127.0.0.1', '192.168.1.4');
    expect(kafka).toMatch(
      /Kafka ports listen on 192\.168\.1\.4 without any authentication \(no SASL\).*read, write and delete every topic/,
    );
    expect(exposureWarnings('127.0.0.1', '0.0.0.0', true)[0]).toMatch(/SASL is required/);
  });
});

/** The first address of this machine that is not loopback, if it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function serve(
  args: string[],
): Promise<{ out: string; uiPort: number; kafkaPort: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nb-exposure-'));
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      join(ROOT, 'core/host/cli.ts'),
      '--data-dir',
      dataDir,
      '--brokers',
      '1',
      '--port',
      '0',
      '--kafka-port',
      '0',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const check = () => /Press Ctrl-C/.test(out) && resolve();
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`serve mode exited:\n${out}`)));
  });
  const uiPort = Number(/Open in your browser:\s+http:\/\/[^:]+:(\d+)/.exec(out)![1]);
  const kafkaPort = Number(/Kafka bootstrap:\s+[^:\s]+:(\d+)/.exec(out)![1]);
  return {
    out,
    uiPort,
    kafkaPort,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('serve mode binding', () => {
  it('keeps the Kafka ports on loopback when --host exposes the UI, and warns about the UI only', async () => {
    const s = await serve(['--host', '0.0.0.0']);
    try {
      expect(s.out).toMatch(/Warning: the UI and its WebSocket API listen on every network interface/);
      expect(s.out).not.toMatch(/Kafka ports listen on/);
      expect(s.out).toMatch(/Kafka bootstrap:\s+127\.0\.0\.1:/);
      expect(await reachable('127.0.0.1', s.kafkaPort)).toBe(true);
      if (external) {
        expect(await reachable(external, s.uiPort)).toBe(true);
        expect(await reachable(external, s.kafkaPort)).toBe(false);
      }
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('moves the Kafka ports with --kafka-host, and says they have no authentication', async () => {
    const s = await serve(['--kafka-host', '0.0.0.0']);
    try {
      expect(s.out).toMatch(
        /Warning: the Kafka ports listen on every network interface \(0\.0\.0\.0\) without any authentication \(no SASL\)/,
      );
      expect(s.out).not.toMatch(/UI and its WebSocket API listen on/);
      if (external) {
        expect(await reachable(external, s.kafkaPort)).toBe(true);
        expect(await reachable(external, s.uiPort)).toBe(false);
      }
    } finally {
      await s.stop();
    }
  }, 60_000);
});
