// Approvals per risk: the tier a change falls in is the highest rule not above its risk, and every rule of that tier holds.
import { describe, expect, it } from 'vitest'
import { emptyState } from '../../src/model/state.js'
import { requiredApprovals } from '../../src/plan/policy.js'
import type { ApprovalRule } from '../../src/schema/generated/policy.js'

function stateWith(approvals: ApprovalRule[]) {
  const state = emptyState()
  state.policies.set('p', { doc: { kind: 'Policy', name: 'p', approvals }, at: { file: 'policy.yaml', index: 0 } })
  return state
}

const security: ApprovalRule = { risk: 'critical', count: 2, approvers: [{ group: 'Security Admins' }, { githubTeam: 'acme/security' }] }
const cto: ApprovalRule = { risk: 'critical', count: 1, approvers: [{ githubTeam: 'acme/cto' }] }
const high: ApprovalRule = { risk: 'high', count: 1, approvers: [{ githubTeam: 'acme/security' }] }
const members = new Map([['Security Admins', ['sam@acme.example']]])

describe('plan/policy requiredApprovals', () => {
  it('asks for the rule of the highest tier not above the change', () => {
    expect(requiredApprovals(stateWith([high, security]), ['high', 'high'], members)).toEqual([{ risk: 'high', count: 1, approvers: ['github:acme/security'], eligible: [], changes: 2 }])
  })

  it('keeps every rule of a tier a stored state declares twice, whichever comes first', () => {
    const both = [
      { risk: 'critical', count: 1, approvers: ['github:acme/cto'], eligible: [], changes: 1 },
      { risk: 'critical', count: 2, approvers: ['group:Security Admins', 'github:acme/security'], eligible: ['sam@acme.example'], changes: 1 },
    ]
    expect(requiredApprovals(stateWith([cto, high, security]), ['critical'], members)).toEqual(both)
    expect(requiredApprovals(stateWith([security, high, cto]), ['critical'], members)).toEqual(both)
  })

  it('counts two identical rules of one tier as one requirement', () => {
    expect(requiredApprovals(stateWith([cto, { ...cto }]), ['critical'], members)).toEqual([{ risk: 'critical', count: 1, approvers: ['github:acme/cto'], eligible: [], changes: 1 }])
  })

  it('asks nothing for a risk below every rule', () => {
    expect(requiredApprovals(stateWith([high]), ['medium'], members)).toEqual([])
  })
})
