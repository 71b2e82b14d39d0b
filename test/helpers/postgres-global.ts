// One PostgreSQL server for the whole test run (vitest globalSetup); tests get its URL with inject('postgresUrl'), and
// the name of a database that holds rolecall's migrated schema, which each test's database is cloned from, with
// inject('postgresTemplate') (see test/helpers/postgres-db.ts).
import type { TestProject } from 'vitest/node'
import postgres from 'postgres'
import { storeLocation } from '../../src/store/location.js'
import { openStore } from '../../src/store/open-store.js'
import { startPostgres } from './postgres.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string
    postgresTemplate: string
  }
}

const template = 'rolecall_template'

/** Makes `template` on the server at `serverUrl` and migrates it; then nobody may connect to it, so that it can be cloned. */
async function makeTemplate(serverUrl: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => undefined })
  try {
    await admin.unsafe(`CREATE DATABASE ${template} TEMPLATE template0`)
    const url = new URL(serverUrl)
    url.pathname = `/${template}`
    const store = await openStore(storeLocation(url.toString(), process.cwd()), { use: 'write' })
    await store.close()
    await admin.unsafe(`ALTER DATABASE ${template} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`)
  } finally {
    await admin.end()
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startPostgres()
  try {
    await makeTemplate(server.url)
  } catch (error) {
    server.destroy()
    throw error
  }
  project.provide('postgresUrl', server.url)
  project.provide('postgresTemplate', template)
  return () => server.destroy()
}
