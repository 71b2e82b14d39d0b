// Where a membership came from: the audit entry of the SCIM write that added it, and audit entries read by sequence.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { auditOf, okta } from './fixtures.js'

export function membershipWrites({ fresh }: Contract): void {
  describe('membership writes', () => {
    it('records the audit entry of the write that added each membership, kept by later writes that leave it be', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const bob = await store.createUser('okta', { userName: 'bob' }, okta)
      const group = await store.createGroup('okta', { displayName: 'g' }, [ann.id], okta)
      await store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [bob.id, ann.id] }] }), okta)
      const entries = await auditOf(store)
      const created = entries.find((entry) => entry.action === 'group.create')
      const modified = entries.find((entry) => entry.action === 'group.modify')
      const seqs = await store.membershipSeqs([
        { groupId: group.id, userId: bob.id },
        { groupId: group.id, userId: ann.id },
        { groupId: group.id, userId: 'nobody' },
      ])
      expect(seqs).toEqual([
        { groupId: group.id, userId: bob.id, seq: modified?.seq },
        { groupId: group.id, userId: ann.id, seq: created?.seq },
      ])
      const [entry] = await store.auditEntries([modified?.seq ?? 0])
      expect(entry).toEqual(modified)
    })

    it('forgets a membership once removed, and a member added again points at the write that added them again', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const group = await store.createGroup('okta', { displayName: 'g' }, [ann.id], okta)
      await store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'remove', ids: [ann.id] }] }), okta)
      expect(await store.membershipSeqs([{ groupId: group.id, userId: ann.id }])).toEqual([])
      await store.replaceGroup('okta', group.id, { displayName: 'g' }, [ann.id], okta)
      const replaced = (await auditOf(store)).find((entry) => entry.action === 'group.replace')
      expect(await store.membershipSeqs([{ groupId: group.id, userId: ann.id }])).toEqual([{ groupId: group.id, userId: ann.id, seq: replaced?.seq }])
    })

    it('keeps the review the server verified for an apply with its revision and in its audit entry', async () => {
      const { store } = await fresh()
      const review = { pullRequest: { repository: 'acme/access', number: 42 }, verifiedApprovers: ['alice.sec@acme.example'] }
      const revision = await store.recordApply(
        { commit: 'c0ffee', author: 'sam', approvedBy: ['bob'], planDigest: 'p', desiredDigest: 'd', directoryDigest: 'e', summary: {}, documents: [], directory: { users: [], groups: [], memberships: [] }, actor: 'cli', review },
        () => undefined,
      )
      expect(revision.review).toEqual(review)
      expect((await store.appliedState())?.revision).toEqual(revision)
      expect(await store.listAppliedRevisions()).toEqual([revision])
      const entry = (await auditOf(store)).find((candidate) => candidate.action === 'apply')
      expect(entry?.detail).toMatchObject({ approvedBy: ['bob'], pullRequest: review.pullRequest, verifiedApprovers: review.verifiedApprovers })
    })

    it('reads audit entries by sequence, in order, leaving out those that do not exist', async () => {
      const { store } = await fresh()
      await store.createUser('okta', { userName: 'ann' }, okta)
      await store.createUser('okta', { userName: 'bob' }, okta)
      const all = await auditOf(store)
      const last = all[all.length - 1]?.seq ?? 0
      expect(await store.auditEntries([last, 1, last, 999])).toEqual([all[0], all[all.length - 1]])
      expect(await store.auditEntries([])).toEqual([])
    })
  })
}
