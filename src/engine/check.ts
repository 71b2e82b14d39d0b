// "May user U do A on R (at time T, signed in with M)?" answered from effective access, with the reasons.
import { matchesPart, parseResourcePattern } from '../model/resource.js'
import { parseTimestamp } from '../model/time.js'
import { compareStrings } from '../util/compare.js'
import { formatChain } from './chain.js'
import { userKey, type EffectiveAccess } from './effective.js'
import type { Holding } from './types.js'

/** An org permission, or an action on one concrete resource. */
export type AccessQuestion = {
  user: string
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

/** A user's holdings by the action they allow (`*` included as such), org permissions under undefined: see checkAccess. */
export type HoldingIndex = Map<string | undefined, Holding[]>

export function indexHoldings(holdings: readonly Holding[]): HoldingIndex {
  const index: HoldingIndex = new Map()
  const add = (action: string | undefined, holding: Holding) => {
    const list = index.get(action)
    if (list === undefined) index.set(action, [holding])
    else list.push(holding)
  }
  for (const holding of holdings) {
    if (holding.type === 'permission') add(undefined, holding)
    else for (const action of new Set(holding.grant.actions)) add(action, holding)
  }
  return index
}

/** The holdings of an index that may cover a question: those allowing its action or `*`, or the org permissions. */
function candidates(index: HoldingIndex, question: AccessQuestion): readonly Holding[] {
  if ('permission' in question) return index.get(undefined) ?? []
  const exact = index.get(question.action) ?? []
  const any = question.action === '*' ? [] : (index.get('*') ?? [])
  return any.length === 0 ? exact : exact.length === 0 ? any : [...exact, ...any]
}

/** Does this holding cover the question, ignoring sign-in method and expiry? */
function covers(holding: Holding, question: AccessQuestion, resource: { type: string; service: string; name: string } | undefined): boolean {
  if ('permission' in question) return holding.type === 'permission' && holding.permission === question.permission
  if (holding.type !== 'grant' || resource === undefined) return false
  const { grant } = holding
  if (!grant.actions.includes('*') && !grant.actions.includes(question.action)) return false
  if (!matchesPart(grant.resource.type, resource.type) || !matchesPart(grant.resource.service, resource.service) || !matchesPart(grant.resource.name, resource.name)) return false
  if (grant.env !== undefined && (question.env === undefined || !grant.env.includes(question.env))) return false
  if (grant.tags !== undefined && !grant.tags.every((tag) => question.tags?.includes(tag) === true)) return false
  return true
}

/**
 * Answer a question. Unknown users, inactive users and malformed resources are denied with a reason. `index`
 * (indexHoldings of the user's holdings) spares looking at holdings of other actions.
 */
export function checkAccess(access: EffectiveAccess, question: AccessQuestion, index?: HoldingIndex): CheckAnswer | QuestionError {
  let resource: { type: string; service: string; name: string } | undefined
  if (!('permission' in question)) {
    const parsed = parseResourcePattern(question.resource)
    if ('error' in parsed) return { error: `resource ${parsed.error}` }
    resource = parsed.pattern
  }
  const key = userKey(question.user)
  const user = access.users.get(key)
  if (user === undefined) {
    const why = access.inactive.has(key) ? `user "${question.user}" is deactivated` : `user "${question.user}" holds no access`
    return { allowed: false, reasons: [], denials: [why] }
  }
  const reasons: string[] = []
  const denials: string[] = []
  // Holdings may come in any order (the check API keeps them unsorted): answer in the order effective access lists them.
  const covering = (index === undefined ? user.holdings : candidates(index, question)).filter((holding) => covers(holding, question, resource))
  if (covering.length > 1) {
    const texts = new Map(covering.map((holding) => [holding, formatChain(holding.chain)]))
    covering.sort((a, b) => compareStrings(a.key, b.key) || compareStrings(texts.get(a) ?? '', texts.get(b) ?? ''))
  }
  for (const holding of covering) {
    const chain = formatChain(holding.chain, holding)
    const expires = holding.expires === undefined ? undefined : parseTimestamp(holding.expires)
    if (expires !== undefined && expires.getTime() <= question.at.getTime()) {
      denials.push(`${chain}: expired at ${holding.expires ?? ''}`)
      continue
    }
    if (holding.authMethods !== undefined && question.anyAuthMethod === true) {
      reasons.push(`${chain} (when signed in with ${holding.authMethods.join(' or ')})`)
      continue
    }
    if (holding.authMethods !== undefined && (question.authMethod === undefined || !holding.authMethods.includes(question.authMethod))) {
      denials.push(`${chain}: requires sign-in with ${holding.authMethods.join(' or ') || 'no allowed method'}${question.authMethod === undefined ? '' : ` (signed in with ${question.authMethod})`}`)
      continue
    }
    reasons.push(chain)
  }
  return { allowed: reasons.length > 0, reasons, denials: reasons.length > 0 ? [] : denials.length > 0 ? denials : [`no access of "${question.user}" covers this`] }
}
