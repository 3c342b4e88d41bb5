// Shared Vitest settings: workspace packages resolve to their TypeScript sources (the "aurola-source" export
// condition), so tests never depend on a prior build.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['aurola-source'] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
