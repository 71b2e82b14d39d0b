// Access review campaigns as whole processes on the generated 5,000-group / 20,000-grant org at 100,000 users
// (20 IdP groups each): `review open` (population of high-risk access to svc-0..svc-4), `review check` on its items, and
// `review verify` of its evidence, each against `plan --format json` on the same store in the same run (the baseline:
// one pass of the same engine). `review check` is also timed on a second campaign of about 60,000 items (svc-0 and
// svc-1), the size the target names (50,000). Medians of BENCH_RUNS runs after a warm-up, as wall time and as CPU time
// (user + system: what a machine busy with other work inflates less). Stores are cached in $TMPDIR/rolecall-bench-review.
// `BENCH_REVIEW_USERS=20000` picks another size.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOrg } from './generate-org.mjs'
import { generateStore } from './generate-store.mjs'
import { cli, runMeasured } from './lib.mjs'

const users = Number(process.env.BENCH_REVIEW_USERS ?? 100_000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const targets = { openMs: 10_000, checkMs: 2000, verifyMs: 10_000 }
const cache = join(tmpdir(), 'rolecall-bench-review', 'v2')
const openedAt = '2025-06-01T00:00:00Z'
const env = { ...process.env, NO_COLOR: '1', ROLECALL_NOW: openedAt }

const review = `kind: Review
name: bench-privileged
scope:
  minRisk: high
  services: [svc-0, svc-1, svc-2, svc-3, svc-4]
every: 90d
reviewers:
  groups: [Group 0, Group 1]
deadline: 14d
undecided: escalate
---
kind: Review
name: bench-check
scope:
  minRisk: high
  services: [svc-0, svc-1]
every: 90d
reviewers:
  groups: [Group 0, Group 1]
deadline: 14d
undecided: escalate
`

/** `rolecall ...args` at `now` (every path it is given is absolute). */
const run = (args, now = openedAt, allowed = [0]) => runMeasured([cli, ...args], { ...env, ROLECALL_NOW: now }, { allowed })

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

mkdirSync(cache, { recursive: true })
const org = join(cache, 'org')
if (!existsSync(join(org, 'teams'))) {
  await generateOrg(org)
  mkdirSync(join(org, 'reviews'), { recursive: true })
  writeFileSync(join(org, 'reviews', 'campaigns.yaml'), review)
}
const db = join(cache, `store-${users}.db`)
if (!existsSync(db)) {
  const built = await generateStore(db, {
    users,
    beforeLoad: (path) => {
      const applied = spawnSync(process.execPath, [cli, 'apply', '--dir', org, '--db', path, '--approved-by', 'bench'], { env, encoding: 'utf8' })
      if (applied.status !== 0) throw new Error(`apply failed:\n${applied.stderr}`)
    },
  })
  console.log(`# built ${db}: ${built.users} users, ${built.groups} IdP groups, ${built.memberships} memberships in ${built.seconds.toFixed(1)} s`)
}

const work = join(cache, 'work')
const samples = { plan: [], open: [], check: [], check50k: [], verify: [] }
let checkItems
let opened
for (let i = 0; i <= runs; i++) {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  cpSync(db, join(work, 'store.db'))
  const common = ['--dir', org, '--db', join(work, 'store.db'), '--reviews', join(work, 'reviews')]
  const plan = run(['plan', '--dir', org, '--db', join(work, 'store.db'), '--format', 'json'])
  const open = run(['review', 'open', 'bench-privileged', ...common, '--commit', 'bench'])
  opened = open.stdout
  const id = /Opened review (\S+)/.exec(open.stdout)[1]
  const check = run(['review', 'check', id, ...common], openedAt, [2])
  const small = run(['review', 'open', 'bench-check', ...common, '--commit', 'bench'])
  checkItems = Number(/: (\d+) items/.exec(small.stdout)[1])
  const check50k = run(['review', 'check', /Opened review (\S+)/.exec(small.stdout)[1], ...common], openedAt, [2])
  const late = '2025-06-20T00:00:00Z'
  run(['review', 'close', id, ...common], late)
  run(['review', 'evidence', id, ...common, '--out', join(work, 'evidence')], late)
  const verify = run(['review', 'verify', join(work, 'evidence'), '--db', join(work, 'store.db')], late)
  if (!verify.stdout.includes('verifies')) throw new Error(`verify failed:\n${verify.stdout}`)
  if (i === 0) continue
  samples.plan.push(plan)
  samples.open.push(open)
  samples.check.push(check)
  samples.check50k.push(check50k)
  samples.verify.push(verify)
}
const items = Number(/: (\d+) items/.exec(opened)[1])
const medianOf = (list, field) => median(list.map((sample) => sample[field]))
const plan = medianOf(samples.plan, 'ms')
const planCpu = medianOf(samples.plan, 'cpuMs')
console.log(`# ${users} users, ${items} review items (${checkItems} in bench-check); medians of ${runs} runs; wall and CPU (user + system)`)
console.log(`plan --format json (baseline)       ${plan.toFixed(0).padStart(7)} ms wall ${planCpu.toFixed(0).padStart(7)} ms CPU`)
for (const [name, key, target] of [
  ['review open', 'open', targets.openMs],
  [`review check (${items} items)`, 'check', undefined],
  [`review check (${checkItems} items)`, 'check50k', targets.checkMs],
  ['review verify', 'verify', targets.verifyMs],
]) {
  const ms = medianOf(samples[key], 'ms')
  const cpu = medianOf(samples[key], 'cpuMs')
  const verdict = target === undefined ? '' : `  target < ${target} ms wall ${ms < target ? 'MET' : `MISSED${cpu < target ? ' (CPU time under it: a busy machine may explain the rest)' : ''}`}`
  console.log(`${name.padEnd(35)} ${ms.toFixed(0).padStart(7)} ms wall ${cpu.toFixed(0).padStart(7)} ms CPU  ${(ms / plan).toFixed(2)}× plan${verdict}`)
}
