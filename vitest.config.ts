import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { postgresProjectFiles } from './test/helpers/backends.js'

const repo = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  test: {
    // A real PostgreSQL server for the tests that need one; the run fails, loudly, when PostgreSQL is missing.
    globalSetup: ['test/helpers/postgres-global.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      // Every test, with SQLite as the backend under test (test/helpers/test-store.ts).
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], provide: { storeBackend: 'sqlite' } } },
      // Every test that touches the store, once more with PostgreSQL as the backend under test (test/helpers/backends.ts).
      { extends: true, test: { name: 'postgres', include: postgresProjectFiles(repo), provide: { storeBackend: 'postgres' } } },
    ],
  },
})
