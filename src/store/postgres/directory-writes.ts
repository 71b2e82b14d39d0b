// What user and group writes share: uniqueness conflicts, a document's columns, membership operations.
import { StoreError } from '../../errors.js'
import { groupFields, userFields } from '../fields.js'
import { WriteRejectedError, type JsonObject, type MemberOp } from '../store.js'
import { uniqueViolation } from './errors.js'
import type { WriteTx } from './transaction.js'

export type MemberSummary = { added: string[]; removed: string[]; cleared: boolean }

/** A duplicate userName or displayName (a unique index), as the contract's conflict. */
export function conflictOn(what: string, connection: string): (error: unknown) => unknown {
  return (error) => (uniqueViolation(error) === undefined ? error : new WriteRejectedError('conflict', `${what} is already taken in ${connection}`))
}

export const insertUser = `INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)`

export function userColumns(doc: JsonObject) {
  const fields = userFields(doc)
  return { ...fields, isActive: fields.active === 1 }
}

/** Queues the update of a user's document and columns (sent with COMMIT; a duplicate userName fails the write). */
export function updateUser(tx: WriteTx, connection: string, rid: string, doc: JsonObject, version: number): void {
  const fields = userColumns(doc)
  tx.defer(
    'UPDATE users SET user_name = $1, user_name_key = $2, external_id = $3, active = $4, display_name = $5, doc = $6, last_modified = $7, version = $8 WHERE rid = $9',
    [fields.userName, fields.userNameKey, fields.externalId, fields.isActive, fields.displayName, JSON.stringify(doc), tx.now, version, rid],
    conflictOn(`userName "${fields.userName}"`, connection),
  )
}

/** Inserts a group now (its rid is needed for its members); a duplicate displayName is a conflict. */
export async function insertGroup(tx: WriteTx, connection: string, id: string, doc: JsonObject): Promise<string> {
  const fields = groupFields(doc)
  try {
    const [row] = await tx.query<{ rid: string }>(`INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1) RETURNING rid`, [
      id,
      connection,
      fields.displayName,
      fields.displayNameKey,
      fields.externalId,
      JSON.stringify(doc),
      tx.now,
    ])
    if (row === undefined) throw new StoreError(`group ${id} was not stored`)
    return row.rid
  } catch (error) {
    throw conflictOn(`displayName "${fields.displayName}"`, connection)(error)
  }
}

/** Queues the update of a group's document and columns; its displayName and externalId readers are told. */
export function updateGroup(tx: WriteTx, connection: string, rid: string, doc: JsonObject, version: number, text = JSON.stringify(doc)): void {
  const fields = groupFields(doc)
  tx.defer(
    'UPDATE groups SET display_name = $1, display_name_key = $2, external_id = $3, doc = $4, last_modified = $5, version = $6 WHERE rid = $7',
    [fields.displayName, fields.displayNameKey, fields.externalId, text, tx.now, version, rid],
    conflictOn(`displayName "${fields.displayName}"`, connection),
  )
  tx.isGroupFieldsChanged = true
}

/** The ids of a list, once each, in the order first named, as `$n::text[]`. */
const wanted = (param: string) => `SELECT id, min(n) AS n FROM unnest(${param}::text[]) WITH ORDINALITY AS w(id, n) GROUP BY id`

const addMembers = `WITH wanted AS (${wanted('$2')}),
  found AS (SELECT u.rid, u.id, w.n FROM wanted w JOIN users u ON u.id = w.id AND u.connection = $3),
  ok AS (SELECT (SELECT count(*) FROM found) = (SELECT count(*) FROM wanted) AS all_found),
  added AS (INSERT INTO memberships (group_rid, user_rid, added_seq) SELECT $1, f.rid, $4::bigint FROM found f, ok WHERE ok.all_found ON CONFLICT DO NOTHING RETURNING user_rid)
  SELECT (SELECT w.id FROM wanted w WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.id = w.id) ORDER BY w.n LIMIT 1) AS unknown,
    coalesce((SELECT array_agg(f.id ORDER BY f.n) FROM added a JOIN found f ON f.rid = a.user_rid), '{}') AS ids`

const removeMembers = `WITH wanted AS (${wanted('$2')}),
  removed AS (DELETE FROM memberships m USING users u, wanted w WHERE m.group_rid = $1 AND m.user_rid = u.rid AND u.id = w.id AND u.connection = $3 RETURNING u.id, w.n)
  SELECT NULL::text AS unknown, coalesce((SELECT array_agg(id ORDER BY n) FROM removed), '{}') AS ids`

/**
 * Applies membership operations in order, one statement each, touching only the memberships they name (a
 * 50,000-member group is never read whole). An add naming an unknown user refuses the whole write.
 */
export async function applyMemberOps(tx: WriteTx, connection: string, groupRid: string, ops: readonly MemberOp[]): Promise<MemberSummary> {
  const summary: MemberSummary = { added: [], removed: [], cleared: false }
  for (const op of ops) {
    if (op.op === 'clear') {
      await tx.query('DELETE FROM memberships WHERE group_rid = $1', [groupRid])
      summary.cleared = true
      continue
    }
    if (op.ids.length === 0) continue
    // An added membership records the audit entry its write appends next (the write's own, after these operations).
    const [row] = await tx.query<{ unknown: string | null; ids: string[] }>(op.op === 'add' ? addMembers : removeMembers, op.op === 'add' ? [groupRid, op.ids as never, connection, tx.nextSeq] : [groupRid, op.ids as never, connection])
    if (row?.unknown !== null && row?.unknown !== undefined) throw new WriteRejectedError('unknown-member', `no user with id "${row.unknown}" in ${connection}`)
    ;(op.op === 'add' ? summary.added : summary.removed).push(...(row?.ids ?? []))
  }
  return summary
}
