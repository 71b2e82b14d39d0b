// "May user U do A on R (at time T, signed in with M)?" answered from effective access, with the reasons.
import { isGlob, matchesPart, parseResourcePattern } from '../model/resource.js'
import { parseTimestamp } from '../model/time.js'
import { compareStrings } from '../util/compare.js'
import { formatChain } from './chain.js'
import type { EffectiveAccess } from './effective.js'
import { userKey } from './keys.js'
import type { Holding } from './types.js'

/** An org permission, or an action on one concrete resource. */
export type AccessQuestion = {
  user: string
  /** The connection the application signed the user in through (see person.ts). */
  connection?: string
  authMethod?: string
  /** Answer for any sign-in method, naming the methods a restricted holding needs (explain, who-can). */
  anyAuthMethod?: boolean
  at: Date
} & ({ permission: string } | { action: string; resource: string; env?: string; tags?: readonly string[] })

export type CheckAnswer = {
  allowed: boolean
  /** Chains that allow it (when allowed), as text. */
  reasons: string[]
  /** Why matching access did not apply (wrong sign-in method, expired). */
  denials: string[]
}

export type QuestionError = { error: string }

type Resource = { type: string; service: string; name: string }

/** A holding with the texts an answer shows for it, written on first use and kept. */
type Candidate = { readonly holding: Holding; sortText?: string; reason?: string }

/** Actions (of held grants) by a small number, so that an index finds an action's holdings by position. */
const actionNumbers = new Map<string, number>()

/** The number of an action some held grant names; undefined for any other (and for org permissions). */
function actionNumberOf(question: AccessQuestion): number | undefined {
  return 'permission' in question ? undefined : actionNumbers.get(question.action)
}

/**
 * The candidates for one action. Most grants name a literal resource type and service (`journey:checkout/*`):
 * those are filed under `type:service` (neither part holds `:`), so a question looks only at the grants of its own
 * service; grants with a glob in either part are looked at for every question.
 */
class Shelf {
  private readonly byTarget = new Map<number, Candidate[]>()
  private readonly other: Candidate[] = []
  /**
   * When every filed grant names one type:service (an IdP group mapped to one team's roles, mostly), that key's
   * number and its grants, compared directly: no map, nor string, to reach into on every question.
   */
  private readonly onlyTarget: number = -1
  private readonly onlyFiled: Candidate[] | undefined

  constructor(candidates: readonly Candidate[]) {
    for (const candidate of candidates) {
      const { holding } = candidate
      if (holding.type !== 'grant' || isGlob(holding.grant.resource.type) || isGlob(holding.grant.resource.service)) {
        this.other.push(candidate)
        continue
      }
      const target = fileTarget(holding.grant.resource)
      const list = this.byTarget.get(target)
      if (list === undefined) this.byTarget.set(target, [candidate])
      else list.push(candidate)
    }
    const [only] = this.byTarget
    if (this.byTarget.size === 1 && only !== undefined) [this.onlyTarget, this.onlyFiled] = only
  }

  /** `target`: the number of the question's type:service, or -1 when no grant anywhere names it. */
  collect(question: AccessQuestion, resource: Resource, target: number, into: Candidate[]): void {
    const filed = target < 0 ? undefined : this.onlyTarget < 0 ? this.byTarget.get(target) : this.onlyTarget === target ? this.onlyFiled : undefined
    if (filed !== undefined) for (const candidate of filed) if (covers(candidate.holding, question, resource)) into.push(candidate)
    for (const candidate of this.other) if (covers(candidate.holding, question, resource)) into.push(candidate)
  }
}

/** The type:service pairs (neither part holds `:`) literal grants name, by a small number, as actions are. */
const targetNumbers = new Map<string, number>()

function targetKey(resource: { type: string; service: string }): string {
  return `${resource.type}:${resource.service}`
}

/** The number a Shelf files a grant under, given on first sight. */
function fileTarget(resource: { type: string; service: string }): number {
  const key = targetKey(resource)
  let number = targetNumbers.get(key)
  if (number === undefined) targetNumbers.set(key, (number = targetNumbers.size))
  return number
}

/** The number of a question's type:service, or -1 when no grant names it (only glob grants can cover it). */
function targetNumberOf(resource: Resource): number {
  return targetNumbers.get(targetKey(resource)) ?? -1
}

/**
 * Holdings grouped by the action they allow, then by resource type and service, so that a question looks only at
 * those that may cover it. The check API keeps one per IdP group, shared by all its members, and answers a user
 * from the indexes of their groups.
 */
export class HoldingIndex {
  /** By action number: the grants allowing that action or `*`, each once. */
  private readonly byAction: (Shelf | undefined)[] = []
  /** Grants allowing `*`: all that may cover an action no grant here names. */
  private readonly anyAction: Shelf
  private readonly permissions: Candidate[] = []
  /** When the first of its holdings expires (epoch ms), or +Infinity. */
  readonly firstExpiry: number
  /** Holds nothing (kept on the index itself: a question need not reach into each holdings array to know). */
  readonly isEmpty: boolean

  constructor(readonly holdings: readonly Holding[]) {
    let firstExpiry = Number.POSITIVE_INFINITY
    const anyAction: Candidate[] = []
    const named: { candidate: Candidate; actions: readonly string[] }[] = []
    for (const holding of holdings) {
      const candidate: Candidate = { holding }
      if (holding.type === 'permission') this.permissions.push(candidate)
      else if (holding.grant.actions.includes('*')) anyAction.push(candidate)
      else named.push({ candidate, actions: holding.grant.actions })
      const expires = holding.expires === undefined ? undefined : parseTimestamp(holding.expires)
      if (expires !== undefined) firstExpiry = Math.min(firstExpiry, expires.getTime())
    }
    this.firstExpiry = firstExpiry
    this.isEmpty = holdings.length === 0
    const byAction: Candidate[][] = []
    for (const { candidate, actions } of named) {
      for (const action of new Set(actions)) {
        let number = actionNumbers.get(action)
        if (number === undefined) actionNumbers.set(action, (number = actionNumbers.size))
        ;(byAction[number] ??= []).push(candidate)
      }
    }
    byAction.forEach((list, number) => {
      this.byAction[number] = new Shelf([...list, ...anyAction])
    })
    this.anyAction = new Shelf(anyAction)
  }

  /** Adds to `into` those of its grants that cover an action on `resource` (`target`: see Shelf.collect). */
  collectGrants(question: AccessQuestion, action: number | undefined, resource: Resource, target: number, into: Candidate[]): void {
    const shelf = (action === undefined ? undefined : this.byAction[action]) ?? this.anyAction
    shelf.collect(question, resource, target, into)
  }

  /** Adds to `into` those of its org permissions that are the question's. */
  collectPermissions(question: AccessQuestion, into: Candidate[]): void {
    for (const candidate of this.permissions) if (covers(candidate.holding, question, undefined)) into.push(candidate)
  }
}

/** Does this holding cover the question, ignoring sign-in method and expiry? */
function covers(holding: Holding, question: AccessQuestion, resource: Resource | undefined): boolean {
  if ('permission' in question) return holding.type === 'permission' && holding.permission === question.permission
  if (holding.type !== 'grant' || resource === undefined) return false
  const { grant } = holding
  if (!grant.actions.includes('*') && !grant.actions.includes(question.action)) return false
  if (!matchesPart(grant.resource.type, resource.type) || !matchesPart(grant.resource.service, resource.service) || !matchesPart(grant.resource.name, resource.name)) return false
  if (grant.env !== undefined && (question.env === undefined || !grant.env.includes(question.env))) return false
  if (grant.tags !== undefined && !grant.tags.every((tag) => question.tags?.includes(tag) === true)) return false
  return true
}

/** The concrete resource a question names, undefined for an org permission, or the error in it. */
function resourceOf(question: AccessQuestion): Resource | undefined | QuestionError {
  if ('permission' in question) return undefined
  const parsed = parseResourcePattern(question.resource)
  return 'error' in parsed ? { error: `resource ${parsed.error}` } : parsed.pattern
}

function sortTextOf(candidate: Candidate): string {
  return (candidate.sortText ??= formatChain(candidate.holding.chain))
}

function hasExpired(holding: Holding, question: AccessQuestion): boolean {
  const expires = holding.expires === undefined ? undefined : parseTimestamp(holding.expires)
  return expires !== undefined && expires.getTime() <= question.at.getTime()
}

/** Whether the question's sign-in meets the holding's sign-in methods (any does, when the question asks about any). */
function signInMeets(holding: Holding, question: AccessQuestion): boolean {
  return holding.authMethods === undefined || question.anyAuthMethod === true || (question.authMethod !== undefined && holding.authMethods.includes(question.authMethod))
}

/** Does one holding that covers the question allow it (answerFrom's rule, without writing its chain)? */
function allows(holding: Holding, question: AccessQuestion): boolean {
  return !hasExpired(holding, question) && signInMeets(holding, question)
}

/** The answer from the holdings that cover the question, in the order effective access lists them; those that allow it are added to `allowing`. */
function answerFrom(covering: Candidate[], question: AccessQuestion, allowing?: Holding[]): CheckAnswer {
  if (covering.length > 1) covering.sort((a, b) => compareStrings(a.holding.key, b.holding.key) || compareStrings(sortTextOf(a), sortTextOf(b)))
  const reasons: string[] = []
  const denials: string[] = []
  for (const candidate of covering) {
    const { holding } = candidate
    const chain = (candidate.reason ??= formatChain(holding.chain, holding))
    if (hasExpired(holding, question)) {
      denials.push(`${chain}: expired at ${holding.expires ?? ''}`)
      continue
    }
    if (!signInMeets(holding, question)) {
      denials.push(`${chain}: requires sign-in with ${holding.authMethods?.join(' or ') || 'no allowed method'}${question.authMethod === undefined ? '' : ` (signed in with ${question.authMethod})`}`)
      continue
    }
    reasons.push(holding.authMethods !== undefined && question.anyAuthMethod === true ? `${chain} (when signed in with ${holding.authMethods.join(' or ')})` : chain)
    allowing?.push(holding)
  }
  return { allowed: reasons.length > 0, reasons, denials: reasons.length > 0 ? [] : denials.length > 0 ? denials : [`no access of "${question.user}" covers this`] }
}

/** The denial for a user who holds nothing, or is deactivated. */
function holdsNothing(question: AccessQuestion, isInactive: boolean): CheckAnswer {
  return { allowed: false, reasons: [], denials: [isInactive ? `user "${question.user}" is deactivated` : `user "${question.user}" holds no access`] }
}

/**
 * Answer a question about the person `key` (resolvePerson's; by default the userName's key where a userName alone
 * names a person). Unknown users, inactive users and malformed resources are denied with a reason. The holdings
 * that allow it are added to `allowing`, when given.
 */
export function checkAccess(access: EffectiveAccess, question: AccessQuestion, key: string = userKey(question.user), allowing?: Holding[]): CheckAnswer | QuestionError {
  const resource = resourceOf(question)
  if (resource !== undefined && 'error' in resource) return resource
  const user = access.users.get(key)
  if (user === undefined) return holdsNothing(question, access.inactive.has(key))
  const covering: Candidate[] = []
  for (const holding of user.holdings) if (covers(holding, question, resource)) covering.push({ holding })
  return answerFrom(covering, question, allowing)
}

/** Each distinct holding of an effective access with the people who hold it (as their place in `access.users`). */
type Holders = { people: { key: string; user: string; holdings: readonly Holding[] }[]; holdings: Map<Holding, number[]> }

const holdersOf = new WeakMap<EffectiveAccess, Holders>()

function holders(access: EffectiveAccess): Holders {
  const known = holdersOf.get(access)
  if (known !== undefined) return known
  const people: Holders['people'] = []
  const holdings = new Map<Holding, number[]>()
  for (const [key, held] of access.users) {
    const place = people.push({ key, user: held.user, holdings: held.holdings }) - 1
    for (const holding of held.holdings) {
      const list = holdings.get(holding)
      if (list === undefined) holdings.set(holding, [place])
      else if (list.at(-1) !== place) list.push(place)
    }
  }
  const built = { people, holdings }
  holdersOf.set(access, built)
  return built
}

/** One person whom a question allows: their key and name, the chains that allow it as text, and those holdings. */
export type AllowedPerson = { key: string; user: string; reasons: string[]; allowing: Holding[] }

/**
 * The people of `access` whom one question allows, with the reasons, in the order of `access.users` (who-can): the
 * question of each person is `questionFor(user)`, alike but for the user asked about. Each distinct holding (one
 * object shared by everyone its chain reaches) is judged once, and only the people holding one that covers the
 * question are answered; the index of holders is built once per effective access.
 */
export function allowedPeople(access: EffectiveAccess, questionFor: (user: string) => AccessQuestion): AllowedPerson[] | QuestionError {
  const page = allowedPage(access, questionFor, { offset: 0, limit: Number.POSITIVE_INFINITY })
  return 'error' in page ? page : page.users
}

/**
 * One page of allowedPeople's answer: how many people it allows in all, and those from `offset` (at most `limit`),
 * the same entries in the same order. Only the people on the page have their chains written.
 */
export function allowedPage(access: EffectiveAccess, questionFor: (user: string) => AccessQuestion, window: { offset: number; limit: number }): { total: number; users: AllowedPerson[] } | QuestionError {
  const index = holders(access)
  const first = index.people[0]
  if (first === undefined) return { total: 0, users: [] }
  const probe = questionFor(first.user)
  const resource = resourceOf(probe)
  if (resource !== undefined && 'error' in resource) return resource
  const covering = new Map<number, Candidate[]>()
  for (const [holding, places] of index.holdings) {
    if (!covers(holding, probe, resource)) continue
    for (const place of places) {
      const list = covering.get(place)
      if (list === undefined) covering.set(place, [{ holding }])
      else list.push({ holding })
    }
  }
  const users: AllowedPerson[] = []
  let total = 0
  for (const place of [...covering.keys()].sort((a, b) => a - b)) {
    const person = index.people[place] as Holders['people'][number]
    const candidates = covering.get(place) ?? []
    const question = questionFor(person.user)
    if (!candidates.some((candidate) => allows(candidate.holding, question))) continue
    total++
    if (total <= window.offset || users.length >= window.limit) continue
    // A person's covering holdings in the order they hold them, as checkAccess collects them.
    if (candidates.length > 1) {
      const order = new Map(person.holdings.map((holding, position) => [holding, position]))
      candidates.sort((a, b) => (order.get(a.holding) ?? 0) - (order.get(b.holding) ?? 0))
    }
    const allowing: Holding[] = []
    const answer = answerFrom(candidates, question, allowing)
    users.push({ key: person.key, user: person.user, reasons: answer.reasons, allowing })
  }
  return { total, users }
}

/**
 * checkAccess for a user whose holdings are those of `indexes` (none: the user holds nothing, or is inactive).
 * The answer is the same as checkAccess's on the same holdings.
 */
export function checkIndexed(indexes: readonly HoldingIndex[], isInactive: boolean, question: AccessQuestion, allowing?: Holding[]): CheckAnswer | QuestionError {
  const resource = resourceOf(question)
  if (resource !== undefined && 'error' in resource) return resource
  if (isInactive || indexes.every((index) => index.isEmpty)) return holdsNothing(question, isInactive)
  const covering: Candidate[] = []
  // Sign-in method and expiry are looked at by answerFrom, on what covers the question.
  if (resource === undefined) {
    for (const index of indexes) index.collectPermissions(question, covering)
  } else {
    const action = actionNumberOf(question)
    const target = targetNumberOf(resource)
    for (const index of indexes) index.collectGrants(question, action, resource, target, covering)
  }
  return answerFrom(covering, question, allowing)
}
