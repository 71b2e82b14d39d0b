// Which test files run on which store backend. The `sqlite` vitest project runs every file; the `postgres` project
// runs, with the backend switched to PostgreSQL, every file that takes its store from test/helpers/test-store.ts
// (directly, or through scimFixture or reviewOrg), except those about one backend only, listed here with the reason.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Test files about one backend only, and why; test/backends.test.ts checks every entry against the files. */
export const oneBackendOnly: Record<string, string> = {}

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
