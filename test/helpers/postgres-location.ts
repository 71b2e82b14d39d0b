// PostgreSQL databases for the store contract suite, and the raw access to them that only tests have.
import postgres from 'postgres'
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { StoreLocation } from '../store/contract/backend.js'
import { freshDatabase } from './postgres-db.js'

/** Runs `edit` on the database through a connection of its own, with the audit log's append-only triggers disabled. */
async function withoutAuditGuards(url: string, edit: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    await sql.begin(async (tx) => {
      await tx`ALTER TABLE audit DISABLE TRIGGER USER`
      await edit(tx as unknown as postgres.Sql)
      await tx`ALTER TABLE audit ENABLE TRIGGER USER`
    })
  } finally {
    await sql.end()
  }
}

/** A new database, opened as a server opens it (the store's caches in front); small pools, as many objects share one server. */
export async function postgresLocation(): Promise<StoreLocation> {
  const url = await freshDatabase()
  const opened: { close(): Promise<void> }[] = []
  return {
    open: async ({ clock }) => {
      const store = withStoreCaches(await openPostgresStore(url, { clock, poolSize: 4 }))
      opened.push(store)
      return store
    },
    tamper: {
      rewriteActor: (seq, actor) => withoutAuditGuards(url, (sql) => sql`UPDATE audit SET actor = ${actor} WHERE seq = ${seq}`),
      truncateFrom: (seq) => withoutAuditGuards(url, (sql) => sql`DELETE FROM audit WHERE seq >= ${seq}`),
    },
    destroy: async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined)
    },
  }
}
