// Listed members and Grant users the store does not know. A group may list people who live outside the IdP (the
// break-glass accounts do, by design, so that an IdP outage cannot remove them), and they count as users everywhere:
// in access, in lockout and holder bounds. A misspelt name counts just the same, so a plan names such a user when it
// brings the name in (while that change is reviewed) and whenever it moves who holds a critical permission they
// count towards (the lockout guard counts them); other plans do not repeat it, as break-glass accounts stay out.
import type { EffectiveAccess } from '../engine/effective.js'
import { identitiesOf } from '../engine/identity.js'
import type { DesiredState } from '../model/state.js'
import { parseTimestamp } from '../model/time.js'
import type { PolicyFinding } from '../schema/generated/plan.js'
import { compareStrings } from '../util/compare.js'

type Named = { name: string; by: string[] }

/** Every listed member and user of a Grant still in force, by userKey, with the documents that name them. */
function namedUsers(state: DesiredState, now: Date): Map<string, Named> {
  const named = new Map<string, Named>()
  const identities = identitiesOf(state)
  const add = (name: string, connection: string | undefined, by: string) => {
    const key = identities.personKey(name, connection)
    const known = named.get(key)
    const shown = identities.personName(name, connection)
    if (known === undefined) named.set(key, { name: shown, by: [by] })
    else {
      known.by.push(by)
      // One spelling whatever order the documents come in: a plan made again from its file names them alike.
      if (compareStrings(shown, known.name) < 0) known.name = shown
    }
  }
  for (const { doc: group, at } of state.groups.values()) {
    const { members } = group.source
    for (const name of members?.users ?? []) add(name, members?.connection, `${at.file}: Group "${group.name}" lists ${name}`)
  }
  for (const { doc: grant, at } of state.grants.values()) {
    // An expired Grant gives nothing: the person it named may well have left the store since.
    const expires = grant.expires === undefined ? undefined : parseTimestamp(grant.expires)
    if (expires !== undefined && expires.getTime() <= now.getTime()) continue
    add(grant.user, grant.connection, `${at.file}: Grant "${grant.name}" is for ${grant.user}`)
  }
  return named
}

/** The bounds of a critical permission as text: `2 to 6 holders`, `at least 1 holder`, `at most 6 holders`. */
function boundsText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max} holders`
  if (min !== undefined) return `at least ${min} holder${min === 1 ? '' : 's'}`
  return `at most ${max ?? 0} holders`
}

/** The bounded critical permissions that `user` (by userKey) would hold, each with its text: `sso:manage (policy "p": 2 to 6 holders)`. */
function countedHoldings(state: DesiredState, after: EffectiveAccess, key: string): { permission: string; text: string }[] {
  const held = new Set<string>()
  for (const holding of after.users.get(key)?.holdings ?? []) if (holding.type === 'permission') held.add(holding.permission)
  const out: { permission: string; text: string }[] = []
  for (const { doc: policy } of state.policies.values()) {
    for (const rule of policy.criticalPermissions ?? []) {
      if (held.has(rule.permission) && (rule.minHolders !== undefined || rule.maxHolders !== undefined)) {
        out.push({ permission: rule.permission, text: `${rule.permission} (policy "${policy.name}": ${boundsText(rule.minHolders, rule.maxHolders)})` })
      }
    }
  }
  return out.sort((a, b) => compareStrings(a.text, b.text))
}

/** Listed members and Grant users still in force whom the store does not know (isInStore, by userKey), sorted. */
export function unknownNamedUsers(state: DesiredState, isInStore: (userKey: string) => boolean, now: Date): string[] {
  const out: string[] = []
  for (const [key, { name }] of namedUsers(state, now)) if (!isInStore(key)) out.push(name)
  return out.sort(compareStrings)
}

/**
 * A warning for each listed member or Grant user whom no user of any connection in the store has as userName (by
 * userKey), naming the documents that name them, when the plan brings them in (the applied state does not name
 * them) or moves who holds a critical permission they count towards (`movedPermissions`). Before anything is
 * provisioned (`storeIsEmpty`) every one of them is unknown, and one line says so.
 */
export function unknownUserFindings(
  state: DesiredState,
  applied: DesiredState | undefined,
  after: EffectiveAccess,
  movedPermissions: ReadonlySet<string>,
  isInStore: (userKey: string) => boolean,
  storeIsEmpty: boolean,
  now: Date,
): PolicyFinding[] {
  const named = namedUsers(state, now)
  const wasNamed = applied === undefined ? new Set<string>() : new Set(namedUsers(applied, now).keys())
  if (storeIsEmpty) {
    for (const key of wasNamed) named.delete(key)
    if (named.size === 0) return []
    return [
      {
        severity: 'warning',
        code: 'unknown-user',
        summary: `No user is in the store yet: the ${named.size} listed member${named.size === 1 ? '' : 's'} and Grant user${named.size === 1 ? '' : 's'} of the access files count as users until their connections provision them.`,
        paths: [],
      },
    ]
  }
  const findings: PolicyFinding[] = []
  for (const [key, { name, by }] of named) {
    if (isInStore(key)) continue
    const counted = countedHoldings(state, after, key)
    if (wasNamed.has(key) && !counted.some(({ permission }) => movedPermissions.has(permission))) continue
    findings.push({
      severity: 'warning',
      code: 'unknown-user',
      summary:
        `${name} is not in the store (no user of any connection has that userName), yet counts as a user` +
        `${counted.length === 0 ? '' : ` holding ${counted.map(({ text }) => text).join(', ')}`}: expected for an account kept outside the IdP such as break glass, otherwise check the spelling.`,
      paths: by.sort(compareStrings),
    })
  }
  return findings
}
