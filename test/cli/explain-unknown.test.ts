// explain and who-can refuse questions about permissions, actions, resource types, services, environments and
// users that nothing declares, rather than answer a confident "no one" — locally and through a server.
import { withoutProvenance } from '../helpers/provenance-text.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

const env = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
const approvals = ['acme/security:gh-alice', 'acme/security:gh-bob', 'acme/access-reviewers:gh-rev', 'acme/platform-leads:gh-lead'].flatMap((name) => ['--approved-by', name])
const unknownUser = (user: string, source: string, hint = '') => `rolecall: unknown user "${user}": no connection has provisioned them and no group, Grant or break-glass grant names them (${source})${hint}\n`
let dir: string
let db: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-explain-unknown-'))
  db = await testDbLocation()
  const store = await openTestStore(db)
  try {
    const write = { actor: 'test' }
    const ids: Record<string, string> = {}
    for (const name of ['sam', 'sasha', 'idle', 'gone']) ids[name] = (await store.createUser('okta', { userName: `${name}@acme.example`, active: name !== 'gone' }, write)).id
    await store.createGroup('okta', { displayName: 'security-admins' }, [ids.sasha ?? ''], write)
    await store.createGroup('okta', { displayName: 'support-tier-2' }, [ids.sam ?? '', ids.gone ?? ''], write)
  } finally {
    await store.close()
  }
  const applied = await runCli(['apply', '--dir', 'access', '--db', db, ...approvals], { env })
  expect(applied.stderr).toBe('')
  const breakGlass = await runCli(['break-glass', 'create', '--db', db, '--user', 'oncall@acme.example', '--action', 'read', '--resource', 'secret:checkout/stripe-key', '--reason', 'INC-9', '--expires', '2026-11-24T00:00:00Z'], { env })
  expect(breakGlass.code).toBe(0)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('questions about things nothing declares', () => {
  it.each([
    [['who-can', 'sso:mange'], 'unknown permission "sso:mange"; did you mean "sso:manage"?'],
    [['who-can', 'frobnicate'], 'unknown permission "frobnicate" (the Catalog\'s permissions: audit:read, integrations:admin, members:read, oauth-scopes:manage, scim:manage, secrets:admin, security:admin, sso:manage)'],
    [['who-can', 'fly', 'journey:checkout/x'], 'unknown action "fly": not an action of resource type "journey" (its actions: delete, edit, run)'],
    [['who-can', 'rnu', 'journey:checkout/x'], 'unknown action "rnu": not an action of resource type "journey"; did you mean "run"?'],
    [['who-can', 'run', 'jurney:checkout/x'], 'unknown resource type "jurney" in resource "jurney:checkout/x"; did you mean "journey"?'],
    [['who-can', 'run', 'journey:chekout/x'], 'unknown service "chekout" in resource "journey:chekout/x"; did you mean "checkout"?'],
    [['who-can', 'run', 'journey:checkout/x', '--env', 'prod'], 'unknown environment "prod" (environments: development, production, staging)'],
    [['explain', '--user', 'sasha@acme.example', '--permission', 'sso:mange'], 'unknown permission "sso:mange"; did you mean "sso:manage"?'],
    [['explain', '--user', 'sasha@acme.example', '--action', 'fly', '--resource', 'journey:checkout/x'], 'unknown action "fly": not an action of resource type "journey" (its actions: delete, edit, run)'],
  ])('%j is refused', async (args, message) => {
    for (const source of [
      ['--db', db],
      ['--dir', 'access', '--db', db],
    ]) {
      const result = await runCli([...args, ...source], { env })
      expect(result).toEqual({ code: 1, stdout: '', stderr: `rolecall: ${message}\n` })
    }
  })

  it('still answers questions about what exists, including a glob service and nobody', async () => {
    const none = withoutProvenance(await runCli(['who-can', 'delete', 'journey:checkout/x', '--env', 'production', '--db', db], { env }))
    expect(none).toEqual({ code: 0, stdout: '0 users can delete journey:checkout/x in production (applied revision r1).\n', stderr: '' })
    const glob = await runCli(['who-can', 'run', 'journey:*/diagnostic-login', '--db', db], { env })
    expect(glob.code).toBe(0)
    const permission = await runCli(['who-can', 'sso:manage', '--db', db], { env })
    expect(permission.stdout).toMatch(/^\d+ users can sso:manage \(applied revision r1\):\n/)
  })
})

describe('explain about users', () => {
  it('refuses a user no connection has and no file names, with a did-you-mean', async () => {
    expect(await runCli(['explain', '--user', 'nobody@acme.example', '--db', db], { env })).toEqual({ code: 1, stdout: '', stderr: unknownUser('nobody@acme.example', 'applied revision r1') })
    const typo = await runCli(['explain', '--user', 'sasha@acme.exmaple', '--permission', 'sso:manage', '--db', db], { env })
    expect(typo).toEqual({ code: 1, stdout: '', stderr: unknownUser('sasha@acme.exmaple', 'applied revision r1', '; did you mean "sasha@acme.example"?') })
    const files = await runCli(['explain', '--user', 'nobody@acme.example', '--dir', 'access', '--db', db], { env })
    expect(files.stderr).toBe(unknownUser('nobody@acme.example', 'access files on live memberships'))
  })

  it('keeps answering for a known user with no access, and tells a deactivated one apart', async () => {
    expect(withoutProvenance(await runCli(['explain', '--user', 'idle@acme.example', '--db', db], { env }))).toEqual({
      code: 0,
      stdout: 'idle@acme.example through okta, entra holds no access (no mapped group, no grant; applied revision r1).\n',
      stderr: '',
    })
    expect(withoutProvenance(await runCli(['explain', '--user', 'GONE@acme.example', '--db', db], { env }))).toEqual({
      code: 0,
      stdout: 'GONE@acme.example through okta, entra holds no access (deactivated; applied revision r1).\n',
      stderr: '',
    })
    const denied = withoutProvenance(await runCli(['explain', '--user', 'idle@acme.example', '--permission', 'sso:manage', '--db', db], { env }))
    // DENIED exits 3, so that a script can tell it from ALLOWED (0) and from an error (1).
    expect(denied).toEqual({ code: 3, stdout: 'DENIED for idle@acme.example through okta, entra (applied revision r1)\n  user "idle@acme.example" holds no access\n', stderr: '' })
    const json = await runCli(['explain', '--user', 'idle@acme.example', '--permission', 'sso:manage', '--db', db, '--format', 'json'], { env })
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false })
  })

  it('knows users only the access files or a break-glass grant name, even once what they held has expired', async () => {
    const listed = await runCli(['explain', '--user', 'breakglass-1@acme.example', '--db', db], { env })
    expect(listed.stdout).toMatch(/^breakglass-1@acme\.example through okta, entra holds \d+ access items/)
    // dana's individual Grant ended on 2027-01-31; oncall's break-glass grant on 2026-11-24.
    const later = { ROLECALL_NOW: '2027-02-01T00:00:00Z' }
    expect(withoutProvenance(await runCli(['explain', '--user', 'dana@acme.example', '--db', db], { env: later }))).toEqual({
      code: 0,
      stdout: 'dana@acme.example through okta, entra holds no access (no mapped group, no grant; applied revision r1).\n',
      stderr: '',
    })
    expect(withoutProvenance(await runCli(['explain', '--user', 'oncall@acme.example', '--db', db], { env: later }))).toEqual({
      code: 0,
      stdout: 'oncall@acme.example through okta, entra holds no access (no mapped group, no grant; applied revision r1).\n',
      stderr: '',
    })
  })

  it('refuses a store that does not exist rather than answer without its memberships', async () => {
    const missing = join(dir, 'missing.db')
    for (const command of [['explain', '--user', 'sasha@acme.example'], ['who-can', 'sso:manage'], ['test']]) {
      expect(await runCli([...command, '--dir', 'access', '--db', missing], { env })).toEqual({ code: 1, stdout: '', stderr: `rolecall: no database at ${missing}; rolecall serve creates it when it first starts\n` })
    }
  })
})

describe('through a server (--server)', () => {
  let server: RunningServer
  let token: string
  beforeAll(async () => {
    const store = await openTestStore(db)
    try {
      token = (await store.createAdminToken(['plan'])).token
    } finally {
      await store.close()
    }
    server = await startServer(db)
  })
  afterAll(async () => {
    server.child.kill('SIGTERM')
    await server.exited
  })

  it('refuses the same questions with the same messages', async () => {
    const remote = { ...env, ROLECALL_SERVER: server.url, ROLECALL_TOKEN: token }
    expect(await runCli(['who-can', 'sso:mange'], { env: remote })).toEqual({ code: 1, stdout: '', stderr: 'rolecall: unknown permission "sso:mange"; did you mean "sso:manage"?\n' })
    expect(await runCli(['who-can', 'fly', 'journey:checkout/x'], { env: remote })).toEqual({ code: 1, stdout: '', stderr: 'rolecall: unknown action "fly": not an action of resource type "journey" (its actions: delete, edit, run)\n' })
    expect(await runCli(['explain', '--user', 'nobody@acme.example'], { env: remote })).toEqual({ code: 1, stdout: '', stderr: unknownUser('nobody@acme.example', 'applied revision r1') })
    expect(withoutProvenance(await runCli(['explain', '--user', 'idle@acme.example'], { env: remote }))).toEqual({
      code: 0,
      stdout: 'idle@acme.example through okta, entra holds no access (no mapped group, no grant; applied revision r1).\n',
      stderr: '',
    })
  })
})
