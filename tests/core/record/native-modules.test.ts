import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeLoadFailure, nativePlatform, requireNative } from '../../../core/record/native';

const CHILD = fileURLToPath(new URL('./native-missing.child.ts', import.meta.url));
const NATIVE = ['classic-level', 'snappy', 'lz4-napi', '@mongodb-js/zstd', '@node-rs/crc32'];

/** Runs the child with `blocked` unresolvable; resolves with its JSON report. */
function runChild(blocked: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...blocked], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>);
    });
  });
}

describe('native modules', () => {
  it('names the module and the platform when an addon does not load', () => {
    expect(() => requireNative('noticeboard-no-such-addon', (m) => new RangeError(m))).toThrow(RangeError);
    expect(() => requireNative('noticeboard-no-such-addon', (m) => new Error(m))).toThrow(
      `the native module noticeboard-no-such-addon did not load on ${process.platform}-${process.arch}`,
    );
    expect(nativePlatform()).toBe(`${process.platform}-${process.arch}`);
    expect(nativeLoadFailure('x', new Error('first\nsecond'))).toBe(
      `the native module x did not load on ${nativePlatform()} (first)`,
    );
  });

  it('imports the engine, the Kafka server and the composition root without loading any addon', async () => {
    const report = await runChild([]);
    expect(report.loadedAtImport).toEqual([]);
    expect(report.open).toBe('opened');
    expect(report.snappy).toBe('compressed');
  });

  it('starts without every addon: stores, snappy fail naming module and platform; gzip, CRC-32C work', async () => {
    const report = await runChild(NATIVE);
    expect(report.loadedAtImport).toEqual([]);
    const platform = `${process.platform}-${process.arch}`;
    expect(report.open).toMatchObject({ name: 'KAFKA_STORAGE_ERROR' });
    expect((report.open as { message: string }).message).toContain(
      `native module classic-level did not load on ${platform}`,
    );
    expect(report.snappy).toMatchObject({ name: 'UNSUPPORTED_COMPRESSION_TYPE' });
    expect((report.snappy as { message: string }).message).toContain(
      `native module snappy did not load on ${platform}`,
    );
    expect(report.gzip).toBe('123456789');
    const crc = report.crc as { native: number; portable: number };
    expect(crc.native).toBe(crc.portable);
    expect(crc.portable).toBe(0xe3069283);
    expect(report.warnings).toEqual([
      expect.stringContaining(`native module @node-rs/crc32 did not load on ${platform}`),
    ]);
  });
});
