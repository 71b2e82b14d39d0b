// Writers at the same time, through one store object and through several on one underlying store (processes,
// replicas): one gapless revision sequence, one audit chain, If-Match, read-modify-write and uniqueness hold.
import { describe, expect, it } from 'vitest'
import { feedDelayMs, type Store, type StoredUser } from '../../../src/store/store.js'
import { listen } from './access-changes.js'
import { applyRecord } from './applied.js'
import { eventually, type Contract } from './harness.js'
import { auditOf, byString, expectedEntryHash, genesisHash, okta, rejectionOf } from './fixtures.js'

const writers = 8

/** The outcome of each write, in the order started: 'ok', or the reason it was refused. */
async function outcomes(writes: Promise<unknown>[]): Promise<string[]> {
  return Promise.all(
    writes.map((write) =>
      write.then(
        () => 'ok',
        (error: unknown) => rejectionOf(Promise.reject(error)),
      ),
    ),
  )
}

/** The revision spans `changes` went through, ordered by where they start. */
function revisionsCovered(changes: readonly { from: number; revision: number }[]): [number, number][] {
  return [...changes].sort((a, b) => a.from - b.from).map((change) => [change.from, change.revision])
}

/** The spans follow on from one another, from `from` to `to`: every revision reached once, none skipped. */
function expectTiling(spans: [number, number][], from: number, to: number): void {
  expect(spans.length).toBeGreaterThan(0)
  expect(spans[0]?.[0]).toBe(from)
  for (const [index, [start, end]] of spans.entries()) {
    expect(end).toBeGreaterThan(start)
    if (index > 0) expect(start).toBe(spans[index - 1]?.[1])
  }
  expect(spans.at(-1)?.[1]).toBe(to)
}

/** Every revision step from `from` to `to` is inside some span (a catch-up may overlap writes told one by one). */
function covers(spans: [number, number][], from: number, to: number): boolean {
  for (let step = from + 1; step <= to; step++) if (!spans.some(([start, end]) => start < step && step <= end)) return false
  return true
}

export function concurrency({ fresh, can, unless }: Contract): void {
  describe('concurrency', () => {
    it(`gives ${writers} writers on two store objects one gapless revision sequence and one audit chain that verifies`, async () => {
      const { store, another } = await fresh()
      const objects = [store, await another()]
      const group = await store.createGroup('okta', { displayName: 'everyone' }, [], okta)
      const heard = objects.map((object) => listen(object))
      const writer = async (index: number) => {
        const object = objects[index % objects.length] as Store
        const user = await object.createUser('okta', { userName: `writer-${index}@acme.example` }, okta)
        for (const title of ['first', 'second']) await object.modifyUser('okta', user.id, (current) => ({ ...current.doc, title }), okta)
        await object.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [user.id] }] }), okta)
        return user
      }
      const written = await Promise.all(Array.from({ length: writers }, (_, index) => writer(index)))
      const total = 1 + writers * 4
      for (const object of objects) expect(await object.revision()).toBe(total)
      expect((await store.snapshot()).revision).toBe(total)
      // Every revision from 2 to the last was reached by exactly one committed write (or batch of them), none twice.
      if (can('cross-object-access-feed')) {
        // Each object hears every revision: its own writes at once, the other's within the feed's delay.
        for (const told of heard)
          expect(
            await eventually(
              async () => covers(revisionsCovered(told.changes), 1, total),
              (isCovered) => isCovered,
              feedDelayMs,
            ),
          ).toBe(true)
      } else expectTiling(revisionsCovered(heard.flatMap((told) => told.changes)), 1, total)
      const entries = await auditOf(store)
      expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1))
      expect(entries[0]?.prevHash).toBe(genesisHash)
      for (const [index, entry] of entries.entries()) {
        expect(entry.hash).toBe(expectedEntryHash(entry))
        if (index > 0) expect(entry.prevHash).toBe(entries[index - 1]?.hash)
      }
      expect(entries.filter((entry) => entry.action === 'user.modify')).toHaveLength(writers * 2)
      for (const object of objects) expect(await object.verifyAudit()).toMatchObject({ ok: true, entries: total + 1, head: { seq: total + 1, hash: entries.at(-1)?.hash } })
      expect((await store.getGroup('okta', group.id, true))?.members?.map((member) => member.value).sort(byString)).toEqual(written.map((user) => user.id).sort(byString))
      for (const user of written) expect(await objects[1]?.getUser('okta', user.id, false)).toMatchObject({ version: 3, doc: { title: 'second' } })
    })

    it('lets exactly one of two writers with the same If-Match version win, across store objects', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const user = await store.createUser('okta', { userName: 'ann' }, okta)
      const group = await store.createGroup('okta', { displayName: 'g' }, [], okta)
      for (let round = 1; round <= 3; round++) {
        const docs = [
          { userName: 'ann', title: `store-${round}` },
          { userName: 'ann', title: `other-${round}` },
        ]
        const results = await outcomes([store.replaceUser('okta', user.id, docs[0]!, { ...okta, ifVersion: [round] }), other.replaceUser('okta', user.id, docs[1]!, { ...okta, ifVersion: [round] })])
        expect([...results].sort(byString)).toEqual(['ok', 'precondition'])
        // Read through a store object that has read nothing before (see fresh-cross-object-reads).
        expect(await (await another()).getUser('okta', user.id, false)).toMatchObject({ version: round + 1, doc: docs[results.indexOf('ok')] })
      }
      const renames = await outcomes([
        store.modifyGroup('okta', group.id, () => ({ doc: { displayName: 'from-store' }, memberOps: [] }), { ...okta, ifVersion: [1] }),
        other.modifyGroup('okta', group.id, () => ({ doc: { displayName: 'from-other' }, memberOps: [] }), { ...okta, ifVersion: [1] }),
      ])
      expect([...renames].sort(byString)).toEqual(['ok', 'precondition'])
      expect(await store.getGroup('okta', group.id, false)).toMatchObject({ version: 2, doc: { displayName: renames[0] === 'ok' ? 'from-store' : 'from-other' } })
      expect(await store.revision()).toBe(6)
    })

    it('loses no update of a read-modify-write of one user, from two store objects at once', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const user = await store.createUser('okta', { userName: 'counter', count: 0 }, okta)
      const increment = (object: Store) => object.modifyUser('okta', user.id, (current) => ({ ...current.doc, count: Number(current.doc['count']) + 1 }), okta)
      await Promise.all(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? store : other)))
      const counted = (await another()).getUser('okta', user.id, false)
      expect(await counted).toMatchObject({ version: 21, doc: { userName: 'counter', count: 20 } })
    })

    it('loses no member when two store objects add different members to one group at once', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const members: StoredUser[] = []
      for (let i = 0; i < writers; i++) members.push(await store.createUser('okta', { userName: `m${i}` }, okta))
      const group = await store.createGroup('okta', { displayName: 'shared' }, [], okta)
      await Promise.all(members.map((member, i) => (i % 2 === 0 ? store : other).modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [member.id] }] }), okta)))
      const stored = await other.getGroup('okta', group.id, true)
      expect(stored?.version).toBe(writers + 1)
      expect(stored?.members?.map((member) => member.value).sort(byString)).toEqual(members.map((member) => member.id).sort(byString))
    })

    it('lets exactly one of two store objects create a userName or displayName that differs only in case', async () => {
      const { store, another } = await fresh()
      const other = await another()
      await store.ensureConnection('okta')
      for (const name of ['sam@acme.example', 'kim@acme.example', 'lee@acme.example']) {
        const results = await outcomes([store.createUser('okta', { userName: name }, okta), other.createUser('okta', { userName: name.toUpperCase() }, okta)])
        expect([...results].sort(byString)).toEqual(['conflict', 'ok'])
      }
      const groups = await outcomes([store.createGroup('okta', { displayName: 'Admins' }, [], okta), other.createGroup('okta', { displayName: 'admins' }, [], okta)])
      expect([...groups].sort(byString)).toEqual(['conflict', 'ok'])
      const snapshot = await store.snapshot()
      expect(snapshot.users.map((user) => user.userName.toLowerCase())).toEqual(['kim@acme.example', 'lee@acme.example', 'sam@acme.example'])
      expect(snapshot.groups).toHaveLength(1)
      expect(snapshot.revision).toBe(4)
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 5 })
    })

    it('commits exactly one of two applies guarded on the same applied revision, through two store objects', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const guardOn = (expected: string | null) => (view: { appliedRevision: string | null }) => {
        if (view.appliedRevision !== expected) throw new Error(`stale: ${view.appliedRevision ?? 'none'} was applied since`)
      }
      const results = await Promise.allSettled([store.recordApply(applyRecord(1), guardOn(null)), other.recordApply(applyRecord(2), guardOn(null))])
      expect(results.map((result) => result.status).sort(byString)).toEqual(['fulfilled', 'rejected'])
      const refused = results.find((result) => result.status === 'rejected')
      expect(refused?.status === 'rejected' ? String(refused.reason) : '').toBe('Error: stale: r1 was applied since')
      expect((await other.listAppliedRevisions()).map((revision) => [revision.id, revision.storeRevision])).toEqual([['r1', 1]])
      expect(await store.revision()).toBe(1)
    })

    it(`numbers ${writers} applies at once through two store objects r1 to r${writers}, each at a store revision of its own`, async () => {
      const { store, another } = await fresh()
      const objects = [store, await another()]
      await Promise.all(Array.from({ length: writers }, (_, i) => (objects[i % 2] as Store).recordApply(applyRecord(i + 1), () => undefined)))
      const revisions = await store.listAppliedRevisions()
      expect(revisions.map((revision) => revision.id)).toEqual(Array.from({ length: writers }, (_, i) => `r${i + 1}`))
      expect(revisions.map((revision) => revision.storeRevision)).toEqual(Array.from({ length: writers }, (_, i) => i + 1))
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: writers })
    })

    it(`applies writes started on one store object without waiting in the order they were started${unless('ordered-writes')}`, async () => {
      const { store } = await fresh()
      const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map((userName) => store.createUser('okta', { userName }, okta)))
      const group = await store.createGroup('okta', { displayName: 'burst' }, [], okta)
      const add = (id: string, ifVersion: number) => store.modifyGroup('okta', group.id, (current) => ({ doc: current.doc, memberOps: [{ op: 'add', ids: [id] }] }), { ...okta, ifVersion: [ifVersion] })
      const results = await outcomes([add(ann!.id, 1), add('ghost', 2), add(ben!.id, 2), store.replaceGroup('okta', group.id, { displayName: 'burst-2' }, [ann!.id, ben!.id], { ...okta, ifVersion: [3] }), add(cat!.id, 4), add(cat!.id, 4)])
      const stored = await store.getGroup('okta', group.id, true)
      if (can('ordered-writes')) {
        expect(results).toEqual(['ok', 'unknown-member', 'ok', 'ok', 'ok', 'precondition'])
        expect(stored?.version).toBe(5)
        expect(stored?.doc['displayName']).toBe('burst-2')
        expect(stored?.members?.map((member) => String(member.display)).sort(byString)).toEqual(['ann', 'ben', 'cat'])
      } else {
        // In any order: the ghost is refused, and every write that won moved the version by one.
        expect(results[1]).toBe('unknown-member')
        for (const result of results) expect(['ok', 'precondition', 'unknown-member']).toContain(result)
        expect(stored?.version).toBe(1 + results.filter((result) => result === 'ok').length)
      }
      expect(await store.verifyAudit()).toMatchObject({ ok: true })
    })

    it('lets a refused write among concurrent ones on one store object fail alone', async () => {
      const { store } = await fresh()
      const results = await outcomes(['u1', 'U1', 'u2', 'u3'].map((userName) => store.createUser('okta', { userName }, okta)))
      if (can('ordered-writes')) expect(results).toEqual(['ok', 'conflict', 'ok', 'ok'])
      expect([...results].sort(byString)).toEqual(['conflict', 'ok', 'ok', 'ok'])
      expect((await store.snapshot()).users.map((user) => user.userName.toLowerCase())).toEqual(['u1', 'u2', 'u3'])
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 4 })
    })
  })
}
