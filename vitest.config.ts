import { defineConfig } from 'vitest/config';

// Unit and integration tests against a real database: PGlite per test file (started from one
// migrated snapshot built in global setup), or PostgreSQL when TEST_DATABASE_URL is set.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', '**/node_modules/**', 'dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
