// Revocation latency across replicas: two `rolecall serve` processes on one PostgreSQL database (the test
// harness's throw-away cluster, or ROLECALL_BENCH_PG_URL), and for each sample the time from a write being
// acknowledged to the first refusal from the *other* replica, polled tightly:
//   - SCIM token revoked (the revoke committed by a store in this process, as `rolecall token revoke --db` does)
//     → first 401 from replica B's SCIM endpoint;
//   - member removed from an IdP group by a SCIM PATCH on replica A (204) → first deny from replica B's check API;
//   - user deactivated by a SCIM PATCH `active: false` on replica A (200) → first deny from replica B's check API.
// And the same two SCIM revocations on one server (SQLite, one process): acknowledged by it → its first deny.
// Baselines measured in the same run: one poll of replica B (the resolution of the measurement), and a bare
// LISTEN/NOTIFY (notify sent → heard on another connection: one round trip), the floor of any feed.
//   node test/bench/revocation.bench.mjs [samples]      (target: p99 ≤ 100 ms)
import { spawnSync } from 'node:child_process'
import postgres from 'postgres'
import { startPostgres } from '../helpers/postgres.mjs'
import { cli, repoRoot } from './lib.mjs'
import { startProcess, stopProcess } from './load.mjs'

const samples = Number(process.argv[2] ?? process.env.BENCH_SAMPLES ?? 250)
const targetP99Ms = 100
const approvals = ['acme/security:a', 'acme/security:b', 'acme/access-reviewers:c', 'acme/platform-leads:d'].flatMap((name) => ['--approved-by', name])

const cluster = process.env.ROLECALL_BENCH_PG_URL === undefined ? await startPostgres() : undefined
const url = process.env.ROLECALL_BENCH_PG_URL ?? (await cluster.createDatabase())
const { openStore } = await import('../../dist/store/open-store.js')
const { storeLocation } = await import('../../dist/store/location.js')

function run(args) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ROLECALL_NOW: '2026-11-23T00:00:00Z' } })
  if (result.status !== 0) throw new Error(`rolecall ${args[0]} failed: ${result.stderr}`)
  return result.stdout
}

// Seed: one member of support-tier-2 per sample (added before the apply: its access is reviewed there), one SCIM
// token per sample, and the example organization applied.
const store = await openStore(storeLocation(url, repoRoot), { use: 'write' })
const write = { actor: 'bench' }
const members = []
for (let i = 0; i < samples; i++) members.push(await store.createUser('okta', { userName: `member${i}@acme.example`, active: true }, write))
const group = await store.createGroup(
  'okta',
  { displayName: 'support-tier-2' },
  members.map((member) => member.id),
  write,
)
const tokens = []
for (let i = 0; i < samples; i++) tokens.push(await store.createToken('okta'))
const idpToken = (await store.createToken('okta')).token
const checkToken = (await store.createAdminToken(['check'])).token
const deactivated = []
for (let i = 0; i < samples; i++) deactivated.push(await store.createUser('okta', { userName: `leaver${i}@acme.example`, active: true }, write))
const leavers = await store.createGroup(
  'okta',
  { displayName: 'checkout-team' },
  deactivated.map((member) => member.id),
  write,
)
run(['apply', '--dir', 'access', '--db', url, '--actor', 'bench', ...approvals])

const replicas = [await startProcess([cli, 'serve', '--port', '0', '--db', url]), await startProcess([cli, 'serve', '--port', '0', '--db', url])]
const [a, b] = replicas.map((replica) => replica.url)
for (const replica of [a, b]) {
  for (;;) {
    const health = await (await fetch(`${replica}/healthz`)).json()
    if (health.checks === undefined || (!health.checks.isWarming && health.checks.cachedUsers > 0)) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const scimStatus = async (token) => {
  const response = await fetch(`${b}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}
/** Whether `server`'s check API lets `userName` run a checkout diagnostic journey (support-tier-2 and checkout-team may). */
const isAllowedOn = async (server, token, userName) => {
  const response = await fetch(`${server}/api/v1/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user: userName, action: 'run', resource: 'journey:checkout/diagnostic-login' }),
  })
  return (await response.json()).allowed
}
const isAllowed = (userName) => isAllowedOn(b, checkToken, userName)
/** Polls until `isDone`; milliseconds since `from`. Fails past 5 s: a change that never arrives is no figure. */
async function until(from, poll, isDone) {
  for (;;) {
    if (isDone(await poll())) return performance.now() - from
    if (performance.now() - from > 5000) throw new Error('the other replica never refused')
  }
}

// Baseline 1: one poll of replica B (what a sample cannot resolve below).
const pollTimes = []
for (let i = 0; i < samples; i++) {
  const started = performance.now()
  await scimStatus(tokens[i].token)
  pollTimes.push(performance.now() - started)
}

// Baseline 2: bare LISTEN/NOTIFY between two connections.
const notifier = postgres(url, { max: 1, onnotice: () => {} })
const listener = postgres(url, { max: 1, onnotice: () => {} })
let heard = () => {}
await listener.listen('rolecall_bench', () => heard())
const notifyTimes = []
for (let i = 0; i < samples; i++) {
  const arrived = new Promise((resolve) => (heard = resolve))
  const sent = performance.now()
  await Promise.all([notifier`SELECT pg_notify('rolecall_bench', ${String(i)})`, arrived])
  notifyTimes.push(performance.now() - sent)
}
await Promise.all([notifier.end(), listener.end()])

// SCIM token revocation: B accepts the token (and caches it), the revoke commits, B refuses it.
const tokenTimes = []
for (const { token, info } of tokens) {
  if ((await scimStatus(token)) !== 200) throw new Error('replica B refused a live token')
  await store.revokeToken(info.id)
  tokenTimes.push(
    await until(
      performance.now(),
      () => scimStatus(token),
      (status) => status === 401,
    ),
  )
}

const patchOp = (operation) => JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] })

/**
 * For each user: `checkOn` allows them (cached), `scimOn` acknowledges the revoking PATCH (`target`), `checkOn` denies;
 * milliseconds from the acknowledgement to the first deny.
 */
async function revocations(scimOn, checkOn, scimToken, token, users, target) {
  const times = []
  for (const user of users) {
    const userName = user.doc.userName
    if ((await isAllowedOn(checkOn, token, userName)) !== true) throw new Error(`${checkOn} does not allow ${userName}`)
    const { path, operation, status } = target(user)
    const response = await fetch(`${scimOn}/scim/v2/${path}`, { method: 'PATCH', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: patchOp(operation) })
    await response.arrayBuffer()
    if (response.status !== status) throw new Error(`PATCH ${path} answered ${response.status}`)
    const acknowledged = performance.now()
    times.push(
      await until(
        acknowledged,
        () => isAllowedOn(checkOn, token, userName),
        (allowed) => allowed === false,
      ),
    )
  }
  return times
}
const removal = (groupId) => (member) => ({ path: `Groups/${groupId}`, operation: { op: 'remove', path: `members[value eq "${member.id}"]` }, status: 204 })
const deactivation = (user) => ({ path: `Users/${user.id}`, operation: { op: 'replace', path: 'active', value: false }, status: 200 })

// Member removal and deactivation: B allows the user (cached), A acknowledges the PATCH, B denies.
const memberTimes = await revocations(a, b, idpToken, checkToken, members, removal(group.id))
const deactivationTimes = await revocations(a, b, idpToken, checkToken, deactivated, deactivation)

await store.close()
for (const replica of replicas) await stopProcess(replica)
cluster?.destroy()

// One server on SQLite: the same organization and users, the PATCHes and the checks on the one process.
const { mkdtemp, rm } = await import('node:fs/promises')
const { tmpdir } = await import('node:os')
const { join } = await import('node:path')
const sqliteDir = await mkdtemp(join(tmpdir(), 'rolecall-revocation-'))
const file = join(sqliteDir, 'store.db')
const local = await openStore(storeLocation(file, repoRoot), { use: 'write' })
const localMembers = []
for (let i = 0; i < samples; i++) localMembers.push(await local.createUser('okta', { userName: `member${i}@acme.example`, active: true }, write))
const localGroup = await local.createGroup(
  'okta',
  { displayName: 'support-tier-2' },
  localMembers.map((member) => member.id),
  write,
)
const localLeavers = []
for (let i = 0; i < samples; i++) localLeavers.push(await local.createUser('okta', { userName: `leaver${i}@acme.example`, active: true }, write))
await local.createGroup(
  'okta',
  { displayName: 'checkout-team' },
  localLeavers.map((member) => member.id),
  write,
)
const localScim = (await local.createToken('okta')).token
const localCheck = (await local.createAdminToken(['check'])).token
await local.close()
run(['apply', '--dir', 'access', '--db', file, '--actor', 'bench', ...approvals])
const single = await startProcess([cli, 'serve', '--port', '0', '--db', file])
for (;;) {
  const health = await (await fetch(`${single.url}/healthz`)).json()
  if (health.checks === undefined || (!health.checks.isWarming && health.checks.cachedUsers > 0)) break
  await new Promise((resolve) => setTimeout(resolve, 50))
}
const singlePollTimes = []
for (let i = 0; i < samples; i++) {
  const started = performance.now()
  await isAllowedOn(single.url, localCheck, `member${i}@acme.example`)
  singlePollTimes.push(performance.now() - started)
}
const singleMemberTimes = await revocations(single.url, single.url, localScim, localCheck, localMembers, removal(localGroup.id))
const singleDeactivationTimes = await revocations(single.url, single.url, localScim, localCheck, localLeavers, deactivation)
await stopProcess(single)
await rm(sqliteDir, { recursive: true, force: true })

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
function line(name, times, target) {
  const sorted = [...times].sort((x, y) => x - y)
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p))
  const max = sorted.at(-1)
  const verdict = target === undefined ? '' : ` | target p99 ≤ ${target} ms: ${p99 <= target ? 'met' : 'OVER'}`
  console.log(`${name}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)}, p99 ${p99.toFixed(1)}, max ${max.toFixed(1)} (${sorted.length} samples)${verdict}`)
  return p50
}
console.log(`# two replicas on one PostgreSQL, ${samples} samples each`)
const pollP50 = line('baseline: one poll of replica B', pollTimes)
const notifyP50 = line('baseline: bare LISTEN/NOTIFY, sent → heard and acknowledged', notifyTimes)
const tokenP50 = line('SCIM token revoked → first 401 on replica B', tokenTimes, targetP99Ms)
const memberP50 = line('member removed on replica A → first deny on replica B', memberTimes, targetP99Ms)
const deactivationP50 = line('user deactivated on replica A → first deny on replica B', deactivationTimes, targetP99Ms)
console.log(`# one server (SQLite, one process), ${samples} samples each`)
const singlePollP50 = line('baseline: one check on the server', singlePollTimes)
const singleMemberP50 = line('member removed → first deny on the same server', singleMemberTimes, targetP99Ms)
const singleDeactivationP50 = line('user deactivated → first deny on the same server', singleDeactivationTimes, targetP99Ms)
console.log(
  `ratios (p50): token revocation ${(tokenP50 / pollP50).toFixed(1)}× a poll, ${(tokenP50 / notifyP50).toFixed(1)}× a bare notify; member removal ${(memberP50 / pollP50).toFixed(1)}× a poll, ${(memberP50 / notifyP50).toFixed(1)}× a bare notify; deactivation ${(deactivationP50 / pollP50).toFixed(1)}× a poll; one server: member removal ${(singleMemberP50 / singlePollP50).toFixed(1)}× a check, deactivation ${(singleDeactivationP50 / singlePollP50).toFixed(1)}× a check`,
)
