import { defineConfig } from 'vitest/config';

// One run covers every room: core (pure), server on the embedded PGlite database, the same server
// tests on a real PostgreSQL server (DATABASE_URL, set by scripts/test.mjs), and browser tests.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/src/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'server-pglite',
          include: ['packages/server/src/**/*.test.ts'],
          env: { CITYWATCH_TEST_DB: 'pglite' },
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'server-pg',
          // Only tests that touch the database run twice; *.db.test.ts marks them.
          include: ['packages/server/src/**/*.db.test.ts'],
          env: { CITYWATCH_TEST_DB: 'postgres' },
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          testTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
