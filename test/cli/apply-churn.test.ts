// Apply under steady IdP traffic, end to end: a real `rolecall serve` takes ~50 SCIM writes a second while the CLI
// (on the same store file) and the admin API (POST /plans → POST /apply) apply.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, runCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead']
const approvedBy = approvals.flatMap((name) => ['--approved-by', name])
const clock = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
const poolSize = 100

let dir: string
let db: string
let server: RunningServer
let adminToken: string
let scimToken: string
const ids: Record<string, string> = {}
/** Users in no mapped group, that the writer renames and moves in and out of an unmapped one. */
const pool: string[] = []
/** The two access directories applied in turn: `b` gives Support Tier 2 one more grant than `a`. */
const dirs = { a: '', b: '' }
/** The directory applied last, so that the next plan has changes. */
let last: 'a' | 'b' = 'a'

const next = (): 'a' | 'b' => (last === 'a' ? 'b' : 'a')

const patchUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

async function scim(method: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${server.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })
  await response.arrayBuffer()
  return response.status
}

async function admin(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const addMember = (group: string, user: string) => scim('PATCH', `/Groups/${group}`, { schemas: [patchUrn], Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }] })
const removeMember = (group: string, user: string) => scim('PATCH', `/Groups/${group}`, { schemas: [patchUrn], Operations: [{ op: 'remove', path: `members[value eq "${user}"]` }] })

type Load = 'unrelated' | 'support-tier-2' | 'on-call' | 'security-admins'

/**
 * Issues about 50 SCIM writes a second through the server until stopped, every one acknowledged with a 2xx. Its
 * writes to mapped groups only ever add people, so that once one has landed the directory stays moved.
 */
class Writer {
  acknowledged = 0
  failures: string[] = []
  private isStopped = false
  private readonly done: Promise<void>
  private step = 0
  /** The user created by the last write, to be added to the group by the next. */
  private joining: string | undefined

  constructor(private readonly load: Load) {
    this.done = this.run()
  }

  private async write(): Promise<number> {
    const step = this.step++
    const user = pool[step % pool.length] as string
    switch (this.load) {
      case 'unrelated': {
        // An unmapped group's members, renamed users in no mapped group, new users.
        const kind = step % 4
        if (kind === 0) return addMember(ids.staff as string, user)
        if (kind === 1) return removeMember(ids.staff as string, user)
        if (kind === 2) return scim('PATCH', `/Users/${user}`, { schemas: [patchUrn], Operations: [{ op: 'replace', path: 'displayName', value: `Pool ${step}` }] })
        return scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `new-${step}-${this.load}@acme.example`, active: true })
      }
      case 'on-call':
        // casey already holds, through checkout-team, everything the on-call group gives.
        return step % 2 === 0 ? addMember(ids.oncall as string, ids.casey as string) : removeMember(ids.oncall as string, ids.casey as string)
      case 'support-tier-2':
      case 'security-admins': {
        // A new user, then that user added to the group: the IdP provisioning someone who just joined.
        if (this.joining === undefined) {
          const response = await fetch(`${server.url}/scim/v2/Users`, {
            method: 'POST',
            headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
            body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `joiner-${this.load}-${String(step).padStart(4, '0')}@acme.example`, active: true }),
          })
          const created = (await response.json()) as { id?: string }
          this.joining = created.id
          return response.status
        }
        const user = this.joining
        this.joining = undefined
        return addMember((this.load === 'support-tier-2' ? ids.support : ids.security) as string, user)
      }
      default: {
        const never: never = this.load
        return never
      }
    }
  }

  private async run(): Promise<void> {
    while (!this.isStopped) {
      const started = Date.now()
      const status = await this.write().catch((error: unknown) => String(error))
      if (typeof status === 'number' && status >= 200 && status < 300) this.acknowledged++
      else this.failures.push(String(status))
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20 - (Date.now() - started))))
    }
  }

  /** Resolves once `count` more writes than now have been acknowledged. */
  async landed(count: number): Promise<void> {
    const target = this.acknowledged + count
    while (this.acknowledged < target && this.failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  async stop(): Promise<void> {
    this.isStopped = true
    await this.done
  }
}

let writer: Writer | undefined

async function startWriting(load: Load): Promise<Writer> {
  writer = new Writer(load)
  await writer.landed(3)
  return writer
}

async function planFile(name: 'a' | 'b'): Promise<string> {
  const out = join(dir, `plan-${name}-${Date.now()}.json`)
  const planned = await runCli(['plan', '--dir', dirs[name], '--db', db, '--out', out, '--detailed-exitcode'], { env: clock })
  expect(planned.stderr).toBe('')
  expect(planned.code).toBe(2)
  return out
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-churn-'))
  db = await testDbLocation()
  dirs.a = join(dir, 'access-a')
  dirs.b = join(dir, 'access-b')
  const onCall = 'kind: Group\nname: Checkout On-Call\nsource:\n  scim:\n    connection: okta\n    displayName: checkout-oncall\nserviceRoles:\n  - service: checkout\n    role: maintainer\n'
  for (const target of [dirs.a, dirs.b]) {
    await cp(join(repoRoot, 'access'), target, { recursive: true })
    await writeFile(join(target, 'services', 'checkout', 'on-call.yaml'), onCall)
  }
  const support = join(dirs.b, 'support', 'groups.yaml')
  await writeFile(support, `${await readFile(support, 'utf8')}  - action: read\n    resource: auth-config:*/*\n    env: [staging]\n`)
  const store = await openTestStore(db)
  const write = { actor: 'test' }
  for (const name of ['sam', 'sasha', 'sky', 'casey', 'cory']) ids[name] = (await store.createUser('okta', { userName: `${name}@acme.example`, active: true }, write)).id
  for (let i = 0; i < poolSize; i++) pool.push((await store.createUser('okta', { userName: `pool-${String(i).padStart(3, '0')}@acme.example`, active: true }, write)).id)
  ids.support = (await store.createGroup('okta', { displayName: 'support-tier-2' }, [ids.sam as string], write)).id
  ids.security = (await store.createGroup('okta', { displayName: 'security-admins' }, [ids.sasha as string, ids.sky as string], write)).id
  ids.checkout = (await store.createGroup('okta', { displayName: 'checkout-team' }, [ids.casey as string], write)).id
  ids.oncall = (await store.createGroup('okta', { displayName: 'checkout-oncall' }, [], write)).id
  ids.staff = (await store.createGroup('okta', { displayName: 'all-staff' }, [ids.sam as string], write)).id
  adminToken = (await store.createAdminToken(['plan', 'apply'])).token
  scimToken = (await store.createToken('okta')).token
  await store.close()
  server = await startServer(db, ['--trust-branch-protection'])
  const first = await runCli(['apply', '--dir', dirs.a, '--db', db, ...approvedBy], { env: clock })
  expect(first.stderr).toBe('')
  expect(first.stdout).toMatch(/^Applied r1:/)
})

afterEach(async () => {
  await writer?.stop()
  expect(writer?.failures ?? []).toEqual([])
  writer = undefined
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  await rm(dir, { recursive: true, force: true })
})

describe('apply under ~50 SCIM writes a second', () => {
  it('applies every time while the writes go to an unmapped group and to users nobody depends on: apply --dir, a saved plan, and the admin API', { timeout: 120_000 }, async () => {
    const load = await startWriting('unrelated')
    for (let i = 0; i < 3; i++) {
      const before = load.acknowledged
      const applied = await runCli(['apply', '--dir', dirs[next()], '--db', db, ...approvedBy], { env: clock })
      expect(applied.stderr).toBe('')
      expect(applied.code).toBe(0)
      expect(applied.stdout).toMatch(/^Applied r\d+: 1 document change, 1 access change/)
      // The writer kept writing while the CLI planned and applied.
      expect(load.acknowledged).toBeGreaterThan(before)
      last = next()
    }
    for (let i = 0; i < 2; i++) {
      const out = await planFile(next())
      await load.landed(10)
      const applied = await runCli(['apply', out, '--db', db, ...approvedBy], { env: clock })
      expect(applied.stderr).toBe('')
      expect(applied.stdout).toMatch(/^Applied r\d+: 1 document change, 1 access change \(store revision \d+\)\.\nSCIM changed users or memberships since the plan \(store revision \d+ → \d+\); nothing the plan showed or judged moved\.\n$/)
      last = next()
    }
    for (let i = 0; i < 2; i++) {
      const applied = await runCli(['apply', '--dir', dirs[next()], ...approvedBy], { env: { ...clock, ROLECALL_SERVER: server.url, ROLECALL_TOKEN: adminToken } })
      expect(applied.stderr).toBe('')
      expect(applied.stdout).toMatch(/^Applied r\d+: 1 document change, 1 access change/)
      last = next()
    }
    // POST /plans, then POST /apply once the writer has moved the store.
    const documents = await documentsOf(next())
    const planned = await admin('/plans', { documents })
    expect(planned.status).toBe(200)
    await load.landed(10)
    const applied = await admin('/apply', { plan: planned.body, approvedBy: approvals })
    expect(applied.status).toBe(200)
    expect(applied.body).toMatchObject({ status: 'applied', basis: { planStoreRevision: (planned.body.base as { storeRevision: number }).storeRevision, directoryMoved: true } })
    last = next()
  })

  it('applies while a mapped group the plan does not change churns with a member who holds all it gives another way', { timeout: 60_000 }, async () => {
    const load = await startWriting('on-call')
    const out = await planFile(next())
    await load.landed(10)
    const applied = await runCli(['apply', out, '--db', db, ...approvedBy], { env: clock })
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toMatch(/^Applied r\d+: 1 document change, 1 access change/)
    last = next()
  })

  it('refuses when the writes add people to a group whose access the plan changes, naming each, what they would gain and through which group', { timeout: 60_000 }, async () => {
    const load = await startWriting('support-tier-2')
    const out = await planFile(next())
    await load.landed(3)
    const refused = await runCli(['apply', out, '--db', db, ...approvedBy], { env: clock })
    expect(refused.code).toBe(1)
    const change = last === 'a' ? 'gain' : 'lose'
    expect(refused.stderr).toMatch(new RegExp(`\\d+ users? \\(joiner-support-tier-2-\\d{4}@acme\\.example[^)]*\\) would now ${change} read auth-config:\\*/\\* in staging through okta group "support-tier-2", which the plan did not show`))
    expect(refused.stderr).toContain('Plan again and have the new plan reviewed.')
    // The admin API says the same, with a 409.
    const planned = await admin('/plans', { documents: await documentsOf(next()) })
    await load.landed(3)
    const stale = await admin('/apply', { plan: planned.body, approvedBy: approvals })
    expect(stale.status).toBe(409)
    expect(stale.body.kind).toBe('stale')
    expect(String(stale.body.error)).toMatch(new RegExp(`would now ${change} read auth-config:\\*/\\* in staging through okta group "support-tier-2"`))
  })

  it('applies while the writes add critical holders: the IdP change guard holds them, and the apply does not release what its plan did not show', { timeout: 60_000 }, async () => {
    const load = await startWriting('security-admins')
    const planned = await admin('/plans', { documents: await documentsOf(next()) })
    expect(planned.status).toBe(200)
    // At least one joiner created and added.
    await load.landed(3)
    const applied = await admin('/apply', { plan: planned.body, approvedBy: approvals })
    expect(applied.status, String(applied.body.error)).toBe(200)
    const listed = await runCli(['hold', 'list', '--db', db, '--format', 'json'], { env: clock })
    const holds = (JSON.parse(listed.stdout) as { holds: { userName: string; status: string; groupName?: string }[] }).holds
    expect(holds.length).toBeGreaterThan(0)
    for (const hold of holds) expect(hold).toMatchObject({ status: 'open', groupName: 'security-admins', userName: expect.stringMatching(/^joiner-security-admins-\d{4}@acme\.example$/) })
  })
})

/** The documents of an access directory as `rolecall plan --format json` reads them. */
async function documentsOf(name: 'a' | 'b'): Promise<unknown> {
  const planned = await runCli(['plan', '--dir', dirs[name], '--db', db, '--format', 'json'], { env: clock })
  return (JSON.parse(planned.stdout) as { desired: unknown }).desired
}
