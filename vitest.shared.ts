import { resolve } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Vitest settings every project shares. Each run also writes a JSON report to
 * `.out/test-results/<project>.json`, which `make test` sums into one closing line.
 */
export function projectVitestConfig(project: string): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', '*/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/fixtures/**'],
      // Tests that spawn tools (kubeconform, the NetworkPolicy analyzer) build them once per version on a cold cache.
      testTimeout: 120_000,
      hookTimeout: 30 * 60_000,
      reporters: ['default', 'json'],
      outputFile: { json: resolve(import.meta.dirname, '.out/test-results', `${project}.json`) },
    },
  });
}
