/**
 * Lint rules, and the layers as import rules (README "Layout"). Each layer imports only downward:
 *
 *   errors, protocol (codecs, no engine state)
 *   record -> storage -> cluster -> groups -> workload
 *   -> kafka-server (Kafka wire) / service (the API implementation) -> remote (a real cluster behind the
 *   service's engine ports) -> host (composition root, serve mode), electron/
 *
 * core/api/ is the API contract: what the renderer may load. renderer/ is a browser page: it imports only that
 * contract (core/api/api.ts, client.ts, ws-transport.ts, ws-protocol.ts) and, as types, the engine shapes the
 * contract returns (core/cluster/types.ts,
 * core/groups/types.ts) and the preload bridge's type. core/ never imports Electron, Vue, electron/ or renderer/,
 * so the engine runs in plain Node.
 *
 * Imports are matched as written (relative or `@core/`), which is exact here because core/ uses relative
 * imports and hosts use `@core/`; tests are not layered.
 */
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const UI_PACKAGES = ['electron', 'vue', 'pinia', 'vue-router', 'naive-ui', 'echarts', 'vue-echarts'];

/** Folders of core/ by layer, lowest first; a layer may import those listed before it and itself. */
const CORE_LAYERS = {
  record: ['errors'],
  protocol: ['errors'],
  storage: ['errors', 'record'],
  cluster: ['errors', 'record', 'storage'],
  groups: ['errors', 'record', 'protocol', 'storage', 'cluster'],
  workload: ['errors', 'record', 'storage', 'cluster', 'groups'],
  'kafka-server': ['errors', 'record', 'protocol', 'storage', 'cluster', 'groups'],
  // The API implementation adapts the engine to the contract; the hosts open it, not the other way round.
  service: ['errors', 'record', 'protocol', 'storage', 'cluster', 'groups', 'workload', 'api'],
  // A remote cluster implements the service's engine ports over the Kafka wire (core/remote/README.md).
  remote: ['errors', 'record', 'protocol', 'storage', 'cluster', 'groups', 'workload', 'service', 'api'],
  host: [
    ...['errors', 'record', 'protocol', 'storage', 'cluster', 'groups', 'workload', 'kafka-server', 'service', 'api'],
    'remote',
  ],
};
const CORE_FOLDERS = [
  ...['errors', 'record', 'protocol', 'storage', 'cluster', 'groups', 'workload'],
  ...['kafka-server', 'service', 'remote', 'host', 'api'],
];

/** core/api/ holds only the contract the renderer loads. */
const API_CONTRACT = ['api', 'client', 'ws-transport', 'ws-protocol'];

const uiPackages = { regex: `^(${UI_PACKAGES.join('|')})(/|$)`, message: 'core/ runs in plain Node: no UI packages.' };
const uiFolders = {
  regex: '(^|/)(electron|renderer)(/|$)|^@electron/',
  message: 'core/ must not import the hosts or the page (electron/, renderer/).',
};

function coreLayer(layer, allowed) {
  const forbidden = CORE_FOLDERS.filter((f) => f !== layer && !allowed.includes(f));
  return {
    files: [`core/${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            uiPackages,
            uiFolders,
            {
              regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`,
              message: `core/${layer} may import only ${allowed.join(', ')} (the layers below it).`,
            },
          ],
        },
      ],
    },
  };
}

const alternatives = (names) => names.join('|');

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', 'coverage/', '.vite/', 'tests/artifacts/', '**/*.generated.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed bindings are deliberately unused (interface parameters, skipped tuple slots).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Buffers and wire decoders work on untyped JSON at the edges; `any` there is flagged where it is written.
      '@typescript-eslint/no-explicit-any': 'error',
      // Empty `catch {}` is how best-effort cleanup is written here (closing an already-closed socket).
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Binary protocol code masks and shifts bytes; control characters in regexes are intended there.
      'no-control-regex': 'off',
      // `while (true)` loops with a break are the readers' idiom.
      'no-constant-condition': ['error', { checkLoops: false }],
      // `typeof import('x')` types the lazily loaded native codecs without loading them.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // `== null` covers null and undefined together; any other loose comparison says why where it is written.
      eqeqeq: ['error', 'smart'],
      // Getters in an object literal have their own `this`; `self` is the one name for the outer one.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
      globals: { ...globals.browser },
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^@core/(?!(api/(${alternatives(API_CONTRACT)})|cluster/types|groups/types)$)`,
              message: 'renderer/ imports only the API contract (core/api/api.ts, client.ts, ws-transport.ts).',
            },
            {
              regex: '^@core/(cluster|groups)/types$',
              allowTypeImports: true,
              message: 'renderer/ takes only types from the engine modules; values come through the API.',
            },
            {
              regex: '^@electron/(?!ipc-contract$)',
              message: 'renderer/ reaches the main process only through the preload bridge.',
            },
            { regex: '^@electron/ipc-contract$', allowTypeImports: true, message: 'The bridge is a type here.' },
            { regex: '^(\\.\\./)+(core|electron)(/|$)', message: 'Use @core/ (contract modules only).' },
            { regex: '^(electron|node:.*|ws|classic-level|level)$', message: 'renderer/ is a browser page.' },
          ],
        },
      ],
    },
  },
  ...Object.entries(CORE_LAYERS).map(([layer, allowed]) => coreLayer(layer, allowed)),
  {
    files: ['core/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [uiPackages, uiFolders] }] },
  },
  {
    // The API contract: loaded by the renderer, so it takes only types from the engine and nothing that runs it
    // (values only from the error table and the engine's size limits, plain constants).
    files: ['core/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            uiPackages,
            uiFolders,
            {
              regex: '^\\.\\./(?!(errors|cluster/limits)$)',
              allowTypeImports: true,
              message: 'The contract takes only types from the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    // The desktop host: opens the engine in the main process; the page is separate (loaded by URL, not imported).
    files: ['electron/**/*.{ts,mjs}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)renderer(/|$)', message: 'The main process does not import the page.' }] },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // Tests build fakes from partial objects and read untyped JSON from the wire.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
