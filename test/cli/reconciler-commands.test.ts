// drift, explain, who-can, test, import and break-glass through the real CLI on a SQLite file.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { runCli } from '../helpers/cli.js'
import { withoutProvenance } from '../helpers/provenance-text.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const env = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])
let dir: string
let db: string
const ids: Record<string, string> = {}

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openTestStore(db)
  try {
    return await work(store)
  } finally {
    await store.close()
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-cli-'))
  db = await testDbLocation()
  await withStore(async (store) => {
    const write = { actor: 'test' }
    for (const name of ['sam', 'sasha', 'sky', 'casey', 'cory']) ids[name] = (await store.createUser('okta', { userName: `${name}@acme.example`, active: true }, write)).id
    ids.security = (await store.createGroup('okta', { displayName: 'security-admins' }, [ids.sasha ?? '', ids.sky ?? ''], write)).id
    ids.support = (await store.createGroup('okta', { displayName: 'support-tier-2' }, [ids.sam ?? ''], write)).id
    ids.checkout = (await store.createGroup('okta', { displayName: 'checkout-team' }, [ids.casey ?? ''], write)).id
  })
  const applied = await runCli(['apply', '--dir', 'access', '--db', db, '--revision', 'c0ffee', '--author', 'sam', ...approvals], { env })
  expect(applied.stderr).toBe('')
  expect(applied.stdout).toMatch(/^Applied r1: 28 document changes, \d+ access changes \(store revision \d+\)\.\n$/)
  expect(applied.code).toBe(0)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('after an apply', () => {
  it('drift reports nothing while the IdP has not changed anything', async () => {
    const result = await runCli(['drift', '--db', db], { env })
    expect(result).toEqual({ code: 0, stdout: 'No drift since r1.\n', stderr: '' })
  })

  it('explain lists every holding of a user with its chain', async () => {
    const result = await runCli(['explain', '--user', 'sasha@acme.example', '--db', db], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('(applied revision r1):')
    expect(result.stdout).toContain('[critical] okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage sign-in: sso')
  })

  it('explain says where its answer comes from: the applied revision, the SCIM write behind the membership, the store revision', async () => {
    const result = await runCli(['explain', '--user', 'sasha@acme.example', '--permission', 'sso:manage', '--db', db, '--format', 'json'], { env })
    const answer = JSON.parse(result.stdout) as { provenance: { storeRevision: number; applied: { revision: string }; memberships: { connection: string; group: string; user: string; auditSeq: number | null }[] } }
    expect(answer.provenance.applied.revision).toBe('r1')
    expect(answer.provenance.storeRevision).toBeGreaterThan(0)
    expect(answer.provenance.memberships).toEqual([expect.objectContaining({ connection: 'okta', group: 'security-admins', user: 'sasha@acme.example', auditSeq: expect.any(Number) })])
    const whoCan = await runCli(['who-can', 'sso:manage', '--db', db, '--format', 'json'], { env })
    const users = JSON.parse(whoCan.stdout) as { users: { user: string }[]; provenance: { memberships: { user: string }[] } }
    // Those who hold it through an IdP group, each with that membership; others hold it through listed members or a grant.
    const holders = users.users.map((entry) => entry.user)
    expect(users.provenance.memberships.map((membership) => membership.user)).toContain('sasha@acme.example')
    for (const membership of users.provenance.memberships) expect(holders).toContain(membership.user)
  })

  it('explain answers one question, denying a wrong sign-in method with the reason', async () => {
    const result = withoutProvenance(await runCli(['explain', '--user', 'sasha@acme.example', '--permission', 'sso:manage', '--auth-method', 'password', '--db', db], { env }))
    expect(result.stdout).toBe(
      'DENIED for sasha@acme.example through okta, entra (applied revision r1)\n  okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage: requires sign-in with sso (signed in with password)\n',
    )
  })

  it('who-can lists every user who may do an action on a resource', async () => {
    const result = await runCli(['who-can', 'run', 'journey:checkout/diagnostic-login', '--env', 'production', '--db', db], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\d+ users can run journey:checkout\/diagnostic-login in production \(applied revision r1\):\n/)
    expect(result.stdout).toContain('  sam@acme.example\n      via okta group "support-tier-2" → group "Support Tier 2" → grant run journey:*/diagnostic-*\n')
    expect(result.stdout).toContain('  casey@acme.example\n')
  })

  it('test runs the AccessTests on live memberships', async () => {
    const result = await runCli(['test', '--db', db], { env })
    expect(result).toEqual({ code: 0, stdout: '32 passed, 0 failed (32 assertions in 6 tests; access files on live memberships)\n', stderr: '' })
  })

  it('import writes access files that validate and plan to zero changes', async () => {
    const out = join(dir, 'imported')
    const imported = await runCli(['import', '--out', out, '--db', db], { env })
    expect(imported.stdout).toMatch(/^Wrote \d+ files to .*imported from applied revision r1\.\n$/)
    const validated = await runCli(['validate', '--dir', out], { env })
    expect(validated.stdout).toMatch(/^0 errors, 0 warnings in \d+ files\n$/)
    const planned = await runCli(['plan', '--dir', out, '--db', db, '--detailed-exitcode'], { env })
    expect(planned.stdout).toMatch(/^rolecall plan: No changes\. The applied state matches the access files\.\n\nIdP groups\n {2}not provisioned yet: /)
    expect(planned.code).toBe(0)
  })
})

describe('drift after the IdP and operators act outside review', () => {
  beforeAll(async () => {
    await withStore(async (store) => {
      // Held (critical from the IdP waits for review): drift lists it as held, not as access.
      await store.modifyGroup('okta', ids.security ?? '', (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [ids.cory ?? ''] }] }), { actor: 'scim:okta' })
      // Let through at once (low and medium): drift lists it as access SCIM gave.
      await store.modifyGroup('okta', ids.support ?? '', (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [ids.cory ?? ''] }] }), { actor: 'scim:okta' })
    })
  })

  it('reports who gained access through an IdP change, highest risk first, and what is held', async () => {
    const result = await runCli(['drift', '--db', db], { env })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Drift since r1: \d+ access changes through SCIM, 0 break-glass grants, 0 IdP groups renamed or gone; highest risk: medium\n/)
    expect(result.stdout).toContain('  [medium] cory@acme.example gained run journey:*/diagnostic-*\n      via okta group "support-tier-2" → group "Support Tier 2"')
    expect(result.stdout).toMatch(/\n {2}\[critical\] h1 cory@acme\.example: cory@acme\.example added to okta group security-admins since \S+, open\n {6}holds .*permission sso:manage/)
    // Past the policy's expiry (7 days), the hold is overdue: drift to act on.
    const late = await runCli(['drift', '--db', db], { env: { ROLECALL_NOW: '2026-12-20T00:00:00Z' } })
    expect(late.code).toBe(2)
    expect(late.stdout).toContain('OVERDUE: release or reject it')
  })

  it('lists only the riskiest changes under --limit, counts the rest, and exits as for the whole report', async () => {
    const all = await runCli(['drift', '--db', db, '--format', 'json'], { env })
    const total = (JSON.parse(all.stdout) as { scim: unknown[] }).scim.length
    expect(total).toBeGreaterThan(1)
    const limited = await runCli(['drift', '--db', db, '--limit', '1'], { env })
    expect(limited.code).toBe(0)
    expect(limited.stdout).toMatch(new RegExp(`^Drift since r1: ${total} access changes through SCIM`))
    expect(limited.stdout).toContain('\nAccess changed by the IdP, not reviewed:\n  [medium] cory@acme.example gained ')
    expect(limited.stdout).toContain(`  … and ${total - 1} more, of the same risk or lower (--limit 0 lists them all)\n`)
    const json = JSON.parse((await runCli(['drift', '--db', db, '--format', 'json', '--limit', '1'], { env })).stdout) as { scim: unknown[]; scimTotal: number }
    expect(json.scim).toHaveLength(1)
    expect(json.scimTotal).toBe(total)
    expect((await runCli(['drift', '--db', db, '--limit', 'many'], { env })).stderr).toContain('--limit must be a whole number of access changes to list, 0 for all (got "many")')
  })

  it('reports break-glass grants until they expire', async () => {
    const created = await runCli(
      ['break-glass', 'create', '--db', db, '--user', 'cory@acme.example', '--action', 'read', '--resource', 'secret:checkout/stripe-key', '--reason', 'INC-9 payment outage', '--expires', '2026-11-24T00:00:00Z'],
      { env },
    )
    expect(created.code).toBe(0)
    const id = /Created (bg_\S+):/.exec(created.stdout)?.[1]
    const drift = await runCli(['drift', '--db', db, '--format', 'json'], { env })
    const report = JSON.parse(drift.stdout) as { breakGlass: { id: string; user: string; what: string; risk: string }[] }
    expect(report.breakGlass).toEqual([expect.objectContaining({ id, user: 'cory@acme.example', what: 'read secret:checkout/stripe-key', risk: 'critical' })])
    const later = await runCli(['drift', '--db', db, '--format', 'json'], { env: { ROLECALL_NOW: '2026-11-25T00:00:00Z' } })
    expect((JSON.parse(later.stdout) as { breakGlass: unknown[] }).breakGlass).toEqual([])
  })

  it('refuses a break-glass grant longer than 72 hours', async () => {
    const result = await runCli(['break-glass', 'create', '--db', db, '--user', 'cory@acme.example', '--action', 'read', '--resource', 'secret:checkout/x', '--reason', 'convenience', '--expires', '2026-12-31'], { env })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('a break-glass grant lasts at most 72 hours')
    // A clock pinned years ahead does not stretch it: the limit also holds from the real time.
    const pinned = await runCli(['break-glass', 'create', '--db', db, '--user', 'cory@acme.example', '--action', 'read', '--resource', 'secret:checkout/x', '--reason', 'INC-9', '--expires', '2040-01-02T00:00:00Z'], {
      env: { ...env, ROLECALL_NOW: '2040-01-01T00:00:00Z' },
    })
    expect(pinned.code).toBe(1)
    expect(pinned.stderr).toContain('a break-glass grant lasts at most 72 hours')
  })

  it('reports a mapped IdP group renamed in the IdP', async () => {
    await withStore(async (store) => {
      await store.modifyGroup('okta', ids.support ?? '', (current) => ({ doc: { ...current.doc, displayName: 'support-t2' }, memberOps: [] }), { actor: 'scim:okta' })
    })
    const result = await runCli(['drift', '--db', db], { env })
    expect(result.stdout).toContain('group "Support Tier 2": okta group "support-tier-2" was renamed to "support-t2" in the IdP; update its source')
    expect(result.stdout).toContain('[medium] sam@acme.example lost run journey:*/diagnostic-*')
  })
})
