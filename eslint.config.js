// One lint setup for the whole repo. The import rules keep the rooms apart: server/ never
// imports the Electron or Vue code, and the renderer reaches the server only through the
// shared API types module.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // Scripts that run inside the browser pool's pages.
    files: ['server/runtimes/browser-assets/**/*.js'],
    languageOptions: { globals: { mermaid: 'readonly', XMLSerializer: 'readonly', DOMParser: 'readonly' } },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src-main/**', '**/src-renderer/**'], message: 'server/ must not import the Electron or Vue code.' }] },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.ts', 'src-main/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+server/(?!api/types(\\.js)?$)', message: 'Only server/api/types may be imported from server/.' }] },
      ],
    },
  },
);
