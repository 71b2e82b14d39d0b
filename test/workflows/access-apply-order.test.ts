// access-apply's order checks, run as written against a real git history and a fake `gh`: a run applies only when
// everything merged before its pull request is already applied, since it holds that pull request's reviews alone.
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../helpers/cli.js'
import { installFakeGh, recordGh, runWithoutInput } from './fake-gh.js'

type Step = { name?: string; id?: string; run?: string }
const flow = parse(readFileSync(join(repoRoot, '.github/workflows/access-apply.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
const applySteps = Object.values(flow.jobs).flatMap((job) => job.steps)

function script(name: string): string {
  const found = applySteps.find((step) => step.name === name)?.run
  if (found === undefined) throw new Error(`access-apply has no step "${name}"`)
  return found
}

let root: string
let repo: string
let gh: string
let bin: string
/** What earlier steps wrote to GITHUB_ENV, as the runner hands it to later ones. */
let jobEnv: Record<string, string>

async function git(...args: string[]): Promise<string> {
  const result = await runWithoutInput('git', args, { cwd: repo, env: { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@example.com' } })
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`)
  return result.stdout.trim()
}

/** Commit `files` on the current branch; `pr` is the pull request GitHub associates with the commit (none: a push). */
async function commit(files: Record<string, string>, pr?: number): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(repo, file)), { recursive: true })
    await writeFile(join(repo, file), text)
  }
  await git('add', '-A')
  await git('commit', '-q', '-m', `change ${Object.keys(files).join(' ')}`)
  const sha = await git('rev-parse', 'HEAD')
  await recordGh(gh, `repos/acme/access/commits/${sha}/pulls`, pr === undefined ? [] : [{ number: pr, merged_at: '2026-11-23T10:00:00Z', user: { login: 'dana' }, head: { sha: 'f'.repeat(40) } }])
  return sha
}

/** Publish the history as origin/main, as the checkout with fetch-depth 0 sees it. */
async function pushed(): Promise<void> {
  await git('update-ref', 'refs/remotes/origin/main', 'HEAD')
}

async function step(name: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; output: Record<string, string> }> {
  const outputFile = join(root, 'output')
  const envFile = join(root, 'env')
  await writeFile(outputFile, '')
  await writeFile(envFile, '')
  const result = await runWithoutInput('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script(name)], {
    cwd: repo,
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_GH_ROOT: gh, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile, REPO: 'acme/access', DEFAULT_BRANCH: 'main', ...jobEnv, ...env },
  })
  const lines = (text: string): Record<string, string> => Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  Object.assign(jobEnv, lines(await readFile(envFile, 'utf8')))
  return { ...result, output: lines(await readFile(outputFile, 'utf8')) }
}

/** The steps up to the check, for the merge `revision`. */
async function before(revision: string): Promise<Awaited<ReturnType<typeof step>>> {
  expect(await step('The revision is a commit of the default branch', { REVISION: revision })).toMatchObject({ code: 0 })
  expect(await step('Find the merged pull request')).toMatchObject({ code: 0 })
  return step('What main held before this pull request')
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rolecall-apply-order-'))
  repo = join(root, 'repo')
  gh = join(root, 'gh')
  bin = await installFakeGh(gh)
  jobEnv = {}
  await mkdir(repo)
  await git('init', '-q', '-b', 'main')
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('access-apply: what main held before the pull request', () => {
  it('is the commit before a squashed merge, with its access files', async () => {
    await commit({ 'access/a.yaml': 'v0\n' }, 1)
    const earlier = await commit({ 'access/a.yaml': 'v1\n' }, 2)
    const merge = await commit({ 'access/b.yaml': 'b\n' }, 3)
    await pushed()
    const result = await before(merge.slice(0, 10))
    expect(result).toMatchObject({ code: 0, stderr: '', output: { revision: earlier, check: 'true' } })
    expect(jobEnv).toMatchObject({ SHA: merge, PR: '3', AUTHOR: 'dana' })
    expect(await readFile(join(repo, '.rolecall-before/access/a.yaml'), 'utf8')).toBe('v1\n')
    await expect(readFile(join(repo, '.rolecall-before/access/b.yaml'), 'utf8')).rejects.toThrow()
  })

  it('is the commit before the first of a rebased pull request', async () => {
    const earlier = await commit({ 'access/a.yaml': 'v1\n' }, 2)
    await commit({ 'access/b.yaml': 'b1\n' }, 3)
    const last = await commit({ 'access/b.yaml': 'b2\n' }, 3)
    await pushed()
    expect((await before(last)).output).toEqual({ revision: earlier, check: 'true' })
  })

  it('is the merge base of a merge commit, whatever the branch held', async () => {
    const earlier = await commit({ 'access/a.yaml': 'v1\n' }, 2)
    await git('checkout', '-q', '-b', 'feature')
    await commit({ 'access/b.yaml': 'b\n' }, 3)
    await git('checkout', '-q', 'main')
    await git('merge', '-q', '--no-ff', '-m', 'Merge #3', 'feature')
    const merge = await git('rev-parse', 'HEAD')
    await recordGh(gh, `repos/acme/access/commits/${merge}/pulls`, [{ number: 3, merged_at: '2026-11-23T10:00:00Z', user: { login: 'dana' } }])
    await pushed()
    expect((await before(merge)).output).toEqual({ revision: earlier, check: 'true' })
  })

  it('needs no check when nothing under access/ came before', async () => {
    await commit({ 'README.md': 'hi\n' })
    const merge = await commit({ 'access/a.yaml': 'v0\n' }, 1)
    await pushed()
    expect(await before(merge)).toMatchObject({ code: 0, output: { check: 'false' } })
  })

  it('refuses a revision that is not on the default branch', async () => {
    await commit({ 'access/a.yaml': 'v0\n' }, 1)
    await pushed()
    await git('checkout', '-q', '-b', 'unmerged')
    const side = await commit({ 'access/a.yaml': 'evil\n' }, 9)
    const result = await step('The revision is a commit of the default branch', { REVISION: side })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(`::error::${side} is not a commit of main: only merged, reviewed access changes are applied\n`)
  })
})

describe('access-apply: everything merged before the pull request is applied', () => {
  async function check(changes: unknown[]): Promise<Awaited<ReturnType<typeof step>>> {
    await writeFile(join(repo, 'before.json'), JSON.stringify({ changes }))
    return step('Everything merged before this pull request is applied', { PR: '3', BEFORE: 'b'.repeat(40) })
  }

  it('lets the run go on when planning main before the pull request changes nothing', async () => {
    expect(await check([])).toMatchObject({ code: 0, stdout: '' })
  })

  it('refuses, naming what is unapplied and how to apply it, when an earlier merge was never applied', async () => {
    const result = await check([{ action: 'update', kind: 'Group', name: 'qa-admins' }])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^::error::The store lacks access changes merged before #3 \(main at bbbbbbbbbbbb differs from what is applied: .*\)\. This run has only the reviews of #3, so it applies nothing\. Run access-apply by hand \(workflow_dispatch\) with revision set to each unapplied merge commit, oldest first, then re-run this one\.\n/)
    expect(result.stdout).toContain('\n  update Group qa-admins\n')
  })
})

describe('access-apply order of steps', () => {
  it('checks the earlier merges before it fetches reviews and applies', () => {
    const names = applySteps.map((entry) => entry.name ?? entry.id ?? '')
    const at = (name: string): number => names.indexOf(name)
    expect(at('Everything merged before this pull request is applied')).toBeGreaterThan(at('Plan what main held before this pull request'))
    expect(at('Everything merged before this pull request is applied')).toBeLessThan(names.findIndex((name) => name.startsWith('Apply the plan')))
  })
})
