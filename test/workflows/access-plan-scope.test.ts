// access-plan's scope step, run as written against a fake `gh`: does a pull request change access files?
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { repoRoot } from '../helpers/cli.js'
import { installFakeGh, recordGh, runWithoutInput } from './fake-gh.js'

type Step = { id?: string; run?: string }
const flow = parse(readFileSync(join(repoRoot, '.github/workflows/access-plan.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }
const script = Object.values(flow.jobs).flatMap((job) => job.steps).find((step) => step.id === 'scope')?.run ?? ''

type File = { filename: string; status: string; previous_filename?: string }

let workspace: string
let gh: string
let bin: string

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'rolecall-scope-'))
  gh = join(workspace, '..', `${workspace.split('/').at(-1) ?? ''}-gh`)
  bin = await installFakeGh(gh)
  // As the job leaves it: the pull request checked out at the root, rolecall's own checkout in .rolecall-base.
  expect((await runWithoutInput('git', ['init', '-q', workspace], { cwd: workspace })).code).toBe(0)
  expect((await runWithoutInput('git', ['init', '-q', join(workspace, '.rolecall-base')], { cwd: workspace })).code).toBe(0)
})

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true })
  await rm(gh, { recursive: true, force: true })
})

/** Files of a pull request, 100 to a page as GitHub lists them; `changed` is what the pull request says it changes. */
async function pullRequest(files: readonly File[], changed = files.length): Promise<void> {
  await recordGh(gh, 'repos/acme/access/pulls/7', { number: 7, changed_files: changed })
  for (let page = 0; page * 100 < files.length; page++) await recordGh(gh, `repos/acme/access/pulls/7/files/${page + 1}`, files.slice(page * 100, page * 100 + 100))
}

function docs(count: number, from = 0): File[] {
  return Array.from({ length: count }, (_, index) => ({ filename: `docs/page-${from + index}.md`, status: 'modified' }))
}

async function scope(): Promise<{ code: number | null; stdout: string; stderr: string; output: string }> {
  const outputFile = join(gh, 'output')
  await writeFile(outputFile, '')
  // As GitHub runs a step's bash: --noprofile --norc -eo pipefail.
  const result = await runWithoutInput('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: workspace,
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_GH_ROOT: gh, GITHUB_OUTPUT: outputFile, REPO: 'acme/access', PR: '7' },
  })
  return { ...result, output: await readFile(outputFile, 'utf8') }
}

describe('access-plan scope step', () => {
  it.each<[string, File[], string]>([
    // 30 pages: more than a pipe holds, so `gh … | grep -q` under pipefail said "no access file" here every time.
    ['an access file on the first of 30 pages', [{ filename: 'access/org/policy.yaml', status: 'modified' }, ...docs(2999)], 'access=true\n'],
    ['an access file on the last page only', [...docs(250), { filename: 'access/qa/groups.yaml', status: 'added' }], 'access=true\n'],
    ['a file moved out of access/', [...docs(120), { filename: 'archive/groups.yaml', previous_filename: 'access/qa/groups.yaml', status: 'renamed' }], 'access=true\n'],
    ['a file removed from access/', [{ filename: 'access/support/groups.yaml', status: 'removed' }], 'access=true\n'],
    ['no file under access/, on several pages', docs(230), 'access=false\n'],
    ['a path that only starts like access', [{ filename: 'accessories/a.yaml', status: 'added' }, { filename: 'docs/access/a.md', status: 'added' }], 'access=false\n'],
  ])('%s', async (_name, files, output) => {
    await pullRequest(files)
    const result = await scope()
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.output).toBe(output)
  })

  it('plans when GitHub lists fewer files than the pull request changes (it stops at 3,000)', async () => {
    await pullRequest(docs(300), 3500)
    const result = await scope()
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('::warning::GitHub listed 300 of the 3500 changed files')
    expect(result.output).toBe('access=true\n')
  })

  it('fails when .rolecall-base is a directory of the pull request, not the default branch checkout', async () => {
    await rm(join(workspace, '.rolecall-base'), { recursive: true })
    await mkdir(join(workspace, '.rolecall-base'))
    await pullRequest(docs(1))
    const result = await scope()
    expect(result.code).not.toBe(0)
    expect(result.output).toBe('')
  })
})
