// New PostgreSQL databases for tests, on the server the test run started (test/helpers/postgres-global.ts): empty
// ones, or clones of the migrated template (no migration per test); each dropped when its test file ends. A store
// database whose store was closed is emptied again (far quicker than CREATE and DROP DATABASE) and given out again.
import { afterAll, inject } from 'vitest'
import postgres from 'postgres'

let made = 0
/** This file's databases, dropped after its last test. */
const databases: string[] = []
/** One connection to the server for this file's CREATE and DROP DATABASE statements. */
let admin: postgres.Sql | undefined

function adminSql(): postgres.Sql {
  admin ??= postgres(inject('postgresUrl'), { max: 1, onnotice: () => undefined })
  return admin
}

/** Databases emptied after use, ready again, each with the connection that empties it. */
const reusable: Reusable[] = []
type Reusable = { url: string; sql: postgres.Sql; reset: string; seeds: { table: string; rows: string }[] }

afterAll(async () => {
  for (const { sql } of reusable.splice(0)) await sql.end({ timeout: 5 })
  if (admin === undefined) return
  const sql = admin
  admin = undefined
  try {
    // FORCE ends the connections of a store that a test left open.
    for (const name of databases.splice(0)) await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await sql.end({ timeout: 5 })
  }
})

async function createDatabase(template: string): Promise<string> {
  const name = `t_${process.pid}_${++made}_${Date.now().toString(36)}`
  await adminSql().unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  databases.push(name)
  const url = new URL(inject('postgresUrl'))
  url.pathname = `/${name}`
  return url.toString()
}

/** The URL of a new, empty database (no schema) on the run's server; its name is unique to this process. */
export function freshDatabase(): Promise<string> {
  return createDatabase('template0')
}

/** The URL of a new database that holds rolecall's schema, migrated to the newest version, and nothing else. */
export function freshStoreDatabase(): Promise<string> {
  return createDatabase(inject('postgresTemplate'))
}

/** The rolecall tables of the database on `sql`, the rows each holds when new (store_head's), and the statement that empties them. */
async function emptying(sql: postgres.Sql): Promise<Omit<Reusable, 'url' | 'sql'>> {
  const tables = (await sql.unsafe(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'rolecall_schema' ORDER BY tablename`)).map((row) => String(row['tablename']))
  const seeds: { table: string; rows: string }[] = []
  for (const table of tables) {
    const [row] = await sql.unsafe(`SELECT json_agg(t)::text AS rows FROM ${table} t`)
    if (row?.['rows'] !== null && row?.['rows'] !== undefined) seeds.push({ table, rows: String(row['rows']) })
  }
  return { reset: `TRUNCATE ${tables.join(', ')} RESTART IDENTITY`, seeds }
}

/**
 * A database that holds rolecall's schema and nothing else, and `release`, which empties it (as new: the rows the
 * migrations insert put back) once its store is closed, for the next caller in this file. Triggers (the audit log's
 * guards) are off while it is emptied, on that connection only.
 */
export async function reusableStoreDatabase(): Promise<{ url: string; release: () => Promise<void> }> {
  let database = reusable.pop()
  if (database === undefined) {
    const url = await freshStoreDatabase()
    const sql = postgres(url, { max: 1, onnotice: () => undefined, connection: { lock_timeout: 5000 } })
    database = { url, sql, ...(await emptying(sql)) }
  }
  const taken = database
  let released: Promise<void> | undefined
  const release = () =>
    (released ??= (async () => {
      try {
        await taken.sql.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL session_replication_role = replica`)
          await tx.unsafe(taken.reset)
          for (const { table, rows } of taken.seeds) await tx.unsafe(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${table}, $1::text::json)`, [rows])
        })
        reusable.push(taken)
      } catch {
        // Still in use (a connection left open): dropped with the others after the last test.
        await taken.sql.end({ timeout: 5 })
      }
    })())
  return { url: taken.url, release }
}
