import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other: the engine, protocol and API tests in
 * parallel first (with them the renderer's stores and helpers in a DOM
 * environment, on a fake transport), then the end-to-end tests one file at a
 * time, so that their timings (page jumps, frame gaps) are measured on a
 * machine that is not also running the rest of the suite.
 */
const root = import.meta.dirname;
export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    // Any unhandled rejection or uncaught exception fails the test during which it surfaced.
    setupFiles: ['tests/support/fail-on-unhandled.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'tests/renderer/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        plugins: [vue()],
        resolve: { alias: { '@core': resolve(root, 'core'), '@electron': resolve(root, 'electron') } },
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts'],
          environment: 'happy-dom',
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // Builds the renderer and serve mode when stale.
          globalSetup: ['tests/e2e/global-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
