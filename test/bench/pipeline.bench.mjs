// What the request pipeline costs, in process, with no HTTP: each hot route dispatched through the pipeline against a
// bare floor that does only the same store calls and serialisation (no routing, guards, request id, log or metrics).
// Alternating rounds on one in-memory store; the ratio is pipeline time over floor time per request.
import { createServerApp } from '../../dist/server/app.js'
import { openSqliteStore } from '../../dist/store/sqlite/sqlite-store.js'
import { renderUser } from '../../dist/scim/resource.js'
import { listQuery } from '../../dist/scim/http.js'
import { userType } from '../../dist/scim/schemas.js'

const users = Number(process.env.BENCH_USERS ?? 10_000)
const perRound = Number(process.env.BENCH_REQUESTS ?? 20_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)

const store = openSqliteStore(':memory:')
const { token } = await store.createToken('okta')
const ids = []
for (let i = 0; i < users; i++) {
  const user = await store.createUser('okta', { schemas: [userType.core.id], userName: `user${i}@bench.example`, active: true, emails: [{ value: `user${i}@bench.example`, type: 'work', primary: true }] }, { actor: 'bench' })
  ids.push(user.id)
}
const { pipeline } = createServerApp({ store })
const base = 'http://127.0.0.1:8080/scim/v2'
const authorization = `Bearer ${token}`

/** A request as the Node transport hands it over (no body: the routes measured here read none). */
function request(path, search = '') {
  const headers = { authorization, host: '127.0.0.1:8080' }
  return { method: 'GET', path, search, authority: headers.host, scheme: 'http', header: (name) => headers[name], body: () => Promise.resolve(new Uint8Array(0)) }
}

const routes = [
  {
    name: 'GET /Users/{id}',
    pipeline: (i) => pipeline.dispatch(request(`/scim/v2/Users/${ids[i % users]}`)),
    floor: async (i) => {
      const connection = await store.authenticate(token)
      const user = await store.getUser(connection, ids[i % users], false)
      return JSON.stringify(renderUser(user, base))
    },
  },
  {
    name: 'GET /Users?filter=userName eq',
    pipeline: (i) => pipeline.dispatch(request('/scim/v2/Users', `filter=${encodeURIComponent(`userName eq "user${i % users}@bench.example"`)}`)),
    floor: async (i) => {
      const connection = await store.authenticate(token)
      const result = await store.listUsers(connection, listQuery(userType, { filter: `userName eq "user${i % users}@bench.example"` }), false)
      return JSON.stringify(result.items.map((user) => renderUser(user, base)))
    },
  },
]

async function time(run) {
  const started = process.hrtime.bigint()
  for (let i = 0; i < perRound; i++) await run(i)
  return Number(process.hrtime.bigint() - started) / 1e3 / perRound
}

console.log(`${users} users, ${rounds} alternating rounds of ${perRound} requests each; µs per request, median of the rounds`)
console.log('route                             floor µs  pipeline µs  ratio')
for (const route of routes) {
  // Warm both paths (JIT, the user cache) before measuring.
  await time(route.floor)
  await time(route.pipeline)
  const floors = []
  const piped = []
  for (let round = 0; round < rounds; round++) {
    floors.push(await time(route.floor))
    piped.push(await time(route.pipeline))
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const floor = median(floors)
  const through = median(piped)
  console.log(`${route.name.padEnd(32)} ${floor.toFixed(2).padStart(9)} ${through.toFixed(2).padStart(12)}  ${(through / floor).toFixed(2)}×`)
}
await store.close()
