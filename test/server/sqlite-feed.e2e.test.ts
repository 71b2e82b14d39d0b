// `rolecall serve` on a SQLite file hears what CLI processes write to the same file (SQLite has no notification
// between processes: the store looks for other connections' commits every 100 ms): a token revoked with
// `rolecall token revoke --db` or `rolecall admin-token revoke --db` is refused within a second.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { runCli } from '../helpers/cli.js'
import { shownToken, timeUntil } from '../helpers/propagation.js'
import { startServer, type RunningServer } from '../helpers/serve.js'

let dir = ''
let db = ''
let server: RunningServer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-sqlite-feed-'))
  db = join(dir, 'rolecall.db')
  await openSqliteStore(db).close()
  server = await startServer(db)
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  await rm(dir, { recursive: true, force: true })
})

describe('serve on SQLite and CLI writes to its file', () => {
  it('refuses, within a second, a SCIM token that `rolecall token revoke --db` revoked after the server accepted it', async () => {
    const created = await runCli(['token', 'create', '--connection', 'okta', '--db', db])
    expect(created.code, created.stderr).toBe(0)
    const { token, id } = shownToken(created.stdout)
    const status = async () => (await fetch(`${server.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })).status
    expect(await status()).toBe(200)
    const revoked = await runCli(['token', 'revoke', id, '--db', db])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(await timeUntil(1000, status, (answer) => answer === 401)).toBeLessThan(1000)
  })

  it('refuses, within a second, an admin token that `rolecall admin-token revoke --db` revoked after the server accepted it', async () => {
    const created = await runCli(['admin-token', 'create', '--scope', 'plan', '--db', db])
    expect(created.code, created.stderr).toBe(0)
    const { token, id } = shownToken(created.stdout)
    const status = async () => (await fetch(`${server.url}/api/v1/state`, { headers: { authorization: `Bearer ${token}` } })).status
    expect(await status()).toBe(200)
    const revoked = await runCli(['admin-token', 'revoke', id, '--db', db])
    expect(revoked.code, revoked.stderr).toBe(0)
    expect(await timeUntil(1000, status, (answer) => answer === 401)).toBeLessThan(1000)
  })
})
