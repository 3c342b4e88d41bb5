// Shared Vitest settings: workspace packages resolve to their TypeScript sources (the "aurola-source" export
// condition), so tests never depend on a prior build.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['aurola-source'] },
  // Vitest runs tests in Vite's SSR environment, which takes its own resolve conditions.
  ssr: { resolve: { conditions: ['aurola-source'], externalConditions: ['aurola-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});
