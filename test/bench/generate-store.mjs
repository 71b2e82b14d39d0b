// Builds a plan-benchmark store: N users, 20,000 IdP groups (the 5,000 that generate-org.mjs maps, the rest unmapped),
// 20 memberships per user. `node test/bench/generate-store.mjs DB [users]`. Needs `npm run build` (uses dist/).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { random, repoRoot } from './lib.mjs'

export const storeSizes = { groups: 20_000, mappedGroups: 5_000, membershipsPerUser: 20 }


/** The connection of IdP group `g`: as generate-org.mjs maps `idp-group-<g>` (every third on entra). */
function connectionOf(g) {
  return g % 3 === 0 ? 'entra' : 'okta'
}

/**
 * Writes the store at `db` (replacing it). Users are split between okta and entra in proportion to their groups;
 * each user joins 20 distinct random groups of their own connection; every 50th user is inactive. `beforeLoad(path)`,
 * when given, runs on the empty store before the directory is loaded.
 */
export async function generateStore(
  db,
  { users = 100_000, groups = storeSizes.groups, mappedGroups = storeSizes.mappedGroups, membershipsPerUser = storeSizes.membershipsPerUser, seed = 7, beforeLoad } = {},
) {
  mkdirSync(dirname(db), { recursive: true })
  const building = `${db}.building`
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${building}${suffix}`, { force: true })
  const { openSqliteStore } = await import(join(repoRoot, 'dist/store/sqlite/sqlite-store.js'))
  if (beforeLoad !== undefined) {
    // E.g. apply an access directory to the empty store first (`beforeLoad(path)`), as IdPs provision after an apply.
    await openSqliteStore(building).close()
    await beforeLoad(building)
  }
  const store = openSqliteStore(building)
  const next = random(seed)
  const started = Date.now()
  let userIndex = 0
  let memberships = 0
  for (const connection of ['okta', 'entra']) {
    const groupNumbers = []
    for (let g = 0; g < groups; g++) if (connectionOf(g) === connection) groupNumbers.push(g)
    const userCount = connection === 'entra' ? users - userIndex : Math.round((users * groupNumbers.length) / groups)
    const docs = []
    for (let i = 0; i < userCount; i++, userIndex++) {
      docs.push({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `user${userIndex}@bench.example`,
        externalId: `ext-${userIndex}`,
        name: { givenName: `Given${userIndex}`, familyName: `Family${userIndex % 977}` },
        emails: [{ value: `user${userIndex}@bench.example`, type: 'work', primary: true }],
        active: userIndex % 50 !== 49,
      })
    }
    const members = groupNumbers.map(() => [])
    const picked = new Set()
    for (let i = 0; i < userCount; i++) {
      picked.clear()
      while (picked.size < Math.min(membershipsPerUser, groupNumbers.length)) picked.add(Math.floor(next() * groupNumbers.length))
      for (const k of picked) members[k].push(i)
      memberships += picked.size
    }
    const groupDocs = groupNumbers.map((g, k) => ({
      doc: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: g < mappedGroups ? `idp-group-${g}` : `unmapped-${g}`,
        externalId: `gx-${g}`,
      },
      memberIndexes: members[k],
    }))
    store.bulkLoad(connection, docs, groupDocs)
  }
  await store.close()
  for (const suffix of ['-wal', '-shm']) rmSync(`${building}${suffix}`, { force: true })
  renameSync(building, db)
  return { users, groups, memberships, seconds: (Date.now() - started) / 1000 }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [db = join(repoRoot, 'bench-out', 'plan', 'store.db'), users] = process.argv.slice(2)
  if (existsSync(db)) rmSync(db)
  const result = await generateStore(db, { users: users === undefined ? undefined : Number(users) })
  console.log(`generated ${db}: ${result.users} users, ${result.groups} groups, ${result.memberships} memberships in ${result.seconds.toFixed(1)} s`)
}
