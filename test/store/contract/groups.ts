// Groups and memberships: members by id within a connection, read both ways, changed by operations in order.
import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../src/errors.js'
import type { GroupChange, MemberRef, Store, StoredGroup } from '../../../src/store/store.js'
import type { Contract } from './harness.js'
import { auditOf, digestOf, entra, okta, rejectionOf } from './fixtures.js'

/** Okta's ann (displayName "Ann A."), bob and cy, created in that order, and Entra's dee. */
async function people(store: Store) {
  const ann = await store.createUser('okta', { userName: 'ann', displayName: 'Ann A.' }, okta)
  const bob = await store.createUser('okta', { userName: 'bob' }, okta)
  const cy = await store.createUser('okta', { userName: 'cy' }, okta)
  const dee = await store.createUser('entra', { userName: 'dee' }, entra)
  return { ann, bob, cy, dee }
}

const addOnly =
  (ids: string[]) =>
  (current: StoredGroup): GroupChange => ({ doc: current.doc, memberOps: [{ op: 'add', ids }] })

export function groups({ fresh }: Contract): void {
  describe('groups and memberships', () => {
    it('creates a group with its members, listed in the order the users were created, each with their display name', async () => {
      const { store, clock } = await fresh()
      const { ann, bob, cy } = await people(store)
      const doc = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Admins', externalId: 'g-1' }
      const group = await store.createGroup('okta', doc, [cy.id, ann.id], okta)
      const members: MemberRef[] = [
        { value: ann.id, display: 'Ann A.' },
        { value: cy.id, display: 'cy' },
      ]
      expect(group).toEqual({ id: group.id, connection: 'okta', doc, created: clock.iso(), lastModified: clock.iso(), version: 1, members })
      expect(await store.getGroup('okta', group.id, true)).toEqual(group)
      const { members: _members, ...withoutMembers } = group
      expect(await store.getGroup('okta', group.id, false)).toEqual(withoutMembers)
      expect((await store.getUser('okta', bob.id, true))?.groups).toEqual([])
      expect(await store.revision()).toBe(5)
      expect((await auditOf(store)).at(-1)).toMatchObject({
        action: 'group.create',
        actor: 'scim:okta',
        connection: 'okta',
        resourceType: 'Group',
        resourceId: group.id,
        beforeDigest: null,
        afterDigest: digestOf(doc),
        detail: { added: 2, removed: 0, addedIds: [cy.id, ann.id] },
      })
    })

    it('lists a user\'s groups by displayName, ignoring case, with their displayNames', async () => {
      const { store } = await fresh()
      const { ann } = await people(store)
      const zeta = await store.createGroup('okta', { displayName: 'zeta' }, [ann.id], okta)
      const alpha = await store.createGroup('okta', { displayName: 'Alpha' }, [ann.id], okta)
      const beta = await store.createGroup('okta', { displayName: 'beta' }, [ann.id], okta)
      expect((await store.getUser('okta', ann.id, true))?.groups).toEqual([
        { value: alpha.id, display: 'Alpha' },
        { value: beta.id, display: 'beta' },
        { value: zeta.id, display: 'zeta' },
      ])
      expect(await store.getUser('okta', ann.id, false)).not.toHaveProperty('groups')
    })

    it('refuses a member that is not a user of the group\'s connection, and writes nothing', async () => {
      const { store } = await fresh()
      const { ann, dee } = await people(store)
      const before = await auditOf(store)
      expect(await rejectionOf(store.createGroup('okta', { displayName: 'g' }, [ann.id, 'ghost'], okta))).toBe('unknown-member')
      expect(await rejectionOf(store.createGroup('okta', { displayName: 'g' }, [dee.id], okta))).toBe('unknown-member')
      const group = await store.createGroup('okta', { displayName: 'g' }, [], okta)
      expect(await rejectionOf(store.modifyGroup('okta', group.id, addOnly([ann.id, dee.id]), okta))).toBe('unknown-member')
      expect(await rejectionOf(store.replaceGroup('okta', group.id, { displayName: 'g' }, ['ghost'], okta))).toBe('unknown-member')
      expect(await store.getGroup('okta', group.id, true)).toEqual({ ...group, members: [] })
      expect((await auditOf(store)).slice(0, -1)).toEqual(before)
      expect(await store.revision()).toBe(5)
    })

    it('keeps displayNames unique per connection, ignoring case', async () => {
      const { store } = await fresh()
      const admins = await store.createGroup('okta', { displayName: 'admins' }, [], okta)
      expect(await rejectionOf(store.createGroup('okta', { displayName: 'ADMINS' }, [], okta))).toBe('conflict')
      expect((await store.createGroup('entra', { displayName: 'admins' }, [], entra)).version).toBe(1)
      const ops = await store.createGroup('okta', { displayName: 'ops' }, [], okta)
      expect(await rejectionOf(store.replaceGroup('okta', ops.id, { displayName: 'Admins' }, [], okta))).toBe('conflict')
      expect(await rejectionOf(store.modifyGroup('okta', ops.id, () => ({ doc: { displayName: 'admins' }, memberOps: [] }), okta))).toBe('conflict')
      expect((await store.replaceGroup('okta', admins.id, { displayName: 'Admins' }, [], okta)).doc).toEqual({ displayName: 'Admins' })
      expect((await store.getGroup('okta', ops.id, false))?.version).toBe(1)
    })

    it('replaces a group\'s document and its whole membership, and audits it', async () => {
      const { store, clock } = await fresh()
      const { ann, bob, cy } = await people(store)
      const group = await store.createGroup('okta', { displayName: 'team' }, [ann.id, bob.id], okta)
      clock.advance(2000)
      const replaced = await store.replaceGroup('okta', group.id, { displayName: 'team-2' }, [cy.id, bob.id], { ...okta, ifVersion: [1] })
      expect(replaced).toEqual({
        id: group.id,
        connection: 'okta',
        doc: { displayName: 'team-2' },
        created: group.created,
        lastModified: clock.iso(),
        version: 2,
        members: [
          { value: bob.id, display: 'bob' },
          { value: cy.id, display: 'cy' },
        ],
      })
      expect((await store.getUser('okta', ann.id, true))?.groups).toEqual([])
      expect((await auditOf(store)).at(-1)).toMatchObject({
        action: 'group.replace',
        beforeDigest: digestOf({ displayName: 'team' }),
        afterDigest: digestOf({ displayName: 'team-2' }),
        detail: { added: 2, removed: 0, cleared: true, addedIds: [cy.id, bob.id] },
      })
    })

    it('modifies a group from its current state: member operations in order, members loaded only on request', async () => {
      const { store, clock } = await fresh()
      const { ann, bob, cy } = await people(store)
      const group = await store.createGroup('okta', { displayName: 'team', externalId: 'e-1' }, [ann.id, bob.id], okta)
      clock.advance(3000)
      const seen: { version: number; members?: MemberRef[]; loaded: MemberRef[] }[] = []
      const modified = await store.modifyGroup(
        'okta',
        group.id,
        (current, loadMembers) => {
          seen.push({ version: current.version, ...(current.members === undefined ? {} : { members: current.members }), loaded: loadMembers() })
          return {
            doc: current.doc,
            memberOps: [
              { op: 'remove', ids: [ann.id, 'not-a-user'] },
              { op: 'add', ids: [cy.id, bob.id] },
              { op: 'remove', ids: [cy.id] },
              { op: 'add', ids: [cy.id] },
            ],
          }
        },
        { ...okta, ifVersion: [1] },
      )
      expect(seen).toEqual([{ version: 1, loaded: [{ value: ann.id, display: 'Ann A.' }, { value: bob.id, display: 'bob' }] }])
      expect(modified).toEqual({ id: group.id, connection: 'okta', doc: group.doc, created: group.created, lastModified: clock.iso(), version: 2 })
      expect((await store.getGroup('okta', group.id, true))?.members).toEqual([
        { value: bob.id, display: 'bob' },
        { value: cy.id, display: 'cy' },
      ])
      // A members-only change leaves the document, and so its digest, as it was.
      expect((await auditOf(store)).at(-1)).toMatchObject({
        action: 'group.modify',
        beforeDigest: digestOf(group.doc),
        afterDigest: digestOf(group.doc),
        detail: { added: 2, removed: 2, addedIds: [cy.id, cy.id], removedIds: [ann.id, cy.id] },
      })
    })

    it('renames a group through modify, and clears its members on request', async () => {
      const { store } = await fresh()
      const { ann } = await people(store)
      const group = await store.createGroup('okta', { displayName: 'old' }, [ann.id], okta)
      const renamed = await store.modifyGroup('okta', group.id, () => ({ doc: { displayName: 'new' }, memberOps: [{ op: 'clear' }] }), okta)
      expect(renamed.doc).toEqual({ displayName: 'new' })
      expect(renamed.version).toBe(2)
      expect(await store.getGroup('okta', group.id, true)).toMatchObject({ doc: { displayName: 'new' }, members: [] })
      expect((await store.getUser('okta', ann.id, true))?.groups).toEqual([])
      expect((await auditOf(store)).at(-1)).toMatchObject({ beforeDigest: digestOf({ displayName: 'old' }), afterDigest: digestOf({ displayName: 'new' }), detail: { added: 0, removed: 0, cleared: true } })
    })

    it('writes a group only at a version If-Match names, and refuses an unknown group with not-found', async () => {
      const { store } = await fresh()
      const { ann } = await people(store)
      const group = await store.createGroup('okta', { displayName: 'g' }, [], okta)
      expect(await rejectionOf(store.modifyGroup('okta', group.id, addOnly([ann.id]), { ...okta, ifVersion: [2] }))).toBe('precondition')
      expect(await rejectionOf(store.replaceGroup('okta', group.id, { displayName: 'g' }, [], { ...okta, ifVersion: [0] }))).toBe('precondition')
      expect(await rejectionOf(store.deleteGroup('okta', group.id, { ...okta, ifVersion: [3] }))).toBe('precondition')
      expect(await rejectionOf(store.modifyGroup('okta', 'nope', addOnly([ann.id]), okta))).toBe('not-found')
      expect(await rejectionOf(store.replaceGroup('okta', 'nope', { displayName: 'x' }, [], okta))).toBe('not-found')
      expect(await rejectionOf(store.deleteGroup('okta', 'nope', okta))).toBe('not-found')
      expect(await rejectionOf(store.deleteGroup('entra', group.id, entra))).toBe('not-found')
      expect(await store.getGroup('entra', group.id, false)).toBeUndefined()
      expect((await store.modifyGroup('okta', group.id, addOnly([ann.id]), { ...okta, ifVersion: [1] })).version).toBe(2)
      expect(await store.revision()).toBe(6)
    })

    it('records the ids of a membership change in its audit entry up to 1000 of them, and only the counts beyond', async () => {
      const { store } = await fresh()
      const many = await Promise.all(Array.from({ length: 1001 }, (_, i) => store.createUser('okta', { userName: `u${i}` }, okta)))
      const ids = many.map((user) => user.id)
      const big = await store.createGroup('okta', { displayName: 'big' }, ids, okta)
      expect(big.members).toHaveLength(1001)
      expect((await auditOf(store)).at(-1)?.detail).toEqual({ added: 1001, removed: 0 })
      await store.modifyGroup('okta', big.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: ids.slice(0, 1000) }] }), okta)
      expect((await auditOf(store)).at(-1)?.detail).toEqual({ added: 0, removed: 1000, removedIds: ids.slice(0, 1000) })
    })

    it('refuses a group without a displayName as a StoreError, writing nothing', async () => {
      const { store } = await fresh()
      const group = await store.createGroup('okta', { displayName: 'g' }, [], okta)
      await expect(store.createGroup('okta', { externalId: 'x' }, [], okta)).rejects.toBeInstanceOf(StoreError)
      await expect(store.replaceGroup('okta', group.id, { displayName: '' }, [], okta)).rejects.toBeInstanceOf(StoreError)
      const { members: _members, ...withoutMembers } = group
      expect(await store.getGroup('okta', group.id, false)).toEqual(withoutMembers)
      expect(await store.revision()).toBe(1)
    })

    it('deletes a group and its memberships, and audits the document it had', async () => {
      const { store } = await fresh()
      const { ann } = await people(store)
      const group = await store.createGroup('okta', { displayName: 'gone' }, [ann.id], okta)
      await store.deleteGroup('okta', group.id, { ...okta, ifVersion: [1] })
      expect(await store.getGroup('okta', group.id, true)).toBeUndefined()
      expect((await store.getUser('okta', ann.id, true))?.groups).toEqual([])
      expect((await store.snapshot()).memberships).toEqual([])
      expect((await auditOf(store)).at(-1)).toMatchObject({ action: 'group.delete', resourceId: group.id, beforeDigest: digestOf({ displayName: 'gone' }), afterDigest: null, detail: null })
      expect((await store.createGroup('okta', { displayName: 'GONE' }, [], okta)).version).toBe(1)
    })

    it('removes a deleted user from every group', async () => {
      const { store } = await fresh()
      const { ann, bob } = await people(store)
      const one = await store.createGroup('okta', { displayName: 'one' }, [ann.id, bob.id], okta)
      const two = await store.createGroup('okta', { displayName: 'two' }, [ann.id], okta)
      await store.deleteUser('okta', ann.id, okta)
      expect((await store.getGroup('okta', one.id, true))?.members).toEqual([{ value: bob.id, display: 'bob' }])
      expect((await store.getGroup('okta', two.id, true))?.members).toEqual([])
      expect((await store.snapshot()).memberships).toEqual([{ groupId: one.id, userId: bob.id }])
    })
  })
}
