// Builds the SCIM benchmark database: 100,000 users, 20,000 groups, 2,000,000 memberships (one group of 50,000, one empty).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { random, repoRoot } from './lib.mjs'

export const sizes = { users: 100_000, groups: 20_000, memberships: 2_000_000, bigGroup: 50_000 }
const seedVersion = 2


/** Path of the seeded database and its ids, building them once (cached in bench-out/). */
export async function seededDatabase() {
  const dir = join(repoRoot, 'bench-out', 'scim')
  const db = join(dir, `seed-v${seedVersion}.db`)
  const idsFile = join(dir, `seed-v${seedVersion}.json`)
  if (existsSync(db) && existsSync(idsFile)) return { db, ...JSON.parse(readFileSync(idsFile, 'utf8')) }
  mkdirSync(dir, { recursive: true })
  const building = `${db}.building`
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${building}${suffix}`, { force: true })
  const { openSqliteStore } = await import(join(repoRoot, 'dist/store/sqlite/sqlite-store.js'))
  const store = openSqliteStore(building)
  const next = random(42)
  const users = []
  for (let i = 0; i < sizes.users; i++) {
    users.push({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `user${i}@bench.example`,
      externalId: `ext-${i}`,
      name: { givenName: `Given${i}`, familyName: `Family${i % 977}` },
      emails: [{ value: `user${i}@bench.example`, type: 'work', primary: true }],
      active: true,
    })
  }
  // Group 0 holds 50,000 users (the first half); group 1 is empty; the rest share the remaining memberships.
  const groups = [
    { doc: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'big-group' }, memberIndexes: Array.from({ length: sizes.bigGroup }, (_, i) => i) },
    { doc: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'empty-group' }, memberIndexes: [] },
  ]
  const perGroup = Math.floor((sizes.memberships - sizes.bigGroup) / (sizes.groups - 2))
  let remainder = sizes.memberships - sizes.bigGroup - perGroup * (sizes.groups - 2)
  for (let g = 2; g < sizes.groups; g++) {
    const count = perGroup + (remainder-- > 0 ? 1 : 0)
    const start = Math.floor(next() * sizes.users)
    const step = 1 + Math.floor(next() * 997)
    // Distinct members: a stride through the users from a random start (step < users, coprime enough at this size).
    const memberIndexes = Array.from({ length: count }, (_, k) => (start + k * step) % sizes.users)
    groups.push({ doc: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `group-${g}`, externalId: `gx-${g}` }, memberIndexes })
  }
  const started = Date.now()
  const { userIds, groupIds } = store.bulkLoad('okta', users, groups)
  const { token } = await store.createToken('okta')
  const snapshot = await store.revision()
  await store.close()
  for (const suffix of ['-wal', '-shm']) rmSync(`${building}${suffix}`, { force: true })
  renameSync(building, db)
  const ids = {
    token,
    bigGroupId: groupIds[0],
    emptyGroupId: groupIds[1],
    // The big group holds the first 50,000 users; the rest can be added to it one at a time.
    userIds,
    sampleUserIds: userIds.filter((_, i) => i % 10 === 0),
    revision: snapshot,
  }
  writeFileSync(idsFile, JSON.stringify(ids))
  console.log(`seeded ${sizes.users} users, ${sizes.groups} groups, ${sizes.memberships} memberships in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return { db, ...ids }
}
