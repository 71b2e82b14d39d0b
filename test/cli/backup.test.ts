// rolecall backup copies a live store consistently; the copy opens, holds the data, and its audit chain verifies.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { runCli } from '../helpers/cli.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-backup-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('rolecall backup', () => {
  it('copies the store while it is open for writing', async () => {
    const db = join(dir, 'live.db')
    const store = openSqliteStore(db)
    for (let i = 0; i < 50; i++) await store.createUser('okta', { userName: `user${i}@example.com`, active: true }, { actor: 'test' })
    const result = await runCli(['backup', '--db', db, '--out', join(dir, 'copy.db')])
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^Backed up .*live\.db to .*copy\.db \(\d+ pages\)\.\n$/)
    await store.createUser('okta', { userName: 'after@example.com', active: true }, { actor: 'test' })
    await store.close()
    const copy = openSqliteStore(join(dir, 'copy.db'))
    const snapshot = await copy.snapshot()
    expect(snapshot.users.map((user) => user.userName)).toHaveLength(50)
    expect(await copy.verifyAudit()).toMatchObject({ ok: true })
    await copy.close()
  })

  it('refuses to overwrite a file or to copy a store that does not exist', async () => {
    const exists = await runCli(['backup', '--db', join(dir, 'live.db'), '--out', join(dir, 'copy.db')])
    expect(exists.code).toBe(1)
    expect(exists.stderr).toMatch(/^rolecall: .*copy\.db already exists; choose a new file\n$/)
    const missing = await runCli(['backup', '--db', join(dir, 'none.db'), '--out', join(dir, 'x.db')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^rolecall: no database at .*none\.db; rolecall serve creates it when it first starts\n$/)
  })
})
