// `rolecall store copy` as a whole process on the plan benchmark's store (100,000 users, 20,000 groups, 2,000,000
// memberships): SQLite to PostgreSQL, PostgreSQL back to SQLite, and SQLite to SQLite; wall time and peak RSS.
// Baseline, measured in the same run on the same server: PostgreSQL writing as many users and memberships of its
// own (INSERT … SELECT generate_series into a fresh rolecall schema, one transaction, secondary indexes and foreign
// keys built after the rows as a load builds them), the floor any copy of them pays for rows, indexes and WAL. Uses ROLECALL_BENCH_PG_URL (a server whose `postgres` database it may create
// databases from) or starts its own throw-away cluster. `BENCH_COPY_USERS=10000` picks another size.
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { startPostgres } from '../helpers/postgres.mjs'
import { generateStore, storeSizes } from './generate-store.mjs'
import { cli, createDatabase, repoRoot, runMeasured } from './lib.mjs'

const users = Number(process.env.BENCH_COPY_USERS ?? 100_000)
const targets = { ms: 20_000, mib: 1024 }
const cache = join(tmpdir(), 'rolecall-bench-copy')
mkdirSync(cache, { recursive: true })
const source = join(cache, `store-${users}.db`)
if (!existsSync(source)) {
  const made = await generateStore(source, { users })
  console.log(`generated ${source}: ${made.users} users, ${made.groups} groups, ${made.memberships} memberships in ${made.seconds.toFixed(1)} s`)
}

const cluster = process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const serverUrl = process.env.ROLECALL_BENCH_PG_URL ?? cluster.url
let made = 0
const freshDatabase = () => createDatabase(serverUrl, `copy_bench_${process.pid}_${++made}`)
const run = (args) => runMeasured(args, { ...process.env, NO_COLOR: '1' })

try {
  const memberships = users * storeSizes.membershipsPerUser
  const results = []
  const measure = (name, args) => {
    const result = run(args)
    results.push({ name, ...result })
    console.log(`${name}: ${(result.ms / 1000).toFixed(1)} s, peak RSS ${result.mib.toFixed(0)} MiB | target < ${targets.ms / 1000} s and ${targets.mib} MiB: ${result.ms < targets.ms && result.mib < targets.mib ? 'met' : 'OVER'}`)
    return result
  }

  // Baseline: the server writing as many rows of its own into the same schema, in one transaction.
  const floorUrl = await freshDatabase()
  const { openPostgresStore } = await import(join(repoRoot, 'dist/store/postgres/postgres-store.js'))
  await (await openPostgresStore(floorUrl)).close()
  const floorSql = postgres(floorUrl, { max: 1, onnotice: () => {} })
  const floorStart = process.hrtime.bigint()
  await floorSql.begin(async (sql) => {
    // As a load does: secondary indexes and foreign keys built once the rows are in.
    const indexes = await sql.unsafe(`SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`)
    const keys = await sql.unsafe(`SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`)
    for (const index of indexes) await sql.unsafe(`DROP INDEX "${index.indexname}"`)
    for (const key of keys) await sql.unsafe(`ALTER TABLE "${key.table}" DROP CONSTRAINT "${key.conname}"`)
    await sql.unsafe(`INSERT INTO connections VALUES ('okta', '2026-01-01T00:00:00.000Z')`)
    await sql.unsafe(`INSERT INTO users (id, connection, user_name, user_name_key, external_id, active, display_name, doc, created, last_modified, version)
      SELECT 'u' || n, 'okta', 'user' || n || '@bench.example', 'user' || n || '@bench.example', 'ext-' || n, true, NULL,
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user' || n || '@bench.example","externalId":"ext-' || n || '","name":{"givenName":"Given","familyName":"Family"},"emails":[{"value":"user' || n || '@bench.example","type":"work","primary":true}],"active":true}',
        '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1 FROM generate_series(1, ${users}) n`)
    await sql.unsafe(`INSERT INTO groups (id, connection, display_name, display_name_key, external_id, doc, created, last_modified, version)
      SELECT 'g' || n, 'okta', 'group-' || n, 'group-' || n, 'gx-' || n, '{"displayName":"group-' || n || '"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1
      FROM generate_series(1, ${storeSizes.groups}) n`)
    await sql.unsafe(`INSERT INTO memberships (group_rid, user_rid)
      SELECT DISTINCT 1 + (hashint4(n) & 2147483647) % ${storeSizes.groups}, 1 + (n / ${storeSizes.membershipsPerUser}) % ${users} FROM generate_series(0, ${memberships - 1}) n`)
    for (const index of indexes) await sql.unsafe(index.indexdef)
    for (const key of keys) await sql.unsafe(`ALTER TABLE "${key.table}" ADD CONSTRAINT "${key.conname}" ${key.definition}`)
  })
  const floorMs = Number(process.hrtime.bigint() - floorStart) / 1e6
  await floorSql.end()
  console.log(`baseline (PostgreSQL inserting ${users} users and ~${memberships} memberships of its own, one transaction, indexes and foreign keys after): ${(floorMs / 1000).toFixed(1)} s`)

  const target = await freshDatabase()
  const toPostgres = measure(`store copy SQLite → PostgreSQL (${users} users, ${memberships} memberships)`, [cli, 'store', 'copy', '--from', source, '--to', target])
  console.log(`  ratio to the baseline: ${(toPostgres.ms / floorMs).toFixed(2)}×`)
  const back = join(cache, `back-${users}.db`)
  const sqliteCopy = join(cache, `copy-${users}.db`)
  for (const file of [back, sqliteCopy]) for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
  measure('store copy PostgreSQL → SQLite', [cli, 'store', 'copy', '--from', target, '--to', back])
  measure('store copy SQLite → SQLite', [cli, 'store', 'copy', '--from', source, '--to', sqliteCopy])
  const heads = results.map((result) => /Target audit head: entry \d+, hash ([0-9a-f]{64})/.exec(result.stdout)?.[1])
  if (new Set(heads).size !== 1 || heads[0] === undefined) throw new Error(`the copies end at different audit heads: ${heads.join(', ')}`)
  console.log(`every copy ends at the source's audit head ${heads[0]}`)
  for (const file of [back, sqliteCopy]) for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
} finally {
  cluster?.destroy()
}
