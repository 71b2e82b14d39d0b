// PostgreSQL schema migrations: versioned, under an advisory lock so that replicas starting together migrate once,
// refusing a newer schema and a database that belongs to something else; driver failures as the contract's errors.
import postgres from 'postgres'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { StoreBusyError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../../src/errors.js'
import { connectPool, type Sql } from '../../src/store/postgres/connect.js'
import { postgresStoreError } from '../../src/store/postgres/errors.js'
import { migrate, migrations } from '../../src/store/postgres/migrations.js'
import { freshDatabase } from '../helpers/postgres-db.js'

const pools: Sql[] = []
function pool(url: string): Sql {
  const sql = connectPool(url, { max: 2 })
  pools.push(sql)
  return sql
}
afterEach(async () => {
  for (const sql of pools.splice(0)) await sql.end({ timeout: 5 })
})

describe('postgres migrations', () => {
  it('migrates an empty database to the latest version once, and again finds nothing to do', async () => {
    const url = await freshDatabase()
    const sql = pool(url)
    expect(await migrate(sql, 'db')).toBe(migrations.length)
    expect(await migrate(sql, 'db')).toBe(migrations.length)
    const [row] = await sql`SELECT version FROM rolecall_schema`
    expect(row?.['version']).toBe(migrations.length)
    const tables = (await sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`).map((table) => table['table_name'])
    expect(tables).toEqual(['admin_tokens', 'applied_revisions', 'audit', 'audit_head', 'break_glass', 'connections', 'groups', 'memberships', 'rolecall_schema', 'state', 'tokens', 'users'])
  })

  it('replicas starting together: eight openers at once, one schema, no error', async () => {
    const url = await freshDatabase()
    const results = await Promise.all(Array.from({ length: 8 }, () => migrate(pool(url), 'db')))
    expect(results).toEqual(Array(8).fill(migrations.length))
    expect((await pool(url)`SELECT count(*)::int AS n FROM state`)[0]?.['n']).toBe(2)
  })

  it('refuses a schema newer than it knows, and a database with tables of its own', async () => {
    const newer = pool(await freshDatabase())
    await migrate(newer, 'db')
    await newer`UPDATE rolecall_schema SET version = ${migrations.length + 1}`
    await expect(migrate(newer, 'postgres://app@db/rolecall')).rejects.toThrow(
      `the database postgres://app@db/rolecall has schema version ${migrations.length + 1}, newer than this rolecall understands (${migrations.length}); upgrade rolecall`,
    )
    const foreign = pool(await freshDatabase())
    await foreign`CREATE TABLE invoices (id int)`
    await expect(migrate(foreign, 'db')).rejects.toThrow('the database db is not a rolecall store: it has tables of its own (invoices); give rolecall a database of its own')
    expect((await foreign`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'users'`)[0]?.['n']).toBe(0)
  })

  it('keeps the audit log append-only and its head moving forward only', async () => {
    const sql = pool(await freshDatabase())
    await migrate(sql, 'db')
    await sql`INSERT INTO audit (seq, at, actor, action, prev_hash, hash) VALUES (1, 't', 'cli', 'x', ${'0'.repeat(64)}, ${'a'.repeat(64)})`
    expect((await sql`SELECT seq, hash FROM audit_head`)[0]).toEqual({ seq: 1, hash: 'a'.repeat(64) })
    await expect(sql`UPDATE audit SET actor = 'mallory'`).rejects.toThrow('audit log is append-only')
    await expect(sql`DELETE FROM audit`).rejects.toThrow('audit log is append-only')
    await expect(sql`TRUNCATE audit`).rejects.toThrow('audit log is append-only')
    await expect(sql`UPDATE audit_head SET seq = 0`).rejects.toThrow('audit head only moves forward')
  })
})

describe('postgres errors as the contract’s', () => {
  it('an unreachable server is unavailable, with a Retry-After, and its message never shows the password', async () => {
    const url = 'postgres://rolecall:s3cret-pw@127.0.0.1:1/rolecall'
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined })
    const error = await sql`SELECT 1`.then(
      () => undefined,
      (failure: unknown) => postgresStoreError('postgres://rolecall:***@127.0.0.1:1/rolecall', failure),
    )
    await sql.end()
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as StoreUnavailableError).retryAfterSeconds).toBe(2)
    expect((error as Error).message).toBe('the database postgres://rolecall:***@127.0.0.1:1/rolecall cannot be reached (ECONNREFUSED); rolecall retries when asked again')
    expect((error as Error).message).not.toContain('s3cret')
  })

  it('wrong credentials, a missing database, a full disk, a read-only server and a lock timeout', async () => {
    const server = new URL(inject('postgresUrl'))
    const wrong = new URL(server)
    wrong.password = 'not-the-password'
    const refused = postgres(wrong.toString(), { max: 1, onnotice: () => undefined })
    const denied = await refused`SELECT 1`.then(() => undefined, (failure: unknown) => postgresStoreError('db', failure))
    await refused.end()
    expect(denied).toBeInstanceOf(StoreError)
    expect((denied as Error).message).toBe('the database db refused the credentials (28P01); check the user and password (PGPASSWORD)')
    expect((denied as Error).message).not.toContain('not-the-password')

    const missing = new URL(server)
    missing.pathname = '/no_such_database'
    const absent = postgres(missing.toString(), { max: 1, onnotice: () => undefined })
    const notThere = await absent`SELECT 1`.then(() => undefined, (failure: unknown) => postgresStoreError('db', failure))
    await absent.end()
    expect((notThere as Error).message).toBe('the database db does not exist; create it first (createdb)')

    const url = await freshDatabase()
    const sql = pool(url)
    const readOnly = await sql
      .begin(async (tx) => {
        await tx`SET TRANSACTION READ ONLY`
        await tx`CREATE TABLE t (id int)`
      })
      .then(() => undefined, (failure: unknown) => postgresStoreError('db', failure))
    expect(readOnly).toBeInstanceOf(StoreReadOnlyError)
    await sql`CREATE TABLE held (id int)`
    // One connection holds a lock past the other's lock_timeout: busy, for now, not failed.
    const other = pool(url)
    let release = () => undefined as void
    const holding = sql.begin(async (tx) => {
      await tx`LOCK TABLE held IN ACCESS EXCLUSIVE MODE`
      await new Promise<void>((resolveHeld) => (release = resolveHeld))
    })
    await new Promise((resolveSoon) => setTimeout(resolveSoon, 100))
    const busy = await other
      .begin(async (tx) => {
        await tx`SET LOCAL lock_timeout = '50ms'`
        await tx`SELECT * FROM held`
      })
      .then(() => undefined, (failure: unknown) => postgresStoreError('db', failure))
    release()
    await holding
    expect(busy).toBeInstanceOf(StoreBusyError)
    const full = postgresStoreError('db', Object.assign(new Error('could not extend file'), { code: '53100', severity: 'ERROR' }))
    expect(full).toBeInstanceOf(StoreFullError)
    const timeout = postgresStoreError('db', Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03', severity: 'ERROR' }))
    expect(timeout).toBeInstanceOf(StoreBusyError)
  })
})
