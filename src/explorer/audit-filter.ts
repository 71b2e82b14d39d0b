// The Audit log page's filter: from its query parameters, and whether an entry passes it.
import type { AuditEntry } from '../store/store.js'

export type AuditFilter = { actor: string; action: string; connection: string; resource: string; from: string; to: string }

export const auditFilterFields = ['actor', 'action', 'connection', 'resource', 'from', 'to'] as const

export function auditFilterOf(query: (name: string) => string | undefined): AuditFilter {
  const value = (name: (typeof auditFilterFields)[number]) => (query(name) ?? '').trim()
  return { actor: value('actor'), action: value('action'), connection: value('connection'), resource: value('resource'), from: value('from'), to: value('to') }
}

const contains = (value: string | null, wanted: string) => wanted === '' || (value ?? '').toLowerCase().includes(wanted.toLowerCase())

/**
 * Whether `entry` passes: actor, action and connection contain the text given (case-insensitive), resource its
 * type or id; `from` and `to` bound its time (a date alone covers the whole day, UTC).
 */
export function matchesAudit(filter: AuditFilter, entry: AuditEntry): boolean {
  if (!contains(entry.actor, filter.actor) || !contains(entry.action, filter.action) || !contains(entry.connection, filter.connection)) return false
  if (filter.resource !== '' && !contains(entry.resourceId, filter.resource) && !contains(entry.resourceType, filter.resource)) return false
  if (filter.from !== '' && entry.at < filter.from) return false
  if (filter.to !== '' && entry.at > (/^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? `${filter.to}T23:59:59.999Z` : filter.to)) return false
  return true
}

/** The entries that pass, newest first. */
export async function filteredAudit(exportAudit: (sink: (entry: AuditEntry) => void) => Promise<number>, filter: AuditFilter): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = []
  await exportAudit((entry) => {
    if (matchesAudit(filter, entry)) entries.push(entry)
  })
  return entries.reverse()
}
