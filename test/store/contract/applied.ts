// The applied ledger: recordApply's guard inside the write, applied revisions r1, r2, … with their documents, and
// the directory each saw, kept for the latest revisions only.
import { describe, expect, it } from 'vitest'
import { revisionsWithDirectory, type ApplyRecord } from '../../../src/store/applied.js'
import type { Contract } from './harness.js'
import { auditOf, okta } from './fixtures.js'

/** An apply record as `apply` makes one, numbered `n` so that each is told apart. */
export function applyRecord(n: number, directory: ApplyRecord['directory'] = { users: [], groups: [], memberships: [] }): ApplyRecord {
  return {
    commit: `c0ffee${n}`,
    author: 'dev@acme.example',
    approvedBy: ['lead@acme.example', 'sec@acme.example'],
    planDigest: `${n}`.repeat(64).slice(0, 64),
    desiredDigest: 'd'.repeat(63) + `${n % 10}`,
    directoryDigest: 'e'.repeat(64),
    summary: { changes: n, accessByRisk: [{ risk: 'high', count: 1 }] },
    documents: [{ file: 'access/roles.yaml', doc: { kind: 'Role', name: `role-${n}` } }],
    directory,
    actor: 'cli',
  }
}

export function appliedLedger({ fresh }: Contract): void {
  describe('applied ledger', () => {
    it('has no applied revision before the first apply', async () => {
      const { store } = await fresh()
      expect(await store.appliedState()).toBeUndefined()
      expect(await store.appliedState({ withDirectory: true })).toBeUndefined()
      expect(await store.appliedRevision('r1')).toBeUndefined()
      expect(await store.listAppliedRevisions()).toEqual([])
      expect(await store.appliedRevisionId()).toBeNull()
    })

    it('records an apply as r1 at the next store revision, with its documents, its directory on request, and an audit entry', async () => {
      const { store, clock } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const directory = { users: [{ id: ann.id, connection: 'okta', userName: 'ann', active: true }], groups: [], memberships: [] }
      const record = applyRecord(1, directory)
      clock.advance(10_000)
      const revision = await store.recordApply(record, () => undefined)
      const { documents: _documents, directory: _directory, actor: _actor, ...fields } = record
      expect(revision).toEqual({ id: 'r1', number: 1, appliedAt: clock.iso(), storeRevision: 2, ...fields })
      expect(await store.revision()).toBe(2)
      expect(await store.appliedRevisionId()).toBe('r1')
      expect(await store.appliedState()).toEqual({ revision, documents: record.documents, directory: undefined })
      expect(await store.appliedState({ withDirectory: true })).toEqual({ revision, documents: record.documents, directory })
      expect(await store.appliedRevision('r1', { withDirectory: true })).toEqual({ revision, documents: record.documents, directory })
      expect(await store.listAppliedRevisions()).toEqual([revision])
      expect((await auditOf(store)).at(-1)).toMatchObject({
        action: 'apply',
        actor: 'cli',
        connection: null,
        resourceType: null,
        resourceId: 'r1',
        beforeDigest: null,
        afterDigest: record.desiredDigest,
        detail: { revision: 'r1', commit: record.commit, author: record.author, approvedBy: record.approvedBy, planDigest: record.planDigest, summary: record.summary },
      })
      expect(await store.verifyAudit()).toMatchObject({ ok: true })
    })

    it('runs the guard inside the write, on the applied revision, the store revision, the directory and the grants as they are', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const group = await store.createGroup('okta', { displayName: 'g' }, [ann.id], okta)
      const grant = await store.addBreakGlass({ user: 'ann', actions: ['read'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'cli' })
      await store.recordApply(applyRecord(1), () => undefined)
      const seen: unknown[] = []
      await store.recordApply(applyRecord(2), (view) => {
        const { revision: _revision, ...live } = view.directory()
        seen.push({ appliedRevision: view.appliedRevision, storeRevision: view.storeRevision, directory: { users: live.users, groups: live.groups, memberships: live.memberships }, breakGlass: view.breakGlass() })
      })
      expect(seen).toEqual([
        {
          appliedRevision: 'r1',
          storeRevision: 4,
          directory: {
            users: [{ id: ann.id, connection: 'okta', userName: 'ann', active: true }],
            groups: [{ id: group.id, connection: 'okta', displayName: 'g' }],
            memberships: [{ groupId: group.id, userId: ann.id }],
          },
          breakGlass: [grant],
        },
      ])
      expect((await store.listAppliedRevisions()).map((revision) => [revision.id, revision.number, revision.storeRevision])).toEqual([
        ['r1', 1, 4],
        ['r2', 2, 5],
      ])
      expect((await store.appliedState())?.revision.id).toBe('r2')
      expect((await store.appliedRevision('r1'))?.documents).toEqual(applyRecord(1).documents)
    })

    it('writes nothing when the guard throws, and passes its error on', async () => {
      const { store } = await fresh()
      await store.recordApply(applyRecord(1), () => undefined)
      const before = await auditOf(store)
      const stale = new Error('another apply happened since this plan was made')
      await expect(
        store.recordApply(applyRecord(2), () => {
          throw stale
        }),
      ).rejects.toBe(stale)
      expect(await store.listAppliedRevisions()).toHaveLength(1)
      expect(await store.appliedRevisionId()).toBe('r1')
      expect(await store.revision()).toBe(1)
      expect(await auditOf(store)).toEqual(before)
    })

    it('records what the guard decided in place of the record\'s directory, digest and basis', async () => {
      const { store } = await fresh()
      const ann = await store.createUser('okta', { userName: 'ann' }, okta)
      const directory = { users: [{ id: ann.id, connection: 'okta', userName: 'ann', active: true }], groups: [], memberships: [] }
      const basis = { planStoreRevision: 0, planDirectoryDigest: 'e'.repeat(64), storeRevision: 1, directoryMoved: false }
      const revision = await store.recordApply({ ...applyRecord(1), basis: { ...basis, storeRevision: 0 } }, () => ({ directory, directoryDigest: 'f'.repeat(64), basis }))
      expect(revision.directoryDigest).toBe('f'.repeat(64))
      expect((await store.appliedState({ withDirectory: true }))?.directory).toEqual(directory)
      expect((await auditOf(store)).at(-1)?.detail).toMatchObject({ basis })
    })

    it(`keeps the directory of the latest ${revisionsWithDirectory} revisions only, and every revision's documents`, async () => {
      const { store } = await fresh()
      for (let n = 1; n <= revisionsWithDirectory + 1; n++) await store.recordApply(applyRecord(n), () => undefined)
      expect(await store.appliedRevision('r1', { withDirectory: true })).toMatchObject({ documents: applyRecord(1).documents, directory: undefined })
      expect((await store.appliedRevision('r2', { withDirectory: true }))?.directory).toEqual({ users: [], groups: [], memberships: [] })
      expect((await store.listAppliedRevisions()).map((revision) => revision.id)).toEqual(Array.from({ length: revisionsWithDirectory + 1 }, (_, i) => `r${i + 1}`))
      expect(await store.appliedRevision('r99')).toBeUndefined()
    })
  })
}
