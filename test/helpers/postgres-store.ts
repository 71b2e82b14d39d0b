// PostgreSQL stores for tests: a fresh database per store on the run's cluster, and raw access behind the store's back.
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { StoreLocation } from '../store/contract/backend.js'
import { databaseOf, testPostgres } from './postgres.js'

/**
 * A new database for the contract suite, each store object opened as a server opens it (the store's caches in
 * front). Tampering runs as the superuser with `session_replication_role = replica`: the append-only triggers stay
 * in place but do not fire for that session, as for someone with the rights to bypass them.
 */
export async function postgresLocation(): Promise<StoreLocation> {
  const cluster = await testPostgres()
  const url = await cluster.createDatabase()
  const database = databaseOf(url)
  const bypass = (sql: string) => cluster.sql(database, `SET session_replication_role = replica; ${sql}`)
  return {
    open: async ({ clock }) => withStoreCaches(await openPostgresStore(url, { clock })),
    tamper: {
      rewriteActor: async (seq, actor) => {
        await bypass(`UPDATE audit SET actor = '${actor.replaceAll("'", "''")}' WHERE seq = ${Number(seq)}`)
      },
      truncateFrom: async (seq) => {
        await bypass(`DELETE FROM audit WHERE seq >= ${Number(seq)}`)
      },
    },
    destroy: async () => cluster.dropDatabase(database),
  }
}
