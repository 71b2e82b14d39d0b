// The check API's per-user cache against a store written by this process and by another one.
import type { ApplyRecord } from '../../src/store/applied.js'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AccessQuestion } from '../../src/engine/check.js'
import { CheckService } from '../../src/server/check-service.js'
import type { Store } from '../../src/store/store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const write = { actor: 'test' }
const ssoManage = (user: string): AccessQuestion => ({ user, permission: 'sso:manage', authMethod: 'sso', at: fixtureNow })
const readSecret = (user: string): AccessQuestion => ({ user, action: 'read', resource: 'secret:checkout/stripe-key', at: fixtureNow })

let dir: string
let here: Store
let elsewhere: Store
let security: string
const ids: Record<string, string> = {}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-checks-'))
  const db = await testDbLocation()
  here = await openTestStore(db, { clock: () => fixtureNow })
  for (const name of ['sasha', 'sky', 'casey']) ids[name] = (await here.createUser('okta', { userName: `${name}@acme.example`, active: true }, write)).id
  security = (await here.createGroup('okta', { displayName: 'security-admins' }, [ids.sasha ?? '', ids.sky ?? ''], write)).id
  await applyExampleAccess(here)
  // A second store object on the same store stands for another process (rolecall break-glass, or apply, from the CLI).
  elsewhere = await openTestStore(db, { clock: () => fixtureNow })
})

afterEach(async () => {
  await elsewhere.close()
  await here.close()
  rmSync(dir, { recursive: true, force: true })
})

const allowed = async (checks: CheckService, question: AccessQuestion) => {
  const answer = await checks.check(question)
  if ('error' in answer) throw new Error(answer.error)
  return answer.allowed
}

describe('CheckService', () => {
  it("drops a user's cached access when this process's store changes their memberships or records", async () => {
    // Looking for other processes' writes only once a minute: what changes here must be seen without looking.
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    expect(await allowed(checks, ssoManage('sasha@acme.example'))).toBe(true)
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(true)
    expect(await allowed(checks, ssoManage('casey@acme.example'))).toBe(false)
    await here.modifyGroup(
      'okta',
      security,
      (current) => ({
        doc: current.doc,
        memberOps: [
          { op: 'remove', ids: [ids.sasha ?? ''] },
          { op: 'add', ids: [ids.casey ?? ''] },
        ],
      }),
      write,
    )
    expect(await allowed(checks, ssoManage('sasha@acme.example'))).toBe(false)
    // casey's addition is held (critical access from the IdP waits for review): denied, naming the hold.
    expect(await checks.check(ssoManage('casey@acme.example'))).toMatchObject({ allowed: false, held: [{ id: 'h1', group: 'security-admins' }] })
    await here.recordApply({ ...(await reapplied(here)), releaseHolds: ['h1'] }, () => undefined)
    expect(await allowed(checks, ssoManage('casey@acme.example'))).toBe(true)
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(true)
    await here.modifyUser('okta', ids.sky ?? '', (current) => ({ ...current.doc, active: false }), write)
    expect(await checks.check(ssoManage('sky@acme.example'))).toMatchObject({ allowed: false, denials: ['user "sky@acme.example" is deactivated'] })
    // A new user with a name that was asked about before.
    expect(await allowed(checks, ssoManage('nova@acme.example'))).toBe(false)
    const nova = await here.createUser('okta', { userName: 'Nova@acme.example', active: true }, write)
    await here.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [nova.id] }] }), write)
    expect(await checks.check(ssoManage('nova@acme.example'))).toMatchObject({ allowed: false, held: [{ id: 'h2' }] })
    await here.rejectHold('h2', 'cli')
    expect(await checks.check(ssoManage('nova@acme.example'))).toMatchObject({ allowed: false, held: [{ id: 'h2', status: 'rejected' }] })
    // A rename of the IdP group unmaps it for every member.
    await here.modifyGroup('okta', security, (current) => ({ doc: { ...current.doc, displayName: 'security-admins-old' }, memberOps: [] }), write)
    expect(await allowed(checks, ssoManage('casey@acme.example'))).toBe(false)
    expect(await allowed(checks, ssoManage('nova@acme.example'))).toBe(false)
    checks.close()
  })

  it('sees a break-glass grant and its revocation made by another process on the next check', async () => {
    const checks = new CheckService(here, () => fixtureNow)
    expect(await allowed(checks, readSecret('casey@acme.example'))).toBe(false)
    const grant = await elsewhere.addBreakGlass({ user: 'casey@acme.example', actions: ['read'], resource: 'secret:checkout/stripe-key', reason: 'INC-9', expires: '2099-01-01T00:00:00Z', createdBy: 'cli' })
    expect(await allowed(checks, readSecret('casey@acme.example'))).toBe(true)
    await elsewhere.revokeBreakGlass(grant.id, 'cli')
    expect(await allowed(checks, readSecret('casey@acme.example'))).toBe(false)
    await elsewhere.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [ids.sky ?? ''] }] }), write)
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(false)
    checks.close()
  })

  it("reads the applied state again after another process's write, even when this process wrote before it asked", async () => {
    // Looking for other processes' writes only once a minute: the apply elsewhere is learnt from this process's own
    // next write, whose revision does not follow the one the cache knows.
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    const withoutSso = { ...ssoManage('sasha@acme.example'), authMethod: 'password' }
    expect(await allowed(checks, withoutSso)).toBe(false)
    // The same organization, with Security Admin (the role, and the group that holds it) no longer limited to SSO.
    const edited = join(dir, 'access')
    cpSync(`${repoRoot}access`, edited, { recursive: true })
    for (const file of ['roles.yaml', 'groups.yaml']) {
      const path = join(edited, 'security', file)
      const text = readFileSync(path, 'utf8')
      const limit = text.indexOf('authMethods: [sso]\n')
      writeFileSync(path, text.slice(0, limit) + text.slice(limit + 'authMethods: [sso]\n'.length))
    }
    await applyExampleAccess(elsewhere, edited)
    await here.createUser('okta', { userName: 'nova@acme.example', active: true }, write)
    expect(await allowed(checks, withoutSso)).toBe(true)
    checks.close()
  })

  it('stops allowing a cached break-glass grant once it expires', async () => {
    let now = fixtureNow
    const checks = new CheckService(here, () => now)
    await here.addBreakGlass({ user: 'casey@acme.example', actions: ['read'], resource: 'secret:checkout/stripe-key', reason: 'INC-9', expires: new Date(fixtureNow.getTime() + 60_000).toISOString(), createdBy: 'cli' })
    expect(await allowed(checks, readSecret('casey@acme.example'))).toBe(true)
    now = new Date(fixtureNow.getTime() + 61_000)
    expect(await checks.check({ ...readSecret('casey@acme.example'), at: now })).toMatchObject({ allowed: false })
    checks.close()
  })

  it('keeps at most maxUsers, dropping the one cached longest ago', async () => {
    const checks = new CheckService(here, () => fixtureNow, { maxUsers: 2, warm: true })
    checks.start()
    for (let i = 0; i < 100 && checks.status().isWarming; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(checks.status()).toEqual({ cachedUsers: 2, isWarming: false })
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(true)
    expect(await allowed(checks, ssoManage('casey@acme.example'))).toBe(false)
    expect(await allowed(checks, ssoManage('sasha@acme.example'))).toBe(true)
    expect(checks.status().cachedUsers).toBe(2)
    checks.close()
  })

  it('computes every user in the background when asked to warm', async () => {
    const checks = new CheckService(here, () => fixtureNow, { warm: true })
    checks.start()
    for (let i = 0; i < 100 && (checks.status().isWarming || checks.status().cachedUsers === 0); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(checks.status()).toEqual({ cachedUsers: 3, isWarming: false })
    checks.close()
  })
})

// The check API's `atLeast`: a revision another process wrote is reflected by the next answer, whether the feed told
// it in time or the cache is emptied for it; one the store has not reached is refused.
describe('CheckService.reach', () => {
  it.each([
    ['without waiting for the feed (the cache is emptied)', 0],
    ['waiting for the feed', 1000],
  ])('reflects a removal another process committed, %s', async (_name, waitMs) => {
    // Looking at the store revision once a minute only: without reach, the cached answer would stand that long.
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    expect(await allowed(checks, ssoManage('sasha@acme.example'))).toBe(true)
    await elsewhere.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [ids.sasha ?? ''] }] }), write)
    const revision = await elsewhere.revision()
    expect(await checks.reach(revision, waitMs)).toBe(true)
    expect(await allowed(checks, ssoManage('sasha@acme.example'))).toBe(false)
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(true)
    checks.close()
  })

  it('refuses a revision the store has not reached, and answers at once for one it already knows', async () => {
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    expect(await allowed(checks, ssoManage('sky@acme.example'))).toBe(true)
    const revision = await here.revision()
    expect(await checks.reach(revision + 1, 0)).toBe(false)
    expect(await checks.reach(revision)).toBe(true)
    checks.close()
  })
})

/** The last apply's record again (same documents), to release holds as a reviewed apply does. */
async function reapplied(store: Store): Promise<ApplyRecord> {
  const applied = await store.appliedState({ withDirectory: true })
  if (applied === undefined) throw new Error('nothing applied')
  const { revision } = applied
  return {
    commit: revision.commit,
    author: revision.author,
    approvedBy: revision.approvedBy,
    planDigest: revision.planDigest,
    desiredDigest: revision.desiredDigest,
    directoryDigest: revision.directoryDigest,
    summary: revision.summary,
    documents: applied.documents,
    directory: applied.directory ?? { users: [], groups: [], memberships: [] },
    actor: 'test',
  }
}
