// New PostgreSQL databases for tests, on the server the test run started (test/helpers/postgres-global.ts): empty
// ones, or clones of the migrated template (no migration per test); each dropped when its test file ends.
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

afterAll(async () => {
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
