// Every test that touches the store runs on both backends, or is listed, with the reason, as about one backend only
// (test/helpers/backends.ts): none runs on SQLite alone unnoticed, and the list names no file that does not exist.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { oneBackendOnly, opensOneBackend, postgresProjectFiles, runsOnBothBackends, testFiles } from './helpers/backends.js'
import { repoRoot } from './helpers/cli.js'

const files = testFiles(join(repoRoot, 'test'))
const sourceOf = (path: string) => readFileSync(join(repoRoot, path), 'utf8')

describe('the backends each test runs on', () => {
  it('lists, with a reason, every test file that opens a store of one backend by its own means and does not run on both', () => {
    const unlisted = files.filter((path) => opensOneBackend.test(sourceOf(path)) && !runsOnBothBackends(path, sourceOf(path)) && !(path in oneBackendOnly))
    expect(
      unlisted,
      'take the store from test/helpers/test-store.ts (await testStore() for memoryStore(), testDbLocation() for a file path, openTestStore(db) for openSqliteStore(db)), or list the file in test/helpers/backends.ts with the reason',
    ).toEqual([])
  })

  it('names only test files that exist, each with a reason', () => {
    for (const [path, reason] of Object.entries(oneBackendOnly)) {
      expect(files, path).toContain(path)
      expect(reason.length, path).toBeGreaterThan(10)
    }
  })

  it('runs the SCIM, check API, apply and end-to-end tests on PostgreSQL too', () => {
    const both = postgresProjectFiles(repoRoot)
    for (const path of ['test/scim/users.test.ts', 'test/server/api.test.ts', 'test/apply/reconcile.test.ts', 'test/server/serve.e2e.test.ts', 'test/cli/plan-apply.test.ts', 'test/server/check-service.test.ts']) expect(both).toContain(path)
    for (const path of Object.keys(oneBackendOnly)) expect(both).not.toContain(path)
  })
})
