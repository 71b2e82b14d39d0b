import { describe, expect, it } from 'vitest'
import { grantKey, permissionKey, type EffectiveAccess } from '../../src/engine/effective.js'
import type { Holding, Step } from '../../src/engine/types.js'
import type { Risk } from '../../src/model/risk.js'
import { deltaChains, diffAccess } from '../../src/plan/diff-access.js'

const viaSupport: Step[] = [
  { kind: 'idp-group', connection: 'okta', displayName: 'support' },
  { kind: 'group', name: 'Support' },
]
const viaOps: Step[] = [
  { kind: 'idp-group', connection: 'okta', displayName: 'ops' },
  { kind: 'group', name: 'Ops' },
]
const resource = { type: 'auth-config', service: '*', name: '*' }
const actionRisks: Record<string, Risk> = { read: 'medium', edit: 'critical', delete: 'high' }

function grant(actions: string[], chain: Step[]): Holding {
  const held = { actions, resource, env: ['production'] }
  return {
    type: 'grant',
    grant: held,
    key: grantKey(held),
    risk: actions
      .map((a) => actionRisks[a] ?? 'low')
      .sort()
      .includes('critical')
      ? 'critical'
      : 'high',
    chain,
  }
}

function access(holdings: Holding[]): EffectiveAccess {
  return { users: new Map([['sam@x.example', { user: 'sam@x.example', holdings }]]), inactive: new Set() }
}

const risk = (_holding: Holding, action: string): Risk => actionRisks[action] ?? 'low'

describe('diffAccess', () => {
  it('shows a widened grant as the actions gained, at their own risk', () => {
    const deltas = diffAccess(access([grant(['read'], viaSupport)]), access([grant(['edit', 'read'], viaSupport)]), { before: risk, after: risk })
    expect(deltas.map(({ change, what, risk: level, key }) => ({ change, what, risk: level, key }))).toEqual([
      { change: 'gain', what: 'edit auth-config:*/* in production', risk: 'critical', key: 'grant edit auth-config:*/* env=production' },
    ])
  })

  it('merges the actions lost through the same chains, and keeps other chains apart', () => {
    const before = access([grant(['delete', 'edit', 'read'], viaSupport), grant(['read'], viaOps)])
    const after = access([grant(['read'], viaSupport)])
    const deltas = diffAccess(before, after, { before: risk, after: risk })
    expect(deltas.map((delta) => ({ change: delta.change, what: delta.what, risk: delta.risk, chains: deltaChains(delta) }))).toEqual([
      { change: 'loss', what: '[delete, edit] auth-config:*/* in production', risk: 'critical', chains: ['okta group "support" → group "Support"'] },
    ])
  })

  it('compares grants one environment at a time, each environment at its own risk', () => {
    const view = (env: string[] | undefined, actions = ['read']): Holding => {
      const held = { actions, resource, ...(env === undefined ? {} : { env }) }
      return { type: 'grant', grant: held, key: grantKey(held), risk: 'high', chain: viaSupport }
    }
    // production raises an action's risk one level (read: medium → high).
    const byEnv = (_holding: Holding, action: string, env?: string): Risk => (env === 'production' || env === undefined ? 'high' : (actionRisks[action] ?? 'low'))
    const moved = (before: Holding[], after: Holding[]) => diffAccess(access(before), access(after), { before: byEnv, after: byEnv }).map((delta) => `${delta.change} ${delta.risk} ${delta.what} (${delta.key})`)
    expect(moved([view(['production'])], [view(['production', 'staging'])])).toEqual(['gain medium read auth-config:*/* in staging (grant read auth-config:*/* env=staging)'])
    expect(moved([view(['staging'])], [view(['development', 'staging'], ['edit', 'read'])])).toEqual([
      'gain critical edit auth-config:*/* in development, staging (grant edit auth-config:*/* env=development,staging)',
      'gain medium read auth-config:*/* in development (grant read auth-config:*/* env=development)',
    ])
    expect(moved([view(undefined)], [view(['staging'])])).toEqual(['loss high read auth-config:*/* (grant read auth-config:*/*)', 'gain medium read auth-config:*/* in staging (grant read auth-config:*/* env=staging)'])
    // An environment held through another rule of the same chain is not gained again.
    expect(moved([view(['staging']), view(['development'], ['edit'])], [view(['development', 'staging'], ['edit', 'read'])])).toEqual([
      'gain critical edit auth-config:*/* in staging (grant edit auth-config:*/* env=staging)',
      'gain medium read auth-config:*/* in development (grant read auth-config:*/* env=development)',
    ])
  })

  it('reports permissions whole, and nothing when only the chain changes', () => {
    const admin = (chain: Step[]): Holding => ({ type: 'permission', permission: 'sso:manage', key: permissionKey('sso:manage'), risk: 'critical', chain })
    expect(diffAccess(access([admin(viaSupport)]), access([admin(viaOps)]))).toEqual([])
    expect(diffAccess(access([]), access([admin(viaOps)])).map((delta) => delta.what)).toEqual(['sso:manage'])
  })

  it('gives users who share holdings each their own deltas, whether the other side holds none, some or all of them', () => {
    const support = grant(['edit', 'read'], viaSupport)
    const ops = grant(['read'], viaOps)
    const users = (entries: [string, Holding[]][]): EffectiveAccess => ({ users: new Map(entries.map(([user, holdings]) => [user, { user, holdings }])), inactive: new Set() })
    const before = users([
      ['ann@x.example', []],
      ['bob@x.example', [grant(['read'], viaSupport)]],
      ['cat@x.example', [support]],
    ])
    const after = users([
      ['ann@x.example', [support, ops]],
      ['bob@x.example', [support]],
      ['cat@x.example', [support]],
      ['dan@x.example', [support]],
    ])
    const moved = diffAccess(before, after, { before: risk, after: risk }).map((delta) => `${delta.user} ${delta.change} ${delta.risk} ${delta.what} via ${deltaChains(delta).join(' + ')}`)
    expect(moved).toEqual([
      'ann@x.example gain critical edit auth-config:*/* in production via okta group "support" → group "Support"',
      'ann@x.example gain medium read auth-config:*/* in production via okta group "ops" → group "Ops" + okta group "support" → group "Support"',
      'bob@x.example gain critical edit auth-config:*/* in production via okta group "support" → group "Support"',
      'dan@x.example gain critical [edit, read] auth-config:*/* in production via okta group "support" → group "Support"',
    ])
  })
})
