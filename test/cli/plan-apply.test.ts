// rolecall plan and apply end to end: the real CLI on a temporary SQLite file.
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, runCli } from '../helpers/cli.js'
import { storeLocation } from '../../src/store/location.js'
import { storeExists } from '../../src/store/open-store.js'
import { freshDatabase } from '../helpers/postgres-db.js'
import { openTestStore, testBackend, testDbLocation } from '../helpers/test-store.js'

const env = { ROLECALL_NOW: '2026-11-23' }
/** Enough approvals for any plan of the example organization (its policy names these GitHub teams). */
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])
const stackTrace = /^\s+at .+:\d+:\d+\)?$/m

/** The tests run in order against one database, as a CI pipeline would: plan, apply, then what can go wrong. */
describe('rolecall plan and apply (the real CLI)', () => {
  let work: string
  let db: string
  let access: string
  /** The example organization plus one new group: a plan that changes something after the first apply. */
  let edited: string

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'rolecall-plan-apply-'))
    db = await testDbLocation()
    access = join(repoRoot, 'access')
    edited = join(work, 'edited')
    await cp(access, edited, { recursive: true })
    await writeFile(join(edited, 'staff.yaml'), 'kind: Group\nname: All Staff\nsource:\n  scim:\n    connection: okta\n    displayName: all-staff\nroles: [Engineer]\n')
  })
  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('refuses a database that does not exist, naming it, and creates none (a typo in --db plans against nothing)', async () => {
    for (const command of [
      ['plan', '--dir', access],
      ['apply', '--dir', access, ...approvals],
    ]) {
      // On PostgreSQL: a database that holds no store.
      const missing = testBackend() === 'sqlite' ? storeLocation(db, work) : storeLocation(await freshDatabase(), work)
      const result = await runCli([...command, '--db', missing.backend === 'sqlite' ? missing.path : missing.url], { env })
      expect(result).toEqual({ code: 1, stdout: '', stderr: `rolecall: no database at ${missing.display}; rolecall serve creates it when it first starts\n` })
      expect(await storeExists(missing)).toBe(false)
    }
    // As `rolecall serve` leaves it on its first start: an empty store.
    const store = await openTestStore(db)
    await store.close()
    const result = await runCli(['plan', '--dir', access, '--db', db], { env })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^rolecall plan: \d+ to create, 0 to update, 0 to delete; \d+ users? gain or lose access; highest risk: critical\n/)
  })

  it('exits 2 with --detailed-exitcode when there are changes', async () => {
    const result = await runCli(['plan', '--dir', access, '--db', db, '--detailed-exitcode'], { env })
    expect(result.code).toBe(2)
  })

  it('saves a plan with --out, applies it with approvals, and then has nothing left to do', async () => {
    const planned = await runCli(['plan', '--dir', access, '--db', db, '--out', 'plan.json'], { cwd: work, env })
    expect(planned.code).toBe(0)
    const saved = JSON.parse(await readFile(join(work, 'plan.json'), 'utf8')) as { formatVersion: number; summary: { hasChanges: boolean } }
    expect(saved).toMatchObject({ formatVersion: 1, summary: { hasChanges: true } })

    const applied = await runCli(['apply', 'plan.json', '--db', db, ...approvals, '--revision', 'abc123', '--author', 'sam'], { cwd: work, env })
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toMatch(/^Applied r1: \d+ document changes, \d+ access changes \(store revision \d+\)\.\n$/)
    expect(applied.code).toBe(0)

    const again = await runCli(['plan', '--dir', access, '--db', db, '--detailed-exitcode'], { env })
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^rolecall plan: No changes\. The applied state matches the access files\.\n/)

    const reapplied = await runCli(['apply', '--dir', access, '--db', db, ...approvals], { env })
    expect(reapplied).toEqual({ code: 0, stdout: 'No changes. Nothing applied.\n', stderr: '' })
  })

  it('refuses the same saved plan a second time: another apply happened since', async () => {
    const result = await runCli(['apply', 'plan.json', '--db', db, ...approvals], { cwd: work, env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^rolecall: the store moved since this plan was made\.\nAnother apply happened since the plan: applied revision \(none\) → r1\./)
    expect(result.stderr).not.toMatch(stackTrace)
  })

  it('refuses a stale plan after SCIM changed the store, says what changed, and prints no stack trace', async () => {
    const planned = await runCli(['plan', '--dir', edited, '--db', db, '--out', 'stale.json', '--detailed-exitcode'], { cwd: work, env })
    expect(planned.code).toBe(2)
    const store = await openTestStore(db)
    try {
      const user = await store.createUser('okta', { userName: 'newcomer@acme.example', active: true }, { actor: 'test' })
      await store.createGroup('okta', { displayName: 'all-staff' }, [user.id], { actor: 'test' })
    } finally {
      await store.close()
    }
    const result = await runCli(['apply', 'stale.json', '--db', db, ...approvals], { cwd: work, env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('rolecall: the store moved since this plan was made.\nSCIM changed users or memberships since the plan')
    expect(result.stderr).toContain('The reviewed per-person access delta no longer holds:')
    expect(result.stderr).toContain('1 user (newcomer@acme.example) would now gain members:read through okta group "all-staff", which the plan did not show')
    expect(result.stderr).not.toMatch(stackTrace)
  })

  it('refuses a plan that lacks the approvals its policy requires, naming them', async () => {
    const planned = await runCli(['plan', '--dir', edited, '--db', db, '--out', 'fresh.json'], { cwd: work, env })
    expect(planned.code).toBe(0)
    const result = await runCli(['apply', 'fresh.json', '--db', db], { cwd: work, env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(['rolecall: approvals missing:', '  - medium: 0 of 1 approvals from github:acme/access-reviewers, github:acme/platform-leads', '  - low: 0 of 1 approvals from github:acme/access-reviewers', ''].join('\n'))
    const approved = await runCli(['apply', 'fresh.json', '--db', db, '--approved-by', 'acme/access-reviewers:gh-rev'], { cwd: work, env })
    expect(approved.stderr).toBe('')
    expect(approved.stdout).toMatch(/^Applied r2: 1 document change, 2 access changes /)
    expect(approved.code).toBe(0)
  })

  it('stops with the diagnostics when the access files are invalid', async () => {
    const broken = join(work, 'broken')
    await cp(access, broken, { recursive: true })
    await writeFile(join(broken, 'typo.yaml'), 'kind: Group\nname: Typo\nsource:\n  members:\n    users: [x@acme.example]\nroles: [Security Admn]\n')
    for (const args of [
      ['plan', '--dir', broken, '--db', db],
      ['apply', '--dir', broken, '--db', db, ...approvals],
    ]) {
      const result = await runCli(args, { cwd: work, env })
      expect(result.code).toBe(1)
      expect(result.stdout).toBe('')
      expect(result.stderr).toContain('broken/typo.yaml:6:9: error: Unknown role "Security Admn"; did you mean "Security Admin"? [unknown-ref]')
      expect(result.stderr).toContain('rolecall: the access files have errors; fix them first (see above)\n')
      expect(result.stderr).not.toMatch(stackTrace)
    }
  })

  it('rejects a file that is not a plan with a clear message', async () => {
    await writeFile(join(work, 'not-a-plan.json'), '{"hello": "world"}\n')
    const wrongShape = await runCli(['apply', 'not-a-plan.json', '--db', db, ...approvals], { cwd: work, env })
    expect(wrongShape.code).toBe(1)
    expect(wrongShape.stdout).toBe('')
    expect(wrongShape.stderr).toMatch(/^rolecall: .*not-a-plan\.json is not a rolecall plan: .+\n$/)

    await writeFile(join(work, 'garbage.json'), 'kind: Group\n')
    const notJson = await runCli(['apply', 'garbage.json', '--db', db, ...approvals], { cwd: work, env })
    expect(notJson.code).toBe(1)
    expect(notJson.stderr).toMatch(/^rolecall: cannot read plan .*garbage\.json: it is not JSON\n$/)

    const missing = await runCli(['apply', 'no-such-plan.json', '--db', db, ...approvals], { cwd: work, env })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^rolecall: cannot read plan .*no-such-plan\.json: ENOENT/)
    for (const result of [wrongShape, notJson, missing]) expect(result.stderr).not.toMatch(stackTrace)
  })
})
