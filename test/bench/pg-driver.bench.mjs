// The PostgreSQL driver, measured: postgres.js (the one rolecall uses) against node-postgres (pg), back to back and
// alternating, on the user lookup of GET /Users/{id} and on a member PATCH's transaction, at 1 and 32 in flight.
// node-postgres is not a dependency: `npm install --no-save pg` to compare; without it, postgres.js alone is measured.
import postgres from 'postgres'
import { startPostgres } from '../helpers/postgres.mjs'

const pg = await import('pg').then(
  (module) => module.default,
  () => undefined,
)
if (pg === undefined) console.log('node-postgres (pg) is not installed: measuring postgres.js alone (npm install --no-save pg to compare)')

const server = await startPostgres()
const url = await server.createDatabase()
const setup = postgres(url, { max: 1, onnotice: () => undefined })
await setup.unsafe(`
CREATE TABLE users (rid bigserial PRIMARY KEY, id text UNIQUE NOT NULL, connection text NOT NULL, user_name_key text NOT NULL, doc jsonb NOT NULL, created text, last_modified text, version int NOT NULL);
CREATE TABLE groups (rid bigserial PRIMARY KEY, id text UNIQUE NOT NULL, connection text NOT NULL, doc jsonb NOT NULL, last_modified text, version int NOT NULL);
CREATE TABLE memberships (group_rid bigint, user_rid bigint, PRIMARY KEY (group_rid, user_rid));
CREATE TABLE state (key text PRIMARY KEY, value bigint NOT NULL); INSERT INTO state VALUES ('revision', 0);
CREATE TABLE audit (seq bigint PRIMARY KEY, at text, actor text, detail jsonb, prev_hash text, hash text);
INSERT INTO users (id, connection, user_name_key, doc, created, last_modified, version)
  SELECT 'u' || g, 'okta', 'user' || g || '@example.com', jsonb_build_object('userName', 'user' || g || '@example.com', 'active', true, 'name', jsonb_build_object('givenName', 'G', 'familyName', 'F' || g)), 'now', 'now', 1 FROM generate_series(1, 20000) g;
INSERT INTO groups (id, connection, doc, last_modified, version) SELECT 'g' || g, 'okta', jsonb_build_object('displayName', 'group ' || g), 'now', 1 FROM generate_series(1, 100) g;
ANALYZE;
`)
await setup.end()

const lookupSql = 'SELECT id, connection, doc, created, last_modified, version FROM users WHERE id = $1 AND connection = $2'
let n = 0
const nextUser = () => `u${(n++ % 20000) + 1}`

const pgPool = pg === undefined ? undefined : new pg.Pool({ connectionString: url, max: 10 })
const pjs = postgres(url, { max: 10 })

const drivers = {
  ...(pgPool === undefined
    ? {}
    : {
        pg: {
          lookup: async () => (await pgPool.query({ name: 'lookup', text: lookupSql, values: [nextUser(), 'okta'] })).rows[0],
          patch: async () => {
            const client = await pgPool.connect()
            try {
              await client.query('BEGIN')
              const rev = (await client.query({ name: 'rev', text: `SELECT value FROM state WHERE key = 'revision' FOR UPDATE` })).rows[0].value
              const g = (await client.query({ name: 'grp', text: 'SELECT rid, version FROM groups WHERE id = $1 AND connection = $2 FOR UPDATE', values: [`g${(n % 100) + 1}`, 'okta'] })).rows[0]
              await client.query({
                name: 'mem',
                text: `WITH ins AS (INSERT INTO memberships SELECT $1, rid FROM users WHERE id = $2 AND connection = 'okta' ON CONFLICT DO NOTHING RETURNING 1),
           up AS (UPDATE groups SET version = version + 1, last_modified = 'now' WHERE rid = $1 RETURNING 1),
           st AS (UPDATE state SET value = value + 1 WHERE key = 'revision' RETURNING value)
           INSERT INTO audit SELECT value, 'now', 'scim', '{"added":1}'::jsonb, 'p', 'h' FROM st`,
                values: [g.rid, nextUser()],
              })
              await client.query('COMMIT')
              return rev
            } catch (e) {
              await client.query('ROLLBACK')
              throw e
            } finally {
              client.release()
            }
          },
        },
      }),
  postgres: {
    lookup: async () => (await pjs.unsafe(lookupSql, [nextUser(), 'okta'], { prepare: true }))[0],
    patch: async () =>
      pjs.begin(async (sql) => {
        const [{ value: rev }] = await sql`SELECT value FROM state WHERE key = 'revision' FOR UPDATE`
        const [g] = await sql`SELECT rid, version FROM groups WHERE id = ${`g${(n % 100) + 1}`} AND connection = 'okta' FOR UPDATE`
        await sql`WITH ins AS (INSERT INTO memberships SELECT ${g.rid}, rid FROM users WHERE id = ${nextUser()} AND connection = 'okta' ON CONFLICT DO NOTHING RETURNING 1),
           up AS (UPDATE groups SET version = version + 1, last_modified = 'now' WHERE rid = ${g.rid} RETURNING 1),
           st AS (UPDATE state SET value = value + 1 WHERE key = 'revision' RETURNING value)
           INSERT INTO audit SELECT value, 'now', 'scim', '{"added":1}'::jsonb, 'p', 'h' FROM st`
        return rev
      }),
  },
}

async function measure(fn, concurrency, ms) {
  let done = 0
  const end = Date.now() + ms
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await fn()
        done++
      }
    }),
  )
  return Math.round(done / (ms / 1000))
}

for (const op of ['lookup', 'patch']) {
  for (const c of [1, 32]) {
    const names = Object.keys(drivers)
    const results = Object.fromEntries(names.map((name) => [name, []]))
    for (let round = 0; round < 3; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        await measure(drivers[name][op], c, 300)
        results[name].push(await measure(drivers[name][op], c, 2000))
      }
    }
    const med = (xs) => xs.sort((a, b) => a - b)[1]
    const ratio = results.pg === undefined ? '' : `; postgres.js/pg = ${(med(results.postgres) / med(results.pg)).toFixed(2)}`
    console.log(`${op} c=${c}: ${names.map((name) => `${name} ${results[name].join('/')} ops/s`).join(', ')}${ratio}`)
  }
}
await pgPool?.end()
await pjs.end()
await setup.end()
server.destroy()
