// "May user U do A on R (at time T, signed in with M)?" answered from effective access, with the reasons.
import { matchesPart, parseResourcePattern } from '../model/resource.js'
import { parseTimestamp } from '../model/time.js'
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

/** Answer a question. Unknown users, inactive users and malformed resources are denied with a reason. */
export function checkAccess(access: EffectiveAccess, question: AccessQuestion): CheckAnswer | QuestionError {
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
  for (const holding of user.holdings) {
    if (!covers(holding, question, resource)) continue
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
