// Who did it: commands that write the audit log name a person (--actor or ROLECALL_ACTOR), and audit export resumes
// (--since) and streams (--follow) for a SIEM shipper.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath, repoRoot, runCli } from '../helpers/cli.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

type Entry = { seq: number; at: string; actor: string; action: string }

let dir: string
let db: string
const nobody = { ROLECALL_ACTOR: '' }

async function entries(...args: string[]): Promise<Entry[]> {
  const result = await runCli(['audit', 'export', '--db', db, ...args])
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry)
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-actor-'))
  db = await testDbLocation()
  const store = await openTestStore(db)
  await store.ensureConnection('okta')
  await store.close()
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('--actor and ROLECALL_ACTOR', () => {
  it.each([
    [['token', 'create', '--connection', 'okta'], 'a SCIM token'],
    [['token', 'revoke', 'rcs_x'], 'revoking a SCIM token'],
    [['token', 'rotate', 'rcs_x'], 'rotating a SCIM token'],
    [['admin-token', 'create', '--scope', 'check'], 'an admin token'],
    [['admin-token', 'revoke', 'rca_x'], 'revoking an admin token'],
    [['break-glass', 'create', '--user', 'u@x.example', '--action', 'read', '--resource', 'secret:checkout/key', '--reason', 'INC-1', '--expires', new Date(Date.now() + 3_600_000).toISOString()], 'a break-glass grant'],
    [['break-glass', 'revoke', 'bg_x'], 'revoking a break-glass grant'],
    [['apply', '--dir', 'access'], 'apply'],
  ])('%j refuses to run without a person, saying how to give one', async (argv, what) => {
    const result = await runCli([...argv, '--db', db], { env: nobody })
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(new RegExp(`^rolecall: ${what} is kept in the audit log with who did it: give --actor NAME \\(your name or e-mail\\), or set ROLECALL_ACTOR=NAME in your shell\\nUsage: rolecall `)),
    })
  })

  it('keeps the person in the audit entry, from --actor or from ROLECALL_ACTOR', async () => {
    expect((await runCli(['token', 'create', '--connection', 'okta', '--db', db, '--actor', 'dana@acme.example'], { env: nobody })).code).toBe(0)
    expect((await runCli(['admin-token', 'create', '--scope', 'check', '--db', db], { env: { ROLECALL_ACTOR: 'lee@acme.example' } })).code).toBe(0)
    const log = await entries()
    expect(log.filter((entry) => entry.action.endsWith('token.create')).map((entry) => [entry.action, entry.actor])).toEqual([
      ['token.create', 'dana@acme.example'],
      ['admin-token.create', 'lee@acme.example'],
    ])
  })
})

describe('audit export --since and --follow', () => {
  it('exports the entries after a seq, or at or after a time', async () => {
    const all = await entries()
    expect(all.length).toBeGreaterThan(2)
    const [, second] = all
    expect((await entries('--since', String(second?.seq))).map((entry) => entry.seq)).toEqual(all.slice(2).map((entry) => entry.seq))
    expect(await entries('--since', '2999-01-01')).toEqual([])
    expect((await entries('--since', all[0]?.at ?? '')).length).toBe(all.length)
    expect(await runCli(['audit', 'export', '--db', db, '--since', 'yesterday'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--since takes an entry\'s seq (as export prints it) or a date or RFC 3339 time (got "yesterday")'),
    })
  })

  it('streams each new entry as it commits, and stops cleanly on SIGTERM', async () => {
    const last = (await entries()).at(-1)?.seq ?? 0
    const child = spawn(process.execPath, [cliPath, 'audit', 'export', '--db', db, '--since', String(last), '--follow'], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      expect((await runCli(['token', 'create', '--connection', 'okta', '--db', db, '--actor', 'sam@acme.example'])).code).toBe(0)
      const deadline = Date.now() + 10_000
      while (!stdout.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      const [line] = stdout.split('\n')
      expect(JSON.parse(line ?? '{}')).toMatchObject({ seq: last + 1, actor: 'sam@acme.example', action: 'token.create' })
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})
