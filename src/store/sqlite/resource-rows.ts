// A users or groups row as read, the resource it holds, and the checks every write of one makes.
import { WriteRejectedError, type JsonObject, type WriteOptions } from '../store.js'

export type ResourceRow = {
  rid: number
  id: string
  connection: string
  doc: string
  created: string
  last_modified: string
  version: number
}

export function toResource(row: ResourceRow) {
  return {
    id: row.id,
    connection: row.connection,
    doc: JSON.parse(row.doc) as JsonObject,
    created: row.created,
    lastModified: row.last_modified,
    version: row.version,
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/** The row, if it exists and is at a version `options.ifVersion` allows; else the write is refused. */
export function checkVersion(row: ResourceRow | undefined, kind: string, id: string, options: WriteOptions): ResourceRow {
  if (row === undefined) throw new WriteRejectedError('not-found', `${kind} ${id} not found`)
  if (options.ifVersion !== undefined && !options.ifVersion.includes(row.version)) {
    throw new WriteRejectedError('precondition', `${kind} ${id} is at version ${row.version}`)
  }
  return row
}
