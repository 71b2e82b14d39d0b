// Verifies the audit log: every link of the hash chain, that it ends at the head the store recorded (nothing cut off
// its end), that the append-only triggers are in place, and optionally that a head recorded elsewhere is still in it.
import Database from 'better-sqlite3'
import type { AuditHead, AuditVerification } from '../store.js'
import { auditVerdict, walkAuditRows } from '../audit-verdict.js'
import { auditRows } from './audit.js'
import { migrate, migrations } from './migrations.js'

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined
}

/** The head moved by every append (migration 5); undefined in a store whose schema predates it. */
function recordedHead(db: Database.Database): AuditHead | undefined {
  if (!hasTable(db, 'audit_head')) return undefined
  return db.prepare<[], AuditHead>('SELECT seq, hash FROM audit_head WHERE id = 1').get() ?? { seq: -1, hash: '' }
}

/** Whether the store holds what only logged writes create (so that an empty log is one that was emptied). */
function holdsLoggedState(db: Database.Database): boolean {
  const revision = db.prepare<[], { value: number }>(`SELECT value FROM state WHERE key = 'revision'`).get()?.value ?? 0
  const hasConnections = db.prepare('SELECT 1 FROM connections LIMIT 1').get() !== undefined
  const hasAdminTokens = hasTable(db, 'admin_tokens') && db.prepare('SELECT 1 FROM admin_tokens LIMIT 1').get() !== undefined
  return revision !== 0 || hasConnections || hasAdminTokens
}

const normalise = (sql: string) => sql.replace(/\s+/g, ' ').trim()

function triggersOf(db: Database.Database): Map<string, string> {
  const rows = db.prepare<[], { name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit', 'audit_head')`).all()
  return new Map(rows.map((row) => [row.name, normalise(row.sql)]))
}

/** The guard triggers as the migrations up to `version` create them, read from a scratch in-memory database. */
function expectedTriggers(version: number): Map<string, string> {
  const scratch = new Database(':memory:')
  try {
    migrate(scratch, Math.min(version, migrations.length))
    return triggersOf(scratch)
  } finally {
    scratch.close()
  }
}

/** Missing, changed or extra triggers on the log: without them, rows can be changed or deleted unseen. */
function triggerProblem(db: Database.Database): string | undefined {
  const expected = expectedTriggers(Number(db.pragma('user_version', { simple: true })))
  const actual = triggersOf(db)
  const missing = [...expected.keys()].filter((name) => !actual.has(name))
  const changed = [...expected].filter(([name, sql]) => actual.has(name) && actual.get(name) !== sql).map(([name]) => name)
  const extra = [...actual.keys()].filter((name) => !expected.has(name))
  const parts = [
    missing.length === 0 ? '' : `missing: ${missing.join(', ')}`,
    changed.length === 0 ? '' : `changed: ${changed.join(', ')}`,
    extra.length === 0 ? '' : `not rolecall's: ${extra.join(', ')}`,
  ].filter((part) => part !== '')
  return parts.length === 0 ? undefined : `the audit log's append-only triggers were tampered with (${parts.join('; ')})`
}

/**
 * Checks the log in one read transaction (a server may be appending meanwhile). `externalHead` is a hash recorded
 * outside the store earlier: some entry must still have it. Someone who can write the file can rewrite the chain,
 * the recorded head and the triggers alike; only a head kept elsewhere tells that apart.
 */
export function verifyAuditChain(db: Database.Database, options: { head?: string } = {}): AuditVerification {
  return db.transaction((): AuditVerification => auditVerdict(walkAuditRows(auditRows(db), options.head), recordedHead(db), () => holdsLoggedState(db), triggerProblem(db), options.head))()
}
