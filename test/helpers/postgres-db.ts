// A new, empty PostgreSQL database per test, on the server the test run started (test/helpers/postgres-global.ts).
import { inject } from 'vitest'
import postgres from 'postgres'

let made = 0

/** The URL of a new database on the run's server; its name is unique to this process. */
export async function freshDatabase(): Promise<string> {
  const serverUrl = inject('postgresUrl')
  const name = `t_${process.pid}_${++made}_${Date.now().toString(36)}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
