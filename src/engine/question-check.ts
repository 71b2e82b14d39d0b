// What explain and who-can (CLI and admin API) refuse to answer: questions that name a permission, resource type,
// action, service or environment the access files do not declare, and users nobody knows. The check API does not
// use this: an application asking about something no file grants is simply denied.
import { editDistance, suggestion } from '../diag/suggest.js'
import { isGlob, matchesPart, parseResourcePattern } from '../model/resource.js'
import type { DesiredState } from '../model/state.js'
import type { AccessQuestion } from './check.js'
import { identitiesOf } from './identity.js'
import { pushAll } from '../util/push-all.js'

/** The names, comma-separated; a long list is cut short. */
function listOf(names: readonly string[], most = 20): string {
  const sorted = [...names].sort()
  return sorted.length <= most ? sorted.join(', ') : `${sorted.slice(0, most).join(', ')}, … (${sorted.length - most} more)`
}

/**
 * Why the question cannot be answered from `state`, or undefined when everything it names is declared: the
 * permission (in the Catalog), the resource type and the action (of that type), the service (when the resource
 * names one rather than a glob) and the environment. Malformed resources are left to checkAccess.
 */
export function questionProblem(state: DesiredState, question: AccessQuestion): string | undefined {
  const catalog = state.catalog?.doc
  if (catalog === undefined) return undefined
  if ('permission' in question) {
    const names = catalog.permissions.map((entry) => entry.name)
    if (names.includes(question.permission)) return undefined
    const hint = suggestion(question.permission, names)
    return `unknown permission "${question.permission}"${hint === '' ? ` (the Catalog's permissions: ${listOf(names)})` : hint}`
  }
  const parsed = parseResourcePattern(question.resource)
  if ('error' in parsed) return undefined
  const { type, service } = parsed.pattern
  const typeNames = catalog.resourceTypes.map((entry) => entry.name)
  const types = catalog.resourceTypes.filter((entry) => matchesPart(type, entry.name))
  if (types.length === 0) {
    const hint = isGlob(type) ? '' : suggestion(type, typeNames)
    return `unknown resource type "${type}" in resource "${question.resource}"${hint === '' ? ` (resource types: ${listOf(typeNames)})` : hint}`
  }
  const actions = [...new Set(types.flatMap((entry) => entry.actions.map((action) => action.name)))]
  if (question.action !== '*' && !actions.includes(question.action)) {
    const of = types.length === 1 ? `resource type "${types[0]?.name ?? type}"` : `resource types matching "${type}"`
    const hint = suggestion(question.action, actions)
    return `unknown action "${question.action}": not an action of ${of}${hint === '' ? ` (its actions: ${listOf(actions)})` : hint}`
  }
  if (!isGlob(service) && !state.services.has(service)) {
    const names = [...state.services.keys()]
    const hint = suggestion(service, names)
    return `unknown service "${service}" in resource "${question.resource}"${hint === '' ? ` (services: ${names.length === 0 ? 'none declared' : listOf(names)})` : hint}`
  }
  if (question.env !== undefined) {
    const envs = (catalog.environments ?? []).map((entry) => entry.name)
    if (!envs.includes(question.env)) {
      const hint = suggestion(question.env, envs)
      return `unknown environment "${question.env}"${hint === '' ? ` (environments: ${envs.length === 0 ? 'the Catalog declares none' : listOf(envs)})` : hint}`
    }
  }
  return undefined
}

/** Person keys of the people the access files name: members listed in groups, and the users of individual Grants. */
export function usersNamedIn(state: DesiredState): Set<string> {
  const identities = identitiesOf(state)
  const keys = new Set<string>()
  for (const { doc } of state.groups.values()) for (const userName of doc.source.members?.users ?? []) keys.add(identities.personKey(userName, doc.source.members?.connection))
  for (const { doc } of state.grants.values()) keys.add(identities.personKey(doc.user, doc.connection))
  return keys
}

/** The connections the access files name `user` with (listed members, Grant users), for resolvePerson. */
export function namedConnections(state: DesiredState, user: string): (string | undefined)[] {
  const name = user.toLowerCase()
  const out: (string | undefined)[] = []
  for (const { doc } of state.groups.values()) {
    const members = doc.source.members
    if (members?.users?.some((listed) => listed.toLowerCase() === name) === true) out.push(members.connection)
  }
  for (const { doc } of state.grants.values()) if (doc.user.toLowerCase() === name) out.push(doc.connection)
  return out
}


/**
 * The userNames that make a user known: every record of the directory (any connection, active or not), every
 * person the access files name, every break-glass grant's user.
 */
export function knownUserNames(state: DesiredState, directoryUsers: readonly { userName: string }[], breakGlass: readonly { user: string }[]): string[] {
  const names: string[] = directoryUsers.map((user) => user.userName)
  for (const { doc } of state.groups.values()) pushAll(names, doc.source.members?.users ?? [])
  for (const { doc } of state.grants.values()) names.push(doc.user)
  for (const grant of breakGlass) names.push(grant.user)
  return names
}

/** Is `user` among `known` (userNames, compared without case)? */
export function isKnownUser(user: string, known: Iterable<string>): boolean {
  const key = user.toLowerCase()
  for (const name of known) if (name.toLowerCase() === key) return true
  return false
}

/**
 * The known userName `user` is probably a misspelling of. userNames are often addresses of one domain, which
 * would make any two short names look alike: how far a match may be is set by the part before the `@`.
 */
function closestUser(user: string, known: Iterable<string>): string | undefined {
  const local = user.split('@')[0] ?? user
  const limit = Math.max(1, Math.min(3, Math.floor(local.length / 3)))
  let best: { name: string; distance: number } | undefined
  for (const name of new Set(known)) {
    if (Math.abs(name.length - user.length) > limit) continue
    const distance = editDistance(user, name)
    if (distance <= limit && (best === undefined || distance < best.distance || (distance === best.distance && name < best.name))) best = { name, distance }
  }
  return best?.name
}

/**
 * The refusal for a user no connection has and no access file or break-glass grant names, with a did-you-mean
 * among `known` and, when given, what was searched (`applied revision r3`).
 */
export function unknownUserMessage(user: string, known: Iterable<string> = [], source?: string): string {
  const match = closestUser(user, known)
  const hint = match === undefined ? '' : `; did you mean "${match}"?`
  return `unknown user "${user}": no connection has provisioned them and no group, Grant or break-glass grant names them${source === undefined ? '' : ` (${source})`}${hint}`
}
