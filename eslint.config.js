// One lint setup for the whole repo. The import rules keep the rooms apart: server/ never
// imports the Electron or Vue code, the renderer never imports the server (what crosses
// the boundary lives in shared/), and inside server/ lower floors never import higher
// ones: engines, runtimes, the render core and the upstream client know nothing of HTTP,
// runtimes know no engine, and the render core does not load Fastify.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const APART = { group: ['**/src-main/**', '**/src-renderer/**'], message: 'server/ must not import the Electron or Vue code.' };
const NO_HTTP_LAYER = {
  group: ['**/api/**', '**/app.js', '**/start.js', '**/cli.js'],
  message: 'Only the HTTP layer (server/api/) and the entries use it; lower floors raise domain errors.',
};
const NO_FASTIFY = { group: ['fastify', '@fastify/*', 'fastify-plugin'], message: 'The render core and what it runs know no HTTP.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.cache/**', '**/*.vue'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        localStorage: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Scripts that run inside the browser pool's pages (an engine's page folder).
    files: ['server/engines/*/page/**/*.js'],
    languageOptions: {
      globals: {
        mermaid: 'readonly',
        BpmnJS: 'readonly',
        XMLSerializer: 'readonly',
        DOMParser: 'readonly',
        Image: 'readonly',
        MutationObserver: 'readonly',
        // draw.io's app (js/app.min.js) on its export page.
        Graph: 'readonly',
        Editor: 'readonly',
        EditorUi: 'readonly',
        mxUtils: 'readonly',
      },
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [APART] }],
    },
  },
  {
    files: ['server/engines/**/*.ts', 'server/render/**/*.ts', 'server/upstream/**/*.ts', 'server/stack/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [APART, NO_HTTP_LAYER, NO_FASTIFY] }],
    },
  },
  {
    files: ['server/runtimes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [APART, NO_HTTP_LAYER, NO_FASTIFY, { group: ['**/engines/**', '**/render/**'], message: 'Runtimes know no engine and no render core.' }] },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/server/**', '**/src-main/**', '**/src-renderer/**', 'node:*'], message: 'shared/ is plain data and types for every side.' }],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+server/', message: 'What crosses the boundary lives in shared/; import it from there.' }] },
      ],
    },
  },
);
