import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    // Tests spawn tools (kubeconform, the netpol analyzer) that build once per version on a cold cache.
    testTimeout: 120_000,
  },
});
