// Break-glass grants made outside git: effective until they expire, always reported as drift; audited.
import { randomUUID } from 'node:crypto'
import type { BreakGlassRecord } from '../applied.js'
import { breakGlassValues, toBreakGlass, type BreakGlassRow } from '../applied-rows.js'
import type { JsonObject } from '../store.js'
import type { Sql } from './connect.js'
import type { WriteResult, WriteTx } from './transaction.js'

export function addBreakGlass(tx: WriteTx, grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): WriteResult<BreakGlassRecord> {
  const record: BreakGlassRecord = { ...grant, id: `bg_${randomUUID()}`, createdAt: tx.now }
  tx.defer('INSERT INTO break_glass (id, user_name, actions, resource, env, reason, expires, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', breakGlassValues(record))
  const detail: JsonObject = { user: record.user, actions: record.actions, resource: record.resource, env: record.env ?? null, reason: record.reason, expires: record.expires }
  tx.audit({ actor: grant.createdBy, connection: null, action: 'break-glass.create', resourceType: 'BreakGlass', resourceId: record.id, beforeDigest: null, afterDigest: null, detail })
  return { value: record, touched: { userNames: [record.user] } }
}

export async function listBreakGlass(sql: Pick<Sql, 'unsafe'>): Promise<BreakGlassRecord[]> {
  return ((await sql.unsafe('SELECT * FROM break_glass ORDER BY created_at, id', [], { prepare: true })) as unknown as BreakGlassRow[]).map(toBreakGlass)
}

/** False when there was no such unrevoked grant. */
export async function revokeBreakGlass(tx: WriteTx, id: string, actor: string): Promise<WriteResult<boolean>> {
  const revoked = (await tx.query('UPDATE break_glass SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id', [tx.now, id])).length > 0
  if (!revoked) return { value: false }
  tx.audit({ actor, connection: null, action: 'break-glass.revoke', resourceType: 'BreakGlass', resourceId: id, beforeDigest: null, afterDigest: null, detail: null })
  return { value: true, touched: { all: true } }
}
