import { defineConfig } from 'vitest/config';

// These tests exercise the built packages (dist/) the way a plain Node.js user imports them, so unlike the libs
// they do not resolve workspace packages to their TypeScript sources.
export default defineConfig({ test: { include: ['*.test.ts'], testTimeout: 120_000, pool: 'forks' } });
