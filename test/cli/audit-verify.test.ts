// rolecall audit verify notices entries cut off the end of the log, missing guard triggers and malformed rows, and
// checks against a head recorded outside the store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { runCli } from '../helpers/cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A store with `users` users (one audit entry each) after a connection and a token (two entries). */
async function storeWithEntries(users: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-audit-'))
  dirs.push(dir)
  const path = join(dir, 'rolecall.db')
  const store = openSqliteStore(path)
  await store.createToken('okta')
  for (let i = 0; i < users; i++) await store.createUser('okta', { userName: `u${i}@example.com` }, { actor: 'scim:okta' })
  await store.close()
  return path
}

function tamper(path: string, sql: string): void {
  const db = new Database(path)
  db.exec(sql)
  db.close()
}

const verify = (path: string, ...args: string[]) => runCli(['audit', 'verify', '--db', path, ...args])
const headOf = (stdout: string) => /^Head: entry (\d+), hash ([0-9a-f]{64})$/m.exec(stdout)

describe('rolecall audit verify', () => {
  it('prints the head of an intact chain, and accepts it back with --head', async () => {
    const path = await storeWithEntries(3)
    const first = await verify(path)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^Audit chain intact: 5 entries\.\nHead: entry 5, hash [0-9a-f]{64}\n$/)
    const hash = headOf(first.stdout)?.[2] ?? ''
    // More entries later: the head recorded then is still in the chain.
    const store = openSqliteStore(path)
    await store.createUser('okta', { userName: 'later@example.com' }, { actor: 'scim:okta' })
    await store.close()
    const again = await verify(path, '--head', hash)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`The head recorded earlier (${hash}) is entry 5.`)
    expect(headOf(again.stdout)?.[1]).toBe('6')
    expect((await verify(path, '--head', 'nope')).code).toBe(1)
  })

  it('reports entries deleted from the end of the log, and the trigger dropped to delete them', async () => {
    const path = await storeWithEntries(40)
    tamper(path, 'DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 33;')
    const result = await verify(path)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain('audit chain broken at entry 33: the log ends at entry 32, but the store recorded entry 42 as its last: entries 33 to 42 were removed')
    expect(result.stderr).toContain('missing: audit_no_delete')
  })

  it('reports a log emptied of every entry', async () => {
    const path = await storeWithEntries(2)
    tamper(path, 'DROP TRIGGER audit_no_delete; DELETE FROM audit;')
    const result = await verify(path)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/audit chain broken at entry 1: the log ends at entry 0, but the store recorded entry 4 as its last/)
  })

  it('reports a dropped or replaced guard trigger even when every entry is still in place', async () => {
    const path = await storeWithEntries(1)
    tamper(path, `DROP TRIGGER audit_no_update; CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END; DROP TRIGGER audit_head_follows;`)
    const result = await verify(path)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^rolecall: audit log not intact: the audit log's append-only triggers were tampered with \(missing: audit_head_follows; changed: audit_no_update\)/)
  })

  it('reports an entry whose detail is not JSON as a broken link, not an internal error', async () => {
    const path = await storeWithEntries(36)
    tamper(path, `DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{bad' WHERE seq = 35;`)
    const result = await verify(path)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^rolecall: audit chain broken at entry 35: its detail is not valid JSON/)
    expect(result.stderr).not.toContain('internal error')
    const exported = await runCli(['audit', 'export', '--db', path])
    expect(exported.code).toBe(1)
    expect(exported.stderr).toContain('audit entry 35 has a detail that is not valid JSON')
  })

  it('tells a consistently rewritten log apart only with a head recorded outside the store', async () => {
    const path = await storeWithEntries(5)
    const hash = headOf((await verify(path)).stdout)?.[2] ?? ''
    // Someone with write access cuts the log and rewrites the recorded head and the triggers to match.
    const db = new Database(path)
    const triggers = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'trigger'`).pluck().all() as string[]
    db.exec(`DROP TRIGGER audit_no_delete; DROP TRIGGER audit_head_forward; DELETE FROM audit WHERE seq > 4;`)
    db.exec(`UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit WHERE seq = 4)`)
    for (const sql of triggers.filter((text) => /audit_no_delete|audit_head_forward/.test(text))) db.exec(sql)
    db.close()
    expect((await verify(path)).code).toBe(0)
    const checked = await verify(path, '--head', hash)
    expect(checked.code).toBe(1)
    expect(checked.stderr).toContain(`no entry has the hash ${hash}, recorded earlier: the log was cut short or rewritten since`)
  })
})
