import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogCleaner } from '../../core/cluster/log-cleaner';
import { FileLogger } from '../../core/logger';
import { KafkaError } from '../../core/errors';
import { openCluster, tempDir } from '../helpers/temp-cluster';
import { EngineApi } from '../../core/service/engine-api';

describe('engine log', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) d.remove();
  });

  it('writes level, source, message and the error name, code and message, creating its folder', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, 'logs', 'noticeboard.log');
    const log = new FileLogger(path, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    log.warn('replica-fetcher', 'Fetching t-0 failed', new KafkaError('NOT_LEADER_OR_FOLLOWER', 'moved'));
    expect(readFileSync(path, 'utf8')).toBe(
      '2026-01-02T03:04:05.000Z WARN [replica-fetcher] Fetching t-0 failed: KafkaError NOT_LEADER_OR_FOLLOWER: moved\n',
    );
  });

  it('writes a repeated failure once per window, then says how often it was repeated', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, 'n.log');
    let now = 0;
    const log = new FileLogger(path, { now: () => now });
    for (let i = 0; i < 100; i++) log.warn('cleaner', 'Cleaning failed');
    now = 11_000;
    log.warn('cleaner', 'Cleaning failed');
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('(repeated 99 more times)');
  });

  it('rotates past its size cap, keeping a fixed number of old files', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, 'n.log');
    let now = 0;
    const log = new FileLogger(path, { maxBytes: 200, rotations: 2, now: () => now });
    for (let i = 0; i < 50; i++) {
      now += 20_000;
      log.info('test', `line ${i} ${'x'.repeat(40)}`);
    }
    expect(readFileSync(path, 'utf8').length).toBeLessThanOrEqual(200);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    expect(readFileSync(path, 'utf8')).toContain('line 49');
  });

  it('never throws into its caller when the file cannot be written', () => {
    const dir = tempDir();
    dirs.push(dir);
    // A file where the log folder should be: every write fails.
    writeFileSync(join(dir.path, 'logs'), 'not a folder');
    const log = new FileLogger(join(dir.path, 'logs', 'n.log'));
    expect(() => log.error('test', 'boom', new Error('x'))).not.toThrow();
  });

  it('a cluster logs to <dataDir>/logs/noticeboard.log by default, and getServerInfo names that path', async () => {
    const env = await openCluster();
    try {
      const path = join(env.dataDir, 'logs', 'noticeboard.log');
      expect(env.cluster.logger.path).toBe(path);
      const api = new EngineApi(env.cluster, { transport: 'websocket', dataDir: env.dataDir, version: '0.0.0' });
      const session = api.openSession(() => undefined);
      const info = await session.call('getServerInfo', {});
      expect(info.ok && (info.result as { logFile: string }).logFile).toBe(path);
      api.close();
      // A background failure lands in it instead of being dropped: here the log cleaner's.
      await env.cluster.createTopic({ name: 'kept', partitions: 1, replicationFactor: 1 });
      vi.spyOn(LogCleaner.prototype, 'clean').mockRejectedValue(new Error('disk gone'));
      await env.cluster.runLogCleaner();
      expect(readFileSync(path, 'utf8')).toContain('WARN [log-cleaner] Cleaning kept-0 failed: Error: disk gone');
    } finally {
      await env.cleanup();
      rmSync(env.dataDir, { recursive: true, force: true });
    }
  });
});
