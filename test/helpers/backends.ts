// Which test files run on which store backend. The `sqlite` vitest project runs every file; the `postgres` project
// runs, with the backend switched to PostgreSQL, every file that takes its store from test/helpers/test-store.ts
// (directly, or through scimFixture or reviewOrg), except those about one backend only, listed here with the reason.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Test files about one backend only, and why; test/backends.test.ts checks every entry against the files. */
export const oneBackendOnly: Record<string, string> = {
  'test/cli/audit-verify.test.ts': 'tampers with an SQLite file (dropped triggers, edited rows); tampering on both backends is in the store contract suite',
  'test/cli/backup.test.ts': 'rolecall backup copies SQLite files; on PostgreSQL it refuses, which test/cli/postgres-commands.test.ts checks',
  'test/cli/color.test.ts': 'about colour on a terminal: its store is an empty SQLite file, the backend plays no part',
  'test/cli/errors.test.ts': "files that are not SQLite stores (garbage, a directory, another application's database)",
  'test/cli/postgres-commands.test.ts': 'every command against a database URL, on PostgreSQL by its nature',
  'test/cli/read-only-store.test.ts': 'SQLite files on a read-only mount and from before a migration',
  'test/cli/review-commands.test.ts': 'approvals and CODEOWNERS: its store is an empty SQLite file, the backend plays no part',
  'test/cli/start.test.ts': 'npm start, which makes the embedded default, an SQLite file, where none exists',
  'test/cli/store-copy.test.ts': 'copies between SQLite and PostgreSQL, both by its nature',
  'test/cli/store-errors.test.ts': 'an SQLite file from a newer rolecall, written raw',
  'test/cli/token-create.test.ts': 'refuses a --db file that does not exist, and reads an SQLite file opened read-only',
  'test/engine/membership-table.test.ts': 'reads the membership table of an SQLite file edited raw',
  'test/readme-replicas.test.ts': "the README's PostgreSQL replicas, on PostgreSQL by its nature",
  'test/scim/sort.test.ts': 'the SQL text the SQLite backend compiles a sort to (its results on both: test/scim/*.test.ts)',
  'test/server/postgres-at-least.test.ts': 'atLeast across replicas on one PostgreSQL database (on SQLite: test/server/check-provenance.test.ts)',
  'test/server/postgres-faults.test.ts': 'kills a PostgreSQL server of its own',
  'test/server/postgres-pool.e2e.test.ts': "PostgreSQL's connection pool",
  'test/server/postgres-replica-feed.test.ts': 'replicas on one PostgreSQL database',
  'test/server/postgres-replicas.test.ts': 'replicas on one PostgreSQL database',
  'test/server/sqlite-feed.e2e.test.ts': "SQLite's change feed across processes (the WAL)",
  'test/store/cached-store.test.ts': 'counts what the caches ask of an SQLite backend; the caches over both backends are in the store contract suite',
  'test/store/postgres-faults.test.ts': 'PostgreSQL faults',
  'test/store/postgres-feed.test.ts': "PostgreSQL's LISTEN/NOTIFY feed",
  'test/store/postgres-store.test.ts': 'the PostgreSQL backend itself',
  'test/store/postgres.contract.test.ts': 'the store contract suite, on PostgreSQL (test/store/sqlite.contract.test.ts runs it on SQLite)',
  'test/store/sqlite-audit-head.test.ts': 'the SQLite backend itself',
  'test/store/sqlite-audit.test.ts': 'the SQLite backend itself',
  'test/store/sqlite-errors.test.ts': "SQLite's error codes",
  'test/store/sqlite-feed.test.ts': "SQLite's change feed across store objects",
  'test/store/sqlite-filter-sql.test.ts': 'the SQL text of the SQLite backend',
  'test/store/sqlite-store.test.ts': 'the SQLite backend itself',
  'test/store/sqlite-write-lock.test.ts': "SQLite's write lock across processes",
  'test/store/sqlite.contract.test.ts': 'the store contract suite, on SQLite (test/store/postgres.contract.test.ts runs it on PostgreSQL)',
}

/** What marks a test file as opening a store of one backend, by its own means rather than test-store.ts. */
export const opensOneBackend = /src\/store\/(?:sqlite|postgres)\/|helpers\/(?:sqlite-file|postgres-db|postgres-location|postgres\.mjs|memory-store)\.js|better-sqlite3|from 'postgres'/

/** What marks a test file as taking its store from the backend under test. */
const usesTestStore = /from '\.\.?\/(?:\.\.\/)?helpers\/test-store\.js'|\bscimFixture\(|\breviewOrg\(/

/** Every test file under `root` (test/), as a path relative to the repository (test/...), sorted. */
export function testFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join('test', name))
    .sort()
}

/** Whether the test file at `path` (its text `source`) runs in the postgres project. */
export function runsOnBothBackends(path: string, source: string): boolean {
  return usesTestStore.test(source) && !(path in oneBackendOnly)
}

/** The test files the postgres project runs, relative to the repository at `repo`. */
export function postgresProjectFiles(repo: string): string[] {
  return testFiles(join(repo, 'test')).filter((path) => runsOnBothBackends(path, readFileSync(join(repo, path), 'utf8')))
}
