// CheckService.reach (the check API's `atLeast`): a revision another process wrote is reflected by the next answer,
// whether the feed told it in time or the cache is emptied for it; one the store has not reached is refused.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AccessQuestion } from '../../src/engine/check.js'
import { CheckService } from '../../src/server/check-service.js'
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { applyExampleAccess } from '../helpers/apply-example.js'
import { fixtureNow } from '../helpers/fixtures.js'

const write = { actor: 'test' }
const ssoManage = (user: string): AccessQuestion => ({ user, permission: 'sso:manage', authMethod: 'sso', at: fixtureNow })

let dir: string
let here: SqliteStore
let elsewhere: SqliteStore
let security: string
const ids: Record<string, string> = {}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-freshness-'))
  here = openSqliteStore(join(dir, 'rolecall.db'), { clock: () => fixtureNow })
  for (const name of ['sasha', 'sky']) ids[name] = (await here.createUser('okta', { userName: `${name}@acme.example`, active: true }, write)).id
  security = (await here.createGroup('okta', { displayName: 'security-admins' }, [ids.sasha ?? '', ids.sky ?? ''], write)).id
  await applyExampleAccess(here)
  // Another process on the same file (a CLI, another server).
  elsewhere = openSqliteStore(join(dir, 'rolecall.db'), { clock: () => fixtureNow })
})

afterEach(async () => {
  await elsewhere.close()
  await here.close()
  rmSync(dir, { recursive: true, force: true })
})

const isAllowed = async (checks: CheckService, user: string) => {
  const answer = await checks.check(ssoManage(user))
  if ('error' in answer) throw new Error(answer.error)
  return answer.allowed
}

describe('CheckService.reach', () => {
  it.each([
    ['without waiting for the feed (the cache is emptied)', 0],
    ['waiting for the feed', 1000],
  ])('reflects a removal another process committed, %s', async (_name, waitMs) => {
    // Looking at the store revision once a minute only: without reach, the cached answer would stand that long.
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    expect(await isAllowed(checks, 'sasha@acme.example')).toBe(true)
    await elsewhere.modifyGroup('okta', security, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [ids.sasha ?? ''] }] }), write)
    const revision = await elsewhere.revision()
    expect(await checks.reach(revision, waitMs)).toBe(true)
    expect(await isAllowed(checks, 'sasha@acme.example')).toBe(false)
    expect(await isAllowed(checks, 'sky@acme.example')).toBe(true)
    checks.close()
  })

  it('refuses a revision the store has not reached, and answers at once for one it already knows', async () => {
    const checks = new CheckService(here, () => fixtureNow, { foreignWritesEveryMs: 60_000 })
    expect(await isAllowed(checks, 'sky@acme.example')).toBe(true)
    const revision = await here.revision()
    expect(await checks.reach(revision + 1, 0)).toBe(false)
    expect(await checks.reach(revision)).toBe(true)
    checks.close()
  })
})
