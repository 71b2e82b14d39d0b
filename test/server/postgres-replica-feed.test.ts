// Two `rolecall serve` replicas on one PostgreSQL database keep each other's caches current through the change
// feed: a revoked SCIM or admin token and a removed member stop counting on the other replica within a second,
// also after the other replica's listening connection was cut; plan and apply work through either replica and the
// database, and a stale plan is refused everywhere.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import { applyExampleAccess, exampleApprovals } from '../helpers/apply-example.js'
import { repoRoot, runCli } from '../helpers/cli.js'
import { freshDatabase } from '../helpers/postgres-db.js'
import { aUser, patch } from '../helpers/scim.js'
import { shownToken, timeUntil } from '../helpers/propagation.js'
import { startServer, type RunningServer } from '../helpers/serve.js'

const write = { actor: 'test' }
const approvals = exampleApprovals.flatMap((name) => ['--approved-by', name])
const now = '2026-11-23T00:00:00Z'
let url = ''
let dir = ''
let scimToken = ''
let scimTokenId = ''
/** A SCIM token the tests never revoke. */
let idpToken = ''
let checkToken = ''
let groupId = ''
let caseyId = ''
const admin: Record<'plan' | 'apply', string> = { plan: '', apply: '' }
const replicas: RunningServer[] = []

beforeAll(async () => {
  url = await freshDatabase()
  dir = await mkdtemp(join(tmpdir(), 'rolecall-replica-feed-'))
  const store = await openStore(storeLocation(url, dir), { use: 'write' })
  try {
    const sasha = await store.createUser('okta', { userName: 'sasha@acme.example', active: true }, write)
    const casey = await store.createUser('okta', { userName: 'casey@acme.example', active: true }, write)
    caseyId = casey.id
    groupId = (await store.createGroup('okta', { displayName: 'security-admins' }, [sasha.id, casey.id], write)).id
    await applyExampleAccess(store)
    const scim = await store.createToken('okta')
    scimToken = scim.token
    scimTokenId = scim.info.id
    idpToken = (await store.createToken('okta')).token
    checkToken = (await store.createAdminToken(['check'])).token
    admin.plan = (await store.createAdminToken(['plan'])).token
    admin.apply = (await store.createAdminToken(['plan', 'apply'])).token
  } finally {
    await store.close()
  }
  // Branch protection on the access repository required the reviews: the replicas take the approvals CI names.
  replicas.push(await startServer(url, ['--trust-branch-protection']), await startServer(url, ['--trust-branch-protection']))
}, 60_000)

afterAll(async () => {
  for (const replica of replicas) {
    replica.child.kill('SIGTERM')
    await replica.exited
  }
  await rm(dir, { recursive: true, force: true })
})

const replica = (index: number): string => replicas[index]?.url ?? ''

async function scimStatus(index: number, token: string): Promise<number> {
  const response = await fetch(`${replica(index)}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}

async function check(index: number, user: string, token = checkToken): Promise<{ status: number; allowed?: boolean }> {
  const response = await fetch(`${replica(index)}/api/v1/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, permission: 'sso:manage', authMethod: 'sso' }),
  })
  const body = (await response.json()) as { allowed?: boolean }
  return { status: response.status, ...(body.allowed === undefined ? {} : { allowed: body.allowed }) }
}

/** Both replicas answer as `isDone` wants within a second of now. */
async function onBoth<T>(read: (index: number) => Promise<T>, isDone: (value: T) => boolean): Promise<void> {
  for (const index of [0, 1]) expect(await timeUntil(1000, () => read(index), isDone)).toBeLessThan(1000)
}

/** Closes the listening (LISTEN) connection of every replica, as a network blip or a failover would. */
async function cutListeners(): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    const rows = await sql`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rolecall' AND query ILIKE 'listen%'`
    return rows.length
  } finally {
    await sql.end()
  }
}

describe('the change feed between two replicas', () => {
  it('a member removed through replica A is denied by the check API on replica B within a second', async () => {
    expect(await check(1, 'casey@acme.example')).toEqual({ status: 200, allowed: true })
    const removed = await fetch(`${replica(0)}/scim/v2/Groups/${groupId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(patch({ op: 'remove', path: `members[value eq "${caseyId}"]` })),
    })
    expect(removed.status).toBe(204)
    expect(
      await timeUntil(
        1000,
        () => check(1, 'casey@acme.example'),
        (answer) => answer.allowed === false,
      ),
    ).toBeLessThan(1000)
    expect(await check(1, 'sasha@acme.example')).toEqual({ status: 200, allowed: true })
  })

  it('an admin token revoked by `rolecall admin-token revoke --db` stops working on both replicas within a second', async () => {
    const created = await runCli(['admin-token', 'create', '--scope', 'check', '--db', url])
    expect(created.code, created.stderr).toBe(0)
    const { token, id: tokenId } = shownToken(created.stdout)
    for (const index of [0, 1]) expect((await check(index, 'sasha@acme.example', token)).status).toBe(200)
    const revoked = await runCli(['admin-token', 'revoke', tokenId, '--db', url])
    expect(revoked.code, revoked.stderr).toBe(0)
    await onBoth(
      (index) => check(index, 'sasha@acme.example', token),
      (answer) => answer.status === 401,
    )
  })

  it('after its listening connection is cut, a replica reconnects and catches up with what changed meanwhile', async () => {
    expect(await cutListeners()).toBeGreaterThanOrEqual(2)
    // Written at once, while the replicas' feeds are reconnecting: only the catch-up from their cursor can tell it.
    const revoked = await runCli(['token', 'revoke', scimTokenId, '--db', url])
    expect(revoked.code, revoked.stderr).toBe(0)
    await onBoth(
      (index) => scimStatus(index, scimToken),
      (status) => status === 401,
    )
  })

  it('a SCIM token revoked by `rolecall token revoke --db` stops working on both replicas within a second', async () => {
    const created = await runCli(['token', 'create', '--connection', 'okta', '--db', url])
    expect(created.code, created.stderr).toBe(0)
    const { token, id: tokenId } = shownToken(created.stdout)
    for (const index of [0, 1]) expect(await scimStatus(index, token)).toBe(200)
    const revoked = await runCli(['token', 'revoke', tokenId, '--db', url])
    expect(revoked.code, revoked.stderr).toBe(0)
    await onBoth(
      (index) => scimStatus(index, token),
      (status) => status === 401,
    )
  })
})

describe('plan and apply with two replicas', () => {
  const remote = (index: number, scope: 'plan' | 'apply') => ({ env: { ROLECALL_SERVER: replica(index), ROLECALL_TOKEN: admin[scope], ROLECALL_NOW: now } })
  const local = { env: { ROLECALL_NOW: now } }

  it('plans the same through either replica and the database', async () => {
    const plans = await Promise.all([runCli(['plan', '--format', 'json'], remote(0, 'plan')), runCli(['plan', '--format', 'json'], remote(1, 'plan')), runCli(['plan', '--format', 'json', '--db', url], local)])
    for (const plan of plans) expect(plan.stderr).toBe('')
    const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), createdAt: 'x' })
    expect(strip(plans[0]?.stdout ?? '')).toEqual(strip(plans[2]?.stdout ?? ''))
    expect(strip(plans[1]?.stdout ?? '')).toEqual(strip(plans[2]?.stdout ?? ''))
  })

  /** A copy of the example access directory with `edit` made to one of its files. */
  async function accessWith(name: string, file: string, edit: (text: string) => string): Promise<string> {
    const copy = join(dir, name)
    await cp(join(repoRoot, 'access'), copy, { recursive: true })
    await writeFile(join(copy, file), edit(await readFile(join(copy, file), 'utf8')))
    return copy
  }
  const qaDescribed = (description: string) => (text: string) => text.replace(/^description: .*$/m, `description: "${description}"`)

  it('two applies of different plans at once, through a replica and the database: exactly one commits, the other is refused as stale and says what moved', async () => {
    const dirs = [await accessWith('qa-a', 'qa/groups.yaml', qaDescribed('QA engineers (a).')), await accessWith('qa-b', 'qa/groups.yaml', qaDescribed('QA engineers (b).'))]
    const outs = [join(dir, 'qa-a.json'), join(dir, 'qa-b.json')]
    const planned = await Promise.all(dirs.map((access, index) => runCli(['plan', '--dir', access, '--out', outs[index] ?? '', '--detailed-exitcode'], remote(index, 'plan'))))
    expect(planned.map((result) => [result.code, result.stderr])).toEqual([
      [2, ''],
      [2, ''],
    ])
    const applied = await Promise.all([runCli(['apply', outs[0] ?? '', ...approvals], remote(0, 'apply')), runCli(['apply', outs[1] ?? '', '--db', url, ...approvals], local)])
    expect(applied.map((result) => result.code).sort()).toEqual([0, 1])
    const refused = applied.find((result) => result.code === 1)
    // Refused before its transaction (the other had committed) or inside it (both had read r1): either names r2.
    expect(refused?.stderr).toMatch(/^rolecall: (the store moved since this plan was made\.\nAnother apply happened since the plan: applied revision r1 → r2\.|another apply \(r2\) happened since this plan was made; plan again)/)
    expect(applied.find((result) => result.code === 0)?.stdout).toMatch(/^Applied r2: 1 document change/)
  })

  it('refuses a saved plan on every replica and on the database once SCIM moved the users it covers', async () => {
    const access = await accessWith('no-audit-read', 'security/roles.yaml', (text) => text.replace('  - audit:read\n', ''))
    const out = join(dir, 'no-audit-read.json')
    const planned = await runCli(['plan', '--dir', access, '--out', out, '--detailed-exitcode'], remote(1, 'plan'))
    expect([planned.code, planned.stderr]).toEqual([2, ''])
    const scim = (path: string, method: string, body: unknown) => fetch(`${replica(0)}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${idpToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })
    const joined = (await (await scim('/Users', 'POST', aUser('dana@acme.example'))).json()) as { id: string }
    expect((await scim(`/Groups/${groupId}`, 'PATCH', patch({ op: 'add', path: 'members', value: [{ value: joined.id }] }))).status).toBe(204)
    const refusals = await Promise.all([runCli(['apply', out, ...approvals], remote(0, 'apply')), runCli(['apply', out, ...approvals], remote(1, 'apply')), runCli(['apply', out, '--db', url, ...approvals], local)])
    for (const refusal of refusals) {
      expect(refusal.code).toBe(1)
      expect(refusal.stderr).toMatch(/^rolecall: the store moved since this plan was made\./)
      // dana's addition to security-admins is held (critical from the IdP): what moved is that dana is provisioned.
      expect(refusal.stderr).toContain('dana@acme.example is now provisioned')
    }
    expect(refusals[1]?.stderr).toBe(refusals[0]?.stderr)
  })
})
