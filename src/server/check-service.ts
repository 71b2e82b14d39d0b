// Answers access questions for the check API: the applied state, compiled once per applied revision, on one user's live
// records. A request computes only the groups that can reach that user, so its cost does not grow with the organization.
import { activeBreakGlass } from '../apply/store-base.js'
import { checkAccess, type AccessQuestion, type CheckAnswer, type QuestionError } from '../engine/check.js'
import { BundleBuilder, computeEffectiveAccess, userKey, type EffectiveAccess } from '../engine/effective.js'
import type { Directory } from '../engine/types.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { Declared, DesiredState } from '../model/state.js'
import type { Grant, Group } from '../schema/types.js'
import type { Store } from '../store/store.js'

/** The applied state with the lookups a per-user answer needs. */
type Compiled = {
  revision: string
  state: DesiredState
  bundles: BundleBuilder | undefined
  /** `connection\0d\0displayName` or `connection\0e\0externalId` → groups mapping that IdP group. */
  groupsByIdpGroup: Map<string, string[]>
  /** userKey → local groups listing that user. */
  groupsByListedUser: Map<string, string[]>
  /** group → local groups that include it through `members.groups`. */
  parentsOf: Map<string, string[]>
  grantsByUser: Map<string, Declared<Grant>[]>
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

function compile(revision: string, state: DesiredState): Compiled {
  const compiled: Compiled = {
    revision,
    state,
    bundles: state.catalog === undefined ? undefined : new BundleBuilder(state),
    groupsByIdpGroup: new Map(),
    groupsByListedUser: new Map(),
    parentsOf: new Map(),
    grantsByUser: new Map(),
  }
  for (const { doc } of state.groups.values()) {
    const { scim, members } = doc.source
    if (scim !== undefined) push(compiled.groupsByIdpGroup, scim.externalId !== undefined ? `${scim.connection}\u0000e\u0000${scim.externalId}` : `${scim.connection}\u0000d\u0000${scim.displayName ?? ''}`, doc.name)
    for (const user of members?.users ?? []) push(compiled.groupsByListedUser, userKey(user), doc.name)
    for (const child of members?.groups ?? []) push(compiled.parentsOf, child, doc.name)
  }
  for (const entry of state.grants.values()) push(compiled.grantsByUser, userKey(entry.doc.user), entry)
  return compiled
}

/** The applied state cut down to what can reach one user: the groups their IdP groups map, the local groups above those, their grants. */
function stateFor(compiled: Compiled, user: string, directory: Directory): DesiredState {
  const reached = new Set<string>()
  const pending: string[] = [...(compiled.groupsByListedUser.get(userKey(user)) ?? [])]
  for (const group of directory.groups) {
    pending.push(...(compiled.groupsByIdpGroup.get(`${group.connection}\u0000d\u0000${group.displayName}`) ?? []))
    if (group.externalId !== undefined) pending.push(...(compiled.groupsByIdpGroup.get(`${group.connection}\u0000e\u0000${group.externalId}`) ?? []))
  }
  while (pending.length > 0) {
    const name = pending.pop() ?? ''
    if (reached.has(name)) continue
    reached.add(name)
    pending.push(...(compiled.parentsOf.get(name) ?? []))
  }
  const groups = new Map<string, Declared<Group>>()
  for (const name of reached) {
    const entry = compiled.state.groups.get(name)
    if (entry !== undefined) groups.set(name, entry)
  }
  const grants = new Map((compiled.grantsByUser.get(userKey(user)) ?? []).map((entry) => [entry.doc.name, entry]))
  return { ...compiled.state, groups, grants }
}

export class CheckService {
  private compiled: Compiled | undefined

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
  ) {}

  /** The applied state, rebuilt only when a new apply happened. Undefined before the first apply. */
  private async current(): Promise<Compiled | undefined> {
    const revision = await this.store.appliedRevisionId()
    if (revision === null) return undefined
    if (this.compiled?.revision === revision) return this.compiled
    const applied = await this.store.appliedRevision(revision)
    if (applied === undefined) return undefined
    this.compiled = compile(revision, stateFromDocuments(applied.documents as StateDocument[], this.clock()))
    return this.compiled
  }

  /** The effective access of one user, at `now`. */
  async accessOf(user: string, now: Date): Promise<{ access: EffectiveAccess; revision: string | null }> {
    const compiled = await this.current()
    if (compiled === undefined || compiled.bundles === undefined) return { access: { users: new Map(), inactive: new Set() }, revision: compiled?.revision ?? null }
    const [directory, breakGlass] = await Promise.all([this.store.directoryOfUser(user), this.store.listBreakGlass()])
    const mine = activeBreakGlass(breakGlass).filter((grant) => userKey(grant.user) === userKey(user))
    const access = computeEffectiveAccess(stateFor(compiled, user, directory), directory, { now, breakGlass: mine, bundles: compiled.bundles })
    return { access, revision: compiled.revision }
  }

  async check(question: AccessQuestion): Promise<(CheckAnswer & { revision: string | null }) | QuestionError> {
    const { access, revision } = await this.accessOf(question.user, question.at)
    const answer = checkAccess(access, question)
    return 'error' in answer ? answer : { ...answer, revision }
  }
}
