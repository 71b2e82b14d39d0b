// SQLite store files in temporary directories, and the raw access to them that only tests have.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { withStoreCaches } from '../../src/store/cache/cached-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { StoreLocation } from '../store/contract/backend.js'

/** A path for a new store file in a new temporary directory; `remove` deletes the directory. */
export function tempStorePath(prefix = 'rolecall-store-'): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { path: join(dir, 'data', 'rolecall.db'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs `edit` on the store file through a connection of its own, with the audit log's append-only triggers dropped. */
function withoutAuditGuards(path: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path)
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete')
    edit(db)
  } finally {
    db.close()
  }
}

/**
 * A store file for the contract suite, opened as a server opens it (the store's caches in front). Store objects wait for each other's write lock on timers (`lockWait:
 * 'retry'`, as a server's do): in one thread, a blocking wait would stop the other object from committing.
 */
export function sqliteLocation(): StoreLocation {
  const { path, remove } = tempStorePath('rolecall-contract-')
  return {
    open: async ({ clock }) => withStoreCaches(openSqliteStore(path, { clock, lockWait: 'retry' })),
    tamper: {
      rewriteActor: async (seq, actor) => withoutAuditGuards(path, (db) => db.prepare('UPDATE audit SET actor = ? WHERE seq = ?').run(actor, seq)),
      truncateFrom: async (seq) => withoutAuditGuards(path, (db) => db.prepare('DELETE FROM audit WHERE seq >= ?').run(seq)),
    },
    destroy: async () => remove(),
  }
}
