import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other: the engine, protocol and API tests in
 * parallel first, then the end-to-end tests one file at a time, so that their
 * timings (page jumps, frame gaps) are measured on a machine that is not also
 * running the rest of the suite.
 */
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
          exclude: ['tests/e2e/**'],
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
