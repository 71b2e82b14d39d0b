import { beforeAll, describe, expect, it } from 'vitest'
import { checkAccess, type AccessQuestion } from '../../src/engine/check.js'
import { computeEffectiveAccess } from '../../src/engine/effective.js'
import { formatChain } from '../../src/engine/chain.js'
import { UserAccessCompiler } from '../../src/engine/user-access.js'
import type { Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import type { DesiredState } from '../../src/model/state.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

let state: DesiredState

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
  state = loaded.state
})

/** Okta provisioned these users and groups (ids are stable so failures are readable). */
const directory: Directory = {
  users: [
    { id: 'u-sam', connection: 'okta', userName: 'sam@acme.example', active: true },
    { id: 'u-sasha', connection: 'okta', userName: 'sasha@acme.example', active: true },
    { id: 'u-casey', connection: 'okta', userName: 'Casey@Acme.example', active: true },
    { id: 'u-gone', connection: 'okta', userName: 'gone@acme.example', active: false },
  ],
  groups: [
    { id: 'g-support', connection: 'okta', displayName: 'support-tier-2' },
    { id: 'g-security', connection: 'okta', displayName: 'security-admins' },
    { id: 'g-checkout', connection: 'okta', displayName: 'checkout-team' },
    { id: 'g-unmapped', connection: 'okta', displayName: 'all-staff' },
  ],
  memberships: [
    { groupId: 'g-support', userId: 'u-sam' },
    { groupId: 'g-security', userId: 'u-sasha' },
    { groupId: 'g-security', userId: 'u-gone' },
    { groupId: 'g-checkout', userId: 'u-casey' },
    { groupId: 'g-unmapped', userId: 'u-sam' },
  ],
}

type Asked = { authMethod?: string } & ({ permission: string } | { action: string; resource: string; env?: string })

function ask(user: string, rest: Asked, at = fixtureNow) {
  const access = computeEffectiveAccess(state, directory, { now: at })
  const question: AccessQuestion = { user, at, ...rest }
  return checkAccess(access, question)
}

describe('computeEffectiveAccess', () => {
  it('gives Support Tier 2 its grants through the IdP group, with the chain', () => {
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const sam = access.users.get('sam@acme.example')
    expect(sam?.holdings.map((holding) => formatChain(holding.chain, holding))).toContain('okta group "support-tier-2" → group "Support Tier 2" → grant run journey:*/diagnostic-*')
  })

  it('gives security-admins the Security Admin role permissions, and nothing to deactivated members', () => {
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const permissions = access.users
      .get('sasha@acme.example')
      ?.holdings.filter((h) => h.type === 'permission')
      .map((h) => formatChain(h.chain, h))
    expect(permissions).toContain('okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage')
    expect(access.users.has('gone@acme.example')).toBe(false)
    expect(access.inactive.has('gone@acme.example')).toBe(true)
  })

  it('gives the checkout team the maintainer role of checkout, matching userName without case', () => {
    const answer = ask('casey@acme.example', { action: 'edit', resource: 'journey:checkout/place-order', env: 'production' })
    expect(answer).toEqual({
      allowed: true,
      reasons: ['okta group "checkout-team" → group "Checkout Team" → team of checkout (maintainer) → grant [delete, edit, run] journey:checkout/*'],
      denials: [],
    })
  })

  it('gives nothing through a group to a member of its IdP group that the group excludes, in both engines', () => {
    const group = state.groups.get('Security Admins')
    if (group === undefined) throw new Error('the example has Security Admins')
    const groups = new Map(state.groups)
    groups.set('Security Admins', { ...group, doc: { ...group.doc, exclude: [{ user: 'SASHA@acme.example', connection: 'okta', reason: 'revoked in privileged-access-2026-11-23' }] } })
    const excluding = { ...state, groups }
    const access = computeEffectiveAccess(excluding, directory, { now: fixtureNow })
    expect(access.users.has('sasha@acme.example')).toBe(false)
    expect(access.users.has('sam@acme.example')).toBe(true)
    const compiler = new UserAccessCompiler(excluding)
    const key = compiler.identities.personKey('sasha@acme.example', 'okta')
    expect(compiler.partsOf(key, directory, { now: fixtureNow }).parts.flat()).toEqual([])
    const before = new UserAccessCompiler(state).partsOf(key, directory, { now: fixtureNow }).parts.flat()
    expect(before.map((holding) => holding.key)).toContain('permission sso:manage')
  })

  it('grants nothing through an IdP group that no YAML maps', () => {
    const access = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const chains = access.users.get('sam@acme.example')?.holdings.map((h) => formatChain(h.chain)) ?? []
    expect(chains.some((chain) => chain.includes('all-staff'))).toBe(false)
  })

  it('names a person with records in two connections the same way whatever the store order', () => {
    const twice: Directory = {
      users: [
        { id: 'u1', connection: 'okta', userName: 'Casey@acme.example', active: true },
        { id: 'u2', connection: 'entra', userName: 'casey@acme.example', active: true },
      ],
      groups: [{ id: 'g1', connection: 'okta', displayName: 'checkout-team' }],
      memberships: [{ groupId: 'g1', userId: 'u1' }],
    }
    const reversed = { ...twice, users: [...twice.users].reverse() }
    const name = (directory: Directory) => computeEffectiveAccess(state, directory, { now: fixtureNow }).users.get('casey@acme.example')?.user
    expect(name(twice)).toBe('casey@acme.example')
    expect(name(reversed)).toBe('casey@acme.example')
  })

  it('is deterministic: the same input gives the same output', () => {
    const a = computeEffectiveAccess(state, directory, { now: fixtureNow })
    const b = computeEffectiveAccess(state, { ...directory, memberships: [...directory.memberships].reverse() }, { now: fixtureNow })
    expect(JSON.stringify([...b.users])).toBe(JSON.stringify([...a.users]))
  })
})

describe('checkAccess', () => {
  it.each([
    ['sam@acme.example', { action: 'run', resource: 'journey:checkout/diagnostic-login', env: 'production' }, true],
    ['sam@acme.example', { action: 'read', resource: 'auth-config:checkout/oidc', env: 'production' }, true],
    ['sam@acme.example', { action: 'read', resource: 'auth-config:checkout/oidc', env: 'staging' }, false],
    ['sam@acme.example', { action: 'edit', resource: 'auth-config:checkout/oidc', env: 'production' }, false],
    ['sam@acme.example', { permission: 'sso:manage' }, false],
    ['gone@acme.example', { permission: 'sso:manage', authMethod: 'sso' }, false],
    ['nobody@acme.example', { permission: 'sso:manage', authMethod: 'sso' }, false],
  ] as const)('%s %j → %s', (user, rest, allowed) => {
    const answer = ask(user, rest)
    expect('error' in answer ? answer : answer.allowed).toBe(allowed)
  })

  it('denies a role restricted to SSO when the user signed in otherwise, and says why', () => {
    const answer = ask('sasha@acme.example', { permission: 'sso:manage', authMethod: 'password' })
    expect(answer).toEqual({
      allowed: false,
      reasons: [],
      denials: ['okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage: requires sign-in with sso (signed in with password)'],
    })
    expect(ask('sasha@acme.example', { permission: 'sso:manage', authMethod: 'sso' })).toMatchObject({ allowed: true })
  })

  it('says why a deactivated or unknown user is denied', () => {
    expect(ask('gone@acme.example', { permission: 'audit:read' })).toEqual({ allowed: false, reasons: [], denials: ['user "gone@acme.example" is deactivated'] })
    expect(ask('nobody@acme.example', { permission: 'audit:read' })).toEqual({ allowed: false, reasons: [], denials: ['user "nobody@acme.example" holds no access'] })
  })

  it('stops an individual grant at its expiry without waiting for an apply', () => {
    const grant = [...state.grants.values()].find((entry) => entry.doc.expires !== undefined)?.doc
    expect(grant).toBeDefined()
    if (grant === undefined || grant.expires === undefined) return
    const query = { action: typeof grant.action === 'string' ? grant.action : (grant.action[0] ?? ''), resource: grant.resource.replace(/\*/g, 'x'), env: grant.env?.[0] }
    const before = new Date(Date.parse(grant.expires) - 60_000)
    const after = new Date(Date.parse(grant.expires) + 60_000)
    const access = computeEffectiveAccess(state, directory, { now: before })
    expect(checkAccess(access, { user: grant.user, at: before, authMethod: 'sso', ...query })).toMatchObject({ allowed: true })
    expect(checkAccess(access, { user: grant.user, at: after, authMethod: 'sso', ...query })).toMatchObject({ allowed: false })
  })

  it('rejects a malformed resource with an error, not an answer', () => {
    expect(ask('sam@acme.example', { action: 'run', resource: 'journey' })).toEqual({ error: 'resource must be "type:service/name" (got "journey")' })
  })
})
