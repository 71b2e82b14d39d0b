// The first full apply as a whole process: `rolecall apply --dir` of the generated 5,000-group / 20,000-grant org
// to a store that IdPs populated and nothing was applied to yet (100,000 users, 20,000 IdP groups, 2,000,000
// memberships: about 3.1 million access changes), on SQLite and on PostgreSQL. Wall time and peak RSS, medians of
// `BENCH_RUNS` runs (each on a fresh copy of the populated store; the copy is not timed). PostgreSQL uses
// ROLECALL_BENCH_PG_URL (a server whose `postgres` database it may create databases from) or starts its own
// throw-away cluster; its populated stores are made with `rolecall store copy`. `BENCH_APPLY_USERS` picks another
// size, `BENCH_APPLY_BACKENDS=sqlite` one backend. The PostgreSQL/SQLite ratio of the same run is printed.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPostgres } from '../helpers/postgres.mjs'
import { generateOrg } from './generate-org.mjs'
import { generateStore } from './generate-store.mjs'
import { cli, createDatabase, dropDatabase, runMeasured } from './lib.mjs'

const users = Number(process.env.BENCH_APPLY_USERS ?? 100_000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const backends = (process.env.BENCH_APPLY_BACKENDS ?? 'sqlite,postgres').split(',')
const targets = { users: 100_000, ms: 10_000, mib: 1024 }
const cache = join(tmpdir(), 'rolecall-bench-apply', 'v1')
const env = { ...process.env, NO_COLOR: '1', ROLECALL_NOW: '2025-06-01T00:00:00Z' }

const run = (args) => runMeasured(args, env)

mkdirSync(cache, { recursive: true })
const org = join(cache, 'org')
if (!existsSync(join(org, 'teams'))) await generateOrg(org)
const populated = join(cache, `populated-${users}.db`)
if (!existsSync(populated)) {
  const made = await generateStore(populated, { users })
  console.log(`# built ${populated}: ${made.users} users, ${made.groups} IdP groups, ${made.memberships} memberships in ${made.seconds.toFixed(1)} s`)
}

const cluster = backends.includes('postgres') && process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const serverUrl = process.env.ROLECALL_BENCH_PG_URL ?? cluster?.url
let databases = 0

/** A fresh PostgreSQL database holding a copy of the populated store. */
async function populatedDatabase() {
  const name = `apply_bench_${process.pid}_${++databases}`
  const url = await createDatabase(serverUrl, name)
  run([cli, 'store', 'copy', '--from', populated, '--to', url, '--quiet'])
  return { url, name }
}

/** This process's SQLite target, made afresh from the populated store for each run. */
const target = join(cache, `apply-target-${users}-${process.pid}.db`)
const removeTarget = () => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true })
}

function populatedFile() {
  removeTarget()
  copyFileSync(populated, target)
  return target
}

const apply = (db) => run([cli, 'apply', '--dir', org, '--db', db, '--approved-by', 'bench'])
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

try {
  // Backends alternate run by run, so that both see the machine alike.
  const samples = new Map(backends.map((backend) => [backend, []]))
  for (let i = 0; i < runs; i++) {
    for (const backend of backends) {
      let sample
      if (backend === 'sqlite') sample = apply(populatedFile())
      else {
        const database = await populatedDatabase()
        sample = apply(database.url)
        await dropDatabase(serverUrl, database.name)
      }
      if (!/^Applied r1: \d+ document changes, \d+ access changes/.test(sample.stdout)) throw new Error(`unexpected apply output: ${sample.stdout}`)
      samples.get(backend).push(sample)
    }
  }
  console.log(`first full apply of ${users} users, ${runs} runs per backend (median); peak RSS from /usr/bin/time (or process.resourceUsage)`)
  console.log(`  ${samples.values().next().value[0].stdout.trim()}`)
  let isFailing = false
  const medians = new Map()
  for (const [backend, list] of samples) {
    const ms = median(list.map((sample) => sample.ms))
    const mib = median(list.map((sample) => sample.mib))
    const max = Math.max(...list.map((sample) => sample.mib))
    medians.set(backend, ms)
    const isMet = ms < targets.ms && max < targets.mib
    if (users === targets.users && !isMet) isFailing = true
    console.log(
      `${backend.padEnd(9)} ${(ms / 1000).toFixed(1).padStart(6)} s (min ${(Math.min(...list.map((s) => s.ms)) / 1000).toFixed(1)}, max ${(Math.max(...list.map((s) => s.ms)) / 1000).toFixed(1)}), peak RSS ${mib.toFixed(0)} MiB (max ${max.toFixed(0)})` +
        (users === targets.users ? ` | target < ${targets.ms / 1000} s and ${targets.mib} MiB${isMet ? '' : ' — OVER'}` : ''),
    )
  }
  if (medians.has('sqlite') && medians.has('postgres')) console.log(`postgres / sqlite: ×${(medians.get('postgres') / medians.get('sqlite')).toFixed(2)} time`)
  process.exitCode = isFailing ? 1 : 0
} finally {
  removeTarget()
  cluster?.destroy()
}
