// The store's caches as a decorator: what it serves without asking the backend, and when it asks again.
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { ResourceQuery } from '../../src/store/query.js'
import { tempStorePath } from '../helpers/sqlite-file.js'

const scim = { actor: 'scim:okta' }
const byName = (userName: string): ResourceQuery => ({
  filter: { kind: 'compare', attr: { name: 'userName', type: 'string', caseExact: false, multiValued: false }, op: 'eq', value: userName },
  startIndex: 1,
  count: 100,
})

const opened: { close(): Promise<void> }[] = []
const removals: (() => void)[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  for (const remove of removals.splice(0)) remove()
})

function stores(ttlMs: number) {
  const { path, remove } = tempStorePath('rolecall-cache-')
  removals.push(remove)
  const backend = openSqliteStore(path)
  opened.push(backend)
  /** Changes the file behind every store object's back, unaudited: no feed hears of them, only the ttls bound them. */
  const behind = (sql: string, ...params: unknown[]) => {
    const db = new Database(path)
    db.prepare(sql).run(...params)
    db.close()
  }
  return { backend, behind, cached: withStoreCaches(backend, { tokenTtlMs: ttlMs, userTtlMs: ttlMs }) }
}

describe('store caches', () => {
  it('serves a user it read for its ttl, then confirms the version and reads the user again when it moved', async () => {
    const { behind, cached } = stores(80)
    const user = await cached.createUser('okta', { userName: 'ann@example.com', displayName: 'Ann' }, scim)
    expect((await cached.getUser('okta', user.id, false))?.doc['displayName']).toBe('Ann')
    expect((await cached.listUsers('okta', byName('ANN@example.com'), false)).items.map((item) => item.id)).toEqual([user.id])
    behind(`UPDATE users SET doc = json_set(doc, '$.displayName', 'Ann B.'), version = version + 1 WHERE id = ?`, user.id)
    expect((await cached.getUser('okta', user.id, false))?.doc['displayName']).toBe('Ann')
    expect((await cached.getUser('okta', user.id, true))?.doc['displayName']).toBe('Ann B.')
    await sleep(100)
    expect((await cached.getUser('okta', user.id, false))?.doc['displayName']).toBe('Ann B.')
    expect((await cached.listUsers('okta', byName('ann@example.com'), false)).items[0]?.doc['displayName']).toBe('Ann B.')
    behind('DELETE FROM users WHERE id = ?', user.id)
    await sleep(100)
    expect(await cached.getUser('okta', user.id, false)).toBeUndefined()
    expect(await cached.listUsers('okta', byName('ann@example.com'), false)).toEqual({ total: 0, items: [] })
  })

  it("sees its own writes at once, what its store's feed tells at once, and what forgetUsers names at once", async () => {
    const { backend, behind, cached } = stores(60_000)
    const user = await cached.createUser('okta', { userName: 'bo@example.com', active: true }, scim)
    await cached.getUser('okta', user.id, false)
    await cached.modifyUser('okta', user.id, (current) => ({ ...current.doc, active: false }), scim)
    expect((await cached.getUser('okta', user.id, false))?.doc['active']).toBe(false)
    await backend.modifyUser('okta', user.id, (current) => ({ ...current.doc, active: true }), scim)
    expect((await cached.getUser('okta', user.id, false))?.doc['active']).toBe(true)
    behind(`UPDATE users SET doc = json_set(doc, '$.active', json('false')), version = version + 1 WHERE id = ?`, user.id)
    expect((await cached.getUser('okta', user.id, false))?.doc['active']).toBe(true)
    cached.forgetUsers([user.id])
    expect((await cached.getUser('okta', user.id, false))?.doc['active']).toBe(false)
    behind(`UPDATE users SET doc = json_set(doc, '$.active', json('true')), version = version + 1 WHERE id = ?`, user.id)
    cached.forgetUsers('all')
    expect((await cached.getUser('okta', user.id, false))?.doc['active']).toBe(true)
    await cached.deleteUser('okta', user.id, scim)
    expect(await cached.getUser('okta', user.id, false)).toBeUndefined()
  })

  it("stops accepting a token revoked through it or told by its store's feed at once, one revoked unheard within the ttl or when told", async () => {
    const { backend, behind, cached } = stores(80)
    const first = await cached.createToken('okta')
    const second = await cached.createToken('okta')
    const third = await cached.createToken('okta')
    expect(await cached.authenticate(first.token)).toBe('okta')
    expect(await cached.authenticate(second.token)).toBe('okta')
    expect(await cached.revokeToken(first.info.id)).toBe(true)
    expect(await cached.authenticate(first.token)).toBeUndefined()
    await cached.authenticate(second.token)
    await backend.revokeToken(second.info.id)
    expect(await cached.authenticate(second.token)).toBeUndefined()
    expect(await cached.authenticate(third.token)).toBe('okta')
    behind(`UPDATE tokens SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?`, third.info.id)
    expect(await cached.authenticate(third.token)).toBe('okta')
    await sleep(100)
    expect(await cached.authenticate(third.token)).toBeUndefined()

    const admin = await cached.createAdminToken(['check'])
    expect(await cached.authenticateAdmin(admin.token)).toEqual({ id: admin.info.id, scopes: ['check'] })
    behind(`UPDATE admin_tokens SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?`, admin.info.id)
    expect(await cached.authenticateAdmin(admin.token)).toEqual({ id: admin.info.id, scopes: ['check'] })
    cached.forgetTokens()
    expect(await cached.authenticateAdmin(admin.token)).toBeUndefined()
    // Unknown tokens are never remembered.
    expect(await cached.authenticate('rcs_nope')).toBeUndefined()
  })
})
