// The answers of explain (what a person holds, and why) and who-can (who may do this), for every place that shows
// them: the CLI, the admin API and the web explorer give the same answer because they call these.
import { allowedPage, allowedPeople, type AccessQuestion, type QuestionError } from './check.js'
import { formatChain } from './chain.js'
import type { EffectiveAccess } from './effective.js'
import type { Holding } from './types.js'

/** One holding as explain shows it: what it is, its risk, the chain that gives it as text, and its limits. */
export type HoldingAnswer = { key: string; risk: Holding['risk']; chain: string; authMethods?: readonly string[]; expires?: string }

export function holdingAnswer(holding: Holding): HoldingAnswer {
  return {
    key: holding.key,
    risk: holding.risk,
    chain: formatChain(holding.chain, holding),
    ...(holding.authMethods === undefined ? {} : { authMethods: holding.authMethods }),
    ...(holding.expires === undefined ? {} : { expires: holding.expires }),
  }
}

/** What the person `key` holds (none when deactivated or holding nothing), and whether they are deactivated. */
export function holdingsOf(access: EffectiveAccess, key: string): { user: string | undefined; inactive: boolean; holdings: readonly Holding[] } {
  const held = access.users.get(key)
  return { user: held?.user, inactive: access.inactive.has(key), holdings: held?.holdings ?? [] }
}

/** One person who may: their name, key, the chains that allow it as text, and the holdings they are. */
export type WhoCanEntry = { user: string; key: string; reasons: string[]; allowing: Holding[] }

/**
 * Every active user for whom `questionFor(user)` is allowed, in the order of effective access (by key); a question
 * error (a malformed resource) is the answer instead.
 */
export function whoCan(access: EffectiveAccess, questionFor: (user: string) => AccessQuestion): WhoCanEntry[] | QuestionError {
  return allowedPeople(access, questionFor)
}

/** One page of whoCan's answer (the same entries, in the same order) and how many people it allows in all. */
export function whoCanPage(access: EffectiveAccess, questionFor: (user: string) => AccessQuestion, window: { offset: number; limit: number }): { total: number; users: WhoCanEntry[] } | QuestionError {
  return allowedPage(access, questionFor, window)
}
