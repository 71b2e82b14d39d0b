// The hot SCIM routes on PostgreSQL: `rolecall serve --db postgres://…` against its floor (scim-postgres-floor.mjs: a
// bare node:http server and the driver running the same statements), on the SCIM benchmark's store (100,000 users,
// 20,000 groups, 2,000,000 memberships, copied from scim-seed.mjs's SQLite file with `rolecall store copy`). Each
// route is loaded in alternating pairs (rolecall, floor, rolecall, floor) so that a machine busier in one half of the
// run does not skew the ratio. Then the database round trips per request, counted by a TCP relay between each server
// and PostgreSQL that counts every write to the server following a read from it (pipelined statements are one trip),
// over requests sent one at a time. Uses ROLECALL_BENCH_PG_URL (a server whose `postgres` database it may create
// databases from) or starts its own throw-away cluster.
//   node test/bench/scim-postgres.bench.mjs
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { startPostgres } from '../helpers/postgres.mjs'
import { cli, createDatabase, repoRoot, runRolecall } from './lib.mjs'
import { measure as measureLoad, startProcess, stopProcess } from './load.mjs'
import { seededDatabase, sizes } from './scim-seed.mjs'

const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const duration = Number(process.env.BENCH_SECONDS ?? 6)
const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 200)
const measure = (name, options) => measureLoad(name, options, { connections, duration })

/** A TCP relay to `target` that counts round trips: a client write after the server answered (or the first) is one. */
function countingRelay(target) {
  const counter = { trips: 0 }
  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname, port: Number(target.port) })
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    let hasAnswered = true
    client.on('data', (chunk) => {
      if (hasAnswered) counter.trips++
      hasAnswered = false
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      hasAnswered = true
      client.write(chunk)
    })
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', end)
    upstream.on('error', end)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ counter, port: server.address().port, close: () => server.close() })))
}

const seed = await seededDatabase()
const cluster = process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const serverUrl = process.env.ROLECALL_BENCH_PG_URL ?? cluster.url
try {
  const url = await createDatabase(serverUrl, `scim_bench_${process.pid}`)
  const copyStart = performance.now()
  runRolecall(['store', 'copy', '--from', seed.db, '--to', url])
  console.log(`# copied the SCIM seed (${sizes.users} users, ${sizes.groups} groups, ${sizes.memberships} memberships) into PostgreSQL in ${((performance.now() - copyStart) / 1000).toFixed(1)} s`)

  const auth = { authorization: `Bearer ${seed.token}`, 'content-type': 'application/scim+json' }
  /** Each connection its own prebuilt requests (autocannon cycles them): writes do not collide across connections. */
  const perConnection = (build) => {
    let index = 0
    return { setupClient: (client) => client.setRequests(build(index++)) }
  }
  const perClient = (items, i, size) => Array.from({ length: size }, (_, k) => items[(i * size + k) % items.length])
  const patchBody = (id) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })
  let runs = 0
  const runId = Date.now().toString(36)
  // Each route: how the n-th load (of either server) builds connection i's requests. Writes add members no load
  // added before (the big group's non-members are users 50,000+; the empty group's, users below 50,000), until
  // they run out and adds repeat (a no-op that still costs a full audited write, on both servers alike).
  const patches = (groupId, candidates) => (n) => (i) => perClient(candidates, n * 2 * connections + i, 100).map((id) => ({ method: 'PATCH', path: `/scim/v2/Groups/${groupId}`, headers: auth, body: patchBody(id) }))
  const routes = [
    { name: 'GET /Users/{id}', reads: true, build: () => (i) => perClient(seed.sampleUserIds, i, 200).map((id) => ({ method: 'GET', path: `/scim/v2/Users/${id}`, headers: auth })) },
    {
      name: 'GET /Users?filter=userName eq',
      reads: true,
      build: () => (i) => Array.from({ length: 200 }, (_, k) => ({ method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${((i * 200 + k) * 7) % sizes.users}@bench.example"`)}`, headers: auth })),
    },
    { name: 'PATCH add member, empty group', build: patches(seed.emptyGroupId, seed.userIds.slice(0, sizes.bigGroup)) },
    { name: 'PATCH add member, 50k group', build: patches(seed.bigGroupId, seed.userIds.slice(sizes.bigGroup)) },
    {
      name: 'POST /Users',
      build: (n) => (i) =>
        Array.from({ length: 1000 }, (_, k) => ({
          method: 'POST',
          path: '/scim/v2/Users',
          headers: auth,
          body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `new-${runId}-${n}-${i}-${k}@bench.example`, active: true }),
        })),
    },
  ]

  const serve = (dbUrl) => startProcess([cli, 'serve', '--port', '0', '--db', dbUrl])
  const floor = (dbUrl) => startProcess([join(repoRoot, 'test/bench/scim-postgres-floor.mjs'), dbUrl, seed.token])
  const servers = { rolecall: await serve(url), floor: await floor(url) }
  const results = []
  for (const route of routes) {
    const sums = { rolecall: { rps: 0, p99: 0, bad: 0 }, floor: { rps: 0, p99: 0, bad: 0 } }
    for (let round = 0; round < rounds; round++) {
      for (const name of ['rolecall', 'floor']) {
        const result = await measure(`${route.name} (${name})`, { url: servers[name].url, ...perConnection(route.build(runs++)) })
        sums[name].rps += result.rps / rounds
        sums[name].p99 = Math.max(sums[name].p99, result.p99)
        sums[name].bad += result.bad
      }
    }
    results.push({ name: route.name, reads: route.reads === true, ...sums })
  }
  await stopProcess(servers.rolecall)
  await stopProcess(servers.floor)

  // Round trips: each server again, its database reached through a counting relay, one request at a time.
  const target = new URL(url)
  const trips = {}
  for (const name of ['rolecall', 'floor']) {
    const relay = await countingRelay(target)
    const relayed = new URL(url)
    relayed.hostname = '127.0.0.1'
    relayed.port = String(relay.port)
    const server = await (name === 'rolecall' ? serve : floor)(relayed.toString())
    for (const route of routes) {
      const [first, ...requests] = route
        .build(runs++)(0)
        .slice(0, sequential + 1)
      // One unmeasured request first (a first statement is prepared on each connection), then the counted ones.
      const send = (request) => fetch(`${server.url}${request.path}`, { method: request.method, headers: request.headers, body: request.body }).then((response) => response.arrayBuffer())
      await send(first)
      const before = relay.counter.trips
      for (const request of requests) await send(request)
      trips[`${route.name} (${name})`] = (relay.counter.trips - before) / requests.length
    }
    await stopProcess(server)
    relay.close()
  }

  let isFailing = false
  console.log(`${connections} connections, ${duration} s per run after 1 s warm-up, ${rounds} alternating pairs per route; PostgreSQL${cluster === undefined ? '' : ' (a throw-away cluster: fsync off)'}`)
  console.log('endpoint                          rolecall req/s  floor req/s  of floor  target  p99 ms  round trips (floor)  target  non-2xx')
  for (const result of results) {
    const ratio = result.rolecall.rps / result.floor.rps
    const perRequest = trips[`${result.name} (rolecall)`]
    const maxTrips = result.reads ? 2 : 4
    const isHot = result.name !== 'PATCH add member, empty group'
    const meets = (!isHot || ratio >= 0.8) && result.rolecall.p99 < 25 && perRequest <= maxTrips && result.rolecall.bad === 0
    if (!meets) isFailing = true
    console.log(
      `${result.name.padEnd(32)} ${result.rolecall.rps.toFixed(0).padStart(14)}  ${result.floor.rps.toFixed(0).padStart(11)}  ${(100 * ratio).toFixed(0).padStart(7)}%  ${isHot ? '  ≥80%' : '      '}  ${String(result.rolecall.p99).padStart(6)}  ${perRequest.toFixed(2).padStart(11)} (${trips[`${result.name} (floor)`].toFixed(2)})  ${`≤${maxTrips}`.padStart(6)}  ${result.rolecall.bad}`,
    )
  }
  const empty = results.find((result) => result.name === 'PATCH add member, empty group')
  const big = results.find((result) => result.name === 'PATCH add member, 50k group')
  const bigVsEmpty = big.rolecall.rps / empty.rolecall.rps
  console.log(`PATCH on the 50k group runs at ${(100 * bigVsEmpty).toFixed(0)}% of the same PATCH on an empty group (target ≥80%); p99 target < 25 ms`)
  if (bigVsEmpty < 0.8) isFailing = true
  console.log(isFailing ? 'SCIM PostgreSQL benchmark: some targets missed' : 'SCIM PostgreSQL benchmark: all targets met')
  process.exitCode = isFailing ? 1 : 0
} finally {
  cluster?.destroy()
}
