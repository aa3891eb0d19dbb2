/** Types for scripts/build.mjs, for the TypeScript that imports it (the end-to-end global setup). */
export function isStale(): boolean;
export function buildAll(opts?: { quiet?: boolean }): Promise<void>;
export function buildIfStale(opts?: { quiet?: boolean }): Promise<boolean>;
