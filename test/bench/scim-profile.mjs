// Profiling aid for the SCIM benchmark (not run by `npm run bench`): one or more of its loads against `rolecall serve`,
// printing req/s, latency and CPU microseconds per request (server total, its main thread, kernel time; load generator).
//   SCIM_LOADS=get,filter,patch-big,patch-empty,post,hello SECONDS=3 CONNECTIONS=50 [CPU_PROF=dir] node test/bench/scim-profile.mjs
// With CPU_PROF, the server runs under `node --cpu-prof` and writes its profile to that directory on exit.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { cli, repoRoot } from './lib.mjs'
import { startProcess, stopProcess } from './load.mjs'
import { seededDatabase, sizes } from './scim-seed.mjs'

const connections = Number(process.env.CONNECTIONS ?? 50)
const duration = Number(process.env.SECONDS ?? 3)
const loads = (process.env.SCIM_LOADS ?? 'get').split(',')
const profile = process.env.CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`]

const seed = await seededDatabase()
const workDir = join(repoRoot, 'bench-out', 'scim', 'profile')
rmSync(workDir, { recursive: true, force: true })
mkdirSync(workDir, { recursive: true })
const db = join(workDir, 'rolecall.db')
copyFileSync(seed.db, db)
const isHello = loads.length === 1 && loads[0] === 'hello'
const server = await startProcess(isHello ? [...profile, join(repoRoot, 'test/bench/scim-hello.mjs')] : [...profile, cli, 'serve', '--port', '0', '--db', db])
const auth = { authorization: `Bearer ${seed.token}`, 'content-type': 'application/scim+json' }

/** Prebuilt requests per connection, as scim-server.bench.mjs builds them (warm-up and measurement share the builder). */
function perConnection(build) {
  let index = 0
  return { setupClient: (client) => client.setRequests(build(index++)) }
}
const perClient = (items, i, size) => Array.from({ length: size }, (_, k) => items[(i * size + k) % items.length])
const patchBody = (id) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })
const patches = (groupId, candidates) => perConnection((i) => perClient(candidates, i, 500).map((id) => ({ method: 'PATCH', path: `/scim/v2/Groups/${groupId}`, headers: auth, body: patchBody(id) })))
const runId = Date.now().toString(36)
const options = {
  hello: () => ({ url: `${server.url}/` }),
  get: () => perConnection((i) => perClient(seed.sampleUserIds, i, 200).map((id) => ({ method: 'GET', path: `/scim/v2/Users/${id}`, headers: auth }))),
  filter: () =>
    perConnection((i) =>
      Array.from({ length: 200 }, (_, k) => ({ method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${((i * 200 + k) * 7) % sizes.users}@bench.example"`)}`, headers: auth })),
    ),
  'patch-empty': () => patches(seed.emptyGroupId, seed.userIds.slice(0, sizes.bigGroup)),
  'patch-big': () => patches(seed.bigGroupId, seed.userIds.slice(sizes.bigGroup)),
  post: () =>
    perConnection((i) =>
      Array.from({ length: 3000 }, (_, k) => ({
        method: 'POST',
        path: '/scim/v2/Users',
        headers: auth,
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `profile-${runId}-${i}-${k}@bench.example`, active: true }),
      })),
    ),
}

/** utime + stime of a /proc stat file, in ms; and stime alone. */
function cpuMs(file) {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ')
  return { total: (Number(fields[11]) + Number(fields[12])) * 10, kernel: Number(fields[12]) * 10 }
}
const run = (load) => new Promise((resolve, reject) => autocannon({ connections, pipelining: 1, url: server.url, ...load }, (error, result) => (error ? reject(error) : resolve(result))))

for (const name of loads) {
  const build = options[name]
  if (build === undefined) throw new Error(`unknown load ${name}; one of ${Object.keys(options).join(', ')}`)
  const load = build()
  await run({ ...load, duration: 1 })
  const pid = server.child.pid
  const before = { server: cpuMs(`/proc/${pid}/stat`), main: cpuMs(`/proc/${pid}/task/${pid}/stat`), self: process.cpuUsage() }
  const result = await run({ ...load, duration })
  const after = { server: cpuMs(`/proc/${pid}/stat`), main: cpuMs(`/proc/${pid}/task/${pid}/stat`), self: process.cpuUsage(before.self) }
  const perRequest = (ms) => ((ms * 1000) / result.requests.total).toFixed(1)
  console.log(
    `${name.padEnd(12)} ${result.requests.average.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  non-2xx ${result.non2xx + result.errors + result.timeouts}  ` +
      `CPU us/request: server ${perRequest(after.server.total - before.server.total)} (main thread ${perRequest(after.main.total - before.main.total)}, kernel ${perRequest(after.main.kernel - before.main.kernel)}), ` +
      `load generator ${perRequest((after.self.user + after.self.system) / 1000)}`,
  )
}
await stopProcess(server)
rmSync(workDir, { recursive: true, force: true })
