import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Three tiers, each its own project so CI can report them separately.
// Real engines (JVM, Chromium, WASM) start in integration and e2e: generous timeouts,
// and files run one at a time on a 2-core machine to keep timings honest.
export default defineConfig({
  // Renderer component tests import .vue files (they pick happy-dom per file).
  plugins: [vue()],
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // Playwright's Electron support against the real app; skipped with the reason where no Electron binary exists.
        extends: true,
        test: {
          name: 'electron',
          include: ['tests/electron/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // Real containers (scripts/test-docker.sh builds the image and sets DOCKER_TEST_IMAGE).
        extends: true,
        test: {
          name: 'docker',
          include: ['tests/docker/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
