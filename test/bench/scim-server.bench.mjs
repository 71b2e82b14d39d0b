// SCIM server throughput and latency under load (autocannon, in this process) against `rolecall serve` (its own process),
// as ratios to a Hono hello-world measured in the same run. Seeded with 100k users, 20k groups, 2M memberships.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { cli, repoRoot } from './lib.mjs'
import { measure as measureLoad, startProcess, stopProcess } from './load.mjs'
import { seededDatabase, sizes } from './scim-seed.mjs'

const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const duration = Number(process.env.BENCH_SECONDS ?? 6)

const measure = (name, options) => measureLoad(name, options, { connections, duration })
const stop = stopProcess

const seed = await seededDatabase()
const workDir = join(repoRoot, 'bench-out', 'scim', 'run')
rmSync(workDir, { recursive: true, force: true })
mkdirSync(workDir, { recursive: true })
const db = join(workDir, 'rolecall.db')
copyFileSync(seed.db, db)
if (!existsSync(db)) throw new Error('seed copy failed')

const auth = { authorization: `Bearer ${seed.token}`, 'content-type': 'application/scim+json' }
const results = []

const hello = await startProcess([join(repoRoot, 'test/bench/scim-hello.mjs')])
results.push(await measure('hello world', { url: `${hello.url}/` }))
await stop(hello)

const server = await startProcess([cli, 'serve', '--port', '0', '--db', db])

/**
 * Each connection gets its own prebuilt list of requests (autocannon builds them once and cycles), so the load
 * generator spends its time sending, not building, and writes do not collide across connections.
 */
function perConnection(build) {
  let index = 0
  return { setupClient: (client) => client.setRequests(build(index++)) }
}
const perClient = (items, i, size) => Array.from({ length: size }, (_, k) => items[(i * size + k) % items.length])

results.push(
  await measure('GET /Users/{id}', {
    url: server.url,
    ...perConnection((i) => perClient(seed.sampleUserIds, i, 200).map((id) => ({ method: 'GET', path: `/scim/v2/Users/${id}`, headers: auth }))),
  }),
)
results.push(
  await measure('GET /Users?filter=userName eq', {
    url: server.url,
    ...perConnection((i) =>
      Array.from({ length: 200 }, (_, k) => ({
        method: 'GET',
        path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${(i * 200 + k) * 7 % sizes.users}@bench.example"`)}`,
        headers: auth,
      })),
    ),
  }),
)
const patchBody = (id) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })
// Non-members to add: users 50,000+ for the big group; users below 50,000 for the empty one (same count each).
// Each connection adds its own 500 (warm-up and measurement take different ones); past that it cycles, and a
// repeated add is a no-op success that still costs a full audited write.
const patches = (groupId, candidates) =>
  perConnection((i) => perClient(candidates, i, 500).map((id) => ({ method: 'PATCH', path: `/scim/v2/Groups/${groupId}`, headers: auth, body: patchBody(id) })))
results.push(await measure('PATCH add member, empty group', { url: server.url, ...patches(seed.emptyGroupId, seed.userIds.slice(0, sizes.bigGroup)) }))
results.push(await measure('PATCH add member, 50k group', { url: server.url, ...patches(seed.bigGroupId, seed.userIds.slice(sizes.bigGroup)) }))
const runId = Date.now().toString(36)
results.push(
  await measure('POST /Users', {
    url: server.url,
    ...perConnection((i) =>
      Array.from({ length: 3000 }, (_, k) => ({
        method: 'POST',
        path: '/scim/v2/Users',
        headers: auth,
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `new-${runId}-${i}-${k}@bench.example`, active: true }),
      })),
    ),
  }),
)
await stop(server)
// The baseline again, so that a machine that got busier or quieter during the run does not skew the ratios.
const helloAgain = await startProcess([join(repoRoot, 'test/bench/scim-hello.mjs')])
const helloEnd = await measure('hello world (end)', { url: `${helloAgain.url}/` })
await stop(helloAgain)
rmSync(workDir, { recursive: true, force: true })

results[0].rps = (results[0].rps + helloEnd.rps) / 2
console.log(`hello world: ${results[0].rps.toFixed(0)} req/s (mean of ${(2 * results[0].rps - helloEnd.rps).toFixed(0)} at the start and ${helloEnd.rps.toFixed(0)} at the end)`)
const base = results[0].rps
const targets = {
  'GET /Users/{id}': 0.35,
  'GET /Users?filter=userName eq': 0.35,
  'PATCH add member, 50k group': 0.25,
  'POST /Users': 0.15,
}
let isFailing = false
console.log(`${connections} connections, ${duration} s per run after 1 s warm-up; ${sizes.users} users, ${sizes.groups} groups, ${sizes.memberships} memberships; every 2xx write fsynced first`)
console.log('endpoint                          req/s   ratio  target   p50 ms  p99 ms  non-2xx')
for (const result of results) {
  const ratio = result.rps / base
  const target = targets[result.name]
  const meets = target === undefined || ratio >= target
  const p99ok = result.name === 'hello world' || result.p99 < 25
  if (!meets || !p99ok || result.bad > 0) isFailing = true
  console.log(
    `${result.name.padEnd(32)} ${result.rps.toFixed(0).padStart(6)}  ${(100 * ratio).toFixed(0).padStart(4)}%  ${target === undefined ? '     ' : `≥${(100 * target).toFixed(0)}%`.padStart(5)}  ${String(result.p50).padStart(6)}  ${String(result.p99).padStart(6)}${p99ok ? ' ' : '!'}  ${result.bad}`,
  )
}
const empty = results.find((result) => result.name === 'PATCH add member, empty group')
const big = results.find((result) => result.name === 'PATCH add member, 50k group')
const bigVsEmpty = big.rps / empty.rps
console.log(`PATCH on the 50k group runs at ${(100 * bigVsEmpty).toFixed(0)}% of the same PATCH on an empty group (target ≥80%)`)
if (bigVsEmpty < 0.8) isFailing = true
console.log(isFailing ? 'SCIM benchmark: some targets missed' : 'SCIM benchmark: all targets met')
process.exitCode = isFailing ? 1 : 0
