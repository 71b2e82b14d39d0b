// What only the SQLite store does: the file and its pragmas, what lands in it, durability modes, the indexes it
// uses and the append-only triggers. Everything backend-neutral is in the store contract (sqlite.contract.test.ts).
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { migrations } from '../../src/store/sqlite/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { tempStorePath } from '../helpers/sqlite-file.js'

const removals: (() => void)[] = []
function tempDb(): string {
  const { path, remove } = tempStorePath()
  removals.push(remove)
  return path
}
afterEach(() => {
  for (const remove of removals.splice(0)) remove()
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

  it('writes only hashes of SCIM and admin tokens into the file, and neither token into the audit log', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    const { token } = await store.createToken('okta')
    const admin = await store.createAdminToken(['check'])
    await store.close()
    const raw = new Database(path, { readonly: true })
    const dump = ['tokens', 'admin_tokens', 'audit'].map((table) => JSON.stringify(raw.prepare(`SELECT * FROM ${table}`).all())).join('\n')
    raw.close()
    for (const secret of [token, admin.token]) {
      expect(dump).not.toContain(secret)
      expect(dump).not.toContain(secret.slice(4))
    }
  })

  it('refuses edits to the audit log in the file, and verifyAudit reports a dropped append-only trigger', async () => {
    const path = tempDb()
    const store = openSqliteStore(path)
    await store.createUser('okta', { userName: 'eve' }, scim)
    await store.close()
    const raw = new Database(path)
    expect(() => raw.prepare(`UPDATE audit SET actor = 'mallory' WHERE seq = 2`).run()).toThrow(/append-only/)
    expect(() => raw.prepare('DELETE FROM audit WHERE seq = 2').run()).toThrow(/append-only/)
    raw.exec('DROP TRIGGER audit_no_update')
    raw.close()
    const reopened = openSqliteStore(path)
    expect(await reopened.verifyAudit()).toEqual({ ok: false, entries: 2, reason: "the audit log's append-only triggers were tampered with (missing: audit_no_update)" })
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
