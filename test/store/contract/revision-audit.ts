// The store revision and the hash-chained audit log: what moves each, the chain's links, and what verifyAudit tells.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { auditOf, digestOf, expectedEntryHash, genesisHash, okta, rejectionOf } from './fixtures.js'

export function revisionAndAudit({ fresh }: Contract): void {
  describe('revision and audit chain', () => {
    it('starts empty: revision 0, no entries, a log that verifies at the genesis head', async () => {
      const { store } = await fresh()
      expect(await store.revision()).toBe(0)
      expect(await store.snapshot()).toEqual({ revision: 0, users: [], groups: [], memberships: [] })
      expect(await auditOf(store)).toEqual([])
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: 0, head: { seq: 0, hash: genesisHash }, isHeadRecorded: true })
    })

    it('moves the revision by one for each write to users, groups, applies and break-glass grants, and for nothing else', async () => {
      const { store } = await fresh()
      await store.ensureConnection('okta')
      const { info } = await store.createToken('okta')
      const admin = await store.createAdminToken(['check'])
      expect(await store.revision()).toBe(0)
      const user = await store.createUser('okta', { userName: 'ann' }, okta)
      const group = await store.createGroup('okta', { displayName: 'g' }, [user.id], okta)
      await store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [user.id] }] }), okta)
      await store.replaceUser('okta', user.id, { userName: 'ann', title: 't' }, okta)
      expect(await store.revision()).toBe(4)
      const grant = await store.addBreakGlass({ user: 'ann', actions: ['read'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'cli' })
      expect(await store.revision()).toBe(5)
      expect(await store.revokeBreakGlass(grant.id, 'cli')).toBe(true)
      expect(await store.revokeBreakGlass(grant.id, 'cli')).toBe(false)
      expect(await store.revision()).toBe(6)
      await store.revokeToken(info.id)
      await store.revokeAdminToken(admin.info.id)
      await store.deleteGroup('okta', group.id, okta)
      await store.deleteUser('okta', user.id, okta)
      expect(await store.revision()).toBe(8)
      expect((await store.snapshot()).revision).toBe(8)
    })

    it('moves neither the revision nor the log for a refused write', async () => {
      const { store } = await fresh()
      const user = await store.createUser('okta', { userName: 'dan' }, okta)
      const before = await auditOf(store)
      expect(await rejectionOf(store.createUser('okta', { userName: 'DAN' }, okta))).toBe('conflict')
      expect(await rejectionOf(store.replaceUser('okta', 'nope', { userName: 'x' }, okta))).toBe('not-found')
      expect(await rejectionOf(store.replaceUser('okta', user.id, { userName: 'x' }, { ...okta, ifVersion: [9] }))).toBe('precondition')
      expect(await rejectionOf(store.createGroup('okta', { displayName: 'g' }, ['ghost'], okta))).toBe('unknown-member')
      expect((await store.snapshot()).groups).toEqual([])
      expect(await store.revision()).toBe(1)
      expect(await auditOf(store)).toEqual(before)
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 2 })
    })

    it('chains every entry to the one before by hash, from the genesis hash, each stamped with the clock\'s time', async () => {
      const { store, clock } = await fresh()
      const times: string[] = []
      const user = await store.createUser('okta', { userName: 'eve' }, okta)
      times.push(clock.iso(), clock.iso())
      clock.advance(1500)
      await store.modifyUser('okta', user.id, (current) => ({ ...current.doc, title: 'x' }), { actor: 'scim:entra-test' })
      times.push(clock.iso())
      clock.advance(1500)
      await store.deleteUser('okta', user.id, okta)
      times.push(clock.iso())
      const entries = await auditOf(store)
      expect(entries.map((entry) => [entry.seq, entry.action, entry.actor, entry.at])).toEqual([
        [1, 'connection.create', 'cli', times[0]],
        [2, 'user.create', 'scim:okta', times[1]],
        [3, 'user.modify', 'scim:entra-test', times[2]],
        [4, 'user.delete', 'scim:okta', times[3]],
      ])
      expect(entries[0]?.prevHash).toBe(genesisHash)
      for (const [index, entry] of entries.entries()) {
        expect(entry.hash).toBe(expectedEntryHash(entry))
        if (index > 0) expect(entry.prevHash).toBe(entries[index - 1]?.hash)
      }
      expect(entries[2]?.beforeDigest).toBe(entries[1]?.afterDigest)
      expect(entries[3]?.beforeDigest).toBe(digestOf({ userName: 'eve', title: 'x' }))
      const last = entries.at(-1)
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: 4, head: { seq: 4, hash: last?.hash }, isHeadRecorded: true })
    })

    it('verifies against a head recorded earlier while it is still in the log, and refuses a hash it never had', async () => {
      const { store } = await fresh()
      await store.createUser('okta', { userName: 'fay' }, okta)
      const verified = await store.verifyAudit()
      if (!verified.ok) throw new Error(verified.reason)
      await store.createUser('okta', { userName: 'gus' }, okta)
      expect(await store.verifyAudit({ head: verified.head.hash })).toMatchObject({ ok: true, entries: 3, head: { seq: 3 }, externalHeadSeq: 2 })
      expect(await store.verifyAudit({ head: 'f'.repeat(64) })).toMatchObject({ ok: false, entries: 3 })
    })

    it('finds an entry changed behind the store\'s back', async () => {
      const { store, tamper } = await fresh()
      for (const userName of ['ann', 'bob', 'cy']) await store.createUser('okta', { userName }, okta)
      await tamper.rewriteActor(3, 'mallory')
      expect(await store.verifyAudit()).toMatchObject({ ok: false, brokenAt: 3 })
    })

    it('finds entries cut off the end of the log', async () => {
      const { store, tamper } = await fresh()
      for (const userName of ['ann', 'bob', 'cy']) await store.createUser('okta', { userName }, okta)
      await tamper.truncateFrom(3)
      expect(await store.verifyAudit()).toMatchObject({ ok: false, entries: 2, brokenAt: 3 })
    })

    it('hands the same log and head to a store object opened later', async () => {
      const { store, another } = await fresh()
      await store.createUser('okta', { userName: 'hal' }, okta)
      const entries = await auditOf(store)
      const verified = await store.verifyAudit()
      await store.close()
      const later = await another()
      expect(await auditOf(later)).toEqual(entries)
      expect(await later.verifyAudit()).toEqual(verified)
      await later.createUser('okta', { userName: 'ivy' }, okta)
      expect((await auditOf(later))[2]?.prevHash).toBe(entries[1]?.hash)
    })
  })
}
