// Break-glass grants made outside git: added, listed, revoked, each with its audit entry.
import { randomUUID } from 'node:crypto'
import type { BreakGlassRecord } from '../applied.js'
import type { JsonObject } from '../store.js'
import { insertBreakGlass, listBreakGlass as listBreakGlassRows, markBreakGlassRevoked } from './applied.js'
import type { SqliteCore } from './core.js'

export function addBreakGlass(core: SqliteCore, grant: Omit<BreakGlassRecord, 'id' | 'createdAt'>): Promise<BreakGlassRecord> {
  return core.write(() => {
    const record: BreakGlassRecord = { ...grant, id: `bg_${randomUUID()}`, createdAt: core.now() }
    insertBreakGlass(core.writer, record)
    core.accessChanges.touchUsers([], [record.user])
    const detail: JsonObject = { user: record.user, actions: record.actions, resource: record.resource, env: record.env ?? null, reason: record.reason, expires: record.expires }
    core.record({ actor: grant.createdBy, connection: null, action: 'break-glass.create', resourceType: 'BreakGlass', resourceId: record.id, beforeDigest: null, afterDigest: null, detail })
    return record
  })
}

export function listBreakGlass(core: SqliteCore): BreakGlassRecord[] {
  return listBreakGlassRows(core.reader)
}

export function revokeBreakGlass(core: SqliteCore, id: string, actor: string): Promise<boolean> {
  return core.write(() => {
    const revoked = markBreakGlassRevoked(core.writer, id, core.now())
    if (revoked) core.accessChanges.touchAll()
    if (revoked) core.record({ actor, connection: null, action: 'break-glass.revoke', resourceType: 'BreakGlass', resourceId: id, beforeDigest: null, afterDigest: null, detail: null })
    return revoked
  })
}
