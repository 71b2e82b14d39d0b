// Reads of the whole directory for plans (snapshot), of one person's records for the check API (directoryOfUser),
// and of every userName for warming a cache (userNameKeys).
import { describe, expect, it } from 'vitest'
import { activeMemberships, type Store } from '../../../src/store/store.js'
import type { Contract } from './harness.js'
import { byString, entra, okta } from './fixtures.js'

/** Okta: bob (inactive), Ann (externalId) and the groups zeta and Alpha; Entra: ann and its group ops. */
async function people(store: Store) {
  const bob = await store.createUser('okta', { userName: 'bob', active: false }, okta)
  const ann = await store.createUser('okta', { userName: 'Ann', externalId: 'A-1' }, okta)
  const entraAnn = await store.createUser('entra', { userName: 'ann' }, entra)
  const zeta = await store.createGroup('okta', { displayName: 'zeta', externalId: 'Z' }, [ann.id, bob.id], okta)
  const alpha = await store.createGroup('okta', { displayName: 'Alpha' }, [ann.id], okta)
  const ops = await store.createGroup('entra', { displayName: 'ops' }, [entraAnn.id], entra)
  return { bob, ann, entraAnn, zeta, alpha, ops }
}

const byPair = (a: { groupId: string; userId: string }, b: { groupId: string; userId: string }) => byString(a.groupId, b.groupId) || byString(a.userId, b.userId)

export function directoryReads({ fresh }: Contract): void {
  describe('snapshot, directoryOfUser and userNameKeys', () => {
    it('snapshots users and groups by connection then name (ignoring case), memberships by group id then user id', async () => {
      const { store } = await fresh()
      const { bob, ann, entraAnn, zeta, alpha, ops } = await people(store)
      const snapshot = await store.snapshot()
      const memberships = [
        { groupId: zeta.id, userId: ann.id },
        { groupId: zeta.id, userId: bob.id },
        { groupId: alpha.id, userId: ann.id },
        { groupId: ops.id, userId: entraAnn.id },
      ].sort(byPair)
      expect({ revision: snapshot.revision, users: snapshot.users, groups: snapshot.groups, memberships: snapshot.memberships }).toEqual({
        revision: 6,
        users: [
          { id: entraAnn.id, connection: 'entra', userName: 'ann', active: true },
          { id: ann.id, connection: 'okta', userName: 'Ann', externalId: 'A-1', active: true },
          { id: bob.id, connection: 'okta', userName: 'bob', active: false },
        ],
        groups: [
          { id: ops.id, connection: 'entra', displayName: 'ops' },
          { id: alpha.id, connection: 'okta', displayName: 'Alpha' },
          { id: zeta.id, connection: 'okta', displayName: 'zeta', externalId: 'Z' },
        ],
        memberships,
      })
      // Deactivated users keep their memberships in the snapshot, and hold no access.
      expect(activeMemberships(snapshot)).toEqual(memberships.filter((membership) => membership.userId !== bob.id))
    })

    it('reads one person\'s records in every connection by userName, ignoring case, with their groups', async () => {
      const { store } = await fresh()
      const { ann, entraAnn, zeta, alpha, ops } = await people(store)
      const read = await store.directoryOfUser('ANN')
      expect(read.revision).toBe(6)
      expect([...read.users].sort((a, b) => byString(a.id, b.id))).toEqual(
        [
          { id: entraAnn.id, connection: 'entra', userName: 'ann', active: true },
          { id: ann.id, connection: 'okta', userName: 'Ann', externalId: 'A-1', active: true },
        ].sort((a, b) => byString(a.id, b.id)),
      )
      expect([...read.groups].sort((a, b) => byString(a.id, b.id))).toEqual(
        [
          { id: zeta.id, connection: 'okta', displayName: 'zeta', externalId: 'Z' },
          { id: alpha.id, connection: 'okta', displayName: 'Alpha' },
          { id: ops.id, connection: 'entra', displayName: 'ops' },
        ].sort((a, b) => byString(a.id, b.id)),
      )
      expect([...read.memberships].sort(byPair)).toEqual(
        [
          { groupId: zeta.id, userId: ann.id },
          { groupId: alpha.id, userId: ann.id },
          { groupId: ops.id, userId: entraAnn.id },
        ].sort(byPair),
      )
      expect(await store.directoryOfUser('nobody')).toEqual({ revision: 6, users: [], groups: [], memberships: [] })
    })

    it('reads a person\'s groups as they are after a rename, a removal and a deletion', async () => {
      const { store } = await fresh()
      const { ann, zeta, alpha } = await people(store)
      expect((await store.directoryOfUser('ann')).groups.map((group) => group.displayName).sort(byString)).toEqual(['Alpha', 'ops', 'zeta'])
      await store.modifyGroup('okta', zeta.id, (current) => ({ doc: { ...current.doc, displayName: 'zeta-2' }, memberOps: [] }), okta)
      await store.modifyGroup('okta', alpha.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [ann.id] }] }), okta)
      const after = await store.directoryOfUser('ann')
      expect(after.revision).toBe(8)
      expect(after.groups.map((group) => group.displayName).sort(byString)).toEqual(['ops', 'zeta-2'])
      await store.deleteGroup('okta', zeta.id, okta)
      expect((await store.directoryOfUser('ann')).groups.map((group) => group.displayName)).toEqual(['ops'])
    })

    it('lists every userName once, in lower case, sorted', async () => {
      const { store } = await fresh()
      expect(await store.userNameKeys()).toEqual([])
      await people(store)
      await store.createUser('entra', { userName: 'Zoë@Acme.example' }, entra)
      expect(await store.userNameKeys()).toEqual(['ann', 'bob', 'zoë@acme.example'])
    })
  })
}
