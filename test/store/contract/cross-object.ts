// Store objects on one underlying store (processes, replicas): what each sees of the others' writes, and when.
import { describe, expect, it } from 'vitest'
import { StoreError } from '../../../src/errors.js'
import { feedDelayMs, type AccessChange } from '../../../src/store/store.js'
import { crossObjectDelayMs } from './backend.js'
import { listen } from './access-changes.js'
import { eventually, type Contract } from './harness.js'
import { okta, userQuery } from './fixtures.js'

export function crossObject({ fresh, can, unless }: Contract): void {
  const fresher = can('fresh-cross-object-reads')
  /** How long a read through one object may lag a write through another: the feed's delay, or the contract's bound. */
  const lag = fresher ? feedDelayMs : crossObjectDelayMs
  const within = `within ${lag / 1000} s`

  describe('several store objects on one underlying store', () => {
    it('reads at once, through another object, what one committed and the other had not read before', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const user = await store.createUser('okta', { userName: 'ann' }, okta)
      const { token } = await store.createToken('okta')
      const admin = await store.createAdminToken(['check'])
      expect(await other.revision()).toBe(1)
      expect(await other.getUser('okta', user.id, false)).toEqual(user)
      expect((await other.listUsers('okta', userQuery({ filter: 'userName eq "ANN"' }), false)).items).toEqual([user])
      expect(await other.authenticate(token)).toBe('okta')
      expect(await other.authenticateAdmin(admin.token)).toEqual({ id: admin.info.id, scopes: ['check'] })
      expect((await other.directoryOfUser('ann')).users.map((read) => read.id)).toEqual([user.id])
    })

    it('moves the revision every object reads at once, whatever it cached', async () => {
      const { store, another } = await fresh()
      const other = await another()
      const user = await store.createUser('okta', { userName: 'bob' }, okta)
      await other.getUser('okta', user.id, false)
      await store.replaceUser('okta', user.id, { userName: 'bob', title: 't' }, okta)
      expect(await other.revision()).toBe(2)
      expect((await other.snapshot()).revision).toBe(2)
      expect((await other.directoryOfUser('bob')).revision).toBe(2)
    })

    it(`stops accepting, ${within}, a SCIM or admin token that another object revoked after a use${unless('fresh-cross-object-reads')}`, async () => {
      const { store, another } = await fresh()
      const other = await another()
      const scim = await store.createToken('okta')
      const admin = await store.createAdminToken(['check'])
      expect(await other.authenticate(scim.token)).toBe('okta')
      expect(await other.authenticateAdmin(admin.token)).toBeDefined()
      await store.revokeToken(scim.info.id)
      await store.revokeAdminToken(admin.info.id)
      const started = Date.now()
      expect(
        await eventually(
          () => other.authenticate(scim.token),
          (connection) => connection === undefined,
          lag,
        ),
      ).toBeUndefined()
      expect(
        await eventually(
          () => other.authenticateAdmin(admin.token),
          (found) => found === undefined,
          lag,
        ),
      ).toBeUndefined()
      expect(Date.now() - started).toBeLessThanOrEqual(lag + 500)
    })

    it(`reads, ${within}, a user that another object changed or deleted after this one read it${unless('fresh-cross-object-reads')}`, async () => {
      const { store, another } = await fresh()
      const other = await another()
      const user = await store.createUser('okta', { userName: 'cy', title: 'a' }, okta)
      const gone = await store.createUser('okta', { userName: 'dee' }, okta)
      const byName = async (name: string) => (await other.listUsers('okta', userQuery({ filter: `userName eq "${name}"` }), false)).items.map((item) => item.version)
      expect(await other.getUser('okta', user.id, false)).toEqual(user)
      expect(await byName('dee')).toEqual([1])
      const changed = await store.replaceUser('okta', user.id, { userName: 'cy', title: 'b' }, okta)
      await store.deleteUser('okta', gone.id, okta)
      expect(
        await eventually(
          () => other.getUser('okta', user.id, false),
          (read) => read?.version === 2,
          lag,
        ),
      ).toEqual(changed)
      expect(
        await eventually(
          () => byName('dee'),
          (versions) => versions.length === 0,
          lag,
        ),
      ).toEqual([])
      expect(await other.getUser('okta', gone.id, false)).toBeUndefined()
    })

    it(
      can('cross-object-access-feed')
        ? `tells a listener on one object, within ${feedDelayMs / 1000} s, every write committed through another`
        : `tells a listener on one object only that object's writes; another's show in revision()${unless('cross-object-access-feed')}`,
      async () => {
        const { store, another } = await fresh()
        const other = await another()
        const { changes } = listen(other)
        const user = await store.createUser('okta', { userName: 'eve' }, okta)
        if (can('cross-object-access-feed')) {
          const told = await eventually(
            async () => changes,
            (heard) => heard.some((change) => change.revision >= 1),
            feedDelayMs,
          )
          expect(told.some((change) => change.all || change.userIds.includes(user.id))).toBe(true)
          await store.modifyUser('okta', user.id, (current) => ({ ...current.doc, title: 't' }), okta)
          await other.modifyUser('okta', user.id, (current) => ({ ...current.doc, title: 'u' }), okta)
          // Every step of the revision is in some change told (the other object's own write at once, the first
          // object's when heard): a listener that tracks revisions misses nothing.
          const isCovered = (heard: AccessChange[]) => [1, 2, 3].every((step) => heard.some((change) => change.from < step && step <= change.revision))
          const all = await eventually(async () => changes, isCovered, feedDelayMs)
          expect(isCovered(all)).toBe(true)
          expect(Math.max(...all.map((change) => change.revision))).toBe(3)
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100))
          expect(changes).toEqual([])
          expect(await other.revision()).toBe(1)
          await other.modifyUser('okta', user.id, (current) => ({ ...current.doc, title: 't' }), okta)
          expect(changes).toEqual([{ from: 1, revision: 2, all: false, userIds: [user.id], userNames: ['eve'] }])
        }
      },
    )

    it(
      can('cross-object-access-feed')
        ? `tells a credential listener on one object, within ${feedDelayMs / 1000} s, a SCIM or admin token revoked through another`
        : `tells a credential listener on one object only that object's revocations${unless('cross-object-access-feed')}`,
      async () => {
        const { store, another } = await fresh()
        const other = await another()
        const scim = await store.createToken('okta')
        const admin = await store.createAdminToken(['check'])
        let told = 0
        other.onCredentialChange(() => told++)
        await store.createToken('okta')
        await store.revokeToken(scim.info.id)
        if (can('cross-object-access-feed')) {
          expect(
            await eventually(
              async () => told,
              (count) => count >= 1,
              feedDelayMs,
            ),
          ).toBeGreaterThanOrEqual(1)
          const before = told
          await store.revokeAdminToken(admin.info.id)
          expect(
            await eventually(
              async () => told,
              (count) => count > before,
              feedDelayMs,
            ),
          ).toBeGreaterThan(before)
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100))
          expect(told).toBe(0)
        }
        const own = told
        const mine = await other.createAdminToken(['plan'])
        await other.revokeAdminToken(mine.info.id)
        expect(told).toBe(own + 1)
      },
    )

    it('commits, when an object closes, the writes it had started, and refuses writes after', async () => {
      const { store, another } = await fresh()
      const pending = ['ann', 'bob'].map((userName) => store.createUser('okta', { userName }, okta))
      await store.close()
      expect((await Promise.all(pending)).map((user) => user.version)).toEqual([1, 1])
      await expect(store.createUser('okta', { userName: 'late' }, okta)).rejects.toBeInstanceOf(StoreError)
      expect((await (await another()).snapshot()).users.map((user) => user.userName)).toEqual(['ann', 'bob'])
    })

    it('closes an object without touching the others, and closing twice is harmless', async () => {
      const { store, another } = await fresh()
      const other = await another()
      await store.createUser('okta', { userName: 'fay' }, okta)
      await other.close()
      await other.close()
      await expect(other.createUser('okta', { userName: 'late' }, okta)).rejects.toBeInstanceOf(StoreError)
      expect((await store.createUser('okta', { userName: 'gus' }, okta)).version).toBe(1)
      expect((await (await another()).snapshot()).users.map((user) => user.userName)).toEqual(['fay', 'gus'])
    })
  })
}
