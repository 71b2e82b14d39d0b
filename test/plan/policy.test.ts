// Policy findings on projected access: separation of duty compares people by user key, not by how their name is spelt.
import { describe, expect, it } from 'vitest'
import type { EffectiveAccess } from '../../src/engine/effective.js'
import type { Holding } from '../../src/engine/types.js'
import { emptyState } from '../../src/model/state.js'
import { evaluatePolicy } from '../../src/plan/policy.js'

const sso: Holding = { type: 'permission', permission: 'sso:manage', key: 'permission sso:manage', risk: 'critical', chain: [{ kind: 'grant', name: 'a' }] }
const audit: Holding = { type: 'permission', permission: 'security:admin', key: 'permission security:admin', risk: 'high', chain: [{ kind: 'grant', name: 'b' }] }

function accessOf(user: string, holdings: Holding[]): EffectiveAccess {
  return { users: new Map([[user.toLowerCase(), { user, holdings }]]), inactive: new Set() }
}

describe('plan/policy', () => {
  const state = emptyState()
  state.policies.set('p', {
    doc: { kind: 'Policy', name: 'p', separationOfDuty: [{ name: 'sso-vs-audit', pair: [{ permission: 'sso:manage' }, { permission: 'security:admin' }] }] },
    at: { file: 'policy.yaml', index: 0 },
  })

  it.each([
    ['the same spelling', 'dana@acme.example', 'warning'],
    ['another spelling of the same user', 'Dana@acme.example', 'warning'],
  ])('keeps a pair the user already held a warning (%s)', (_why, before, severity) => {
    const findings = evaluatePolicy(state, accessOf(before, [sso, audit]), accessOf('dana@acme.example', [sso, audit]), [])
    expect(findings.map((finding) => [finding.code, finding.severity])).toEqual([['separation-of-duty', severity]])
  })

  it('makes a newly held pair an error', () => {
    const findings = evaluatePolicy(state, accessOf('dana@acme.example', [sso]), accessOf('dana@acme.example', [sso, audit]), [])
    expect(findings.map((finding) => [finding.code, finding.severity])).toEqual([['separation-of-duty', 'error']])
  })
})
