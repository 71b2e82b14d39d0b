// A directory indexed for effective access: people by userKey, IdP groups by how sources name them, and each
// desired group's members with the chains by which they are members.
import type { DesiredState } from '../model/state.js'
import { compareStrings } from '../util/compare.js'
import type { Identities } from './identity.js'
import { membershipTableOf } from './membership-table.js'
import type { Chain, Directory, Step } from './types.js'

/** Per desired group: its active members (by userKey) and the chains by which they are members (each ending in the group step). */
export type Paths = Map<string, Chain[]>

type IdpGroup = Directory['groups'][number]

/** A directory indexed once, shared by every state of the same identities computed on it (plan computes two). */
export type DirectoryIndex = {
  directory: Directory
  /** Which connections' users are one person: what the keys below are keys of. */
  identities: Identities
  /** Person key (Identities.personKey) → active in any record; users only listed in YAML are not here. */
  activity: Map<string, boolean>
  /** Person key → the name to show (an active record's userName, else the first one's, with its identity's connections where those tell people apart). */
  userNames: Map<string, string>
  /** Where a userName alone does not name a person: lower-case userName → the keys of the people of that userName. */
  keysOfName: Map<string, string[]>
  /** Active user record id → person key. */
  activeKeyOf: Map<string, string>
  idpGroupsByName: Map<string, IdpGroup[]>
  idpGroupsByExternalId: Map<string, IdpGroup[]>
  /** userKeys of an IdP group's active members, by user id (computed on first use). */
  activeMembersOf: (groupId: string) => readonly string[]
}

/** `users`: the directory's users in any order (what the index holds does not depend on it). */
export function indexDirectory(directory: Directory, identities: Identities, users: Directory['users'] = directory.users): DirectoryIndex {
  const activity = new Map<string, boolean>()
  const userNames = new Map<string, string>()
  const activeKeyOf = new Map<string, string>()
  const shown = new Map<string, string>()
  const keysOfName = new Map<string, string[]>()
  for (const user of users) {
    const key = identities.personKey(user.userName, user.connection)
    if (identities.isSeveral) {
      const name = user.userName.toLowerCase()
      const keys = keysOfName.get(name)
      if (keys === undefined) keysOfName.set(name, [key])
      else if (!keys.includes(key)) keys.push(key)
    }
    if (user.active) activeKeyOf.set(user.id, key)
    // The name shown for a person with several records: an active record's, the first in sorted order, so it
    // never depends on store order. The name shown so far is an active record's exactly when any record so far is active.
    const wasActive = activity.get(key)
    if (wasActive === undefined) {
      activity.set(key, user.active)
      shown.set(key, user.userName)
      continue
    }
    if (user.active && !wasActive) activity.set(key, true)
    if ((user.active && !wasActive) || (user.active === wasActive && compareStrings(user.userName, shown.get(key) ?? '') < 0)) shown.set(key, user.userName)
  }
  // The identity is shown with the name where a userName alone does not tell people apart.
  const connectionOf = new Map<string, string>()
  if (identities.isSeveral || users.some((user) => !identities.isDeclared(user.connection))) for (const user of users) connectionOf.set(identities.personKey(user.userName, user.connection), user.connection)
  for (const [key, name] of shown) userNames.set(key, identities.personName(name, connectionOf.get(key) ?? identities.connections[0]))
  const idpGroupsByName = new Map<string, IdpGroup[]>()
  const idpGroupsByExternalId = new Map<string, IdpGroup[]>()
  const add = (map: Map<string, IdpGroup[]>, key: string, group: IdpGroup) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [group])
    else list.push(group)
  }
  for (const group of directory.groups) {
    add(idpGroupsByName, `${group.connection}\u0000${group.displayName}`, group)
    if (group.externalId !== undefined) add(idpGroupsByExternalId, `${group.connection}\u0000${group.externalId}`, group)
  }
  // Only the IdP groups that desired groups map are read: a table's indexes, not millions of membership objects.
  const table = membershipTableOf(directory)
  let groupIndex: Map<string, number> | undefined
  let keyOfUser: (string | undefined)[] | undefined
  const activeMembers = new Map<string, readonly string[]>()
  const activeMembersOf = (groupId: string): readonly string[] => {
    const known = activeMembers.get(groupId)
    if (known !== undefined) return known
    groupIndex ??= new Map(table.groupIds.map((id, i) => [id, i]))
    keyOfUser ??= table.userIds.map((id) => activeKeyOf.get(id))
    const g = groupIndex.get(groupId)
    const list: string[] = []
    if (g !== undefined) {
      for (let i = table.offsets[g] as number; i < (table.offsets[g + 1] as number); i++) {
        const user = keyOfUser[table.members[i] as number]
        if (user !== undefined) list.push(user)
      }
    }
    activeMembers.set(groupId, list)
    return list
  }
  return { directory, identities, activity, userNames, keysOfName, activeKeyOf, idpGroupsByName, idpGroupsByExternalId, activeMembersOf }
}

/** The IdP groups a desired group's `scim` source names. */
export function idpGroupsOf(index: DirectoryIndex, scim: { connection: string; externalId?: string; displayName?: string }): readonly IdpGroup[] {
  if (scim.externalId !== undefined) return index.idpGroupsByExternalId.get(`${scim.connection}\u0000${scim.externalId}`) ?? []
  if (scim.displayName === undefined) return []
  return index.idpGroupsByName.get(`${scim.connection}\u0000${scim.displayName}`) ?? []
}

/**
 * A desired group's members and the chains by which they are members (each ending in the group step), resolved on
 * first use, with its nested groups. With `onlyUsers`, only those users' paths. In a state with a cycle of nested
 * groups the paths depend on the order groups are resolved in: memberPaths resolves them in state order.
 */
export function memberPathsResolver(state: DesiredState, index: DirectoryIndex, onlyUsers?: ReadonlySet<string>): { resolve: (name: string) => Paths; resolved: Map<string, Paths> } {
  const result = new Map<string, Paths>()
  const visiting = new Set<string>()
  const isWanted = (user: string) => onlyUsers === undefined || onlyUsers.has(user)
  const resolve = (name: string): Paths => {
    const done = result.get(name)
    if (done !== undefined) return done
    const paths: Paths = new Map()
    const entry = state.groups.get(name)
    if (entry === undefined || visiting.has(name)) return paths
    visiting.add(name)
    const groupStep: Step = { kind: 'group', name }
    const add = (user: string, chain: Chain) => {
      const list = paths.get(user)
      if (list === undefined) paths.set(user, [chain])
      else list.push(chain)
    }
    const { scim, members } = entry.doc.source
    if (scim !== undefined && onlyUsers?.size !== 0) {
      const key = `${scim.connection}\u0000${scim.externalId ?? scim.displayName ?? ''}`
      // People a review revoked while the IdP still lists them: members of the IdP group, not of this group.
      const excluded = new Set((entry.doc.exclude ?? []).map((exclusion) => index.identities.personKey(exclusion.user, exclusion.connection)))
      for (const idpGroup of (scim.externalId !== undefined ? index.idpGroupsByExternalId : index.idpGroupsByName).get(key) ?? []) {
        // One chain per IdP group, shared by all its members.
        const chain: Chain = [{ kind: 'idp-group', connection: idpGroup.connection, displayName: idpGroup.displayName }, groupStep]
        for (const user of index.activeMembersOf(idpGroup.id)) if (isWanted(user) && !excluded.has(user)) add(user, chain)
      }
    }
    for (const userName of members?.users ?? []) {
      const user = index.identities.personKey(userName, members?.connection)
      if (isWanted(user)) add(user, [members?.connection === undefined ? { kind: 'local-member', user: userName } : { kind: 'local-member', user: userName, connection: members.connection }, groupStep])
    }
    for (const nested of members?.groups ?? []) {
      // Members reached by the same chain share its extension.
      const extended = new Map<Chain, Chain>()
      for (const [user, chains] of resolve(nested)) {
        for (const chain of chains) {
          let longer = extended.get(chain)
          if (longer === undefined) {
            longer = [...chain, groupStep]
            extended.set(chain, longer)
          }
          add(user, longer)
        }
      }
    }
    visiting.delete(name)
    result.set(name, paths)
    return paths
  }
  return { resolve, resolved: result }
}

/** For every desired group, its active members (or only `onlyUsers`) and the chains by which they are members (each ending in the group step). */
export function memberPaths(state: DesiredState, index: DirectoryIndex, onlyUsers?: ReadonlySet<string>): Map<string, Paths> {
  const { resolve, resolved } = memberPathsResolver(state, index, onlyUsers)
  for (const name of state.groups.keys()) resolve(name)
  // In the order groups finished resolving (nested groups first).
  return resolved
}

/** The active members (display userNames, sorted) of every desired group (or of `only` those), nested groups included. */
export function membersOfGroups(state: DesiredState, directory: Directory, options: { index: DirectoryIndex; paths?: Map<string, Paths>; only?: ReadonlySet<string> }): Map<string, string[]> {
  const { index } = options
  const names = index.userNames
  const result = new Map<string, string[]>()
  for (const [group, paths] of options.paths ?? memberPaths(state, index)) {
    if (options.only !== undefined && !options.only.has(group)) continue
    const listedName = (chains: Chain[] | undefined) => {
      const first = chains?.[0]?.[0]
      return first?.kind === 'local-member' ? index.identities.personName(first.user, first.connection) : undefined
    }
    const members = [...paths.keys()].filter((key) => index.activity.get(key) !== false).map((key) => names.get(key) ?? listedName(paths.get(key)) ?? key)
    result.set(group, members.sort(compareStrings))
  }
  return result
}
