// The access-change feed of one store object: after each committed write that may change access, whose records it
// touched and the revisions it went from and to; nothing for refused writes, nothing once unsubscribed.
import { describe, expect, it } from 'vitest'
import type { AccessChange, Store } from '../../../src/store/store.js'
import type { Contract } from './harness.js'
import { byString, okta, rejectionOf } from './fixtures.js'

/** What `store` tells from now on, with ids and names sorted (their order is not part of the contract). */
export function listen(store: Store): { changes: AccessChange[]; stop: () => void } {
  const changes: AccessChange[] = []
  const stop = store.onAccessChange((change) => changes.push({ ...change, userIds: [...change.userIds].sort(byString), userNames: [...change.userNames].sort(byString) }))
  return { changes, stop }
}

const change = (from: number, userIds: string[], userNames: string[] = [], all = false): AccessChange => ({ from, revision: from + 1, all, userIds: [...userIds].sort(byString), userNames: [...userNames].sort(byString) })

export function accessChanges({ fresh }: Contract): void {
  describe('access-change feed', () => {
    it('tells each user write with the user\'s id and userNames (lower case), before and after a rename', async () => {
      const { store } = await fresh()
      const { changes } = listen(store)
      const ann = await store.createUser('okta', { userName: 'Ann@Acme.example' }, okta)
      await store.replaceUser('okta', ann.id, { userName: 'ann.b@acme.example' }, okta)
      await store.modifyUser('okta', ann.id, (current) => ({ ...current.doc, active: false }), okta)
      await store.deleteUser('okta', ann.id, okta)
      expect(changes).toEqual([
        change(0, [ann.id], ['ann@acme.example']),
        change(1, [ann.id], ['ann@acme.example', 'ann.b@acme.example']),
        change(2, [ann.id], ['ann.b@acme.example']),
        change(3, [ann.id], ['ann.b@acme.example']),
      ])
    })

    it('tells a membership change with the members it added or removed, and a change to the group itself as everyone\'s', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const bob = await store.createUser('okta', { userName: 'bob' }, okta)
      const { changes } = listen(store)
      const group = await store.createGroup('okta', { displayName: 'g' }, [ann.id], okta)
      await store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [bob.id] }, { op: 'remove', ids: [ann.id] }] }), okta)
      await store.modifyGroup('okta', group.id, () => ({ doc: { displayName: 'renamed' }, memberOps: [] }), okta)
      await store.replaceGroup('okta', group.id, { displayName: 'renamed' }, [ann.id], okta)
      await store.deleteGroup('okta', group.id, okta)
      expect(changes).toEqual([change(2, [ann.id]), change(3, [ann.id, bob.id]), change(4, [], [], true), change(5, [], [], true), change(6, [], [], true)])
    })

    it('tells an apply as everyone\'s, a break-glass grant as its user\'s, and its revocation as everyone\'s', async () => {
      const { store } = await fresh()
      const { changes } = listen(store)
      await store.recordApply(
        { commit: null, author: null, approvedBy: [], planDigest: 'p', desiredDigest: 'd', directoryDigest: 'e', summary: {}, documents: [], directory: { users: [], groups: [], memberships: [] }, actor: 'cli' },
        () => undefined,
      )
      const grant = await store.addBreakGlass({ user: 'Ann@acme.example', actions: ['read'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'cli' })
      await store.revokeBreakGlass(grant.id, 'cli')
      expect(changes).toEqual([change(0, [], [], true), change(1, [], ['ann@acme.example']), change(2, [], [], true)])
    })

    it('tells nothing of refused writes, nor of token writes, nor anything once stopped', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const { changes, stop } = listen(store)
      expect(await rejectionOf(store.createUser('okta', { userName: 'ANN' }, okta))).toBe('conflict')
      expect(await rejectionOf(store.replaceUser('okta', ann.id, { userName: 'x' }, { ...okta, ifVersion: [5] }))).toBe('precondition')
      const { info } = await store.createToken('entra')
      await store.revokeToken(info.id)
      await store.createAdminToken(['check'])
      expect(changes).toEqual([])
      stop()
      await store.deleteUser('okta', ann.id, okta)
      expect(changes).toEqual([])
    })

    it('tells concurrent writes in changes whose revisions follow on from one another, naming every user written', async () => {
      const { store } = await fresh()
      await store.ensureConnection('okta')
      const { changes } = listen(store)
      const created = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((userName) => store.createUser('okta', { userName }, okta)))
      expect(changes.length).toBeGreaterThan(0)
      expect(changes.map((told) => [told.from, told.revision])).toEqual(changes.map((told, i) => [changes[i - 1]?.revision ?? 0, told.revision]))
      expect(changes.at(-1)?.revision).toBe(5)
      expect(changes.flatMap((told) => told.userIds).sort(byString)).toEqual(created.map((user) => user.id).sort(byString))
    })
  })
}
