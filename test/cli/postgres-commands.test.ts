// Every command that opens a store works with --db postgres://…: tokens, admin tokens, plan and apply, drift,
// explain, break-glass, audit verify and export; backup says what to use instead. No output shows the password.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import { repoRoot, runCli, type CliResult } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/postgres-db.js'

const env = { ROLECALL_NOW: '2026-11-23' }
const access = join(repoRoot, 'access')
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])
let url = ''
let password = ''
let work = ''
const outputs: CliResult[] = []

async function cli(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { env, cwd: work })
  outputs.push(result)
  return result
}

beforeAll(async () => {
  url = await freshDatabase()
  password = new URL(url).password
  work = mkdtempSync(join(tmpdir(), 'rolecall-pg-cli-'))
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
  // Nothing any command printed shows the password.
  expect(outputs.map((result) => result.stdout + result.stderr).join('\n')).not.toContain(password)
})

describe('commands on a PostgreSQL store', () => {
  it('refuse a database that holds no rolecall store yet, naming it without its password', async () => {
    const result = await cli(['token', 'create', '--connection', 'okta', '--db', url])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain(`no database at ${url.replace(`:${password}@`, ':***@')}`)
  })

  it('create, list and revoke SCIM and admin tokens', async () => {
    // As `rolecall serve` does on its first start.
    await (await openStore(storeLocation(url, work), { use: 'write' })).close()
    const created = await cli(['token', 'create', '--connection', 'okta', '--db', url])
    expect(created.code, created.stderr).toBe(0)
    const id = /Created (tok_[0-9a-f]+)/.exec(created.stdout)?.[1] ?? ''
    const listed = await cli(['token', 'list', '--db', url, '--format', 'json'])
    expect(JSON.parse(listed.stdout).map((token: { id: string }) => token.id)).toEqual([id])
    expect((await cli(['token', 'revoke', id, '--db', url])).stdout).toBe(`Revoked ${id}.\n`)
    const admin = await cli(['admin-token', 'create', '--scope', 'plan', '--db', url])
    expect(admin.code, admin.stderr).toBe(0)
    expect(JSON.parse((await cli(['admin-token', 'list', '--db', url, '--format', 'json'])).stdout).map((token: { scopes: string[] }) => token.scopes)).toEqual([['plan']])
  })

  it('plan, apply and drift against the database', async () => {
    const planned = await cli(['plan', '--dir', access, '--db', url, '--out', 'plan.json'])
    expect(planned.code, planned.stderr).toBe(0)
    const applied = await cli(['apply', 'plan.json', '--db', url, ...approvals])
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toContain('r1')
    const drift = await cli(['drift', '--dir', access, '--db', url])
    expect(drift.code, drift.stderr).toBe(0)
  })

  it('break-glass grants, then audit verify and export of one chain', async () => {
    const grant = await cli(['break-glass', 'create', '--db', url, '--user', 'cory@acme.example', '--action', 'read', '--resource', 'secret:checkout/stripe-key', '--reason', 'INC-9 payment outage', '--expires', '2026-11-24T00:00:00Z'])
    expect(grant.code, grant.stderr).toBe(0)
    const verified = await cli(['audit', 'verify', '--db', url])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^Audit chain intact: \d+ entries\./)
    const exported = await cli(['audit', 'export', '--db', url])
    const actions = exported.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { action: string }).action)
    expect(actions).toEqual(expect.arrayContaining(['token.create', 'token.revoke', 'admin-token.create', 'apply', 'break-glass.create']))
  })

  it('backup says what to use for a PostgreSQL store', async () => {
    const result = await cli(['backup', '--db', url, '--out', 'copy.db'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('use pg_dump')
  })
})
