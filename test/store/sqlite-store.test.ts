import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { migrations } from '../../src/store/sqlite/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { activeMemberships, WriteRejectedError } from '../../src/store/store.js'
import { memoryStore } from '../helpers/memory-store.js'

const dirs: string[] = []
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-store-'))
  dirs.push(dir)
  return join(dir, 'data', 'rolecall.db')
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const scim = { actor: 'scim:okta' }

describe('sqlite store', () => {
  it('creates the file, applies migrations once, and runs WAL with synchronous=FULL and foreign keys', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    await store.close()
    const again = openSqliteStore(path)
    await again.close()
    const db = new Database(path)
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('stores only a hash of each token and recognises the token', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    const { token, info } = await store.createToken('okta')
    expect(token).toMatch(/^rcs_[A-Za-z0-9_-]{43}$/)
    expect(info.hint).toBe(`${token.slice(0, 8)}…`)
    expect(await store.authenticate(token)).toBe('okta')
    expect(await store.authenticate(`${token}x`)).toBeUndefined()
    expect(await store.authenticate('')).toBeUndefined()
    expect((await store.listTokens()).map((t) => t.id)).toEqual([info.id])
    expect(JSON.stringify(await store.listTokens())).not.toContain(token)
    expect(await store.revokeToken(info.id)).toBe(true)
    expect(await store.revokeToken(info.id)).toBe(false)
    expect(await store.authenticate(token)).toBeUndefined()
    await store.close()
    const raw = new Database(path, { readonly: true })
    const dump = JSON.stringify(raw.prepare('SELECT * FROM tokens').all()) + JSON.stringify(raw.prepare('SELECT * FROM audit').all())
    expect(dump).not.toContain(token)
    expect(dump).not.toContain(token.slice(4))
    raw.close()
  })

  it('recognises admin tokens only while unrevoked, even right after a cached use', async () => {
    const store = memoryStore()
    const { token, info } = await store.createAdminToken(['check'])
    expect(await store.authenticateAdmin(token)).toEqual({ id: info.id, scopes: ['check'] })
    expect(await store.authenticateAdmin(token)).toEqual({ id: info.id, scopes: ['check'] })
    expect(await store.authenticateAdmin(`${token}x`)).toBeUndefined()
    const scim = await store.createToken('okta')
    expect(await store.authenticateAdmin(scim.token)).toBeUndefined()
    expect(await store.revokeAdminToken(info.id)).toBe(true)
    expect(await store.revokeAdminToken(info.id)).toBe(false)
    expect(await store.authenticateAdmin(token)).toBeUndefined()
    await store.close()
  })

  it('bumps the revision on every resource write and snapshots consistently', async () => {
    const store = memoryStore()
    expect(await store.revision()).toBe(0)
    await store.createToken('okta')
    expect(await store.revision()).toBe(0)
    const alice = await store.createUser('okta', { userName: 'alice', externalId: 'a-1' }, scim)
    const bob = await store.createUser('okta', { userName: 'bob', active: false }, scim)
    const group = await store.createGroup('okta', { displayName: 'admins' }, [alice.id, bob.id], scim)
    expect(await store.revision()).toBe(3)
    const snapshot = await store.snapshot()
    expect(snapshot).toEqual({
      revision: 3,
      users: [
        { id: alice.id, connection: 'okta', userName: 'alice', externalId: 'a-1', active: true },
        { id: bob.id, connection: 'okta', userName: 'bob', active: false },
      ],
      groups: [{ id: group.id, connection: 'okta', displayName: 'admins' }],
      memberships: [
        { groupId: group.id, userId: alice.id },
        { groupId: group.id, userId: bob.id },
      ].sort((x, y) => x.userId.localeCompare(y.userId)),
    })
    expect(activeMemberships(snapshot)).toEqual([{ groupId: group.id, userId: alice.id }])
  })

  it('removes the memberships of a deleted user', async () => {
    const store = memoryStore()
    const user = await store.createUser('okta', { userName: 'carol' }, scim)
    const group = await store.createGroup('okta', { displayName: 'g' }, [user.id], scim)
    await store.deleteUser('okta', user.id, scim)
    expect((await store.snapshot()).memberships).toEqual([])
    expect((await store.getGroup('okta', group.id, true))?.members).toEqual([])
  })

  it('rejects writes with reasons and leaves nothing behind', async () => {
    const store = memoryStore()
    const user = await store.createUser('okta', { userName: 'dan' }, scim)
    await expect(store.createUser('okta', { userName: 'DAN' }, scim)).rejects.toMatchObject({ reason: 'conflict' })
    await expect(store.replaceUser('okta', 'nope', { userName: 'x' }, scim)).rejects.toMatchObject({ reason: 'not-found' })
    await expect(store.replaceUser('okta', user.id, { userName: 'x' }, { ...scim, ifVersion: [9] })).rejects.toBeInstanceOf(WriteRejectedError)
    await expect(store.createGroup('okta', { displayName: 'g' }, ['ghost'], scim)).rejects.toMatchObject({ reason: 'unknown-member' })
    expect((await store.snapshot()).groups).toEqual([])
    expect(await store.revision()).toBe(1)
    expect((await store.verifyAudit()).ok).toBe(true)
  })

  it('commits concurrent writes together; a failing write does not spoil its batch', async () => {
    const store = openSqliteStore(tempDb())
    const results = await Promise.allSettled([
      store.createUser('okta', { userName: 'u1' }, scim),
      store.createUser('okta', { userName: 'u1' }, scim),
      store.createUser('okta', { userName: 'u2' }, scim),
      store.createUser('okta', { userName: 'u3' }, scim),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
    expect((await store.snapshot()).users.map((user) => user.userName)).toEqual(['u1', 'u2', 'u3'])
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 4 })
    await store.close()
  })

  it('chains versions across PATCHes of one group in one batch, past a failed one and a replace', async () => {
    const store = openSqliteStore(tempDb())
    const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map((userName) => store.createUser('okta', { userName }, scim)))
    const group = await store.createGroup('okta', { displayName: 'burst' }, [], scim)
    const add = (id: string, ifVersion: number) =>
      store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [id] }] }), { ...scim, ifVersion: [ifVersion] })
    const results = await Promise.allSettled([
      add(ann!.id, 1),
      add('ghost', 2),
      add(ben!.id, 2),
      store.replaceGroup('okta', group.id, { displayName: 'burst-2' }, [ann!.id, ben!.id], { ...scim, ifVersion: [3] }),
      add(cat!.id, 4),
      add(cat!.id, 4),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
    const stored = await store.getGroup('okta', group.id, true)
    expect(stored?.version).toBe(5)
    expect(stored?.doc['displayName']).toBe('burst-2')
    expect(stored?.members?.map((member) => member.display).sort()).toEqual(['ann', 'ben', 'cat'])
    expect((await store.verifyAudit()).ok).toBe(true)
    await store.close()
  })

  it('hash-chains the audit log, refuses edits, and detects tampering', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    const user = await store.createUser('okta', { userName: 'eve' }, scim)
    await store.modifyUser('okta', user.id, (current) => ({ ...current.doc, title: 'x' }), scim)
    await store.deleteUser('okta', user.id, scim)
    const entries: { action: string; actor: string; beforeDigest: string | null; afterDigest: string | null }[] = []
    await store.exportAudit((entry) => entries.push(entry))
    expect(entries.map((entry) => [entry.action, entry.actor])).toEqual([
      ['connection.create', 'cli'],
      ['user.create', 'scim:okta'],
      ['user.modify', 'scim:okta'],
      ['user.delete', 'scim:okta'],
    ])
    expect(entries[2]?.beforeDigest).toBe(entries[1]?.afterDigest)
    expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 4 })
    await store.close()

    const raw = new Database(path)
    expect(() => raw.prepare(`UPDATE audit SET actor = 'mallory' WHERE seq = 2`).run()).toThrow(/append-only/)
    expect(() => raw.prepare('DELETE FROM audit WHERE seq = 4').run()).toThrow(/append-only/)
    raw.exec('DROP TRIGGER audit_no_update')
    raw.prepare(`UPDATE audit SET actor = 'mallory' WHERE seq = 2`).run()
    raw.close()
    const reopened = openSqliteStore(path)
    expect(await reopened.verifyAudit()).toMatchObject({ ok: false, brokenAt: 2 })
    await reopened.close()
  })

  it.each(['full', 'wal-fsync'] as const)('acknowledges writes only once committed, in %s durability mode', async (durability) => {
    const path = tempDb()
    const store = openSqliteStore(path, { durability })
    const writes = Array.from({ length: 20 }, (_, i) => store.createUser('okta', { userName: `d${i}` }, scim))
    await Promise.all(writes)
    // A separate connection (as after a restart) sees every acknowledged write.
    const raw = new Database(path, { readonly: true })
    expect((raw.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(20)
    raw.close()
    await store.close()
  })

  it('never serves a cached user after a write to it commits', async () => {
    const store = openSqliteStore(tempDb())
    const user = await store.createUser('okta', { userName: 'Cache@example.com', title: 'a' }, scim)
    const byName = (name: string) =>
      store.listUsers('okta', { startIndex: 1, count: 10, filter: { kind: 'compare', op: 'eq', value: name, attr: { name: 'userName', type: 'string', caseExact: false, multiValued: false } } }, false)
    expect((await store.getUser('okta', user.id, false))?.doc['title']).toBe('a')
    expect((await byName('cache@example.com')).total).toBe(1)
    await store.modifyUser('okta', user.id, (current) => ({ ...current.doc, userName: 'renamed@example.com', title: 'b' }), scim)
    expect((await store.getUser('okta', user.id, false))?.doc['title']).toBe('b')
    expect((await byName('cache@example.com')).total).toBe(0)
    expect((await byName('RENAMED@example.com')).items.map((u) => u.id)).toEqual([user.id])
    expect(await store.getUser('entra', user.id, false)).toBeUndefined()
    await store.deleteUser('okta', user.id, scim)
    expect(await store.getUser('okta', user.id, false)).toBeUndefined()
    expect((await byName('renamed@example.com')).total).toBe(0)
    await store.close()
  })

  it('lets a later process read what an earlier one committed', async () => {
    const path = tempDb()
    const writer = openSqliteStore(path)
    const user = await writer.createUser('okta', { userName: 'fay', 'urn:acme:ext:1.0:User': { tier: 'gold' } }, scim)
    await writer.close()
    const reader = openSqliteStore(path)
    expect((await reader.getUser('okta', user.id, false))?.doc).toEqual({ userName: 'fay', 'urn:acme:ext:1.0:User': { tier: 'gold' } })
    await reader.close()
  })

  it('uses indexes, not scans, for the hot lookups', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    await store.close()
    const { compileFilter } = await import('../../src/store/sqlite/filter-sql.js')
    const db = new Database(path)
    const plan = (filter: Parameters<typeof compileFilter>[1], table: 'users' | 'groups') => {
      const compiled = compileFilter(table, filter)
      db.function('lc', (value: unknown) => value)
      return (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM ${table} r WHERE r.connection = ? AND (${compiled.sql})`).all('okta', ...compiled.params) as { detail: string }[])
        .map((row) => row.detail)
        .join('\n')
    }
    const userName = { kind: 'compare', op: 'eq', value: 'a', attr: { name: 'userName', type: 'string', caseExact: false, multiValued: false } } as const
    expect(plan(userName, 'users')).toMatch(/USING INDEX/)
    const members = { kind: 'compare', op: 'eq', value: 'u', attr: { name: 'members', sub: 'value', type: 'string', caseExact: true, multiValued: true } } as const
    expect(plan(members, 'groups')).toMatch(/USING (COVERING )?INDEX/)
    db.close()
  })
})
