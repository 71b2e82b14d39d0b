// What the operator metrics cost per request, in process: a check's outcome and latency, and a SCIM request's
// operation by connection, each against what every request already paid before them (its request record: a count,
// a latency and no log), measured in the same run. Alternating rounds; µs per call, median of the rounds.
import { Registry } from 'prom-client'
import { serverMetrics } from '../../dist/server/metrics.js'
import { requestRecorder } from '../../dist/server/request-record.js'

const calls = Number(process.env.BENCH_CALLS ?? 1_000_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const metrics = serverMetrics(new Registry(), () => [])
const record = requestRecorder(new Registry(), undefined)
const outcomes = ['allowed', 'allowed', 'denied']

const cases = {
  'request record (baseline)': () => {
    for (let i = 0; i < calls; i++) record({ method: 'POST', route: '/api/v1/check', path: '/api/v1/check', status: 200, seconds: 0.00002, requestId: 'a-1' })
  },
  'check outcome and latency': () => {
    for (let i = 0; i < calls; i++) {
      const startedAt = performance.now()
      metrics.check(outcomes[i % 3], (performance.now() - startedAt) / 1000)
    }
  },
  'request record, SCIM route': () => {
    for (let i = 0; i < calls; i++) record({ method: 'GET', route: '/scim/v2/Users/:id', path: '/scim/v2/Users/x', status: 200, seconds: 0.00002, requestId: 'a-1', connection: i % 2 === 0 ? 'okta' : 'entra' })
  },
}
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const startedAt = performance.now()
    run()
    times[name].push(((performance.now() - startedAt) * 1000) / calls)
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const baseline = median(times['request record (baseline)'])
console.log(`${calls} calls per case, ${rounds} alternating rounds; µs per call, median of the rounds`)
console.log(`${'case'.padEnd(32)} ${'µs'.padStart(8)}  ratio to the request record`)
for (const name of Object.keys(cases)) console.log(`${name.padEnd(32)} ${median(times[name]).toFixed(3).padStart(8)}  ${(median(times[name]) / baseline).toFixed(2)}×`)
