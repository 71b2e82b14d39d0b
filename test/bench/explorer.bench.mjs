// The web explorer's pages against `rolecall serve` (its own process) with 100,000 users, 20,000 IdP groups,
// 2,000,000 memberships and the generated organization (5,000 groups, 20,000 grants) applied, plus one person in 100
// mapped groups (several hundred grants). Each page is asked for one request at a time, after warm-up; the figures
// are the latency seen over loopback (server time plus a loopback round trip), p50 and p95, and their ratio to
// GET /healthz of the same server measured in the same run. Targets: p95 < 50 ms per page, the big person < 100 ms.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { generateOrg } from './generate-org.mjs'
import { generateStore } from './generate-store.mjs'
import { cli, repoRoot, runRolecall } from './lib.mjs'
import { startProcess, stopProcess } from './load.mjs'

const users = Number(process.env.BENCH_USERS ?? 100_000)
const rounds = Number(process.env.BENCH_ROUNDS ?? 40)

const run = runRolecall
const lastLine = (text) => text.trimEnd().split('\n').at(-1)

const dir = join(repoRoot, 'bench-out', 'explorer')
const db = join(dir, `store-${users}.db`)
const org = join(dir, 'org')
if (!existsSync(db)) {
  mkdirSync(dir, { recursive: true })
  await generateOrg(org)
  const built = await generateStore(db, { users })
  console.log(`# generated ${built.users} users, ${built.groups} IdP groups, ${built.memberships} memberships in ${built.seconds.toFixed(1)} s`)
  run(['apply', '--dir', org, '--db', db])
}
const viewToken = lastLine(run(['admin-token', 'create', '--scope', 'view', '--name', 'bench', '--db', db]))
const scimToken = lastLine(run(['token', 'create', '--connection', 'okta', '--db', db]))

const server = await startProcess([cli, 'serve', '--port', '0', '--db', db])
const scim = async (method, path, body) => {
  const response = await fetch(`${server.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.status === 204 ? undefined : response.json()
}
// The big person: in the first 100 mapped okta groups (idp-group-g for g % 3 !== 0).
const heavyName = `heavy-${Date.now()}@bench.example`
const heavy = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: heavyName, active: true })
const groups = []
for (let g = 1; groups.length < 100; g++) if (g % 3 !== 0) groups.push(`idp-group-${g}`)
for (const name of groups) {
  const found = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}&excludedAttributes=members`)
  await fetch(`${server.url}/scim/v2/Groups/${found.Resources[0].id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: heavy.id }] }] }),
  })
}

// Sign in as a browser does.
const form = await fetch(`${server.url}/sign-in`)
const formCookie = form.headers.get('set-cookie').split(';')[0]
const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())[1]
const signedIn = await fetch(`${server.url}/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie }, body: new URLSearchParams({ csrf, token: viewToken }).toString() })
const cookie = signedIn.headers.get('set-cookie').split(';')[0]

/** Longest wait for one page; a page that takes longer is reported as timed out and the rest are still measured. */
const timeoutMs = Number(process.env.BENCH_PAGE_TIMEOUT_MS ?? 60_000)

async function time(path) {
  const started = performance.now()
  const response = await fetch(`${server.url}${path}`, { headers: { cookie, accept: 'text/html' }, signal: AbortSignal.timeout(timeoutMs) })
  const body = await response.text()
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`)
  return { ms: performance.now() - started, body }
}

// Pages that read one person or one page of a list first; those that project everyone's access last.
const pages = [
  ['GET /healthz (baseline)', '/healthz'],
  ['people, first page', '/people'],
  ['people, search by userName', '/people?q=user4242'],
  ['people, search by family name, page 3', '/people?q=family12&page=3'],
  ['people, search that matches nobody', '/people?q=nobody-here'],
  ['a person (about 20 groups)', `/people/${encodeURIComponent('user1234@bench.example')}?connection=okta`],
  ['the person in 100 groups', `/people/${encodeURIComponent(heavyName)}?connection=okta`],
  ['groups', '/groups'],
  ['a group', `/groups/${encodeURIComponent('Group 1')}`],
  ['services', '/services'],
  ['audit log', '/audit'],
  ['audit log, filtered', '/audit?action=token.create'],
  ['connections', '/connections'],
  ['overview', '/'],
  ['who can: a permission', '/who-can?permission=sso%3Amanage'],
  ['who can: an action on a resource', `/who-can?action=edit&resource=${encodeURIComponent('journey:svc-1/flow-1-login')}&env=staging`],
  ['a service', '/services/svc-1'],
  ['changes (with drift)', '/changes'],
  ['a revision (its plan made again)', '/changes/r1'],
]
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
const results = []
for (const [name, path] of pages) {
  let first
  try {
    first = await time(path)
  } catch (error) {
    console.log(`# ${name}: ${error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : error.message}`)
    results.push({ name, timedOut: true })
    continue
  }
  for (let k = 0; k < 2; k++) await time(path)
  const times = []
  for (let k = 0; k < rounds; k++) times.push((await time(path)).ms)
  times.sort((a, b) => a - b)
  const held = /<h2>Access \((\d+)\)<\/h2>/.exec(first.body)?.[1]
  const result = { name, firstMs: first.ms, p50: percentile(times, 50), p95: percentile(times, 95), held, bytes: first.body.length }
  results.push(result)
  // As it is measured too: a later page that never answers must not lose the figures of those before it.
  console.log(`# ${name}: first ${result.firstMs.toFixed(1)} ms, p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms${held === undefined ? '' : ` (${held} held)`}`)
}
const baseline = results[0]
console.log(`# ${users} users; ${rounds} requests per page, one at a time; ms over loopback`)
console.log(`${'page'.padEnd(42)} ${'first'.padStart(8)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p95/base'.padStart(9)} ${'KiB'.padStart(7)}  target`)
let failed = 0
for (const result of results) {
  if (result.timedOut) {
    failed++
    console.log(`${result.name.padEnd(42)} ${'>timeout'.padStart(8)}  MISSED`)
    continue
  }
  const target = result.name.startsWith('the person') ? 100 : result === baseline ? undefined : 50
  const isMet = target === undefined || result.p95 < target
  if (!isMet) failed++
  const note = result.held === undefined ? '' : ` (${result.held} held)`
  console.log(
    `${result.name.padEnd(42)} ${result.firstMs.toFixed(1).padStart(8)} ${result.p50.toFixed(1).padStart(8)} ${result.p95.toFixed(1).padStart(8)} ${(result.p95 / baseline.p95).toFixed(1).padStart(8)}x ${(result.bytes / 1024).toFixed(0).padStart(7)}  ${target === undefined ? '' : `< ${target} ms ${isMet ? 'ok' : 'MISSED'}`}${note}`,
  )
}
process.exitCode = failed === 0 ? 0 : 1
if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server)
