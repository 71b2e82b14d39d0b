import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { directoryWithTable, membershipsOfTable, membershipTableOf, tableOfMemberships } from '../../src/engine/membership-table.js'
import type { Directory } from '../../src/engine/types.js'
import { canonicalDirectory, directoryDigest } from '../../src/plan/make-plan.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { memoryStore } from '../helpers/memory-store.js'
import { seededRandom } from '../helpers/random.js'

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The digest as specified: sha256 of the canonical JSON of rows sorted by id and sorted `groupId\u0000userId` texts. */
function referenceDigest(directory: Directory): string {
  const byId = (a: { id: string }, b: { id: string }) => byText(a.id, b.id)
  const doc = {
    groups: [...directory.groups].sort(byId).map((group) => [group.id, group.connection, group.displayName, group.externalId ?? null]),
    memberships: directory.memberships.map((entry) => `${entry.groupId}\u0000${entry.userId}`).sort(),
    users: [...directory.users].sort(byId).map((user) => [user.id, user.connection, user.userName, user.externalId ?? null, user.active]),
  }
  return `sha256:${createHash('sha256').update(JSON.stringify(doc)).digest('hex')}`
}

function randomDirectory(seed: number, ids: readonly string[]): Directory {
  const random = seededRandom(seed)
  const pick = () => ids[Math.floor(random() * ids.length)] as string
  const users = [...new Set(Array.from({ length: 12 }, pick))].map((id, i) => ({ id, connection: 'okta', userName: `u${i}`, active: random() < 0.8, ...(random() < 0.5 ? { externalId: `x${i}` } : {}) }))
  const groups = [...new Set(Array.from({ length: 6 }, pick))].map((id, i) => ({ id, connection: 'okta', displayName: `g${i}` }))
  const memberships = Array.from({ length: 30 }, () => ({ groupId: (groups[Math.floor(random() * groups.length)] as { id: string }).id, userId: (users[Math.floor(random() * users.length)] as { id: string }).id }))
  return { users, groups, memberships }
}

describe('membership table', () => {
  it('lists memberships by group id, then user id, keeping duplicates', () => {
    const table = tableOfMemberships([
      { groupId: 'g2', userId: 'b' },
      { groupId: 'g1', userId: 'c' },
      { groupId: 'g2', userId: 'a' },
      { groupId: 'g1', userId: 'a' },
      { groupId: 'g2', userId: 'a' },
    ])
    expect(table.groupIds).toEqual(['g1', 'g2'])
    expect(table.userIds).toEqual(['a', 'b', 'c'])
    expect(membershipsOfTable(table)).toEqual([
      { groupId: 'g1', userId: 'a' },
      { groupId: 'g1', userId: 'c' },
      { groupId: 'g2', userId: 'a' },
      { groupId: 'g2', userId: 'a' },
      { groupId: 'g2', userId: 'b' },
    ])
  })

  it('gives the specified directory digest from a list in any order or from a table, with or without NULs and escapes in ids', () => {
    const idSets = [
      ['a', 'b', 'c', 'ab', 'b1', 'ba', 'c0', 'd', 'e', 'f', 'g', 'h'],
      ['a', 'a\u0000', 'a\u0000b', 'ab', '\u0000', 'b\u0000a', 'b', 'c"', 'c\\', 'é', '\u{1F600}', '\uFFFF'],
    ]
    for (const [n, ids] of idSets.entries()) {
      for (let seed = 1; seed <= 40; seed++) {
        const directory = randomDirectory(seed * 7 + n, ids)
        const expected = referenceDigest(directory)
        expect(directoryDigest(directory)).toBe(expected)
        expect(directoryDigest({ ...directory, memberships: [...directory.memberships].reverse() })).toBe(expected)
        const table = tableOfMemberships(directory.memberships)
        expect(directoryDigest(directoryWithTable({ users: directory.users, groups: directory.groups }, table))).toBe(expected)
      }
    }
  })

  it('builds the list of a table-backed directory only when read; copies and replaced lists drop the table', () => {
    const table = tableOfMemberships([
      { groupId: 'g', userId: 'u2' },
      { groupId: 'g', userId: 'u1' },
    ])
    const directory = directoryWithTable({ users: [], groups: [] }, table)
    expect(membershipTableOf(directory)).toBe(table)
    expect(directory.memberships).toEqual([
      { groupId: 'g', userId: 'u1' },
      { groupId: 'g', userId: 'u2' },
    ])
    expect(directory.memberships).toBe(directory.memberships)
    const copy = { ...directory, memberships: directory.memberships.slice(1) }
    expect(copy.membershipTable).toBeUndefined()
    expect(membershipsOfTable(membershipTableOf(copy))).toEqual([{ groupId: 'g', userId: 'u2' }])
    directory.memberships = [{ groupId: 'h', userId: 'u3' }]
    expect(directory.membershipTable).toBeUndefined()
    expect(membershipsOfTable(membershipTableOf(directory))).toEqual([{ groupId: 'h', userId: 'u3' }])
  })

  it('is how the SQLite store snapshots memberships', async () => {
    const store = memoryStore()
    const scim = { actor: 'scim:okta' }
    const users = []
    for (const name of ['carol', 'alice', 'bob']) users.push(await store.createUser('okta', { userName: name }, scim))
    const ids = users.map((user) => user.id)
    const first = await store.createGroup('okta', { displayName: 'z' }, ids, scim)
    const second = await store.createGroup('okta', { displayName: 'a' }, [ids[2] as string, ids[0] as string], scim)
    await store.createGroup('okta', { displayName: 'empty' }, [], scim)
    const snapshot = await store.snapshot()
    expect(snapshot.membershipTable).toBeDefined()
    const expected = [
      ...ids.map((userId) => ({ groupId: first.id, userId })),
      { groupId: second.id, userId: ids[2] as string },
      { groupId: second.id, userId: ids[0] as string },
    ].sort((a, b) => byText(a.groupId, b.groupId) || byText(a.userId, b.userId))
    expect(snapshot.memberships).toEqual(expected)
    expect(directoryDigest(snapshot)).toBe(referenceDigest({ users: snapshot.users, groups: snapshot.groups, memberships: expected }))
    await store.close()
  })

  it('orders ids by code units where the byte order of SQLite differs (ids the store did not make)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolecall-table-'))
    try {
      const path = join(dir, 'rolecall.db')
      const store = openSqliteStore(path)
      const scim = { actor: 'scim:okta' }
      const users = []
      for (const name of ['a', 'b', 'c', 'd']) users.push(await store.createUser('okta', { userName: name }, scim))
      const groups = []
      for (const name of ['g1', 'g2', 'g3']) groups.push(await store.createGroup('okta', { displayName: name }, users.map((user) => user.id), scim))
      await store.close()
      // U+FFFF sorts after U+1F600 in UTF-8 bytes and before it in UTF-16 code units.
      const db = new Database(path)
      const userIds = ['\uFFFF-u', '\u{1F600}-u', 'z-u', 'A-u']
      const groupIds = ['\uFFFF-g', '\u{1F600}-g', 'b-g']
      users.forEach((user, i) => db.prepare('UPDATE users SET id = ? WHERE id = ?').run(userIds[i], user.id))
      groups.forEach((group, i) => db.prepare('UPDATE groups SET id = ? WHERE id = ?').run(groupIds[i], group.id))
      db.close()
      const reopened = openSqliteStore(path)
      const snapshot = await reopened.snapshot()
      await reopened.close()
      const expected = [...groupIds].sort().flatMap((groupId) => [...userIds].sort().map((userId) => ({ groupId, userId })))
      expect(snapshot.memberships).toEqual(expected)
      expect(directoryDigest(snapshot)).toBe(referenceDigest({ users: snapshot.users, groups: snapshot.groups, memberships: expected }))
      const canonical = canonicalDirectory(snapshot)
      expect(canonical.users.map((user) => user.id)).toEqual([...userIds].sort())
      expect(canonical.groups.map((group) => group.id)).toEqual([...groupIds].sort())
      expect(snapshot.users.map((user) => user.userName)).toEqual(['a', 'b', 'c', 'd'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
