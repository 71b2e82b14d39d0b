// The check API's indexed answer (HoldingIndex, filed by action and by resource type and service) is the same as
// checkAccess's scan of every holding, whatever mix of literal and glob grants a user holds.
import { describe, expect, it } from 'vitest'
import { checkAccess, checkIndexed, HoldingIndex, type AccessQuestion } from '../../src/engine/check.js'
import type { Holding } from '../../src/engine/types.js'
import { seededRandom } from '../helpers/random.js'

const at = new Date('2026-06-01T00:00:00Z')
const types = ['journey', 'service', 'j*', '*', 'secret']
const services = ['checkout', 'payments', 'check*', '*', 'pay{ments,outs}', 'a?c']
const names = ['login', 'flow-1-*', '*', 'prod-key', '*-key']
const actions = ['run', 'edit', 'delete', '*', 'read']
const envs = ['prod', 'staging']

function grantHolding(random: () => number, index: number): Holding {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const actionsHeld = [...new Set([pick(actions), ...(random() < 0.3 ? [pick(actions)] : [])])]
  const resource = { type: pick(types), service: pick(services), name: pick(names) }
  const env = random() < 0.3 ? [pick(envs)] : undefined
  const key = `grant ${actionsHeld.join(',')} ${resource.type}:${resource.service}/${resource.name}${env === undefined ? '' : ` env=${env.join(',')}`}`
  return {
    key,
    risk: 'low',
    chain: [{ kind: 'grant', name: `g${index}` }],
    type: 'grant',
    grant: { actions: actionsHeld, resource, ...(env === undefined ? {} : { env }) },
    ...(random() < 0.1 ? { expires: '2026-05-01T00:00:00Z' } : {}),
  }
}

describe('checkIndexed', () => {
  it('answers as checkAccess does, over 2,000 random users and questions', () => {
    const random = seededRandom(7)
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    let allowed = 0
    for (let round = 0; round < 2000; round++) {
      // A user's holdings come in a few parts (one per IdP group), as the check API keeps them.
      const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, part) =>
        Array.from({ length: Math.floor(random() * 6) }, (_, k) => grantHolding(random, part * 10 + k)),
      )
      const holdings = parts.flat()
      const question: AccessQuestion = {
        user: 'sam@acme.example',
        at,
        action: pick(actions.filter((action) => action !== '*').concat('deploy')),
        resource: `${pick(['journey', 'service', 'secret', 'jx'])}:${pick(['checkout', 'payments', 'payouts', 'abc', 'check*'])}/${pick(['login', 'flow-1-x', 'prod-key'])}`,
        ...(random() < 0.5 ? { env: pick(envs) } : {}),
      }
      const indexed = checkIndexed(
        parts.map((part) => new HoldingIndex(part)),
        false,
        question,
      )
      const scanned = checkAccess({ users: new Map(holdings.length === 0 ? [] : [['sam@acme.example', { user: 'sam@acme.example', holdings }]]), inactive: new Set() }, question)
      expect(indexed, JSON.stringify({ question, holdings: holdings.map((holding) => holding.key) })).toEqual(scanned)
      if ('allowed' in indexed && indexed.allowed) allowed++
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(allowed).toBeGreaterThan(200)
    expect(allowed).toBeLessThan(1800)
  })
})
