// The break-glass grants that were in force at one moment, from the store's records (made, revoked, expiring).
import { activeBreakGlass } from '../../apply/store-base.js'
import type { BreakGlassGrant } from '../../engine/types.js'
import type { BreakGlassRecord } from '../../store/applied.js'

/** Grants made by `at` and not revoked by then; the engine leaves out those expired at `at`. */
export function breakGlassAt(records: readonly BreakGlassRecord[], at: Date): BreakGlassGrant[] {
  const time = at.getTime()
  const made = records.filter((record) => new Date(record.createdAt).getTime() <= time && (record.revokedAt === undefined || new Date(record.revokedAt).getTime() > time))
  return activeBreakGlass(made.map(({ revokedAt: _revoked, ...record }) => record))
}
