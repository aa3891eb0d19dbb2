/**
 * Builds the desktop app's three parts into out/: the main process (ESM,
 * dependencies left external so native LevelDB bindings load from
 * node_modules), the sandboxed preload (one CommonJS file with the API's
 * method list compiled in) and the renderer (also served by serve mode).
 */
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { EVENT_NAMES, METHOD_NAMES } from './core/api/api';
import { contentSecurityPolicy } from './core/host/csp';

const root = import.meta.dirname;
const alias = { '@core': resolve(root, 'core'), '@electron': resolve(root, 'electron') };

/** The page's CSP as a meta tag, from the same source as the headers, for pages whose responses carry no header. */
function cspMeta(): Plugin {
  return {
    name: 'noticeboard-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true }) },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(root, 'electron/main.ts') } },
    },
  },
  preload: {
    resolve: { alias },
    define: {
      __NOTICEBOARD_API_MANIFEST__: JSON.stringify({ methods: METHOD_NAMES, events: EVENT_NAMES }),
    },
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload.ts') },
        // Sandboxed preloads are run as classic scripts: CommonJS, one file, only `electron` required.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    resolve: { alias },
    plugins: [vue(), cspMeta()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      minify: true,
      chunkSizeWarningLimit: 1500,
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
