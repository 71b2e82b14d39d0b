// dependencyDigest: moves with what a plan reads of the directory, and with nothing else.
import { beforeAll, describe, expect, it } from 'vitest'
import type { BreakGlassGrant, Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import type { DesiredState } from '../../src/model/state.js'
import { dependencyDigest } from '../../src/plan/dependency-digest.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

let state: DesiredState

const user = (id: string, userName: string, active = true) => ({ id, connection: 'okta', userName, active })
const base: Directory = {
  users: [user('u1', 'sasha@acme.example'), user('u2', 'sam@acme.example'), user('u3', 'pat@acme.example')],
  groups: [
    { id: 'g1', connection: 'okta', displayName: 'security-admins' },
    { id: 'g2', connection: 'okta', displayName: 'all-staff' },
  ],
  memberships: [
    { groupId: 'g1', userId: 'u1' },
    { groupId: 'g2', userId: 'u3' },
  ],
}
const breakGlass: BreakGlassGrant = { id: 'bg1', user: 'sam@acme.example', actions: ['read'], resource: 'secret:checkout/*', reason: 'incident', expires: '2026-12-01T00:00:00Z' }

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
  expect(loaded.diagnostics).toEqual([])
  state = loaded.state
})

const digest = (directory: Directory, grants: readonly BreakGlassGrant[] = []) => dependencyDigest([state], directory, grants)

describe('dependencyDigest', () => {
  it.each<[string, (directory: Directory) => Directory]>([
    ['an unmapped group gains a member', (d) => ({ ...d, memberships: [...d.memberships, { groupId: 'g2', userId: 'u2' }] })],
    ['a user in no mapped group is deactivated', (d) => ({ ...d, users: d.users.map((u) => (u.id === 'u3' ? { ...u, active: false } : u)) })],
    ['a user in no group is created', (d) => ({ ...d, users: [...d.users, user('u4', 'new@acme.example')] })],
    ['an unmapped group is created', (d) => ({ ...d, groups: [...d.groups, { id: 'g3', connection: 'okta', displayName: 'contractors' }] })],
  ])('stays when %s', (_, change) => {
    expect(digest(change(base))).toBe(digest(base))
  })

  it.each<[string, (directory: Directory) => Directory]>([
    ['a mapped group gains a member', (d) => ({ ...d, memberships: [...d.memberships, { groupId: 'g1', userId: 'u2' }] })],
    ['a member of a mapped group is deactivated', (d) => ({ ...d, users: d.users.map((u) => (u.id === 'u1' ? { ...u, active: false } : u)) })],
    ['a member of a mapped group has another record elsewhere', (d) => ({ ...d, users: [...d.users, { ...user('u5', 'Sasha@acme.example'), connection: 'entra' }] })],
    ['an unmapped group is renamed to a mapped name', (d) => ({ ...d, groups: d.groups.map((g) => (g.id === 'g2' ? { ...g, displayName: 'security-auditors' } : g)) })],
    ['a user the access files list is provisioned', (d) => ({ ...d, users: [...d.users, user('u6', 'breakglass-1@acme.example')] })],
    ['the store loses its last user', () => ({ users: [], groups: [], memberships: [] })],
  ])('moves when %s', (_, change) => {
    expect(digest(change(base))).not.toBe(digest(base))
  })

  it('moves with the break-glass grants, and with the records of the person one names', () => {
    expect(digest(base, [breakGlass])).not.toBe(digest(base))
    const renamed = { ...base, users: base.users.map((u) => (u.id === 'u2' ? { ...u, active: false } : u)) }
    expect(digest(renamed, [breakGlass])).not.toBe(digest(base, [breakGlass]))
  })
})
