import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrokerCheckpoint, CHECKPOINT_FILE } from '../../../core/storage/broker-checkpoint';
import { tempDir } from '../../helpers/temp-cluster';

describe('replica checkpoint', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const d of dirs.splice(0)) d.remove();
  });

  it('never writes after close, so a late note cannot race the next incarnation of the store', async () => {
    vi.useFakeTimers();
    const dir = tempDir();
    dirs.push(dir);
    const old = BrokerCheckpoint.load(dir.path);
    old.incarnationId = 'first';
    old.note('t:0', { logEndOffset: 5, leaderEpoch: 1, unclean: false });
    await old.close(true);
    const file = join(dir.path, CHECKPOINT_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8')).replicas).toEqual({ 't:0': [5, 1, 0] });

    // The broker restarted: a new checkpoint owns the file. The old one's replica notes a state late.
    const next = BrokerCheckpoint.load(dir.path);
    next.note('t:0', { logEndOffset: 9, leaderEpoch: 2, unclean: false });
    old.note('t:0', { logEndOffset: 7, leaderEpoch: 1, unclean: true });
    await old.save();
    expect(JSON.parse(readFileSync(file, 'utf8')).replicas).toEqual({ 't:0': [5, 1, 0] });
    await vi.advanceTimersByTimeAsync(5_000);
    await next.close(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).replicas).toEqual({ 't:0': [9, 2, 0] });
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });
});
