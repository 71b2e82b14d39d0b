// `rolecall plan --format json` as a whole process at 10k, 100k and 300k users (20 memberships each, 20,000 IdP groups),
// on the generated 5,000-group / 20,000-grant org: with no changes, and with a change to 50 groups. Wall time and
// peak RSS, medians; time per user shows how cost grows. Stores are cached in $TMPDIR/rolecall-bench-plan.
// `BENCH_PLAN_USERS=10000,100000` picks sizes; `BENCH_RUNS` the runs per case (after one warm-up). Each size runs
// on SQLite and on PostgreSQL (the same store, copied with `rolecall store copy` into a database of ROLECALL_BENCH_PG_URL
// or of a throw-away cluster started here); `BENCH_PLAN_BACKENDS=sqlite` picks one.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres } from '../helpers/postgres.mjs'
import { generateOrg } from './generate-org.mjs'
import { generateStore } from './generate-store.mjs'
import { cli, createDatabase, runMeasured } from './lib.mjs'

const version = 1
const sizes = (process.env.BENCH_PLAN_USERS ?? '10000,100000,300000').split(',').map(Number)
const runs = Number(process.env.BENCH_RUNS ?? 5)
const backends = (process.env.BENCH_PLAN_BACKENDS ?? 'sqlite,postgres').split(',')
const targets = { users: 100_000, changeMs: 5000, noChangeMs: 3000, changeMiB: 1536 }
const cache = join(tmpdir(), 'rolecall-bench-plan', `v${version}`)
const env = { ...process.env, NO_COLOR: '1', ROLECALL_NOW: '2025-06-01T00:00:00Z' }

/** Copy of the org where 50 groups (the first of every 10th team file) swap their first grant for a new one. */
function changedOrg(org, dir) {
  cpSync(org, dir, { recursive: true })
  const teams = readdirSync(join(dir, 'teams')).sort()
  let changed = 0
  for (const [i, team] of teams.entries()) {
    if (i % 10 !== 0 || changed === 50) continue
    const file = join(dir, 'teams', team, 'groups.yaml')
    const text = readFileSync(file, 'utf8')
    const edited = text.replace(/resource: journey:(svc-\d+)\/flow-0-\*/, 'resource: journey:$1/bench-change-*')
    if (edited === text) throw new Error(`no grant to change in ${file}`)
    writeFileSync(file, edited)
    changed++
  }
  if (changed !== 50) throw new Error(`changed ${changed} groups, not 50`)
}

const run = (args) => runMeasured(args, env)

function measure(args) {
  const samples = []
  for (let i = 0; i <= runs; i++) {
    const sample = run(args)
    if (i > 0) samples.push(sample)
  }
  const mid = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
  return { ms: mid(samples.map((s) => s.ms)), mib: mid(samples.map((s) => s.mib)), max: Math.max(...samples.map((s) => s.mib)), stdout: samples[0].stdout }
}

mkdirSync(cache, { recursive: true })
const org = join(cache, 'org')
const changed = join(cache, 'org-changed')
if (!existsSync(join(changed, 'teams'))) {
  await generateOrg(org)
  changedOrg(org, changed)
}

const cluster = backends.includes('postgres') && process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const serverUrl = process.env.ROLECALL_BENCH_PG_URL ?? cluster?.url

/** A fresh PostgreSQL database holding a copy of the SQLite store at `db`. */
async function copiedDatabase(db, users) {
  const url = await createDatabase(serverUrl, `plan_bench_${process.pid}_${users}`)
  run([cli, 'store', 'copy', '--from', db, '--to', url, '--quiet'])
  return url
}

const results = []
for (const users of sizes) {
  const db = join(cache, `store-${users}.db`)
  if (!existsSync(db)) {
    const built = await generateStore(db, {
      users,
      // Apply the org to the empty store, then provision: the plans below are against that applied revision.
      beforeLoad: (path) => {
        const applied = spawnSync(process.execPath, [cli, 'apply', '--dir', org, '--db', path, '--approved-by', 'bench'], { env, encoding: 'utf8' })
        if (applied.status !== 0) throw new Error(`apply failed:\n${applied.stderr}`)
      },
    })
    console.log(`# built ${db}: ${built.users} users, ${built.groups} IdP groups, ${built.memberships} memberships in ${built.seconds.toFixed(1)} s`)
  }
  for (const backend of backends) {
    const location = backend === 'postgres' ? await copiedDatabase(db, users) : db
    const noChange = measure([cli, 'plan', '--format', 'json', '--dir', org, '--db', location])
    const change = measure([cli, 'plan', '--format', 'json', '--dir', changed, '--db', location])
    const plan = JSON.parse(change.stdout)
    if (JSON.parse(noChange.stdout).summary.hasChanges) throw new Error('the unchanged org planned changes')
    results.push({ backend, users, noChange, change, updates: plan.summary.objects.update, deltas: plan.access.length })
  }
}

console.log(`plan --format json, ${runs} runs per case (median after 1 warm-up); peak RSS from /usr/bin/time (or process.resourceUsage)`)
console.log('backend   users    memberships  no change: ms   MiB   µs/user | 50 groups: ms   MiB   µs/user  (access deltas)')
for (const { backend, users, noChange, change, updates, deltas } of results) {
  console.log(
    `${backend.padEnd(8)} ${String(users).padStart(7)}  ${String(users * 20).padStart(11)}  ${noChange.ms.toFixed(0).padStart(13)} ${noChange.mib.toFixed(0).padStart(5)} ${((1000 * noChange.ms) / users).toFixed(1).padStart(9)} | ${change.ms.toFixed(0).padStart(13)} ${change.mib.toFixed(0).padStart(5)} ${((1000 * change.ms) / users).toFixed(1).padStart(9)}  (${updates} groups, ${deltas})`,
  )
}
let isFailing = false
for (const at of results.filter((result) => result.users === targets.users)) {
  const checks = [
    [`${at.backend}: no change at 100k: ${at.noChange.ms.toFixed(0)} ms`, at.noChange.ms < targets.noChangeMs, `< ${targets.noChangeMs} ms`],
    [`${at.backend}: 50-group change at 100k: ${at.change.ms.toFixed(0)} ms`, at.change.ms < targets.changeMs, `< ${targets.changeMs} ms`],
    [`${at.backend}: 50-group change at 100k: ${at.change.max.toFixed(0)} MiB peak (max of runs)`, at.change.max < targets.changeMiB, `< ${targets.changeMiB} MiB`],
  ]
  for (const [what, ok, target] of checks) {
    console.log(`${what} | target ${target}${ok ? '' : ' — OVER'}`)
    if (!ok) isFailing = true
  }
}
for (const backend of backends) {
  const mine = results.filter((result) => result.backend === backend)
  for (let i = 1; i < mine.length; i++) {
    const [a, b] = [mine[i - 1], mine[i]]
    console.log(
      `${backend}: ${a.users} → ${b.users} users (×${(b.users / a.users).toFixed(0)}): no change ×${(b.noChange.ms / a.noChange.ms).toFixed(2)} time, ×${(b.noChange.mib / a.noChange.mib).toFixed(2)} memory; 50 groups ×${(b.change.ms / a.change.ms).toFixed(2)} time, ×${(b.change.mib / a.change.mib).toFixed(2)} memory`,
    )
  }
}
for (const sqlite of results.filter((result) => result.backend === 'sqlite')) {
  const pg = results.find((result) => result.backend === 'postgres' && result.users === sqlite.users)
  if (pg !== undefined) console.log(`${sqlite.users} users, postgres / sqlite (same run): no change ×${(pg.noChange.ms / sqlite.noChange.ms).toFixed(2)}, 50 groups ×${(pg.change.ms / sqlite.change.ms).toFixed(2)} time`)
}
process.exitCode = isFailing ? 1 : 0
