// Users: created, read, replaced, modified and deleted per connection; versions, If-Match, uniqueness, audit.
import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../src/errors.js'
import type { Contract } from './harness.js'
import { auditOf, digestOf, entra, okta, rejectionOf, userQuery } from './fixtures.js'

const ada = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  userName: 'Ada@Example.com',
  externalId: 'okta-00u1',
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
  active: true,
  title: 'Analyst — ünïcode "quoted" \\ back',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D', manager: { value: 'm-1' } },
}

export function users({ fresh }: Contract): void {
  describe('users', () => {
    it('creates a user at version 1 with the clock\'s time, keeps its document as given, and audits it', async () => {
      const { store, clock } = await fresh()
      const created = await store.createUser('okta', ada, okta)
      expect(created).toEqual({ id: created.id, connection: 'okta', doc: ada, created: clock.iso(), lastModified: clock.iso(), version: 1 })
      expect(created.id).not.toBe('')
      expect(await store.getUser('okta', created.id, false)).toEqual(created)
      expect(await store.getUser('okta', created.id, true)).toEqual({ ...created, groups: [] })
      expect(await store.listConnections()).toEqual(['okta'])
      expect(await store.revision()).toBe(1)
      const last = (await auditOf(store)).at(-1)
      expect(last).toMatchObject({ action: 'user.create', actor: 'scim:okta', connection: 'okta', resourceType: 'User', resourceId: created.id, beforeDigest: null, afterDigest: digestOf(ada), detail: null, at: clock.iso() })
    })

    it('keeps every JSON value of a document as given: nulls, empty arrays and objects, numbers, nesting', async () => {
      const { store, another } = await fresh()
      const doc = { userName: 'odd', nickName: null, emails: [], name: {}, x509Certificates: [{ value: 'AAEC' }], 'urn:acme:ext:1.0:User': { level: 1.5, big: 9007199254740991, negative: -3, flags: [true, false, null], deep: { a: { b: { c: ['d'] } } } } }
      const created = await store.createUser('okta', doc, okta)
      expect(created.doc).toEqual(doc)
      expect((await store.getUser('okta', created.id, false))?.doc).toEqual(doc)
      expect((await (await another()).getUser('okta', created.id, false))?.doc).toEqual(doc)
    })

    it('reads a user only through its own connection, and nothing for an unknown id', async () => {
      const { store } = await fresh()
      const created = await store.createUser('okta', { userName: 'ann' }, okta)
      expect(await store.getUser('entra', created.id, false)).toBeUndefined()
      expect(await store.getUser('okta', 'no-such-id', false)).toBeUndefined()
      expect(await rejectionOf(store.replaceUser('entra', created.id, { userName: 'ann' }, entra))).toBe('not-found')
      expect(await rejectionOf(store.deleteUser('entra', created.id, entra))).toBe('not-found')
    })

    it('gives distinct ids, and lets two connections have the same userName', async () => {
      const { store } = await fresh()
      const one = await store.createUser('okta', { userName: 'ann' }, okta)
      const two = await store.createUser('entra', { userName: 'ann' }, entra)
      const three = await store.createUser('okta', { userName: 'bob' }, okta)
      expect(new Set([one.id, two.id, three.id]).size).toBe(3)
    })

    it('refuses a second user whose userName differs only in case, in the same connection, and writes nothing', async () => {
      const { store } = await fresh()
      await store.createUser('okta', { userName: 'dan@example.com' }, okta)
      const before = await auditOf(store)
      expect(await rejectionOf(store.createUser('okta', { userName: 'DAN@Example.COM' }, okta))).toBe('conflict')
      expect(await store.revision()).toBe(1)
      expect(await auditOf(store)).toEqual(before)
      expect((await store.listUsers('okta', userQuery(), false)).total).toBe(1)
    })

    it('replaces a user\'s document, bumps its version and lastModified, keeps created, and audits both digests', async () => {
      const { store, clock } = await fresh()
      const created = await store.createUser('okta', ada, okta)
      clock.advance(5000)
      const next = { userName: 'ada@example.com', active: false }
      const replaced = await store.replaceUser('okta', created.id, next, { ...okta, ifVersion: [1] })
      expect(replaced).toEqual({ id: created.id, connection: 'okta', doc: next, created: created.created, lastModified: clock.iso(), version: 2 })
      expect(await store.getUser('okta', created.id, false)).toEqual(replaced)
      expect((await auditOf(store)).at(-1)).toMatchObject({ action: 'user.replace', resourceId: created.id, beforeDigest: digestOf(ada), afterDigest: digestOf(next) })
      expect(await store.revision()).toBe(2)
    })

    it('modifies a user from its current state, read inside the write', async () => {
      const { store, clock } = await fresh()
      const created = await store.createUser('okta', { userName: 'eve', title: 'a' }, okta)
      clock.advance(1000)
      const seen: number[] = []
      const modified = await store.modifyUser(
        'okta',
        created.id,
        (current) => {
          seen.push(current.version)
          return { ...current.doc, title: `${String(current.doc['title'])}b` }
        },
        okta,
      )
      expect(seen).toEqual([1])
      expect(modified).toEqual({ ...created, doc: { userName: 'eve', title: 'ab' }, lastModified: clock.iso(), version: 2 })
      expect(await store.getUser('okta', created.id, false)).toEqual(modified)
      expect((await auditOf(store)).at(-1)).toMatchObject({ action: 'user.modify', beforeDigest: digestOf({ userName: 'eve', title: 'a' }), afterDigest: digestOf(modified.doc) })
    })

    it('writes only when the version is one that If-Match names', async () => {
      const { store } = await fresh()
      const created = await store.createUser('okta', { userName: 'fay' }, okta)
      expect(await rejectionOf(store.replaceUser('okta', created.id, { userName: 'fay', title: 'x' }, { ...okta, ifVersion: [2] }))).toBe('precondition')
      expect(await rejectionOf(store.modifyUser('okta', created.id, (current) => current.doc, { ...okta, ifVersion: [] }))).toBe('precondition')
      expect(await rejectionOf(store.deleteUser('okta', created.id, { ...okta, ifVersion: [7] }))).toBe('precondition')
      expect((await store.replaceUser('okta', created.id, { userName: 'fay', title: 'y' }, { ...okta, ifVersion: [3, 1] })).version).toBe(2)
      expect((await store.getUser('okta', created.id, false))?.doc).toEqual({ userName: 'fay', title: 'y' })
      expect(await store.revision()).toBe(2)
    })

    it('refuses a rename onto another user\'s userName, and allows one that only changes the case', async () => {
      const { store } = await fresh()
      await store.createUser('okta', { userName: 'gus' }, okta)
      const hal = await store.createUser('okta', { userName: 'hal' }, okta)
      expect(await rejectionOf(store.replaceUser('okta', hal.id, { userName: 'GUS' }, okta))).toBe('conflict')
      expect(await rejectionOf(store.modifyUser('okta', hal.id, () => ({ userName: 'Gus' }), okta))).toBe('conflict')
      expect((await store.getUser('okta', hal.id, false))?.version).toBe(1)
      expect((await store.replaceUser('okta', hal.id, { userName: 'HAL' }, okta)).doc).toEqual({ userName: 'HAL' })
      expect(await store.revision()).toBe(3)
    })

    it('refuses writes to an unknown user with not-found, without calling the change', async () => {
      const { store } = await fresh()
      await store.ensureConnection('okta')
      let isCalled = false
      const change = () => {
        isCalled = true
        return { userName: 'x' }
      }
      expect(await rejectionOf(store.replaceUser('okta', 'nope', { userName: 'x' }, okta))).toBe('not-found')
      expect(await rejectionOf(store.modifyUser('okta', 'nope', change, okta))).toBe('not-found')
      expect(await rejectionOf(store.deleteUser('okta', 'nope', okta))).toBe('not-found')
      expect(isCalled).toBe(false)
      expect(await store.revision()).toBe(0)
    })

    it('writes nothing when the change throws, and passes its error on', async () => {
      const { store } = await fresh()
      const created = await store.createUser('okta', { userName: 'ivy' }, okta)
      const before = await auditOf(store)
      const failure = new Error('the patch does not apply')
      await expect(
        store.modifyUser(
          'okta',
          created.id,
          () => {
            throw failure
          },
          okta,
        ),
      ).rejects.toBe(failure)
      expect(await store.getUser('okta', created.id, false)).toEqual(created)
      expect(await auditOf(store)).toEqual(before)
      expect(await store.revision()).toBe(1)
    })

    it('refuses a user without a userName as a StoreError, writing nothing', async () => {
      const { store } = await fresh()
      const created = await store.createUser('okta', { userName: 'jo' }, okta)
      await expect(store.createUser('okta', { displayName: 'nobody' }, okta)).rejects.toBeInstanceOf(StoreError)
      await expect(store.replaceUser('okta', created.id, { userName: '' }, okta)).rejects.toBeInstanceOf(StoreError)
      expect(await store.getUser('okta', created.id, false)).toEqual(created)
      expect(await store.revision()).toBe(1)
    })

    it('deletes a user, and then knows nothing of it', async () => {
      const { store } = await fresh()
      const created = await store.createUser('okta', { userName: 'kim' }, okta)
      await store.deleteUser('okta', created.id, { ...okta, ifVersion: [1] })
      expect(await store.getUser('okta', created.id, false)).toBeUndefined()
      expect((await store.listUsers('okta', userQuery({ filter: 'userName eq "kim"' }), false)).total).toBe(0)
      expect(await rejectionOf(store.deleteUser('okta', created.id, okta))).toBe('not-found')
      expect((await auditOf(store)).at(-1)).toMatchObject({ action: 'user.delete', resourceId: created.id, beforeDigest: digestOf({ userName: 'kim' }), afterDigest: null })
      // The userName is free again.
      expect((await store.createUser('okta', { userName: 'KIM' }, okta)).version).toBe(1)
      expect(await store.revision()).toBe(3)
    })

    it('never answers a read with a user as it was before a committed write to it', async () => {
      const { store } = await fresh()
      const user = await store.createUser('okta', { userName: 'Cache@example.com', title: 'a' }, okta)
      const byName = async (name: string) => (await store.listUsers('okta', userQuery({ filter: `userName eq "${name}"` }), false)).items.map((item) => item.id)
      expect((await store.getUser('okta', user.id, false))?.doc['title']).toBe('a')
      expect(await byName('cache@example.com')).toEqual([user.id])
      await store.modifyUser('okta', user.id, (current) => ({ ...current.doc, userName: 'renamed@example.com', title: 'b' }), okta)
      expect((await store.getUser('okta', user.id, false))?.doc['title']).toBe('b')
      expect(await byName('cache@example.com')).toEqual([])
      expect(await byName('RENAMED@example.com')).toEqual([user.id])
      await store.deleteUser('okta', user.id, okta)
      expect(await store.getUser('okta', user.id, false)).toBeUndefined()
      expect(await byName('renamed@example.com')).toEqual([])
    })

    it('keeps what it committed for the next store object opened after it closed', async () => {
      const { store, another } = await fresh()
      const created = await store.createUser('okta', ada, okta)
      const { token } = await store.createToken('okta')
      await store.close()
      const later = await another()
      expect(await later.getUser('okta', created.id, false)).toEqual(created)
      expect(await later.authenticate(token)).toBe('okta')
      expect(await later.revision()).toBe(1)
      expect(await later.verifyAudit()).toMatchObject({ ok: true, entries: 3 })
    })
  })
}
