// The audit log of the PostgreSQL store: export, and verification of the chain, its recorded head and its guards.
import { fromRow, type AuditRow } from '../audit-chain.js'
import { auditVerdict, startOfWalk, stepAuditWalk } from '../audit-verdict.js'
import type { AuditEntry, AuditVerification } from '../store.js'
import type { Sql } from './connect.js'

/** Rows read per batch while walking the log (a log of millions of entries is never held whole). */
const batchSize = 2000

async function* auditRows(sql: Pick<Sql, 'unsafe'>, afterSeq = 0): AsyncGenerator<AuditRow> {
  let after = afterSeq
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

export async function exportAuditEntries(sql: Pick<Sql, 'unsafe'>, sink: (entry: AuditEntry) => void, afterSeq = 0): Promise<number> {
  let count = 0
  for await (const row of auditRows(sql, afterSeq)) {
    sink(fromRow(row))
    count++
  }
  return count
}

export async function auditEntriesOf(sql: Pick<Sql, 'unsafe'>, seqs: readonly number[]): Promise<AuditEntry[]> {
  if (seqs.length === 0) return []
  const rows = (await sql.unsafe('SELECT * FROM audit WHERE seq = ANY($1::bigint[]) ORDER BY seq', [[...new Set(seqs)]] as never[], { prepare: true })) as unknown as AuditRow[]
  return rows.map((row) => fromRow({ ...row, seq: Number(row.seq) }))
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
  const parts = [missing.length === 0 ? '' : `missing: ${missing.join(', ')}`, changed.length === 0 ? '' : `changed or disabled: ${changed.join(', ')}`, extra.length === 0 ? '' : `not rolecall's: ${extra.join(', ')}`].filter(
    (part) => part !== '',
  )
  return parts.length === 0 ? undefined : `the audit log's append-only triggers were tampered with (${parts.join('; ')})`
}

/**
 * Checks the log in one repeatable-read transaction (writers may append meanwhile): every link, that it ends at
 * the recorded head, that the guards are in place, and that an entry has the hash `head` recorded elsewhere.
 */
export async function verifyAuditChain(pool: Sql, options: { head?: string } = {}): Promise<AuditVerification> {
  return pool.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (sql): Promise<AuditVerification> => {
    let walk = startOfWalk
    for await (const row of auditRows(sql)) {
      walk = stepAuditWalk(walk, row, options.head)
      if (walk.broken !== undefined) break
    }
    const [recorded] = (await sql.unsafe('SELECT audit_seq, audit_hash, revision FROM store_head WHERE id = 1')) as unknown as { audit_seq: string; audit_hash: string; revision: string }[]
    const [held] = (await sql.unsafe('SELECT EXISTS (SELECT 1 FROM connections) OR EXISTS (SELECT 1 FROM admin_tokens) AS held')) as unknown as { held: boolean }[]
    const head = recorded === undefined ? { seq: -1, hash: '' } : { seq: Number(recorded.audit_seq), hash: recorded.audit_hash }
    const holdsLoggedState = () => Number(recorded?.revision ?? 0) !== 0 || held?.held === true
    return auditVerdict(walk, head, holdsLoggedState, await triggerProblem(sql), options.head)
  }) as Promise<AuditVerification>
}
