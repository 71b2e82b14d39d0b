// Reads from a Store what a plan is computed against: the live directory, the applied documents, break-glass grants.
import { directoryWithTable } from '../engine/membership-table.js'
import type { BreakGlassGrant, Directory } from '../engine/types.js'
import type { StateDocument } from '../model/documents.js'
import type { PlanBaseInput } from '../plan/make-plan.js'
import type { BreakGlassRecord } from '../store/applied.js'
import type { LiveSnapshot, Store } from '../store/store.js'

/** Break-glass grants that still count (not revoked); expiry is decided by the engine at `now`. */
export function activeBreakGlass(records: readonly BreakGlassRecord[]): BreakGlassGrant[] {
  return records
    .filter((record) => record.revokedAt === undefined)
    .map((record) => ({ id: record.id, user: record.user, actions: record.actions, resource: record.resource, ...(record.env === undefined ? {} : { env: record.env }), reason: record.reason, expires: record.expires }))
}

/** The snapshot's directory; memberships stay a table when the store read them as one. */
export function directoryOf(snapshot: LiveSnapshot): Directory {
  const { users, groups, membershipTable } = snapshot
  return membershipTable === undefined ? { users, groups, memberships: snapshot.memberships } : directoryWithTable({ users, groups }, membershipTable)
}

export async function readPlanBase(store: Store): Promise<PlanBaseInput> {
  const [snapshot, applied, breakGlass] = await Promise.all([store.snapshot(), store.appliedState(), store.listBreakGlass()])
  const directory = directoryOf(snapshot)
  return {
    storeRevision: snapshot.revision,
    directory,
    applied: { revision: applied?.revision.id ?? null, documents: (applied?.documents ?? []) as StateDocument[] },
    breakGlass: activeBreakGlass(breakGlass),
  }
}

/** An empty base: no store yet (plan before anything was provisioned or applied). */
export function emptyPlanBase(): PlanBaseInput {
  return { storeRevision: 0, directory: { users: [], groups: [], memberships: [] }, applied: { revision: null, documents: [] }, breakGlass: [] }
}
