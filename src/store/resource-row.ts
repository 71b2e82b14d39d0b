// A users or groups row as either backend reads it (the document as its stored JSON text), the resource it holds,
// and the If-Match check every write of one makes.
import { WriteRejectedError, type JsonObject, type WriteOptions } from './store.js'

/** The columns both backends keep for a resource; each adds its own (row ids, joined references). */
export type StoredRow = { id: string; connection: string; doc: string; created: string; last_modified: string; version: number }

export function toResource(row: StoredRow) {
  return { id: row.id, connection: row.connection, doc: JSON.parse(row.doc) as JsonObject, created: row.created, lastModified: row.last_modified, version: row.version }
}

/** The row, if it exists and is at a version `options.ifVersion` allows; else the write is refused. */
export function checkVersion<Row extends StoredRow>(row: Row | undefined, kind: string, id: string, options: WriteOptions): Row {
  if (row === undefined) throw new WriteRejectedError('not-found', `${kind} ${id} not found`)
  if (options.ifVersion !== undefined && !options.ifVersion.includes(row.version)) throw new WriteRejectedError('precondition', `${kind} ${id} is at version ${row.version}`)
  return row
}
