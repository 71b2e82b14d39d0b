// Provenance chains as text: okta group "support-tier-2" → group "Support Tier 2" → grant run journey:*/diagnostic-*.
import { formatResource } from '../model/resource.js'
import type { Chain, GrantRuleHeld, Holding, Step } from './types.js'

export function formatStep(step: Step): string {
  switch (step.kind) {
    case 'idp-group':
      return `${step.connection} group "${step.displayName}"`
    case 'local-member':
      return step.connection === undefined ? `listed member "${step.user}"` : `listed member "${step.user}" of ${step.connection}`
    case 'group':
      return `group "${step.name}"`
    case 'role':
      return `role "${step.name}"`
    case 'service-role':
      return `${step.service} role "${step.role}"`
    case 'service-team':
      return `team of ${step.service} (${step.role})`
    case 'grant':
      return `grant "${step.name}"`
    case 'break-glass':
      return `break-glass grant ${step.id} (${step.reason})`
    default: {
      const unreachable: never = step
      return String(unreachable)
    }
  }
}

export function formatGrantRule(grant: GrantRuleHeld): string {
  const actions = grant.actions.length === 1 ? (grant.actions[0] ?? '') : `[${grant.actions.join(', ')}]`
  const env = grant.env === undefined ? '' : ` in ${grant.env.join(', ')}`
  const tags = grant.tags === undefined ? '' : ` tagged ${grant.tags.join(', ')}`
  return `${actions} ${formatResource(grant.resource)}${env}${tags}`
}

/** What a holding gives, as text: `sso:manage` or `run journey:*\/diagnostic-*`. */
export function formatHeld(holding: Holding): string {
  return holding.type === 'permission' ? holding.permission : formatGrantRule(holding.grant)
}

/** The whole chain ending in what is held. */
export function formatChain(chain: Chain, holding?: Holding): string {
  const parts = chain.map(formatStep)
  if (holding !== undefined) parts.push(holding.type === 'permission' ? holding.permission : `grant ${formatGrantRule(holding.grant)}`)
  return parts.join(' → ')
}

const chainTexts = new WeakMap<Chain, { text: string; alone: readonly string[] }>()

/**
 * `formatChain(chain)`, kept per chain, with a list of just that text. Chains are shared by the many users (and
 * holdings) they reach and are never modified, so each one is written once and every user's text is the same
 * string. Do not modify the list.
 */
export function chainTextOf(chain: Chain): { text: string; alone: readonly string[] } {
  let known = chainTexts.get(chain)
  if (known === undefined) {
    const text = formatChain(chain)
    known = { text, alone: [text] }
    chainTexts.set(chain, known)
  }
  return known
}

/** `formatChain(chain)`, kept per chain (see chainTextOf). */
export function chainText(chain: Chain): string {
  return chainTextOf(chain).text
}
