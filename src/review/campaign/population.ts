// A campaign's population: every in-scope (person, access, chain) row of the effective access the plan engine
// computes, with a stable id from its content, the reviewers who may decide on it, and a digest of them all.
import { createHash } from 'node:crypto'
import { formatChain, formatHeld } from '../../engine/chain.js'
import type { EffectiveAccess } from '../../engine/effective.js'
import { identitiesOf, type Identities } from '../../engine/identity.js'
import { projectAccess } from '../../engine/project-access.js'
import type { BreakGlassGrant, Directory, Holding } from '../../engine/types.js'
import type { Risk } from '../../model/risk.js'
import type { DesiredState } from '../../model/state.js'
import type { Review } from '../../schema/types.js'
import { compareStrings } from '../../util/compare.js'
import { digestOf } from '../../util/digest.js'
import { compileScope, isConnectionInScope, isHoldingInScope, servicesOf } from './scope.js'

/** One person's one access by one chain: what a reviewer keeps or revokes. */
export type PopulationRow = {
  /** Derived from person, access and chain: the same access by the same chain keeps its id from one campaign to the next. */
  id: string
  /** The name shown for the person (their userName). */
  user: string
  /** The engine's key of the person. */
  person: string
  /** The connections the person comes through. */
  connections: string[]
  /** The holding's key (`permission sso:manage`, `grant edit auth-config:checkout/*`). */
  key: string
  /** What is held, as text. */
  access: string
  risk: Risk
  /** The chain, from the IdP group, listing or grant to what is held. */
  chain: string
  /** The reviewer pool (Population.pools) whose members may decide on this row. */
  reviewers: string
  /** How the person comes to hold it: what revoking it removes. */
  via: RowSource
}

/** The first link of a row's chain: an IdP group membership mapped by a Group, a listing in a Group, a Grant, or a break-glass grant. */
export type RowSource =
  { kind: 'idp-group'; connection: string; displayName: string; group: string } | { kind: 'listed'; group: string; user: string; connection?: string } | { kind: 'grant'; name: string } | { kind: 'break-glass'; id: string }

function sourceOf(holding: Holding): RowSource {
  const [first, second] = holding.chain
  const group = second?.kind === 'group' ? second.name : ''
  switch (first?.kind) {
    case 'idp-group':
      return { kind: 'idp-group', connection: first.connection, displayName: first.displayName, group }
    case 'local-member':
      return { kind: 'listed', group, user: first.user, ...(first.connection === undefined ? {} : { connection: first.connection }) }
    case 'grant':
      return { kind: 'grant', name: first.name }
    case 'break-glass':
      return { kind: 'break-glass', id: first.id }
    default:
      throw new Error(`a chain starts with ${first?.kind ?? 'nothing'}`)
  }
}

export type Population = {
  /** Sorted by user, key, chain. */
  rows: PopulationRow[]
  /** Reviewer pool → userNames of its members, sorted. */
  pools: Record<string, string[]>
  /** sha256 of the rows. */
  digest: string
}

/** The id of a row: the first 16 hex digits of sha256(person, key, chain). */
export function rowId(person: string, key: string, chain: string): string {
  return createHash('sha256').update(`${person.toLowerCase()}\u0000${key}\u0000${chain}`).digest('hex').slice(0, 16)
}

/** The digest of a population's rows (what evidence records and verify recomputes). */
export function populationDigest(rows: readonly PopulationRow[]): string {
  return digestOf(rows)
}

export type PopulationInputs = {
  review: Review
  state: DesiredState
  directory: Directory
  /** computeEffectiveAccess of the same state and directory. */
  access: EffectiveAccess
  identities: Identities
  /** Active members (userNames) of the state's groups, as membersOfGroups gives them. */
  groupMembers: (groups: ReadonlySet<string>) => Map<string, string[]>
}

/** The pool of reviewers for a holding: the owning teams of its services (with serviceTeam), named groups, named people. */
function poolOf(review: Review, state: DesiredState, holding: Holding): { key: string; teams: string[] } {
  const parts: string[] = []
  const teams: string[] = []
  if (review.reviewers.serviceTeam === true) {
    for (const service of [...new Set(servicesOf(holding))].sort(compareStrings)) {
      const team = state.services.get(service)?.doc.team?.group
      if (team !== undefined && !teams.includes(team)) teams.push(team)
    }
  }
  for (const team of teams) parts.push(`team:${team}`)
  for (const group of review.reviewers.groups ?? []) parts.push(`group:${group}`)
  if ((review.reviewers.users ?? []).length > 0) parts.push('users')
  return { key: parts.join(' + '), teams }
}

/** What every row of one holding says, whoever holds it. */
type Described = { chain: string; access: string; reviewers: string; teams: string[]; via: RowSource }

function describe(review: Review, state: DesiredState, holding: Holding): Described {
  const pool = poolOf(review, state, holding)
  return { chain: formatChain(holding.chain, holding), access: formatHeld(holding), reviewers: pool.key, teams: pool.teams, via: sourceOf(holding) }
}

/** Every in-scope row, and who may review each. Pure. */
export function computePopulation(inputs: PopulationInputs): Population {
  const { review, state, directory, access, identities } = inputs
  const compiled = compileScope(review.scope)
  const connectionsOf = new Map<string, string[]>()
  for (const user of directory.users) {
    const key = identities.personKey(user.userName, user.connection)
    const list = connectionsOf.get(key) ?? []
    if (!list.includes(user.connection)) list.push(user.connection)
    connectionsOf.set(key, list)
  }
  const rows = new Map<string, PopulationRow>()
  // Holdings are shared by everyone reached by the same chain: each is judged, written and pooled once.
  const described = new Map<Holding, Described | null>()
  const poolTeams = new Map<string, string[]>()
  for (const [person, held] of access.users) {
    const connections = (connectionsOf.get(person) ?? []).sort(compareStrings)
    if (!isConnectionInScope(review.scope, connections)) continue
    for (const holding of held.holdings) {
      let about = described.get(holding)
      if (about === undefined) {
        about = isHoldingInScope(compiled, holding) ? describe(review, state, holding) : null
        described.set(holding, about)
        if (about !== null) poolTeams.set(about.reviewers, about.teams)
      }
      if (about === null) continue
      const id = rowId(person, holding.key, about.chain)
      if (rows.has(id)) continue
      rows.set(id, { id, user: held.user, person, connections, key: holding.key, access: about.access, risk: holding.risk, chain: about.chain, reviewers: about.reviewers, via: about.via })
    }
  }
  const sorted = [...rows.values()].sort((a, b) => compareStrings(a.user, b.user) || compareStrings(a.key, b.key) || compareStrings(a.chain, b.chain))
  const groups = new Set<string>([...(review.reviewers.groups ?? []), ...[...poolTeams.values()].flat()])
  const members = inputs.groupMembers(groups)
  const pools: Record<string, string[]> = {}
  for (const [key, teams] of [...poolTeams].sort(([a], [b]) => compareStrings(a, b))) {
    const names = new Map<string, string>()
    for (const group of [...teams, ...(review.reviewers.groups ?? [])]) for (const name of members.get(group) ?? []) names.set(name.toLowerCase(), name)
    for (const name of review.reviewers.users ?? []) names.set(name.toLowerCase(), name)
    pools[key] = [...names.values()].sort(compareStrings)
  }
  return { rows: sorted, pools, digest: populationDigest(sorted) }
}

/** Rows nobody but the person reviewed could decide on: the campaign's reviewers include the only holders of what they review. */
export function rowsWithoutReviewer(population: Population): PopulationRow[] {
  return population.rows.filter((row) => !(population.pools[row.reviewers] ?? []).some((name) => name.toLowerCase() !== row.user.toLowerCase()))
}

/** The population of `review` on `state` projected on `directory` at `now`: the same engine answers as plan and explain. */
export function populationOf(review: Review, state: DesiredState, directory: Directory, options: { now: Date; breakGlass: readonly BreakGlassGrant[] }): Population {
  // One index of the directory for both the access and the reviewers' group members.
  const projection = projectAccess(state, directory)
  const access = projection.access({ now: options.now, breakGlass: options.breakGlass })
  return computePopulation({ review, state, directory, access, identities: identitiesOf(state), groupMembers: (groups) => projection.membersOf(groups) })
}
