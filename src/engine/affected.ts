// Which users' access can differ between two states on one directory, so that a plan computes only theirs.
import type { DesiredState } from '../model/state.js'
import { breakGlassHolding, grantHolding, type BundleBuilder } from './bundles.js'
import type { Paths } from './directory-index.js'
import { identitiesOf } from './identity.js'
import type { BreakGlassGrant } from './types.js'

/** A state with its bundle builder and member paths (a map, or paths resolved when asked for), both on the shared directory. */
export type StateView = { state: DesiredState; builder: BundleBuilder; paths: { get(name: string): Paths | undefined } }

class GroupCycle extends Error {}

/** The person an individual Grant is for, in a state's identities. */
function keyOf(view: StateView, grant: { user: string; connection?: string }): string {
  return identitiesOf(view.state).personKey(grant.user, grant.connection)
}

/** Every person a break-glass grant for `user` may be (it names a userName only): a superset is enough here. */
function breakGlassKeys(view: StateView, user: string): string[] {
  const identities = identitiesOf(view.state)
  const name = user.toLowerCase()
  return [identities.personKey(user, undefined), ...identities.all.map((identity) => `${identity}\u0000${name}`), name]
}

/**
 * Text of what decides a group's member paths: its source and, recursively, its nested groups'. Plain JSON: equal
 * texts mean equal inputs; key order could only make equal inputs look different, which costs time, not correctness.
 */
function sourceDigests(state: DesiredState, interned: Map<string, string>): Map<string, string> {
  const done = new Map<string, string>()
  const visiting = new Set<string>()
  const digestOfGroup = (name: string): string => {
    const known = done.get(name)
    if (known !== undefined) return known
    const entry = state.groups.get(name)
    if (entry === undefined) return 'missing'
    if (visiting.has(name)) throw new GroupCycle(name)
    visiting.add(name)
    const nested = (entry.doc.source.members?.groups ?? []).map(digestOfGroup)
    visiting.delete(name)
    // Nested texts are replaced by short ids shared by both states, so that texts do not grow with depth.
    const text = JSON.stringify([entry.doc.source, nested])
    let digest = interned.get(text)
    if (digest === undefined) {
      digest = `#${interned.size}`
      interned.set(text, digest)
    }
    done.set(name, digest)
    return digest
  }
  for (const name of state.groups.keys()) digestOfGroup(name)
  return done
}

/**
 * userKeys whose effective access may differ between `before` and `after` (a superset), or undefined when any
 * user's may (then compute everyone). A user outside every group whose members or bundle differ, and outside
 * every individual or break-glass grant that differs, holds exactly the same things in both states.
 */
export function affectedUsers(
  before: StateView,
  after: StateView,
  breakGlass: readonly BreakGlassGrant[],
  now: Date,
  /** `Kind\u0000name` of every document that differs between the two states, when known: what did not change is not compared. */
  changedDocuments?: ReadonlySet<string>,
): Set<string> | undefined {
  let sourcesBefore: Map<string, string>
  let sourcesAfter: Map<string, string>
  try {
    const interned = new Map<string, string>()
    sourcesBefore = sourceDigests(before.state, interned)
    sourcesAfter = sourceDigests(after.state, interned)
  } catch (error) {
    // A cycle makes member paths depend on traversal order: do not reason about it, compute everyone.
    if (error instanceof GroupCycle) return undefined
    throw error
  }
  // Bundles, grant holdings and break-glass holdings depend on their own document and on these kinds alone (the
  // catalog, roles, services and policies a builder reads): with none of these changed, an unchanged document gives
  // an equal bundle or holding.
  const isContextSame = changedDocuments !== undefined && ![...changedDocuments].some((key) => ['Organization', 'Catalog', 'Role', 'Service', 'Policy'].includes(key.slice(0, key.indexOf('\u0000'))))
  const isUnchanged = (kind: string, name: string) => isContextSame && changedDocuments?.has(`${kind}\u0000${name}`) === false
  const users = new Set<string>()
  const addMembers = (paths: Paths | undefined) => {
    if (paths !== undefined) for (const key of paths.keys()) users.add(key)
  }
  for (const name of new Set([...before.state.groups.keys(), ...after.state.groups.keys()])) {
    const previous = before.state.groups.get(name)?.doc
    const next = after.state.groups.get(name)?.doc
    const isSame =
      previous !== undefined &&
      next !== undefined &&
      sourcesBefore.get(name) === sourcesAfter.get(name) &&
      (isUnchanged('Group', name) || JSON.stringify(before.builder.bundle(previous)) === JSON.stringify(after.builder.bundle(next)))
    if (isSame) continue
    addMembers(before.paths.get(name))
    addMembers(after.paths.get(name))
  }
  for (const name of new Set([...before.state.grants.keys(), ...after.state.grants.keys()])) {
    const previous = before.state.grants.get(name)?.doc
    const next = after.state.grants.get(name)?.doc
    if (previous !== undefined && next !== undefined && isUnchanged('Grant', name)) continue
    const digest = (view: StateView, grant: typeof previous) => (grant === undefined ? 'absent' : `${keyOf(view, grant)}\u0000${JSON.stringify(grantHolding(view.builder, grant, now) ?? null)}`)
    if (digest(before, previous) === digest(after, next)) continue
    if (previous !== undefined) users.add(keyOf(before, previous))
    if (next !== undefined) users.add(keyOf(after, next))
  }
  for (const grant of breakGlass) {
    if (isContextSame) break
    if (JSON.stringify(breakGlassHolding(before.builder, grant, now) ?? null) !== JSON.stringify(breakGlassHolding(after.builder, grant, now) ?? null)) for (const key of breakGlassKeys(after, grant.user)) users.add(key)
  }
  return users
}
