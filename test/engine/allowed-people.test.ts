// who-can's answer (allowedPeople: each shared holding judged once, only its holders answered) is the answer of
// checkAccess asked person by person, in the same order with the same reasons and allowing holdings, on random shared holdings.
import { describe, expect, it } from 'vitest'
import { allowedPeople, checkAccess, type AccessQuestion } from '../../src/engine/check.js'
import type { EffectiveAccess } from '../../src/engine/effective.js'
import type { Holding } from '../../src/engine/types.js'
import { seededRandom } from '../helpers/random.js'

const at = new Date('2026-06-01T00:00:00Z')

function holdingPool(random: () => number): Holding[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  return Array.from({ length: 40 }, (_, index): Holding => {
    const limits = {
      ...(random() < 0.15 ? { expires: pick(['2026-05-01T00:00:00Z', '2026-07-01T00:00:00Z']) } : {}),
      ...(random() < 0.2 ? { authMethods: [pick(['sso', 'password'])] } : {}),
    }
    if (random() < 0.3) return { key: `permission p${index % 3}`, risk: 'high', chain: [{ kind: 'grant', name: `g${index}` }], type: 'permission', permission: `sso:p${index % 3}`, ...limits }
    const resource = { type: pick(['journey', '*']), service: pick(['checkout', 'pay*', '*']), name: pick(['login', '*']) }
    return { key: `grant ${index}`, risk: 'low', chain: [{ kind: 'grant', name: `g${index}` }], type: 'grant', grant: { actions: [pick(['run', 'edit', '*'])], resource }, ...limits }
  })
}

describe('allowedPeople', () => {
  it('answers as checkAccess does for each person, over 300 questions on 200 people sharing 40 holdings', () => {
    const random = seededRandom(11)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const pool = holdingPool(random)
    const users: EffectiveAccess['users'] = new Map()
    for (let person = 0; person < 200; person++) {
      const user = `u${String(person).padStart(3, '0')}@acme.example`
      const holdings = [...new Set(Array.from({ length: Math.floor(random() * 6) }, () => pick(pool)))]
      if (holdings.length > 0) users.set(user, { user, holdings })
    }
    const access: EffectiveAccess = { users, inactive: new Set() }
    let answers = 0
    for (let round = 0; round < 300; round++) {
      const limits = { at, ...(random() < 0.5 ? { authMethod: pick(['sso', 'password']) } : { anyAuthMethod: true }) }
      const base = random() < 0.3 ? { permission: `sso:p${Math.floor(random() * 3)}` } : { action: pick(['run', 'edit', 'read']), resource: `journey:${pick(['checkout', 'payments'])}/login` }
      const questionFor = (user: string) => ({ ...base, ...limits, user }) as AccessQuestion
      const expected = [...users].flatMap(([key, { user }]) => {
        const allowing: Holding[] = []
        const answer = checkAccess(access, questionFor(user), key, allowing)
        return 'allowed' in answer && answer.allowed ? [{ key, user, reasons: answer.reasons, allowing }] : []
      })
      expect(allowedPeople(access, questionFor)).toEqual(expected)
      answers += expected.length
    }
    expect(answers).toBeGreaterThan(1000)
    expect(allowedPeople(access, () => ({ user: 'x', at, action: 'run', resource: 'not a resource' }))).toHaveProperty('error')
  })
})
