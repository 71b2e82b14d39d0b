// The IdP change guard in the store: holds decided in the SCIM write's transaction, made moot by removals,
// rejected, released by an apply; what an IdP change gives below the policy's tiers takes effect at once.
import { describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../../src/load/load-access.js'
import { stateDocuments } from '../../../src/model/documents.js'
import type { Policy } from '../../../src/schema/types.js'
import type { Store, StoredGroup, StoredUser } from '../../../src/store/store.js'
import { repoRoot } from '../../helpers/cli.js'
import { fixtureNow } from '../../helpers/fixtures.js'
import { applyRecord } from './applied.js'
import type { Contract } from './harness.js'
import { auditOf, okta } from './fixtures.js'

type IdpChanges = NonNullable<Policy['idpChanges']>

/** The example organization's documents, with its policy's idpChanges replaced when given. */
async function exampleDocuments(idpChanges?: IdpChanges) {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
  return stateDocuments(loaded.state).map((document) => (document.doc.kind === 'Policy' && idpChanges !== undefined ? { ...document, doc: { ...document.doc, idpChanges } } : document))
}

async function applyExample(store: Store, n = 1, options: { idpChanges?: IdpChanges; releaseHolds?: string[] } = {}) {
  const record = { ...applyRecord(n), documents: await exampleDocuments(options.idpChanges), ...(options.releaseHolds === undefined ? {} : { releaseHolds: options.releaseHolds }) }
  return store.recordApply(record, () => undefined)
}

function addMembers(store: Store, group: StoredGroup, ids: string[]) {
  return store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids }] }), okta)
}

function removeMembers(store: Store, group: StoredGroup, ids: string[]) {
  return store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids }] }), okta)
}

function setActive(store: Store, user: StoredUser, active: boolean) {
  return store.modifyUser('okta', user.id, (current) => ({ ...current.doc, active }), okta)
}

export function holds({ fresh }: Contract): void {
  describe('holds (IdP change guard)', () => {
    it('holds a member added to a group that maps to critical access, in the transaction of the write the IdP is told succeeded', async () => {
      const { store } = await fresh()
      const sam = await store.createUser('okta', { userName: 'sam.support@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(store)
      await addMembers(store, admins, [sam.id])
      // The write is stored as the IdP sent it.
      expect((await store.getGroup('okta', admins.id, true))?.members?.map((member) => member.value)).toEqual([sam.id])
      const [hold, ...others] = await store.holdsOfRecords([sam.id])
      expect(others).toEqual([])
      expect(hold).toMatchObject({ id: 'h1', connection: 'okta', userId: sam.id, userName: 'sam.support@acme.example', groupId: admins.id, groupName: 'security-admins', trigger: 'membership', risk: 'critical', status: 'open' })
      expect(hold?.access.map((item) => item.key)).toContain('permission sso:manage')
      const audit = await auditOf(store)
      const write = audit.find((entry) => entry.action === 'group.modify')
      const made = audit.find((entry) => entry.action === 'hold.create')
      expect(hold?.auditSeq).toBe(write?.seq)
      expect(made).toMatchObject({
        seq: (write?.seq ?? 0) + 1,
        actor: 'guard',
        resourceType: 'Hold',
        resourceId: 'h1',
        detail: { hold: 'h1', user: 'sam.support@acme.example', group: 'security-admins', trigger: 'membership', risk: 'critical', write: write?.seq },
      })
      expect(await store.listHolds({ status: ['open'] })).toEqual([hold])
    })

    it('is copied with the store: a copy holds the same holds, and the next hold it makes is the next in number', async () => {
      const source = await fresh()
      const sam = await source.store.createUser('okta', { userName: 'sam.support@acme.example' }, okta)
      const dee = await source.store.createUser('okta', { userName: 'dee@acme.example' }, okta)
      const admins = await source.store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(source.store)
      await addMembers(source.store, admins, [sam.id])
      const held = await source.store.listHolds()
      expect(held.map((hold) => hold.id)).toEqual(['h1'])
      const target = await fresh()
      await target.store.load(source.store.dump())
      expect(await target.store.listHolds()).toEqual(held)
      expect(await target.store.holdsOfRecords([sam.id])).toEqual(await source.store.holdsOfRecords([sam.id]))
      // The guard's baseline (each user as of the last apply) came too: dee, added now, is held on the copy as well.
      await addMembers(target.store, admins, [dee.id])
      expect((await target.store.listHolds()).map((hold) => [hold.id, hold.userName])).toEqual([
        ['h1', 'sam.support@acme.example'],
        ['h2', 'dee@acme.example'],
      ])
    })

    it('lets low and medium access through at once, and holds nothing before the first apply', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [ann.id], okta)
      const support = await store.createGroup('okta', { displayName: 'support-tier-2' }, [], okta)
      expect(await store.listHolds()).toEqual([])
      await applyExample(store)
      const bo = await store.createUser('okta', { userName: 'bo@acme.example' }, okta)
      await addMembers(store, support, [bo.id])
      expect(await store.listHolds()).toEqual([])
      expect((await store.getGroup('okta', admins.id, true))?.members).toHaveLength(1)
    })

    it('holds only what is new: a member who already holds the access through another group is not held', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [ann.id], okta)
      await applyExample(store)
      // ann already holds Security Admin: re-adding is nothing new; a PUT that keeps her is no add either.
      await store.replaceGroup('okta', admins.id, { displayName: 'security-admins' }, [ann.id], okta)
      expect(await store.listHolds()).toEqual([])
    })

    it('makes a hold moot when the IdP removes the member, and holds a later re-add again', async () => {
      const { store } = await fresh()
      const sam = await store.createUser('okta', { userName: 'sam@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(store)
      await addMembers(store, admins, [sam.id])
      await removeMembers(store, admins, [sam.id])
      expect(await store.holdsOfRecords([sam.id])).toEqual([])
      expect(await store.listHolds()).toMatchObject([{ id: 'h1', status: 'moot', closedBy: 'idp', closedReason: 'the member was removed at the IdP' }])
      expect((await auditOf(store)).filter((entry) => entry.action === 'hold.moot')).toMatchObject([{ resourceId: 'h1' }])
      await addMembers(store, admins, [sam.id])
      expect(await store.holdsOfRecords([sam.id])).toMatchObject([{ id: 'h2', status: 'open' }])
      await store.deleteUser('okta', sam.id, okta)
      expect(await store.listHolds({ status: ['moot'] })).toHaveLength(2)
    })

    it('holds a reactivation only of someone who was not active at the last apply', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann@acme.example' }, okta)
      const cy = await store.createUser('okta', { userName: 'cy@acme.example', active: false }, okta)
      await store.createGroup('okta', { displayName: 'security-admins' }, [ann.id, cy.id], okta)
      await applyExample(store)
      // ann was an applied, reviewed Security Admin: a suspension and its end change nothing reviewed.
      await setActive(store, ann, false)
      await setActive(store, ann, true)
      expect(await store.listHolds()).toEqual([])
      // cy was deactivated when the access was reviewed: turning cy on gives unreviewed critical access.
      await setActive(store, cy, true)
      expect(await store.holdsOfRecords([cy.id])).toMatchObject([{ trigger: 'reactivation', risk: 'critical', userName: 'cy@acme.example' }])
    })

    it('holds a member added while deactivated, so that the reactivation does not bring it', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(store)
      await setActive(store, ann, false)
      await addMembers(store, admins, [ann.id])
      await setActive(store, ann, true)
      expect(await store.holdsOfRecords([ann.id])).toMatchObject([{ trigger: 'membership', groupId: admins.id }])
    })

    it('holds what a group rename makes a mapping match, for every member', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann@acme.example' }, okta)
      const bo = await store.createUser('okta', { userName: 'bo@acme.example' }, okta)
      const group = await store.createGroup('okta', { displayName: 'sec-admins-staging' }, [ann.id, bo.id], okta)
      await applyExample(store)
      await store.modifyGroup('okta', group.id, () => ({ doc: { displayName: 'security-admins' }, memberOps: [] }), okta)
      const held = await store.listHolds({ status: ['open'] })
      expect(held.map((hold) => [hold.userName, hold.trigger, hold.groupName])).toEqual([
        ['ann@acme.example', 'group-rename', 'security-admins'],
        ['bo@acme.example', 'group-rename', 'security-admins'],
      ])
    })

    it('holds what a user rename makes a grant match (the record itself is held)', async () => {
      const { store } = await fresh()
      const old = await store.createUser('okta', { userName: 'dana.temp@acme.example' }, okta)
      await applyExample(store)
      await store.modifyUser('okta', old.id, (current) => ({ ...current.doc, userName: 'dana@acme.example' }), okta)
      const [hold] = await store.holdsOfRecords([old.id])
      expect(hold).toMatchObject({ trigger: 'user-rename', userName: 'dana@acme.example', risk: 'high' })
      expect(hold?.groupId).toBeUndefined()
    })

    it('holds every gain of a mass change once more people than the limit gain through one connection in the window', async () => {
      const { store, clock } = await fresh()
      const people = await Promise.all(['a', 'b', 'c', 'd'].map((name) => store.createUser('okta', { userName: `${name}@acme.example` }, okta)))
      const support = await store.createGroup('okta', { displayName: 'support-tier-2' }, [], okta)
      await applyExample(store, 1, { idpChanges: { holdRisk: 'critical', massChange: { maxPeople: 2, windowMinutes: 60, risk: 'low' } } })
      await addMembers(store, support, [people[0]?.id ?? ''])
      await addMembers(store, support, [people[1]?.id ?? ''])
      expect(await store.listHolds()).toEqual([])
      clock.advance(60_000)
      await addMembers(store, support, [people[2]?.id ?? ''])
      // The third person trips the limit: the window's earlier gains are held too.
      expect((await store.listHolds({ status: ['open'] })).map((hold) => [hold.userName, hold.trigger]).sort()).toEqual([
        ['a@acme.example', 'mass-change'],
        ['b@acme.example', 'mass-change'],
        ['c@acme.example', 'mass-change'],
      ])
      // Outside the window, gains are counted afresh.
      clock.advance(3_600_000)
      await addMembers(store, support, [people[3]?.id ?? ''])
      expect(await store.holdsOfRecords([people[3]?.id ?? ''])).toEqual([])
    })

    it('rejects an open hold (the access stays held) and audits it; a rejected hold cannot be rejected again', async () => {
      const { store } = await fresh()
      const sam = await store.createUser('okta', { userName: 'sam@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(store)
      await addMembers(store, admins, [sam.id])
      const revision = await store.revision()
      const rejected = await store.rejectHold('h1', 'cli:alice', 'not approved: INC-9')
      expect(rejected).toMatchObject({ id: 'h1', status: 'rejected', closedBy: 'cli:alice', closedReason: 'not approved: INC-9' })
      expect(await store.revision()).toBe(revision + 1)
      expect(await store.holdsOfRecords([sam.id])).toMatchObject([{ id: 'h1', status: 'rejected' }])
      expect(await store.rejectHold('h1', 'cli:alice')).toBeUndefined()
      expect(await store.rejectHold('nope', 'cli:alice')).toBeUndefined()
      expect((await auditOf(store)).at(-1)).toMatchObject({ action: 'hold.reject', resourceId: 'h1', actor: 'cli:alice' })
    })

    it('releases the holds an apply names, in its transaction, and makes the applied state the baseline', async () => {
      const { store } = await fresh()
      const sam = await store.createUser('okta', { userName: 'sam@acme.example' }, okta)
      const cy = await store.createUser('okta', { userName: 'cy@acme.example' }, okta)
      const admins = await store.createGroup('okta', { displayName: 'security-admins' }, [], okta)
      await applyExample(store)
      await addMembers(store, admins, [sam.id, cy.id])
      expect(await store.listHolds({ status: ['open'] })).toHaveLength(2)
      const revision = await applyExample(store, 2, { releaseHolds: ['h1'] })
      expect(await store.holdsOfRecords([sam.id])).toEqual([])
      expect(await store.listHolds()).toMatchObject([
        { id: 'h1', status: 'released', closedReason: `released by applied revision ${revision.id}` },
        { id: 'h2', status: 'open' },
      ])
      expect((await auditOf(store)).filter((entry) => entry.action === 'hold.release')).toMatchObject([{ resourceId: 'h1', detail: { revision: revision.id } }])
      // sam's release is reviewed access now: a suspension and reactivation hold nothing.
      await setActive(store, sam, false)
      await setActive(store, sam, true)
      expect(await store.holdsOfRecords([sam.id])).toEqual([])
    })
  })
}
