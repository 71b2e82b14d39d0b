// What the PostgreSQL store does beyond the shared contract: its schema's life, its indexes, its round trips.
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { parseFilter } from '../../src/scim/filter/parser.js'
import { groupType, userType } from '../../src/scim/schemas.js'
import { connect } from '../../src/store/postgres/connect.js'
import { listStatements } from '../../src/store/postgres/lists.js'
import { runWrite } from '../../src/store/postgres/transaction.js'
import { migrations } from '../../src/store/postgres/migrations.js'
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { freshDatabase } from '../helpers/postgres-db.js'

const opened: PostgresStore[] = []
const admins: postgres.Sql[] = []

afterAll(async () => {
  for (const store of opened) await store.close()
  for (const sql of admins) await sql.end({ timeout: 5 })
})

/** Runs SQL (several statements at once, none with parameters) in the database at `url`, as the server's superuser. */
async function run(url: string, text: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  admins.push(sql)
  return (await sql.unsafe(text, params)) as unknown as Record<string, unknown>[]
}

async function open(url: string, options: Parameters<typeof openPostgresStore>[1] = {}): Promise<PostgresStore> {
  const store = await openPostgresStore(url, options)
  opened.push(store)
  return store
}

const actor = { actor: 'scim:okta' }

describe('postgres store: schema', () => {
  it('migrates a new database once; opening it again keeps what it holds', async () => {
    const url = await freshDatabase()
    const first = await open(url)
    await first.createUser('okta', { userName: 'ada@example.com' }, actor)
    const again = await open(url)
    expect((await again.listUsers('okta', { startIndex: 1, count: 10 }, false)).total).toBe(1)
    expect(await run(url, 'SELECT version FROM rolecall_schema')).toEqual([{ version: migrations.length }])
  })

  it('migrates once when several replicas open an empty database at the same moment', async () => {
    const url = await freshDatabase()
    const stores = await Promise.all(Array.from({ length: 4 }, () => open(url)))
    await Promise.all(stores.map((store, i) => store.createUser('okta', { userName: `user${i}@example.com` }, actor)))
    expect(await stores[0]?.revision()).toBe(4)
    expect(await stores[3]?.verifyAudit()).toMatchObject({ ok: true, entries: 5 })
  })

  it('refuses a database whose schema is newer than this build, saying to upgrade', async () => {
    const url = await freshDatabase()
    await (await open(url)).close()
    await run(url, `UPDATE rolecall_schema SET version = ${migrations.length + 1}`)
    await expect(openPostgresStore(url)).rejects.toThrow(/newer than this rolecall understands.*upgrade rolecall/)
  })

  it('refuses a database that holds tables of its own and was never a rolecall store', async () => {
    const url = await freshDatabase()
    await run(url, 'CREATE TABLE invoices (id int)')
    await expect(openPostgresStore(url)).rejects.toThrow(/is not a rolecall store.*"invoices"/)
    expect(await run(url, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).toEqual([{ n: 1 }])
  })
})

describe('postgres store: write transactions', () => {
  it('runs a write again after a serialization failure or a deadlock, and gives up on any other error', async () => {
    const url = await freshDatabase()
    await open(url)
    const pool = connect(url, { poolSize: 2 })
    try {
      let attempts = 0
      const retried = await runWrite(
        pool,
        () => '2026-01-01T00:00:00.000Z',
        'test',
        async (tx) => {
          attempts++
          if (attempts < 3) throw Object.assign(new Error(attempts === 1 ? 'could not serialize access' : 'deadlock detected'), { code: attempts === 1 ? '40001' : '40P01' })
          tx.audit({ actor: 'cli', connection: null, action: 'test', resourceType: null, resourceId: null, beforeDigest: null, afterDigest: null, detail: null })
          return 'done'
        },
      )
      expect(retried.value).toBe('done')
      expect(attempts).toBe(3)
      let failures = 0
      const refused = runWrite(
        pool,
        () => 'now',
        'test',
        async () => {
          failures++
          throw Object.assign(new Error('duplicate key'), { code: '23505' })
        },
      )
      await expect(refused).rejects.toThrow('duplicate key')
      expect(failures).toBe(1)
      // Nothing of the failed attempts was kept: one entry, the head at its revision.
      expect(await run(url, 'SELECT count(*)::int AS n FROM audit')).toEqual([{ n: 1 }])
      expect(await run(url, 'SELECT revision::int AS revision, audit_seq::int AS seq FROM store_head')).toEqual([{ revision: 1, seq: 1 }])
    } finally {
      await pool.end({ timeout: 5 })
    }
  })
})

describe("postgres store: the audit log's guards", () => {
  it('keeps the log append-only and its recorded head moving forward only, whoever writes', async () => {
    const url = await freshDatabase()
    await open(url)
    await run(url, `INSERT INTO audit (seq, at, actor, action, prev_hash, hash) VALUES (1, 't', 'cli', 'x', '${'0'.repeat(64)}', '${'a'.repeat(64)}')`)
    expect(await run(url, 'SELECT audit_seq::int AS seq, audit_hash AS hash FROM store_head')).toEqual([{ seq: 1, hash: 'a'.repeat(64) }])
    await expect(run(url, "UPDATE audit SET actor = 'mallory'")).rejects.toThrow('audit log is append-only')
    await expect(run(url, 'DELETE FROM audit')).rejects.toThrow('audit log is append-only')
    await expect(run(url, 'TRUNCATE audit')).rejects.toThrow('audit log is append-only')
    await expect(run(url, 'UPDATE store_head SET audit_seq = 0')).rejects.toThrow('audit head only moves forward')
  })
})

describe('postgres store: errors', () => {
  it('says the store is unavailable when the server cannot be reached, never showing the password', async () => {
    const error = await openPostgresStore('postgres://rolecall:s3cret-pw@127.0.0.1:1/rolecall', { connectTimeoutMs: 2000 }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'StoreUnavailableError', retryAfterSeconds: 2 })
    expect(String((error as Error).message)).toContain('postgres://rolecall:***@127.0.0.1:1/rolecall')
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('s3cret-pw')
  })

  it('says which database is missing', async () => {
    const missing = new URL(inject('postgresUrl'))
    missing.pathname = '/no_such_database'
    await expect(openPostgresStore(missing.toString())).rejects.toThrow(/does not exist/)
  })

  it('answers a busy store when every pooled connection stays taken past the wait', async () => {
    const url = await freshDatabase()
    const store = await open(url, { poolSize: 1, poolWaitMs: 200, lockTimeoutMs: 200 })
    await store.createUser('okta', { userName: 'ada@example.com' }, actor)
    // Another session holds the head row: writes time out on its lock, and reads queue for the one connection.
    const holder = run(url, 'BEGIN; SELECT * FROM store_head FOR UPDATE; SELECT pg_sleep(1.5); COMMIT')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const write = store.createUser('okta', { userName: 'bob@example.com' }, actor).catch((caught: unknown) => caught)
    const read = store.listConnections().catch((caught: unknown) => caught)
    expect(await write).toMatchObject({ name: 'StoreBusyError' })
    expect(await read).toMatchObject({ name: 'StoreBusyError' })
    await holder
    expect((await store.listUsers('okta', { startIndex: 1, count: 10 }, false)).total).toBe(1)
  })
})

describe('postgres store: indexes', () => {
  let url: string
  let plan: (sql: string, params: readonly unknown[]) => Promise<string>

  beforeAll(async () => {
    url = await freshDatabase()
    const store = await open(url)
    await store.createUser('okta', { userName: 'seed@example.com' }, actor)
    await store.createGroup('okta', { displayName: 'seed' }, [], actor)
    // Enough rows that a sequential scan would be the planner's choice if no index served.
    await run(
      url,
      `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
         SELECT 'u-' || n, 'okta', 'user' || n || '@example.com', 'user' || n || '@example.com', 'ext-' || n, true, NULL,
           '{"userName":"user' || n || '@example.com"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1 FROM generate_series(1, 20000) n;
       INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version)
         SELECT 'g-' || n, 'okta', 'Group ' || n, 'group ' || n, 'gext-' || n, '{"displayName":"Group ' || n || '"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1
         FROM generate_series(1, 2000) n;
       INSERT INTO memberships (group_rid, user_rid) SELECT g.rid, u.rid FROM groups g JOIN users u ON u.rid % 2000 = g.rid % 2000;
       ANALYZE`,
    )
    plan = async (sql, params) => (await run(url, `EXPLAIN ${sql}`, params as (string | number)[])).map((row) => String(row['QUERY PLAN'])).join('\n')
  })

  it.each([
    ['users', 'userName eq "User123@example.com"'],
    ['users', 'externalId eq "ext-77"'],
    ['users', 'id eq "u-5"'],
    ['users', 'userName sw "user12"'],
    ['groups', 'displayName eq "group 42"'],
    ['groups', 'externalId eq "gext-42"'],
    ['groups', 'members[value eq "u-99"]'],
    ['groups', 'members.value eq "u-99"'],
  ] as const)('finds %s by `%s` through indexes: no sequential scan of users or memberships', async (table, text) => {
    const filter = parseFilter(table === 'users' ? userType : groupType, text)
    const statements = listStatements(table, 'okta', { filter, startIndex: 1, count: 100 }, false)
    const explained = await plan(statements.page?.text ?? '', statements.page?.params.values ?? [])
    expect(explained).toMatch(/Index/)
    expect(explained).not.toMatch(/Seq Scan on (users|memberships)/)
  })
})

describe('postgres store: documents jsonb refuses', () => {
  it('stores and reads back a NUL or a lone surrogate; such a document matches no filter on its attributes and sorts last', async () => {
    const store = await open(await freshDatabase())
    const odd = await store.createUser('okta', { userName: 'odd@example.com', title: 'a\u0000b', nickName: '\ud800' }, actor)
    await store.createUser('okta', { userName: 'plain@example.com', title: 'Engineer' }, actor)
    expect((await store.getUser('okta', odd.id, false))?.doc).toEqual({ userName: 'odd@example.com', title: 'a\u0000b', nickName: '\ud800' })
    const titled = await store.listUsers('okta', { filter: parseFilter(userType, 'title pr'), startIndex: 1, count: 10 }, false)
    expect(titled.items.map((user) => user.doc['userName'])).toEqual(['plain@example.com'])
    // Columns still answer: userName is not read from the document.
    const byName = await store.listUsers('okta', { filter: parseFilter(userType, 'userName eq "odd@example.com"'), startIndex: 1, count: 10 }, false)
    expect(byName.total).toBe(1)
    const title = parseFilter(userType, 'title pr')
    if (title.kind !== 'present') throw new Error('a present filter')
    const sorted = await store.listUsers('okta', { sort: { attr: title.attr, descending: false }, startIndex: 1, count: 10 }, false)
    expect(sorted.items.map((user) => user.doc['userName'])).toEqual(['plain@example.com', 'odd@example.com'])
  })
})

describe('postgres store: round trips', () => {
  it('reads in one round trip and patches a member of a 50,000-member group in at most four', async () => {
    const url = await freshDatabase()
    let roundTrips = 0
    const store = await open(url, { poolSize: 1, onRoundTrip: () => roundTrips++ })
    const ada = await store.createUser('okta', { userName: 'ada@example.com' }, actor)
    const big = await store.createGroup('okta', { displayName: 'everyone' }, [], actor)
    await run(
      url,
      `INSERT INTO users (id, connection, user_name, user_name_key, active, doc, created, last_modified, version)
         SELECT 'm-' || n, 'okta', 'm' || n, 'm' || n, true, '{"userName":"m' || n || '"}', 'x', 'x', 1 FROM generate_series(1, 50000) n;
       INSERT INTO memberships (group_rid, user_rid) SELECT g.rid, u.rid FROM groups g, users u WHERE g.id = '${big.id}' AND u.id LIKE 'm-%';
       ANALYZE`,
    )
    // Statements are prepared on a connection's first use of them (one more round trip, once): counted after that.
    const count = async (operation: () => Promise<unknown>) => {
      await operation()
      roundTrips = 0
      await operation()
      return roundTrips
    }
    expect(await count(() => store.getUser('okta', ada.id, false))).toBe(1)
    expect(await count(() => store.getUser('okta', ada.id, true))).toBe(1)
    expect(await count(() => store.listUsers('okta', { filter: parseFilter(userType, 'userName eq "ada@example.com"'), startIndex: 1, count: 10 }, false))).toBe(1)
    const patch = () => store.modifyGroup('okta', big.id, (group) => ({ doc: group.doc, memberOps: [{ op: 'add', ids: [ada.id] }] }), actor)
    const trips = await count(patch)
    // BEGIN with the lock and the group read; the membership; the write and audit entry with COMMIT.
    expect(trips).toBe(3)
    expect(await count(() => store.modifyGroup('okta', big.id, (group) => ({ doc: group.doc, memberOps: [{ op: 'remove', ids: [ada.id] }] }), actor))).toBe(trips)
    let n = 0
    expect(await count(() => store.createUser('okta', { userName: `new${n++}@example.com` }, actor))).toBe(2)
    const group = await store.getGroup('okta', big.id, true)
    expect(group?.members).toHaveLength(50_000)
    expect(await store.verifyAudit()).toMatchObject({ ok: true })
  })
})
