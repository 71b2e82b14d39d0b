// The audit log of the PostgreSQL store: export, and verification of the chain, its recorded head and its guards.
import { entryHash, fromRow, genesisHash, MalformedAuditEntryError, type AuditRow } from '../audit-chain.js'
import type { AuditEntry, AuditHead, AuditVerification } from '../store.js'
import type { Sql } from './connect.js'

/** Rows read per batch while walking the log (a log of millions of entries is never held whole). */
const batchSize = 2000

async function* auditRows(sql: Pick<Sql, 'unsafe'>): AsyncGenerator<AuditRow> {
  let after = 0
  for (;;) {
    const rows = (await sql.unsafe('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [after, batchSize], { prepare: true })) as unknown as AuditRow[]
    for (const row of rows) {
      const numbered = { ...row, seq: Number(row.seq) }
      yield numbered
      after = numbered.seq
    }
    if (rows.length < batchSize) return
  }
}

export async function exportAuditEntries(sql: Pick<Sql, 'unsafe'>, sink: (entry: AuditEntry) => void): Promise<number> {
  let count = 0
  for await (const row of auditRows(sql)) {
    sink(fromRow(row))
    count++
  }
  return count
}

/** The guards that keep the log append-only: present and enabled, each calling rolecall's function. */
const guards: Record<string, { table: string; fn: string }> = {
  audit_no_update: { table: 'audit', fn: 'rolecall_audit_append_only' },
  audit_no_delete: { table: 'audit', fn: 'rolecall_audit_append_only' },
  audit_no_truncate: { table: 'audit', fn: 'rolecall_audit_append_only' },
  audit_head_follows: { table: 'audit', fn: 'rolecall_audit_head_follows' },
  audit_head_forward: { table: 'store_head', fn: 'rolecall_audit_head_forward' },
  audit_head_no_delete: { table: 'store_head', fn: 'rolecall_audit_append_only' },
}

async function triggerProblem(sql: Pick<Sql, 'unsafe'>): Promise<string | undefined> {
  const rows = (await sql.unsafe(
    `SELECT t.tgname AS name, c.relname AS table, p.proname AS fn, t.tgenabled AS enabled FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE NOT t.tgisinternal AND c.relname IN ('audit', 'store_head') AND c.relnamespace = current_schema()::regnamespace`,
  )) as unknown as { name: string; table: string; fn: string; enabled: string }[]
  const actual = new Map(rows.map((row) => [row.name, row]))
  const missing = Object.keys(guards).filter((name) => !actual.has(name))
  const changed = Object.entries(guards)
    .filter(([name, guard]) => {
      const row = actual.get(name)
      return row !== undefined && (row.table !== guard.table || row.fn !== guard.fn || row.enabled === 'D')
    })
    .map(([name]) => name)
  const extra = [...actual.keys()].filter((name) => guards[name] === undefined)
  const parts = [
    missing.length === 0 ? '' : `missing: ${missing.join(', ')}`,
    changed.length === 0 ? '' : `changed or disabled: ${changed.join(', ')}`,
    extra.length === 0 ? '' : `not rolecall's: ${extra.join(', ')}`,
  ].filter((part) => part !== '')
  return parts.length === 0 ? undefined : `the audit log's append-only triggers were tampered with (${parts.join('; ')})`
}

function headProblem(last: AuditHead, head: AuditHead): { brokenAt?: number; reason: string } | undefined {
  if (last.seq < head.seq) {
    const removed = last.seq + 1 === head.seq ? `entry ${head.seq} was` : `entries ${last.seq + 1} to ${head.seq} were`
    return { brokenAt: last.seq + 1, reason: `the log ends at entry ${last.seq}, but the store recorded entry ${head.seq} as its last: ${removed} removed` }
  }
  if (last.seq > head.seq) return { brokenAt: head.seq + 1, reason: `entries after ${head.seq}, the recorded head, were added without moving it` }
  if (last.hash !== head.hash) return { brokenAt: last.seq, reason: 'the last entry is not the one the store recorded as its head (its hash differs)' }
  return undefined
}

/**
 * Checks the log in one repeatable-read transaction (writers may append meanwhile): every link, that it ends at
 * the recorded head, that the guards are in place, and that an entry has the hash `head` recorded elsewhere.
 */
export async function verifyAuditChain(pool: Sql, options: { head?: string } = {}): Promise<AuditVerification> {
  return pool.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (sql): Promise<AuditVerification> => {
    let last: AuditHead = { seq: 0, hash: genesisHash }
    let entries = 0
    let externalHeadSeq: number | undefined
    let broken: { brokenAt?: number; reason: string } | undefined
    for await (const row of auditRows(sql)) {
      const expected = last.seq + 1
      if (row.seq !== expected) {
        broken = { brokenAt: row.seq, reason: `expected entry ${expected}, found ${row.seq}` }
        break
      }
      let entry
      try {
        entry = fromRow(row)
      } catch (error) {
        if (!(error instanceof MalformedAuditEntryError)) throw error
        broken = { brokenAt: row.seq, reason: 'its detail is not valid JSON (the row was changed outside rolecall)' }
        break
      }
      const { prevHash, hash, ...body } = entry
      if (prevHash !== last.hash) {
        broken = { brokenAt: row.seq, reason: 'previous hash does not match' }
        break
      }
      if (entryHash(last.hash, body) !== hash) {
        broken = { brokenAt: row.seq, reason: 'entry hash does not match its content' }
        break
      }
      if (hash === options.head) externalHeadSeq = row.seq
      last = { seq: row.seq, hash }
      entries++
    }
    const [recorded] = (await sql.unsafe('SELECT audit_seq, audit_hash, revision FROM store_head WHERE id = 1')) as unknown as { audit_seq: string; audit_hash: string; revision: string }[]
    if (broken === undefined) {
      broken = recorded === undefined ? { reason: 'the recorded head of the log is missing' } : headProblem(last, { seq: Number(recorded.audit_seq), hash: recorded.audit_hash })
    }
    if (broken === undefined && entries === 0) {
      const [held] = (await sql.unsafe('SELECT EXISTS (SELECT 1 FROM connections) OR EXISTS (SELECT 1 FROM admin_tokens) AS held')) as unknown as { held: boolean }[]
      if (Number(recorded?.revision ?? 0) !== 0 || held?.held === true) {
        broken = { brokenAt: 1, reason: 'the log is empty, but the store holds connections, tokens or changes that were logged when made' }
      }
    }
    const triggers = await triggerProblem(sql)
    if (broken !== undefined) {
      const reason = triggers === undefined ? broken.reason : `${broken.reason}; ${triggers}`
      return { ok: false, entries, reason, ...(broken.brokenAt === undefined ? {} : { brokenAt: broken.brokenAt }) }
    }
    if (triggers !== undefined) return { ok: false, entries, reason: triggers }
    if (options.head !== undefined && externalHeadSeq === undefined) {
      return { ok: false, entries, reason: `no entry has the hash ${options.head}, recorded earlier: the log was cut short or rewritten since` }
    }
    return { ok: true, entries, head: last, isHeadRecorded: true, ...(externalHeadSeq === undefined ? {} : { externalHeadSeq }) }
  }) as Promise<AuditVerification>
}
