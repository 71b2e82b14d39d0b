// Dump and load: everything a store holds streamed out of one store and into an empty one, ids, hashes and the audit chain kept; refused into a store that holds anything; all or nothing.
import { describe, expect, it } from 'vitest'
import { dumpTables, emptyCounts, StoreNotEmptyError, type DumpPart, type LoadProgress } from '../../../src/store/dump.js'
import type { Store } from '../../../src/store/store.js'
import { applyRecord } from './applied.js'
import type { Contract, Fixture } from './harness.js'
import { auditOf, byString, groupQuery, okta, userQuery } from './fixtures.js'

/** A store with something of every kind: connections, live and revoked tokens, users, groups with members, an apply, break-glass grants. */
async function populate({ store, clock }: Fixture): Promise<{ scimToken: string; adminToken: string }> {
  const { token: scimToken } = await store.createToken('okta')
  const revoked = await store.createToken('entra')
  await store.revokeToken(revoked.info.id)
  const { token: adminToken } = await store.createAdminToken(['plan', 'check'], 'ci')
  const users = []
  for (let i = 0; i < 30; i++) {
    clock.advance(1000)
    users.push(await store.createUser(i % 3 === 0 ? 'entra' : 'okta', { userName: `user${i}@acme.example`, active: i % 7 !== 0, displayName: `User ${i}`, externalId: `x${i}` }, okta))
  }
  const oktaUsers = users.filter((user) => user.connection === 'okta').map((user) => user.id)
  const admins = await store.createGroup('okta', { displayName: 'security-admins', externalId: 'g1' }, oktaUsers.slice(0, 5), okta)
  await store.createGroup('okta', { displayName: 'checkout-team' }, oktaUsers.slice(3), okta)
  await store.modifyGroup('okta', admins.id, (current) => ({ doc: { ...current.doc, displayName: 'Security Admins' }, memberOps: [{ op: 'remove', ids: oktaUsers.slice(0, 1) }] }), okta)
  await store.deleteUser('okta', oktaUsers[1] ?? '', okta)
  await store.recordApply(applyRecord(1, { users: [], groups: [], memberships: [] }), () => undefined)
  const glass = await store.addBreakGlass({ user: 'user2@acme.example', actions: ['read'], resource: 'db:prod/main', reason: 'incident 7', expires: '2026-03-03T00:00:00.000Z', createdBy: 'oncall@acme.example' })
  await store.addBreakGlass({ user: 'user4@acme.example', actions: ['write'], resource: 'db:prod/main', env: ['prod'], reason: 'incident 8', expires: '2026-03-03T00:00:00.000Z', createdBy: 'oncall@acme.example' })
  await store.revokeBreakGlass(glass.id, 'sec@acme.example')
  return { scimToken, adminToken }
}

/** Everything the contract lets a reader see of a store, for comparing two. */
async function contentOf(store: Store) {
  const connections = await store.listConnections()
  const directory = []
  for (const connection of connections) {
    const users = await store.listUsers(connection, userQuery({ count: '1000' }), true)
    const groups = await store.listGroups(connection, groupQuery({ count: '1000' }), true)
    directory.push({ connection, users: users.items.sort((a, b) => byString(a.id, b.id)), groups: groups.items.sort((a, b) => byString(a.id, b.id)) })
  }
  return {
    connections,
    directory,
    tokens: await store.listTokens(),
    adminTokens: await store.listAdminTokens(),
    revision: await store.revision(),
    audit: await auditOf(store),
    verification: await store.verifyAudit(),
    applied: await store.appliedState({ withDirectory: true }),
    revisions: await store.listAppliedRevisions(),
    breakGlass: await store.listBreakGlass(),
    snapshot: await store.snapshot(),
  }
}

async function collect(parts: AsyncIterable<DumpPart>): Promise<DumpPart[]> {
  const all: DumpPart[] = []
  for await (const part of parts) all.push(part)
  return all
}

async function* replay(parts: readonly DumpPart[]): AsyncGenerator<DumpPart> {
  yield* parts
}

/** What a dump of `store` counts (an empty store counts nothing). */
async function countsOf(store: Store) {
  for await (const part of store.dump()) if (part.kind === 'summary') return { counts: part.counts, revision: part.head.revision }
  throw new Error('the dump had no summary')
}

export function dumpAndLoad({ fresh }: Contract): void {
  describe('dump and load', () => {
    it('loads into an empty store exactly what the source holds: directory, hashed tokens, apply ledger, break-glass grants, revision and the audit chain', async () => {
      const source = await fresh()
      const { scimToken, adminToken } = await populate(source)
      const target = await fresh()
      const progress: LoadProgress[] = []
      const loaded = await target.store.load(source.store.dump(), { onProgress: (step) => progress.push(step) })

      const expected = await contentOf(source.store)
      expect(await contentOf(target.store)).toEqual(expected)
      expect(expected.verification).toMatchObject({ ok: true, entries: expected.audit.length })
      expect(loaded).toMatchObject({ connections: 2, tokens: 2, admin_tokens: 1, users: 29, groups: 2, applied_revisions: 1, break_glass: 2, audit: expected.audit.length })
      expect(progress.at(-1)).toEqual({ table: 'audit', loaded: expected.audit.length, total: expected.audit.length })
      // Hashes were copied, not made anew: the tokens shown once on the source sign in to the copy.
      expect(await target.store.authenticate(scimToken)).toBe('okta')
      expect(await target.store.authenticateAdmin(adminToken)).toMatchObject({ scopes: expect.arrayContaining(['plan', 'check']) })
    })

    it('goes on from where the source stopped: the next write extends the copied chain and revision, with new row numbers', async () => {
      const source = await fresh()
      await populate(source)
      const target = await fresh()
      await target.store.load(source.store.dump())
      const before = await target.store.revision()
      const user = await target.store.createUser('okta', { userName: 'newcomer@acme.example' }, okta)
      await target.store.createGroup('okta', { displayName: 'newcomers' }, [user.id], okta)
      expect(await target.store.revision()).toBe(before + 2)
      const verification = await target.store.verifyAudit()
      expect(verification).toMatchObject({ ok: true, entries: (await auditOf(source.store)).length + 2 })
      expect((await target.store.getGroup('okta', (await target.store.listGroups('okta', groupQuery({ filter: 'displayName eq "newcomers"' }), true)).items[0]?.id ?? '', true))?.members).toEqual([
        { value: user.id, display: 'newcomer@acme.example' },
      ])
    })

    it('copies an empty store into an empty store', async () => {
      const source = await fresh()
      const target = await fresh()
      expect(await target.store.load(source.store.dump())).toEqual(emptyCounts())
      expect(await target.store.verifyAudit()).toMatchObject({ ok: true, entries: 0 })
    })

    it('refuses a store that holds anything, says what it found, and writes nothing', async () => {
      const source = await fresh()
      await populate(source)
      const target = await fresh()
      await target.store.createUser('okta', { userName: 'already@acme.example' }, okta)
      const before = await contentOf(target.store)
      const refusal = await target.store.load(source.store.dump()).catch((error: unknown) => error)
      expect(refusal).toBeInstanceOf(StoreNotEmptyError)
      expect((refusal as Error).message).toMatch(/is not empty: it holds 1 connections, 1 users, 2 audit entries, revision 1/)
      expect(await contentOf(target.store)).toEqual(before)
    })

    it('leaves the target empty when a row fails mid-way (a membership of no such user) or the dump ends early', async () => {
      const source = await fresh()
      await populate(source)
      const parts = await collect(source.store.dump())
      const broken = parts.map((part) => (part.kind === 'rows' && part.table === 'memberships' ? { ...part, rows: [...part.rows, [part.rows[0]?.[0] ?? 1, 99_999]] } : part))
      const withMore = broken.map((part) => (part.kind === 'summary' ? { ...part, counts: { ...part.counts, memberships: part.counts.memberships + 1 } } : part))
      const target = await fresh()
      await expect(target.store.load(replay(withMore))).rejects.toThrow()
      expect(await countsOf(target.store)).toEqual({ counts: emptyCounts(), revision: 0 })

      const cut = parts.filter((part) => !(part.kind === 'rows' && part.table === 'audit'))
      await expect(target.store.load(replay(cut))).rejects.toThrow(/ended early: 0 of \d+ audit entries/)
      expect(await countsOf(target.store)).toEqual({ counts: emptyCounts(), revision: 0 })
      // And it still takes a whole copy afterwards.
      await target.store.load(replay(parts))
      expect(await target.store.verifyAudit()).toEqual(await source.store.verifyAudit())
    })

    it('reads one snapshot: a write committed while the dump is being read is not in it', async () => {
      const source = await fresh()
      await populate(source)
      const writer = await source.another()
      const parts: DumpPart[] = []
      for await (const part of source.store.dump()) {
        if (part.kind === 'summary') await writer.createUser('okta', { userName: 'late@acme.example' }, okta)
        parts.push(part)
      }
      const summary = parts[0]
      if (summary?.kind !== 'summary') throw new Error('the dump did not start with its summary')
      for (const table of dumpTables) {
        expect(parts.filter((part) => part.kind === 'rows' && part.table === table).reduce((sum, part) => sum + (part.kind === 'rows' ? part.rows.length : 0), 0)).toBe(summary.counts[table])
      }
      const target = await fresh()
      await target.store.load(replay(parts))
      expect((await target.store.listUsers('okta', userQuery({ filter: 'userName eq "late@acme.example"' }), false)).total).toBe(0)
      expect(await target.store.revision()).toBe(summary.head.revision)
      expect(await target.store.verifyAudit()).toMatchObject({ ok: true, head: summary.head.audit })
    })
  })
}
