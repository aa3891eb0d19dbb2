/**
 * electron-builder.yml as electron-builder itself reads and validates it: the fuses that harden the packaged
 * binary are set, and every native addon is unpacked from the asar archive.
 */
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

describe('desktop packaging config', () => {
  it("passes electron-builder's schema, sets the fuses: no run-as-node, NODE_OPTIONS, inspect; asar only", async () => {
    const config = await getConfig(root, 'electron-builder.yml', null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', '**/node_modules/classic-level/**']));
    expect(config.mac?.x64ArchFiles).toBe('**/*.node');
  });
});
