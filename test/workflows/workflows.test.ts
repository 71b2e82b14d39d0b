// The GitHub workflows and the composite action: valid for action-validator, least privilege, and the action's run script works.
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { cliPath, repoRoot, runProcess } from '../helpers/cli.js'

const validatorPath = join(repoRoot, 'node_modules/@action-validator/cli/cli.mjs')
const workflowDir = join(repoRoot, '.github/workflows')
const workflows = readdirSync(workflowDir)
  .filter((name) => name.endsWith('.yml'))
  .sort()
const actionFile = '.github/actions/rolecall/action.yml'

type Step = { name?: string; id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string | boolean>; if?: string }
type Workflow = { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: Step[]; env?: Record<string, string>; permissions?: Record<string, string> }> }
type Action = { inputs: Record<string, { default?: string }>; runs: { steps: Step[] } }

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function workflow(name: string): Workflow {
  return parse(readFileSync(join(workflowDir, name), 'utf8')) as Workflow
}

function steps(name: string): Step[] {
  return Object.values(workflow(name).jobs).flatMap((job) => job.steps)
}

describe('action-validator', () => {
  it.each([...workflows.map((name) => `.github/workflows/${name}`), actionFile])('accepts %s', async (file) => {
    const result = await runProcess(process.execPath, [validatorPath, file])
    expect(result.stdout + result.stderr).not.toMatch(/"errors"/)
    expect(result.code).toBe(0)
  })

  it('rejects a workflow with a misspelt key, so the checks above mean something', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rolecall-wf-'))
    try {
      const file = join(dir, 'broken.yml')
      await writeFile(file, 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo hi\n')
      const result = await runProcess(process.execPath, [validatorPath, file])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain("Additional property 'step' is not allowed")
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('workflow permissions', () => {
  it.each<[string, Record<string, Record<string, string>>]>([
    ['access-plan.yml', { plan: { contents: 'read', 'pull-requests': 'write' } }],
    ['access-apply.yml', { apply: { contents: 'read', 'pull-requests': 'read' } }],
    ['access-drift.yml', { drift: { contents: 'read', issues: 'write' } }],
    ['access-review.yml', { open: { contents: 'write', 'pull-requests': 'write' } }],
    ['access-review-check.yml', { check: { contents: 'read', 'pull-requests': 'write' } }],
    ['ci.yml', { test: { contents: 'read' } }],
  ])('%s grants nothing by default and each job no more than it needs', (name, permissions) => {
    const flow = workflow(name)
    expect(flow.permissions).toEqual({})
    expect(Object.fromEntries(Object.entries(flow.jobs).map(([id, job]) => [id, job.permissions]))).toEqual(permissions)
  })

  it('gives the apply token only to the apply step, and the plan token never to apply', () => {
    const uses = workflows.flatMap((name) => steps(name).map((step) => ({ name, step })))
    const withApplyToken = uses.filter(({ step }) => JSON.stringify(step).includes('ROLECALL_APPLY_TOKEN'))
    expect(withApplyToken.map(({ name, step }) => `${name}: ${step.with?.command ?? ''}`)).toEqual(['access-apply.yml: apply'])
    const planTokenSteps = uses.filter(({ step }) => JSON.stringify(step).includes('ROLECALL_PLAN_TOKEN'))
    expect(planTokenSteps.map(({ step }) => step.with?.command).sort()).toEqual(['drift', 'plan', 'plan', 'plan'])
  })
})

describe('access-plan workflow', () => {
  it('runs on every pull request and review (a required check must report), and chains validate, plan, comment, approvals', () => {
    const flow = workflow('access-plan.yml')
    expect(flow.on.pull_request ?? {}).not.toHaveProperty('paths')
    const scope = steps('access-plan.yml').find((step) => step.id === 'scope')
    // Run against a fake gh in access-plan-scope.test.ts; here only that it never pipes gh into a reader that may quit early.
    expect(scope?.run).not.toMatch(/gh api[^\n]*\|/)
    expect(flow.on.pull_request_review).toEqual({ types: ['submitted', 'dismissed'] })
    const commands = steps('access-plan.yml').flatMap((step) => (step.with?.command === undefined ? [] : [step.with.command]))
    expect(commands).toEqual(['validate', 'plan', 'github-comment', 'approvals'])
    const plan = steps('access-plan.yml').find((step) => step.with?.command === 'plan')
    expect(plan?.with).toMatchObject({ args: '--format=markdown\n--out=plan.json\n', server: '${{ vars.ROLECALL_SERVER }}', token: '${{ secrets.ROLECALL_PLAN_TOKEN }}' })
  })
})

describe('access-plan runs rolecall from the default branch, never from the pull request', () => {
  const planSteps = steps('access-plan.yml')
  const base = '.rolecall-base'

  it('checks out the pull request first, as data, then the default branch into its own directory', () => {
    const checkouts = planSteps.filter((step) => step.uses?.startsWith('actions/checkout@'))
    expect(checkouts.map((step) => step.with)).toEqual([{ 'persist-credentials': false }, { ref: '${{ github.event.repository.default_branch }}', path: base, 'persist-credentials': false }])
    expect(planSteps.indexOf(checkouts[1] as Step)).toBeLessThan(planSteps.findIndex((step) => step.with?.command !== undefined))
  })

  it('takes every rolecall step, and the action itself, from that checkout', () => {
    const rolecall = planSteps.filter((step) => step.with?.command !== undefined)
    expect(rolecall.length).toBe(4)
    for (const step of rolecall) {
      expect(step.uses).toBe(`./${base}/.github/actions/rolecall`)
    }
    expect(planSteps.filter((step) => step.uses?.startsWith('./') && !step.uses.startsWith(`./${base}/`))).toEqual([])
  })

  it('runs nothing from the pull request in its own scripts', () => {
    for (const step of planSteps) expect(step.run ?? '').not.toMatch(/\b(npm|npx|node|make|sh|source)\b|\.\/|bin\//)
  })

  it('builds rolecall where the action sits, not in the working directory', async () => {
    const install = (parse(readFileSync(join(repoRoot, actionFile), 'utf8')) as Action).runs.steps.find((step) => step.id === 'install')?.run ?? ''
    const dir = await mkdtemp(join(tmpdir(), 'rolecall-install-'))
    try {
      // A tool checkout that is already built, so `npm ci` is skipped; the working directory is another tree.
      await mkdir(join(dir, base, '.github/actions/rolecall'), { recursive: true })
      await mkdir(join(dir, base, 'dist/cli'), { recursive: true })
      await mkdir(join(dir, base, 'node_modules'))
      await writeFile(join(dir, base, 'dist/cli/main.js'), '')
      await writeFile(join(dir, 'output'), '')
      const result = await runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', install], {
        cwd: dir,
        env: { ACTION_PATH: join(dir, base, '.github/actions/rolecall'), GITHUB_OUTPUT: join(dir, 'output') },
      })
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(await readFile(join(dir, 'output'), 'utf8')).toBe(`bin=${join(dir, base)}/bin/rolecall.js\n`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('CODEOWNERS', () => {
  /** The owners of `file`: the last matching rule wins, as on GitHub (only the rule shapes this file uses). */
  function ownersOf(file: string): string[] {
    let owners: string[] = []
    for (const line of readFileSync(join(repoRoot, '.github/CODEOWNERS'), 'utf8').split('\n')) {
      const [pattern, ...names] = line.trim().split(/\s+/)
      if (pattern === undefined || pattern === '' || pattern.startsWith('#')) continue
      const path = pattern.replace(/^\//, '')
      if (path.endsWith('/') ? file.startsWith(path) : file === path) owners = names
    }
    return owners
  }

  it.each(['.github/workflows/access-plan.yml', 'package.json', 'package-lock.json', 'bin/rolecall.js', 'src/review/approvals.ts', 'src/apply/apply.ts', 'schemas/plan.schema.json'])(
    'has security review %s, which decides how every later access change is judged',
    (file) => {
      expect(ownersOf(file)).toEqual(['@acme/security'])
    },
  )

  it('leaves access files to the generated block', () => {
    expect(ownersOf('access/support/groups.yaml')).toEqual(['@acme/access-reviewers', '@acme/platform-leads'])
  })
})

describe('the composite action', () => {
  const action = parse(readFileSync(join(repoRoot, actionFile), 'utf8')) as Action
  const script = action.runs.steps.find((step) => step.id === 'run')?.run ?? ''
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rolecall-action-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function runStep(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; output: string }> {
    const outputFile = join(dir, 'output')
    await writeFile(outputFile, '')
    const input = (name: string): string => inputs[name] ?? action.inputs[name]?.default ?? ''
    // As GitHub runs a composite step's bash: --noprofile --norc -eo pipefail.
    const result = await runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      input: null,
      env: {
        NO_COLOR: '1',
        GITHUB_OUTPUT: outputFile,
        ROLECALL_BIN: cliPath,
        ROLECALL_COMMAND: input('command'),
        ROLECALL_ARGS: input('args'),
        INPUT_SERVER: input('server'),
        INPUT_TOKEN: input('token'),
        STDOUT_FILE: input('stdout-file'),
        OK_EXIT_CODES: input('ok-exit-codes'),
        ...env,
      },
    })
    return { ...result, output: await readFile(outputFile, 'utf8') }
  }

  it('runs a command, keeps its output in a file and reports its exit code', async () => {
    const result = await runStep({ command: 'validate', args: '--dir\naccess\n', 'stdout-file': join(dir, 'validate.txt') })
    expect(result).toEqual({ code: 0, stdout: '0 errors, 0 warnings in 19 files\n', stderr: '', output: 'exit-code=0\n' })
    expect(await readFile(join(dir, 'validate.txt'), 'utf8')).toBe('0 errors, 0 warnings in 19 files\n')
  })

  it('fails the step on an exit code not listed as ok, and not on one that is', async () => {
    const failing = await runStep({ command: 'validate', args: '--dir=missing' })
    expect(failing).toMatchObject({ code: 1, output: 'exit-code=1\n' })
    const tolerated = await runStep({ command: 'validate', args: '--dir=missing', 'ok-exit-codes': '0 1' })
    expect(tolerated).toMatchObject({ code: 0, output: 'exit-code=1\n' })
  })

  it('passes each line of args as one argument, never read by a shell', async () => {
    const marker = join(dir, 'ran')
    const result = await runStep({ command: 'validate', args: `\n--dir\naccess dir $(touch ${marker}) "quoted" ; echo hi\n\n--format=json\n` })
    expect(result.stderr).toBe(`rolecall: access directory not found: ${join(repoRoot, `access dir $(touch ${marker}) "quoted" ; echo hi`)}\n`)
    expect(result.output).toBe('exit-code=1\n')
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/)
  })

  it('refuses ok-exit-codes that are not exit codes', async () => {
    const result = await runStep({ command: 'validate', 'ok-exit-codes': '0 *' })
    expect(result).toMatchObject({ code: 1, stdout: '::error::ok-exit-codes takes exit codes separated by spaces (got "0 *")\n', output: '' })
  })

  it('adds --server and hands the token over as ROLECALL_TOKEN, masked', async () => {
    const port = await closedPort()
    const result = await runStep({ command: 'drift', args: '--format=text', server: `http://127.0.0.1:${port}`, token: 'rc_secret' })
    expect(result.stdout).toContain('::add-mask::rc_secret')
    // Nothing listens there: the point is that rolecall went remote, with a token, instead of asking for one.
    expect(result.stderr).toContain(`rolecall: cannot reach http://127.0.0.1:${port}`)
    expect(result.output).toBe('exit-code=1\n')
    const withoutToken = await runStep({ command: 'drift', args: '--format=text', server: `http://127.0.0.1:${port}` })
    expect(withoutToken.stderr).toContain('ROLECALL_TOKEN')
  })
})

describe('supply chain', () => {
  const files = [...workflows.map((name) => `.github/workflows/${name}`), actionFile]
  const texts = files.map((file) => [file, readFileSync(join(repoRoot, file), 'utf8')] as const)

  it.each(texts)('%s pins every third-party action by full commit SHA, with its tag in a comment', (_file, text) => {
    const uses = [...text.matchAll(/^\s*(?:- )?uses:\s*(\S+)(.*)$/gm)].map((match) => ({ ref: match[1] ?? '', rest: match[2] ?? '' }))
    expect(uses.length).toBeGreaterThan(0)
    for (const { ref, rest } of uses.filter(({ ref }) => !ref.startsWith('./'))) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/)
      expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/)
    }
  })

  it.each(texts)('%s never evaluates text as shell code, and installs nothing by name from a registry', (_file, text) => {
    const scripts = [...Object.values((parse(text) as { jobs?: Record<string, { steps: Step[] }> }).jobs ?? {}).flatMap((job) => job.steps), ...((parse(text) as Partial<Action>).runs?.steps ?? [])].map((step) => step.run ?? '')
    for (const script of scripts) {
      expect(script).not.toMatch(/\beval\b/)
      expect(script).not.toMatch(/\bnpm (install|i|add|exec|x)\b|\bnpx\b|\b(yarn|pnpm) (add|dlx)\b|curl[^\n]*\|\s*(ba)?sh/)
    }
  })

  it('offers no install from the registry: the action has only the inputs it documents', () => {
    const action = parse(readFileSync(join(repoRoot, actionFile), 'utf8')) as Action
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'node-version', 'ok-exit-codes', 'server', 'stdout-file', 'token'])
  })
})

describe('access-apply hands the approvers to apply', () => {
  it('as one --approved-by=NAME argument per line, in a multi-line output no name can end', async () => {
    const names = steps('access-apply.yml').find((step) => step.id === 'names')?.run ?? ''
    const dir = await mkdtemp(join(tmpdir(), 'rolecall-names-'))
    try {
      await writeFile(join(dir, 'approvals.json'), JSON.stringify({ approvedBy: ['dana', "o'brien $(touch x)"] }))
      await writeFile(join(dir, 'output'), '')
      const result = await runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', names], { cwd: dir, input: null, env: { GITHUB_OUTPUT: join(dir, 'output') } })
      expect(result).toMatchObject({ code: 0, stderr: '' })
      const [open, ...rest] = (await readFile(join(dir, 'output'), 'utf8')).trimEnd().split('\n')
      const delimiter = open?.replace(/^approved-by<</, '') ?? ''
      expect(delimiter).toMatch(/^rolecall_[0-9a-f]{32}$/)
      expect(rest).toEqual(['--approved-by=dana', "--approved-by=o'brien $(touch x)", delimiter])
      const apply = steps('access-apply.yml').find((step) => step.with?.command === 'apply')
      expect(apply?.with?.args).toBe('plan.json\n${{ steps.names.outputs.approved-by }}\n--revision=${{ env.SHA }}\n--author=${{ env.AUTHOR }}\n--pull-request=${{ env.PR }}\n')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
