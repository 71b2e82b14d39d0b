// Break-glass grants: recorded outside git with who and why, listed in order, revoked once, audited.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { auditOf } from './fixtures.js'

const grant = { user: 'Ann@acme.example', actions: ['read', 'write'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'oncall@acme.example' }

export function breakGlass({ fresh }: Contract): void {
  describe('break-glass grants', () => {
    it('records a grant with an id and the clock\'s time, lists grants by creation, and audits it', async () => {
      const { store, clock } = await fresh()
      const first = await store.addBreakGlass(grant)
      expect(first).toEqual({ ...grant, id: first.id, createdAt: clock.iso() })
      expect(first.id).toMatch(/^bg_/)
      clock.advance(1000)
      const second = await store.addBreakGlass({ ...grant, env: ['prod'], user: 'bob@acme.example' })
      expect(second).toEqual({ ...grant, env: ['prod'], user: 'bob@acme.example', id: second.id, createdAt: clock.iso() })
      expect(await store.listBreakGlass()).toEqual([first, second])
      expect((await auditOf(store)).map((entry) => [entry.action, entry.actor, entry.connection, entry.resourceType, entry.resourceId, entry.detail])).toEqual([
        ['break-glass.create', 'oncall@acme.example', null, 'BreakGlass', first.id, { user: grant.user, actions: grant.actions, resource: grant.resource, env: null, reason: grant.reason, expires: grant.expires }],
        ['break-glass.create', 'oncall@acme.example', null, 'BreakGlass', second.id, { user: 'bob@acme.example', actions: grant.actions, resource: grant.resource, env: ['prod'], reason: grant.reason, expires: grant.expires }],
      ])
    })

    it('revokes a grant once, keeps it listed with the time, and audits who revoked it', async () => {
      const { store, clock } = await fresh()
      const added = await store.addBreakGlass(grant)
      clock.advance(60_000)
      expect(await store.revokeBreakGlass(added.id, 'sec@acme.example')).toBe(true)
      expect(await store.revokeBreakGlass(added.id, 'sec@acme.example')).toBe(false)
      expect(await store.revokeBreakGlass('bg_unknown', 'sec@acme.example')).toBe(false)
      expect(await store.listBreakGlass()).toEqual([{ ...added, revokedAt: clock.iso() }])
      expect((await auditOf(store)).map((entry) => [entry.action, entry.actor, entry.resourceId])).toEqual([
        ['break-glass.create', grant.createdBy, added.id],
        ['break-glass.revoke', 'sec@acme.example', added.id],
      ])
      expect(await store.revision()).toBe(2)
    })
  })
}
