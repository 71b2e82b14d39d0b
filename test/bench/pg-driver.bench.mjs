// PostgreSQL drivers compared on the store's two hottest statements: the user lookup of GET /Users/{id} and the
// transaction of a member PATCH (lock the chain head, read the group, add one membership, bump version and
// revision, append an audit row). Each driver runs back to back, alternating, at concurrency 1 and 32.
// Uses ROLECALL_BENCH_PG_URL (a database it may fill) or starts its own throw-away cluster.
//   node test/bench/pg-driver.bench.mjs [seconds-per-run]
import { createHash } from 'node:crypto'
import { startPostgres } from '../helpers/postgres.mjs'

const seconds = Number(process.argv[2] ?? 3)
const rounds = 2
const userCount = 20_000
const groupCount = 64

/** The drivers measured: those installed (the one not chosen may have been removed after measuring). */
const drivers = []
try {
  const { default: postgres } = await import('postgres')
  drivers.push(postgresJs(postgres))
} catch {}
try {
  const { default: pg } = await import('pg')
  drivers.push(nodePostgres(pg))
} catch {}
if (drivers.length === 0) throw new Error('neither postgres nor pg is installed')

const cluster = process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const url = process.env.ROLECALL_BENCH_PG_URL ?? (await cluster.createDatabase())

const schema = `
  DROP TABLE IF EXISTS bench_memberships, bench_users, bench_groups, bench_audit, bench_head, bench_state;
  CREATE TABLE bench_users (rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, connection text NOT NULL,
    user_name_key text NOT NULL, doc text NOT NULL, created text NOT NULL, last_modified text NOT NULL, version integer NOT NULL);
  CREATE TABLE bench_groups (rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, connection text NOT NULL,
    doc text NOT NULL, created text NOT NULL, last_modified text NOT NULL, version integer NOT NULL);
  CREATE TABLE bench_memberships (group_rid bigint NOT NULL, user_rid bigint NOT NULL, PRIMARY KEY (group_rid, user_rid));
  CREATE TABLE bench_head (id integer PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL);
  CREATE TABLE bench_state (key text PRIMARY KEY, value bigint NOT NULL);
  CREATE TABLE bench_audit (seq bigint PRIMARY KEY, at text NOT NULL, actor text NOT NULL, action text NOT NULL, resource_id text,
    detail text, prev_hash text NOT NULL, hash text NOT NULL);
  INSERT INTO bench_head VALUES (1, 0, '${'0'.repeat(64)}');
  INSERT INTO bench_state VALUES ('revision', 0);
  INSERT INTO bench_users (id, connection, user_name_key, doc, created, last_modified, version)
    SELECT 'u' || n, 'okta', 'user' || n || '@example.com',
      '{"userName":"user' || n || '@example.com","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"value":"user' || n || '@example.com","primary":true}],"active":true}',
      '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1
    FROM generate_series(1, ${userCount}) n;
  INSERT INTO bench_groups (id, connection, doc, created, last_modified, version)
    SELECT 'g' || n, 'okta', '{"displayName":"group ' || n || '"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1 FROM generate_series(1, ${groupCount}) n;
  ANALYZE;
`

const lookupSql = 'SELECT rid, id, connection, doc, created, last_modified, version FROM bench_users WHERE id = $1 AND connection = $2'
const lockSql = `SELECT h.seq, h.hash, s.value AS revision, g.rid, g.doc, g.version FROM bench_head h CROSS JOIN bench_state s
  LEFT JOIN bench_groups g ON g.id = $1 AND g.connection = $2 WHERE h.id = 1 AND s.key = 'revision' FOR UPDATE OF h`
const addSql = `INSERT INTO bench_memberships (group_rid, user_rid) SELECT $1, u.rid FROM bench_users u WHERE u.id = $2 AND u.connection = $3
  ON CONFLICT DO NOTHING RETURNING user_rid`
const writeSql = `WITH g AS (UPDATE bench_groups SET version = version + 1, last_modified = $1 WHERE rid = $2),
  s AS (UPDATE bench_state SET value = value + 1 WHERE key = 'revision'),
  h AS (UPDATE bench_head SET seq = $3, hash = $4 WHERE id = 1)
  INSERT INTO bench_audit (seq, at, actor, action, resource_id, detail, prev_hash, hash) VALUES ($3, $1, 'scim:okta', 'group.modify', $5, $6, $7, $4)`

const pick = (n) => 1 + Math.floor(Math.random() * n)

/** What the JS side of a member PATCH does between its statements: the new audit entry and its hash. */
function auditEntry(head, groupId, userId) {
  const at = new Date().toISOString()
  const seq = Number(head.seq) + 1
  const detail = JSON.stringify({ added: 1, addedIds: [userId], removed: 0 })
  const hash = createHash('sha256').update(`${head.hash}\n${seq}${at}${detail}`).digest('hex')
  return { at, seq, detail, hash, prevHash: head.hash, groupId }
}

function postgresJs(postgres) {
  let sql
  return {
    name: 'postgres',
    open: async (max) => {
      sql = postgres(url, { max, onnotice: () => {} })
      await sql`SELECT 1`
    },
    close: () => sql.end(),
    lookup: async () => {
      const rows = await sql.unsafe(lookupSql, [`u${pick(userCount)}`, 'okta'], { prepare: true })
      if (rows.length !== 1) throw new Error('no user')
    },
    /** 3 round trips: BEGIN pipelined with the lock and group read; the membership; the write pipelined with COMMIT. */
    patch: async () => {
      const groupId = `g${pick(groupCount)}`
      const userId = `u${pick(userCount)}`
      const tx = await sql.reserve()
      try {
        const [, lock] = await Promise.all([tx.unsafe('BEGIN'), tx.unsafe(lockSql, [groupId, 'okta'], { prepare: true })])
        const head = lock[0]
        await tx.unsafe(addSql, [head.rid, userId, 'okta'], { prepare: true })
        const entry = auditEntry(head, groupId, userId)
        await Promise.all([tx.unsafe(writeSql, [entry.at, head.rid, entry.seq, entry.hash, groupId, entry.detail, entry.prevHash], { prepare: true }), tx.unsafe('COMMIT')])
      } catch (error) {
        await tx.unsafe('ROLLBACK').catch(() => {})
        throw error
      } finally {
        tx.release()
      }
    },
  }
}

function nodePostgres(pg) {
  let pool
  return {
    name: 'pg',
    open: async (max) => {
      pool = new pg.Pool({ connectionString: url, max })
      await pool.query('SELECT 1')
    },
    close: () => pool.end(),
    lookup: async () => {
      const result = await pool.query({ name: 'lookup', text: lookupSql, values: [`u${pick(userCount)}`, 'okta'] })
      if (result.rows.length !== 1) throw new Error('no user')
    },
    /** 5 round trips: node-postgres sends one query at a time per connection. */
    patch: async () => {
      const groupId = `g${pick(groupCount)}`
      const userId = `u${pick(userCount)}`
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const head = (await client.query({ name: 'lock', text: lockSql, values: [groupId, 'okta'] })).rows[0]
        await client.query({ name: 'add', text: addSql, values: [head.rid, userId, 'okta'] })
        const entry = auditEntry(head, groupId, userId)
        await client.query({ name: 'write', text: writeSql, values: [entry.at, head.rid, entry.seq, entry.hash, groupId, entry.detail, entry.prevHash] })
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        client.release()
      }
    },
  }
}

/** Ops per second of `op` run by `concurrency` loops for `seconds`. */
async function measure(op, concurrency) {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  const loop = async () => {
    while (performance.now() < deadline) {
      await op()
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, loop))
  return done / ((performance.now() - started) / 1000)
}

async function main() {
  const admin = drivers.find((driver) => driver.name === 'postgres') ?? drivers[0]
  await runScript(admin, schema)
  const results = new Map()
  for (const op of ['lookup', 'patch']) {
    for (const concurrency of [1, 32]) {
      for (let round = 0; round < rounds; round++) {
        // Alternate which driver goes first, so that neither always runs on a warmer server.
        const order = round % 2 === 0 ? drivers : [...drivers].reverse()
        for (const driver of order) {
          await driver.open(concurrency)
          await measure(driver[op], concurrency).catch(() => 0)
          const rate = await measure(driver[op], concurrency)
          await driver.close()
          const key = `${op} c=${concurrency} ${driver.name}`
          results.set(key, [...(results.get(key) ?? []), rate])
        }
      }
    }
  }
  console.log(`pg-driver: ${userCount} users, ${groupCount} groups, ${seconds} s per run, best of ${rounds} alternating rounds`)
  for (const op of ['lookup', 'patch']) {
    for (const concurrency of [1, 32]) {
      const best = drivers.map((driver) => ({ name: driver.name, rate: Math.max(...results.get(`${op} c=${concurrency} ${driver.name}`)) }))
      const line = best.map((entry) => `${entry.name} ${entry.rate.toFixed(0)} ops/s`).join('   ')
      const ratio = best.length === 2 ? `   postgres/pg ${(best.find((b) => b.name === 'postgres').rate / best.find((b) => b.name === 'pg').rate).toFixed(2)}` : ''
      console.log(`  ${op === 'lookup' ? 'user by id  ' : 'member PATCH'} c=${String(concurrency).padEnd(2)}  ${line}${ratio}`)
    }
  }
}

async function runScript(driver, script) {
  if (driver.name === 'postgres') {
    const { default: postgres } = await import('postgres')
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    await sql.unsafe(script)
    await sql.end()
  } else {
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(script)
    await client.end()
  }
}

try {
  await main()
} finally {
  cluster?.destroy()
}
