// Remote mode end to end: plan, apply, drift, explain and who-can through a real `rolecall serve` on 127.0.0.1.
import { withoutProvenance } from '../helpers/provenance-text.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

let dir: string
let db: string
let server: RunningServer
const tokens: Record<string, string> = {}
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])

function remote(scope: string) {
  return { ROLECALL_SERVER: server.url, ROLECALL_TOKEN: tokens[scope] ?? '', ROLECALL_NOW: '2026-11-23T00:00:00Z' }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-remote-'))
  db = await testDbLocation()
  const store = await openTestStore(db)
  const write = { actor: 'test' }
  const sasha = await store.createUser('okta', { userName: 'sasha@acme.example', active: true }, write)
  const sky = await store.createUser('okta', { userName: 'sky@acme.example', active: true }, write)
  await store.createGroup('okta', { displayName: 'security-admins' }, [sasha.id, sky.id], write)
  for (const scope of ['plan', 'apply', 'check']) tokens[scope] = (await store.createAdminToken([scope as 'plan'])).token
  tokens.scim = (await store.createToken('okta')).token
  await store.close()
  // Branch protection on the access repository required the reviews: the server takes the approvals CI names.
  server = await startServer(db, ['--trust-branch-protection'])
})

afterAll(async () => {
  server.child.kill('SIGTERM')
  await server.exited
  await rm(dir, { recursive: true, force: true })
})

describe('remote mode (--server / ROLECALL_SERVER)', () => {
  it('plans through the server and prints the same plan as a local one', async () => {
    const remotePlan = await runCli(['plan', '--format', 'json'], { env: remote('plan') })
    expect(remotePlan.stderr).toBe('')
    const local = await runCli(['plan', '--format', 'json', '--db', db], { env: { ROLECALL_NOW: '2026-11-23T00:00:00Z' } })
    const strip = (text: string) => ({ ...(JSON.parse(text) as Record<string, unknown>), createdAt: 'x' })
    expect(strip(remotePlan.stdout)).toEqual(strip(local.stdout))
  })

  it('refuses an apply with a plan-scoped token, then applies with an apply-scoped one', async () => {
    const out = join(dir, 'plan.json')
    const planned = await runCli(['plan', '--out', out, '--detailed-exitcode'], { env: remote('plan') })
    expect(planned.code).toBe(2)
    const wrong = await runCli(['apply', out, ...approvals], { env: remote('plan') })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toBe('rolecall: the token in ROLECALL_TOKEN may not do this: this token lacks the "apply" scope\n')
    const missing = await runCli(['apply', out], { env: remote('apply') })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^rolecall: approvals missing:\n {2}- critical: 0 of 2 approvals/)
    const applied = await runCli(['apply', out, '--revision', 'abc', '--author', 'sam', ...approvals], { env: remote('apply') })
    expect(applied.stderr).toBe('')
    expect(applied.stdout).toMatch(/^Applied r1: 28 document changes/)
    const again = await runCli(['apply', out, ...approvals], { env: remote('apply') })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^rolecall: the store moved since this plan was made\.\nAnother apply happened since the plan: applied revision \(none\) → r1\./)
  })

  it('answers drift, explain and who-can from the server', async () => {
    const drift = await runCli(['drift'], { env: remote('plan') })
    expect(drift).toMatchObject({ code: 0, stdout: 'No drift since r1.\n' })
    const explain = await runCli(['explain', '--user', 'sasha@acme.example', '--permission', 'sso:manage'], { env: remote('plan') })
    expect(withoutProvenance(explain).stdout).toBe(
      'ALLOWED for sasha@acme.example through okta, entra (applied revision r1)\n  via okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage (when signed in with sso)\n',
    )
    // Where it comes from: the applied revision, the SCIM write that put sasha in the IdP group, the store revision.
    expect(explain.stdout).toMatch(/\n {2}from:\n {4}applied revision r1 at \S+, commit [^\n]+\n {4}okta group "security-admins" member sasha@acme\.example: added by SCIM write #\d+ at \S+ \([^)]+\)\n {4}computed at store revision \d+\n$/)
    const whoCan = await runCli(['who-can', 'sso:manage', '--auth-method', 'sso'], { env: remote('plan') })
    expect(whoCan.stdout).toMatch(/^4 users can sso:manage \(applied revision r1\):\n/)
  })

  it('rejects a SCIM token on the admin API and an unreachable server, without a stack trace', async () => {
    const scim = await runCli(['plan'], { env: { ...remote('plan'), ROLECALL_TOKEN: tokens.scim ?? '' } })
    expect(scim.code).toBe(1)
    expect(scim.stderr).toBe('rolecall: the server refused the token in ROLECALL_TOKEN: the bearer token is not a valid admin token\n')
    const down = await runCli(['plan'], { env: { ...remote('plan'), ROLECALL_SERVER: 'http://127.0.0.1:9' } })
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^rolecall: cannot reach http:\/\/127\.0\.0\.1:9: /)
    const noToken = await runCli(['plan', '--server', server.url])
    expect(noToken.stderr).toMatch(/^rolecall: remote mode needs an admin token in ROLECALL_TOKEN/)
  })
})
