// approvals, codeowners and validate's CODEOWNERS warning through the real CLI.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Plan } from '../../src/schema/generated/plan.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { repoRoot, runCli } from '../helpers/cli.js'

const env = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
const head = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const old = '0000000000000000000000000000000000000000'
let dir: string

function at(name: string): string {
  return join(dir, name)
}

async function writeJson(name: string, value: unknown): Promise<string> {
  await writeFile(at(name), JSON.stringify(value))
  return at(name)
}

function review(id: number, login: string, state: string, commit = head): Record<string, unknown> {
  return { id, user: { login, type: 'User' }, state, commit_id: commit, submitted_at: `2026-11-23T10:${String(id).padStart(2, '0')}:00Z` }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-review-'))
  await cp(join(repoRoot, 'access'), at('access'), { recursive: true })
  // An empty store, as `rolecall serve` leaves it on its first start.
  await openSqliteStore(at('empty.db')).close()
  const planned = await runCli(['plan', '--out', 'plan.json', '--db', 'empty.db'], { env, cwd: dir })
  expect(planned.code).toBe(0)
  // The store is empty, so no one is in "Security Admins" yet: name two eligible members as a store would.
  const plan = JSON.parse(await readFile(at('plan.json'), 'utf8')) as Plan
  for (const requirement of plan.approvals) if (requirement.approvers.includes('group:Security Admins')) requirement.eligible = ['sasha@acme.example', 'sky@acme.example']
  await writeJson('plan.json', plan)
  await writeJson('event.json', { action: 'submitted', pull_request: { number: 7, user: { login: 'dana' }, head: { sha: head } } })
  await writeJson('teams.json', { 'acme/security': ['alice', 'bob', 'dana'], 'acme/access-reviewers': ['rita'], 'acme/platform-leads': ['lee'] })
  await writeJson('identities.json', { sasha: 'sasha@acme.example' })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function approvals(reviews: string, extra: readonly string[] = []): ReturnType<typeof runCli> {
  return runCli(['approvals', '--plan', 'plan.json', '--reviews', reviews, '--event', 'event.json', '--teams', 'teams.json', '--identities', 'identities.json', ...extra], { env, cwd: dir })
}

describe('rolecall approvals', () => {
  it('exits 1 and says what is missing and who could approve', async () => {
    await writeJson('reviews-partial.json', [review(1, 'alice', 'APPROVED'), review(2, 'dana', 'APPROVED'), review(3, 'rita', 'APPROVED')])
    const result = await approvals('reviews-partial.json')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('rolecall approvals: 3 of 4 requirements met; approvals missing.\n')
    expect(result.stdout).toContain('  MISSING  critical: 1 of 2 approvals from group:Security Admins, github:acme/security (18 changes); 1 more needed\n')
    expect(result.stdout).toContain('could approve: @bob (acme/security), @sasha (sasha@acme.example, group:Security Admins), sky@acme.example (group:Security Admins; no GitHub login known)\n')
    expect(result.stdout).toContain('  @dana approved their own pull request\n')
    expect(result.stdout).toMatch(/\napproved-by: --approved-by acme\/access-reviewers:rita --approved-by acme\/security:alice\n$/)
  })

  it('exits 0 once every requirement is met, and JSON carries the apply names', async () => {
    await writeJson('reviews-full.json', [
      [review(1, 'alice', 'APPROVED'), review(2, 'bob', 'APPROVED', old)],
      [review(3, 'rita', 'APPROVED'), review(4, 'sasha', 'APPROVED'), review(5, 'bob', 'COMMENTED')],
    ])
    const result = await approvals('reviews-full.json', ['--format', 'json'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout) as { satisfied: boolean; requirements: { risk: string; satisfied: boolean }[]; approvedBy: string[]; ignored: { login: string; reason: string }[] }
    expect(report.satisfied).toBe(true)
    expect(report.requirements.map((status) => `${status.risk}:${String(status.satisfied)}`)).toEqual(['critical:true', 'high:true', 'medium:true', 'low:true'])
    expect(report.approvedBy).toEqual(['acme/access-reviewers:rita', 'acme/security:alice', 'sasha@acme.example'])
    expect(report.ignored).toEqual([{ login: 'bob', reason: 'stale-commit', commitId: old }])
  })

  it.each([
    ['a missing reviews file', ['--reviews', 'nope.json'], /^rolecall: --reviews .*nope\.json: cannot read it as JSON: ENOENT/],
    ['reviews that are not JSON', ['--reviews', 'plan.md'], /^rolecall: --reviews .*plan\.md: cannot read it as JSON: /],
    ['reviews of the wrong shape', ['--reviews', 'teams.json'], /^rolecall: --reviews .*teams\.json: expected a JSON array of reviews\n$/],
    ['a file that is not a plan', ['--plan', 'teams.json', '--reviews', 'teams.json'], /^rolecall: .*teams\.json is not a rolecall plan: /],
    ['a missing --reviews', [], /^rolecall: approvals needs --reviews reviews\.json\nUsage: rolecall approvals /],
    ['an event without the head commit', ['--reviews', 'reviews-empty.json', '--event', 'event-no-head.json'], /^rolecall: --event .*event-no-head\.json: the pull request names no head commit \(head\.sha\)/],
  ])('exits 1 with one line for %s', async (_name, args, message) => {
    await writeFile(at('plan.md'), '### not json\n')
    await writeJson('event-no-head.json', { pull_request: { number: 7, user: { login: 'dana' } } })
    await writeJson('reviews-empty.json', [])
    const eventArgs = args.includes('--event') || args.length === 0 ? [] : ['--event', 'event.json']
    const result = await runCli(['approvals', '--plan', 'plan.json', ...eventArgs, ...args], { env, cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('rolecall approvals judges a pull request, never reviews alone', () => {
  it('refuses to run without --event, which would count the author and approvals of earlier commits', async () => {
    await writeJson('reviews-own.json', [review(1, 'dana', 'APPROVED', old)])
    const result = await runCli(['approvals', '--plan', 'plan.json', '--reviews', 'reviews-own.json'], { env, cwd: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n')[0]).toBe('rolecall: approvals needs --event event.json (the pull_request event, or gh api repos/OWNER/REPO/pulls/N) to tell the author and the head commit')
  })

  it('counts two logins of one person once, and apply gets one name for them', async () => {
    await writeJson('identities-two.json', { alice1: 'alice@acme.example', alice2: 'alice@acme.example' })
    await writeJson('teams-two.json', { 'acme/security': ['alice1'] })
    const plan = JSON.parse(await readFile(at('plan.json'), 'utf8')) as Plan
    plan.approvals = plan.approvals.filter((requirement) => requirement.risk === 'critical').map((requirement) => ({ ...requirement, eligible: ['alice@acme.example'] }))
    await writeJson('plan-critical.json', plan)
    await writeJson('reviews-two.json', [review(1, 'alice1', 'APPROVED'), review(2, 'alice2', 'APPROVED')])
    const args = ['approvals', '--plan', 'plan-critical.json', '--reviews', 'reviews-two.json', '--event', 'event.json', '--teams', 'teams-two.json', '--identities', 'identities-two.json']
    const result = await runCli(args, { env, cwd: dir })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('  MISSING  critical: 1 of 2 approvals from group:Security Admins, github:acme/security (18 changes); 1 more needed\n')
    expect(result.stdout).toContain('approved by @alice1 (acme/security; also approved as @alice2, the same person, counted once)\n')
    expect(result.stdout).toMatch(/\napproved-by: --approved-by acme\/security:alice1\n$/)
    // Without any team, the same two approvals are still one person under one name.
    const noTeam = await runCli([...args.filter((arg) => arg !== 'teams-two.json' && arg !== '--teams'), '--format', 'json'], { env, cwd: dir })
    expect(noTeam.code).toBe(1)
    expect((JSON.parse(noTeam.stdout) as { approvedBy: string[] }).approvedBy).toEqual(['alice@acme.example'])
  })
})

describe('rolecall codeowners', () => {
  it('prints the whole file with hand-written lines kept, and --write writes it', async () => {
    await mkdir(at('.github'), { recursive: true })
    await writeFile(at('.github/CODEOWNERS'), '* @acme/admins\n')
    const printed = await runCli(['codeowners'], { env, cwd: dir })
    expect(printed.code).toBe(0)
    expect(printed.stdout).toMatch(/^\* @acme\/admins\n\n# BEGIN rolecall/)
    expect(printed.stdout).toContain('\n/access/security/roles.yaml @acme/security\n')
    expect(await readFile(at('.github/CODEOWNERS'), 'utf8')).toBe('* @acme/admins\n')
    expect(await runCli(['codeowners', '--write'], { env, cwd: dir })).toEqual({ code: 0, stdout: 'Wrote .github/CODEOWNERS.\n', stderr: '' })
    expect(await readFile(at('.github/CODEOWNERS'), 'utf8')).toBe(printed.stdout)
    expect(await runCli(['codeowners', '--write'], { env, cwd: dir })).toEqual({ code: 0, stdout: '.github/CODEOWNERS is up to date.\n', stderr: '' })
  })

  it('makes validate warn once access files change the tiers, and pass again after --write', async () => {
    await runCli(['codeowners', '--write'], { env, cwd: dir })
    expect((await runCli(['validate'], { env, cwd: dir })).stdout).toBe('0 errors, 0 warnings in 19 files\n')
    await rm(at('access/exceptions/grants.yaml'))
    const stale = await runCli(['validate'], { env, cwd: dir })
    expect(stale.code).toBe(0)
    expect(stale.stdout).toBe(
      '.github/CODEOWNERS:3:1: warning: The rolecall block of .github/CODEOWNERS is out of date with the access files. Run `rolecall codeowners --write` and commit the result. [codeowners-stale]\n0 errors, 1 warning in 18 files\n',
    )
    await runCli(['codeowners', '--write'], { env, cwd: dir })
    expect((await runCli(['validate'], { env, cwd: dir })).stdout).toBe('0 errors, 0 warnings in 18 files\n')
    await cp(join(repoRoot, 'access/exceptions/grants.yaml'), at('access/exceptions/grants.yaml'))
  })

  it('validate compares the block only with the access directory it was generated from', async () => {
    await runCli(['codeowners', '--write'], { env, cwd: dir })
    await cp(at('access'), at('other'), { recursive: true })
    await rm(at('other/exceptions/grants.yaml'))
    expect(await runCli(['validate', '--dir', 'other'], { env, cwd: dir })).toEqual({ code: 0, stdout: '0 errors, 0 warnings in 18 files\n', stderr: '' })
    await rm(at('other'), { recursive: true })
  })

  it('keeps a CRLF file CRLF, and validate does not call it stale right after --write', async () => {
    await writeFile(at('.github/CODEOWNERS'), '# owners\r\n* @acme/admins\r\n')
    expect(await runCli(['codeowners', '--write'], { env, cwd: dir })).toEqual({ code: 0, stdout: 'Wrote .github/CODEOWNERS.\n', stderr: '' })
    const written = await readFile(at('.github/CODEOWNERS'), 'utf8')
    expect(written).toMatch(/^# owners\r\n\* @acme\/admins\r\n\r\n# BEGIN rolecall/)
    expect(written).not.toMatch(/[^\r]\n/)
    expect(await runCli(['validate'], { env, cwd: dir })).toEqual({ code: 0, stdout: '0 errors, 0 warnings in 19 files\n', stderr: '' })
    expect(await runCli(['codeowners', '--write'], { env, cwd: dir })).toEqual({ code: 0, stdout: '.github/CODEOWNERS is up to date.\n', stderr: '' })
    // A file converted to CRLF after generation (git autocrlf, an editor) is not stale either.
    await writeFile(at('.github/CODEOWNERS'), (await runCli(['codeowners'], { env, cwd: dir })).stdout.replace(/\r?\n/g, '\r\n'))
    expect((await runCli(['validate'], { env, cwd: dir })).stdout).toBe('0 errors, 0 warnings in 19 files\n')
  })

  it('validate says nothing about a CODEOWNERS file without a rolecall block', async () => {
    await writeFile(at('.github/CODEOWNERS'), '* @acme/admins\n')
    expect(await runCli(['validate'], { env, cwd: dir })).toEqual({ code: 0, stdout: '0 errors, 0 warnings in 19 files\n', stderr: '' })
  })
})
