import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A real PostgreSQL server for the tests that need one; the run fails, loudly, when PostgreSQL is missing.
    globalSetup: ['test/helpers/postgres-global.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
})
