// Check API throughput and latency under load (autocannon, in this process) against `rolecall serve` (its own process),
// as ratios to a Hono hello-world measured in the same run. 100,000 users, 20,000 IdP groups, 2,000,000 memberships,
// and the generated organization (5,000 groups, 20,000 grants) applied.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { generateOrg } from './generate-org.mjs'
import { generateStore } from './generate-store.mjs'
import { cli, repoRoot, runRolecall } from './lib.mjs'
import { measure as measureLoad, startProcess, stopProcess as stop } from './load.mjs'

const users = Number(process.env.BENCH_USERS ?? 100_000)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const duration = Number(process.env.BENCH_SECONDS ?? 6)
const measure = (name, options) => measureLoad(name, options, { connections, duration })

const run = runRolecall

const dir = join(repoRoot, 'bench-out', 'check')
const db = join(dir, `store-${users}.db`)
const org = join(dir, 'org')
if (!existsSync(db)) {
  mkdirSync(dir, { recursive: true })
  await generateOrg(org)
  const built = await generateStore(db, { users })
  console.log(`# generated ${built.users} users, ${built.groups} IdP groups, ${built.memberships} memberships in ${built.seconds.toFixed(1)} s`)
  run(['apply', '--dir', org, '--db', db, '--actor', 'bench'])
}
const token = run(['admin-token', 'create', '--scope', 'check', '--db', db]).trimEnd().split('\n').at(-1)

const results = []
const hello = await startProcess([join(repoRoot, 'test/bench/scim-hello.mjs')])
results.push(await measure('hello world', { url: `${hello.url}/` }))
await stop(hello)

const server = await startProcess([cli, 'serve', '--port', '0', '--db', db])
// The server computes every user's access in the background after it starts (and after an apply): measure once it has.
const warmStart = performance.now()
for (;;) {
  const health = await (await fetch(`${server.url}/healthz`)).json()
  if (!health.checks.isWarming && health.checks.cachedUsers > 0) break
  await new Promise((resolve) => setTimeout(resolve, 100))
}
const warmSeconds = (performance.now() - warmStart) / 1000
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
// Every user in turn (a stride prime to the user count), bodies and paths made before the load starts: building
// them per request cost the load generator more than the server spent answering.
const order = Array.from({ length: users }, (_, k) => ((k + 1) * 7919) % users)
// BENCH_PROVENANCE=1 asks every check where its answer comes from (`provenance: true`).
const provenance = process.env.BENCH_PROVENANCE === '1' ? { provenance: true } : {}
const bodies = order.map((u) => JSON.stringify({ user: `user${u}@bench.example`, action: 'edit', resource: `journey:svc-${u % 50}/flow-1-login`, env: 'staging', ...provenance }))
const paths = order.map((u) => `/api/v1/users/${encodeURIComponent(`user${u}@bench.example`)}/access`)
let next = 0
results.push(
  await measure(`POST /api/v1/check${process.env.BENCH_PROVENANCE === '1' ? ' +provenance' : ''}`, {
    url: server.url,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/check',
        headers,
        setupRequest: (request) => {
          request.body = bodies[next++ % users]
          return request
        },
      },
    ],
  }),
)
results.push(
  await measure('GET /api/v1/users/{user}/access', {
    url: server.url,
    requests: [
      {
        method: 'GET',
        headers,
        setupRequest: (request) => {
          request.path = paths[next++ % users]
          return request
        },
      },
    ],
  }),
)
await stop(server)

const base = results[0].rps
let isFailing = false
console.log(`${connections} connections, ${duration} s per run after 1 s warm-up; ${users} users, 20 IdP groups each, 5,000 mapped groups, 20,000 grants`)
console.log(`the server had computed every user's access ${warmSeconds.toFixed(1)} s after it started listening`)
console.log('endpoint                            req/s   ratio  target   p50 ms  p99 ms  non-2xx')
for (const result of results) {
  const ratio = result.rps / base
  const isCheck = result.name.startsWith('POST /api/v1/check')
  const meets = !isCheck || (ratio >= 0.3 && result.p99 < 20)
  if (!meets || result.bad > 0) isFailing = true
  console.log(`${result.name.padEnd(34)} ${result.rps.toFixed(0).padStart(6)}  ${(100 * ratio).toFixed(0).padStart(4)}%  ${isCheck ? '  ≥30%' : '      '}  ${String(result.p50).padStart(6)}  ${String(result.p99).padStart(6)}  ${result.bad}`)
}
console.log(isFailing ? 'check API benchmark: some targets missed' : 'check API benchmark: all targets met (≥30% of hello world, p99 < 20 ms)')
process.exitCode = isFailing ? 1 : 0
