// Verifies the audit log: every link of the hash chain, that it ends at the head the store recorded (nothing cut off
// its end), that the append-only triggers are in place, and optionally that a head recorded elsewhere is still in it.
import Database from 'better-sqlite3'
import type { AuditHead, AuditVerification } from '../store.js'
import { entryHash, fromRow, genesisHash, MalformedAuditEntryError } from '../audit-chain.js'
import { auditRows } from './audit.js'
import { migrate, migrations } from './migrations.js'

type Broken = { brokenAt?: number; reason: string }
type Walk = { entries: number; last: AuditHead; broken?: Broken; externalHeadSeq?: number }

/** Recomputes every link; stops at the first wrong entry. Notes which entry, if any, has the hash `externalHead`. */
function walkChain(db: Database.Database, externalHead: string | undefined): Walk {
  let last: AuditHead = { seq: 0, hash: genesisHash }
  let externalHeadSeq: number | undefined
  let entries = 0
  const stop = (brokenAt: number, reason: string): Walk => ({ entries, last, broken: { brokenAt, reason }, ...(externalHeadSeq === undefined ? {} : { externalHeadSeq }) })
  for (const row of auditRows(db)) {
    const expected = last.seq + 1
    if (row.seq !== expected) return stop(row.seq, `expected entry ${expected}, found ${row.seq}`)
    let entry
    try {
      entry = fromRow(row)
    } catch (error) {
      if (error instanceof MalformedAuditEntryError) return stop(row.seq, 'its detail is not valid JSON (the row was changed outside rolecall)')
      throw error
    }
    const { prevHash: storedPrev, hash, ...body } = entry
    if (storedPrev !== last.hash) return stop(row.seq, 'previous hash does not match')
    if (entryHash(last.hash, body) !== hash) return stop(row.seq, 'entry hash does not match its content')
    if (hash === externalHead) externalHeadSeq = row.seq
    last = { seq: row.seq, hash }
    entries++
  }
  return { entries, last, ...(externalHeadSeq === undefined ? {} : { externalHeadSeq }) }
}

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined
}

/** The head moved by every append (migration 5); undefined in a store whose schema predates it. */
function recordedHead(db: Database.Database): AuditHead | undefined {
  if (!hasTable(db, 'audit_head')) return undefined
  return db.prepare<[], AuditHead>('SELECT seq, hash FROM audit_head WHERE id = 1').get() ?? { seq: -1, hash: '' }
}

/** Whether the last entry is the recorded head: entries cut off the end leave the head pointing past it. */
function headProblem(last: AuditHead, head: AuditHead): Broken | undefined {
  if (head.seq < 0) return { reason: 'the recorded head of the log is missing' }
  if (last.seq < head.seq) {
    const removed = last.seq + 1 === head.seq ? `entry ${head.seq} was` : `entries ${last.seq + 1} to ${head.seq} were`
    return { brokenAt: last.seq + 1, reason: `the log ends at entry ${last.seq}, but the store recorded entry ${head.seq} as its last: ${removed} removed` }
  }
  if (last.seq > head.seq) return { brokenAt: head.seq + 1, reason: `entries after ${head.seq}, the recorded head, were added without moving it` }
  if (last.hash !== head.hash) return { brokenAt: last.seq, reason: 'the last entry is not the one the store recorded as its head (its hash differs)' }
  return undefined
}

/** An empty log in a store that holds what only logged writes create. */
function emptyLogProblem(db: Database.Database): Broken | undefined {
  const revision = db.prepare<[], { value: number }>(`SELECT value FROM state WHERE key = 'revision'`).get()?.value ?? 0
  const hasConnections = db.prepare('SELECT 1 FROM connections LIMIT 1').get() !== undefined
  const hasAdminTokens = hasTable(db, 'admin_tokens') && db.prepare('SELECT 1 FROM admin_tokens LIMIT 1').get() !== undefined
  if (revision === 0 && !hasConnections && !hasAdminTokens) return undefined
  return { brokenAt: 1, reason: 'the log is empty, but the store holds connections, tokens or changes that were logged when made' }
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
  return db.transaction((): AuditVerification => {
    const walk = walkChain(db, options.head)
    const head = recordedHead(db)
    const broken =
      walk.broken ?? (head === undefined ? undefined : headProblem(walk.last, head)) ?? (walk.entries === 0 ? emptyLogProblem(db) : undefined)
    const triggers = triggerProblem(db)
    if (broken !== undefined) {
      const reason = triggers === undefined ? broken.reason : `${broken.reason}; ${triggers}`
      return { ok: false, entries: walk.entries, reason, ...(broken.brokenAt === undefined ? {} : { brokenAt: broken.brokenAt }) }
    }
    if (triggers !== undefined) return { ok: false, entries: walk.entries, reason: triggers }
    if (options.head !== undefined && walk.externalHeadSeq === undefined) {
      return { ok: false, entries: walk.entries, reason: `no entry has the hash ${options.head}, recorded earlier: the log was cut short or rewritten since` }
    }
    return {
      ok: true,
      entries: walk.entries,
      head: walk.last,
      isHeadRecorded: head !== undefined,
      ...(walk.externalHeadSeq === undefined ? {} : { externalHeadSeq: walk.externalHeadSeq }),
    }
  })()
}
