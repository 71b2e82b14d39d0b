// The IdP change guard end to end on `rolecall serve`: Okta adds sam.support to security-admins; the IdP gets its
// 2xx, the check API denies sso:manage naming the hold, sam cannot approve the pull request that gives sam critical
// access, and the apply that the other security admins approve releases the hold.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Plan } from '../../src/schema/generated/plan.js'
import { applyExampleAccess, exampleApprovals } from '../helpers/apply-example.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { createToken, runCli, startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const write = { actor: 'test' }
let dir: string
let db: string
let server: RunningServer
let checkToken: string
let scimToken: string
let groupId: string
const env = { ROLECALL_NOW: fixtureNow.toISOString() }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-guard-e2e-'))
  db = await testDbLocation()
  const store = await openTestStore(db, { clock: () => fixtureNow })
  const admins = await Promise.all(['sasha@acme.example', 'sky@acme.example'].map((userName) => store.createUser('okta', { userName, active: true }, write)))
  groupId = (
    await store.createGroup(
      'okta',
      { displayName: 'security-admins' },
      admins.map((user) => user.id),
      write,
    )
  ).id
  await applyExampleAccess(store)
  checkToken = (await store.createAdminToken(['check'])).token
  await store.close()
  scimToken = createToken(db, 'okta')
  server = await startServer(db)
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  rmSync(dir, { recursive: true, force: true })
})

const scim = (path: string, method: string, body: unknown) => fetch(`${server.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })

async function ssoManage(user: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/api/v1/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${checkToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, permission: 'sso:manage', authMethod: 'sso' }),
  })
  return (await response.json()) as Record<string, unknown>
}

/** Waits until the server's answer for `user` satisfies `until` (the CLI's apply reaches it through its feed). */
async function settle(user: string, until: (answer: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const answer = await ssoManage(user)
    if (until(answer) || attempt > 100) return answer
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the IdP change guard on rolecall serve', () => {
  it('holds an Okta addition to security-admins, refuses sam as an approver of sam, and releases it with the apply the others approve', async () => {
    const created = await scim('/Users', 'POST', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'sam.support@acme.example', active: true })
    expect(created.status).toBe(201)
    const sam = ((await created.json()) as { id: string }).id
    // The IdP gets its normal 2xx, and the store mirrors it.
    const patched = await scim(`/Groups/${groupId}`, 'PATCH', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: sam }] }] })
    expect(patched.status).toBe(204)

    const denied = await ssoManage('sam.support@acme.example')
    expect(denied).toMatchObject({ allowed: false, held: [{ id: 'h1', status: 'open', trigger: 'membership', connection: 'okta', group: 'security-admins', risk: 'critical' }] })
    expect((denied['denials'] as string[]).join('\n')).toMatch(/^held by h1 since \S+ \(sam\.support@acme\.example added to okta group security-admins\): waiting for a reviewed apply$/m)
    expect(await ssoManage('sasha@acme.example')).toMatchObject({ allowed: true })

    const explained = runCli(['explain', '--user', 'sam.support@acme.example', '--db', db], env)
    expect(explained.stdout).toMatch(/^ {2}HELD h1 \[critical\] since \S+: sam\.support@acme\.example added to okta group security-admins \(waits for a reviewed apply\): .*permission sso:manage/m)
    expect(explained.stdout).not.toContain('role "Security Admin" → sso:manage')
    const listed = runCli(['hold', 'list', '--db', db], env)
    expect(listed.status).toBe(0)
    expect(listed.stdout).toContain('h1  [critical]  sam.support@acme.example  sam.support@acme.example added to okta group security-admins')

    // A pull request that gives sam the Security Admin role in the access files too.
    const access = join(dir, 'access')
    cpSync(join(repoRoot, 'access'), access, { recursive: true })
    writeFileSync(
      join(access, 'security', 'sam.yaml'),
      'kind: Group\nname: Sam Admin\ndescription: sam.support as a security admin.\nsource:\n  members:\n    users:\n      - sam.support@acme.example\nroles:\n  - Security Admin\nauthMethods: [sso]\n',
    )
    const out = join(dir, 'plan.json')
    const planned = runCli(['plan', '--dir', access, '--db', db, '--out', out], env)
    expect(planned.status, planned.stderr).toBe(0)
    expect(planned.stdout).toContain('Held IdP changes (released by this apply)')
    const plan = JSON.parse(readFileSync(out, 'utf8')) as Plan
    expect(plan.held).toMatchObject([{ id: 'h1', user: 'sam.support@acme.example', group: 'security-admins', risk: 'critical', access: expect.arrayContaining(['permission sso:manage']) }])
    const critical = plan.approvals.find((approval) => approval.risk === 'critical')
    // Only reviewed members of Security Admins are eligible, and never the person the change gives access to.
    expect(critical?.eligible).toEqual(['sasha@acme.example', 'sky@acme.example'])

    const others = exampleApprovals.filter((name) => !name.startsWith('acme/security:'))
    const borrowed = runCli(['apply', out, '--db', db, '--approved-by', 'sam.support@acme.example', '--approved-by', 'sasha@acme.example', ...others.flatMap((name) => ['--approved-by', name])], env)
    expect(borrowed.status).toBe(1)
    expect(borrowed.stderr).toContain('approvals missing')
    expect(await ssoManage('sam.support@acme.example')).toMatchObject({ allowed: false })

    const applied = runCli(['apply', out, '--db', db, '--approved-by', 'sky@acme.example', '--approved-by', 'sasha@acme.example', ...others.flatMap((name) => ['--approved-by', name])], env)
    expect(applied.status, applied.stderr).toBe(0)
    expect(await settle('sam.support@acme.example', (answer) => answer['allowed'] === true)).toMatchObject({ allowed: true })
    const after = runCli(['hold', 'list', '--all', '--format', 'json', '--db', db], env)
    expect(JSON.parse(after.stdout)).toMatchObject({ holds: [{ id: 'h1', status: 'released', closedReason: 'released by applied revision r2' }] })
  })

  it('rejects a hold: the access stays denied, and the answer says to undo it at the IdP', async () => {
    const created = await scim('/Users', 'POST', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'mallory@acme.example', active: true })
    const mallory = ((await created.json()) as { id: string }).id
    await scim(`/Groups/${groupId}`, 'PATCH', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: mallory }] }] })
    const [hold] = ((await ssoManage('mallory@acme.example'))['held'] ?? []) as { id: string }[]
    expect(hold?.id).toMatch(/^h\d+$/)
    const rejected = runCli(['hold', 'reject', hold?.id ?? '', '--reason', 'not requested', '--db', db], env)
    expect(rejected.status, rejected.stderr).toBe(0)
    expect(rejected.stdout).toContain('stays denied to mallory@acme.example. Undo the change at okta: mallory@acme.example added to okta group security-admins.')
    const answer = await settle('mallory@acme.example', (found) => JSON.stringify(found).includes('rejected'))
    expect(answer).toMatchObject({ allowed: false, held: [{ id: hold?.id, status: 'rejected' }] })
    expect(runCli(['hold', 'reject', hold?.id ?? '', '--db', db], env)).toMatchObject({ status: 1 })
  })
})
