// The command line as a new user meets it: help for every command, did-you-mean for commands, options and values,
// and `npx rolecall` working after `npm install`.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { commands, main } from '../../src/cli/main.js'
import type { LevelSpec } from '../../src/cli/spec.js'
import { captureIo } from '../helpers/capture-io.js'
import { repoRoot, runCli, runProcess } from '../helpers/cli.js'

/** Every command line with a help of its own: `plan`, `token create`, … */
const levels: [string, LevelSpec][] = Object.values(commands).flatMap(({ spec }) =>
  spec.subcommands === undefined
    ? [[spec.name, spec] as [string, LevelSpec]]
    : Object.entries(spec.subcommands).map(([name, level]): [string, LevelSpec] => [`${spec.name} ${name}`, { ...level, options: { ...level.options, ...spec.options } }]),
)

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo()
  const code = await main(argv, io)
  return { code, stdout: io.stdout, stderr: io.stderr }
}

describe('rolecall --help', () => {
  it('lists every command with its one-line summary', async () => {
    const result = await run(['--help'])
    expect(result.code).toBe(0)
    for (const { spec } of Object.values(commands)) expect(result.stdout).toMatch(new RegExp(`^  ${spec.name} +${spec.summary.split(' ')[0]}`, 'm'))
    expect(result.stdout).toContain('Run `rolecall <command> --help` for the options, exit codes and examples of one command.')
  })

  it('prints the help and exits 1 with no command at all', async () => {
    const result = await run([])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^Usage: rolecall <command> \[options\]\n/)
  })

  it('prints the version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' })
  })
})

describe('rolecall COMMAND --help', () => {
  it.each(levels)('%s: usage, every option with its default and variable, exit codes, two examples', async (path, level) => {
    const result = await run([...path.split(' '), '--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(new RegExp(`^Usage: rolecall ${path} \\[options\\]`))
    const text = result.stdout.replace(/\n\s+/g, ' ')
    for (const [name, option] of Object.entries(level.options ?? {})) {
      expect(text).toContain(`--${name}`)
      if (option.env !== undefined) expect(text).toContain(`env ${option.env}`)
      const shown = option.default ?? option.defaultText
      if (shown !== undefined) expect(text).toContain(`default ${shown}`)
    }
    expect(result.stdout).toMatch(/\nExit codes:\n  0  .+\n  1  .+/)
    expect(level.examples?.length ?? 0).toBeGreaterThanOrEqual(2)
    for (const [line] of level.examples ?? []) expect(result.stdout).toContain(`  $ ${line}\n`)
  })

  it('is the same as `rolecall help COMMAND`', async () => {
    expect((await run(['help', 'plan'])).stdout).toBe((await run(['plan', '--help'])).stdout)
  })

  it("documents each command's own exit codes: plan 2 for changes, drift 2 for drift, explain 3 for DENIED", async () => {
    expect((await run(['plan', '--help'])).stdout).toContain('  2  with --detailed-exitcode: the plan has changes')
    expect((await run(['drift', '--help'])).stdout).toContain('  2  drift that needs attention')
    expect((await run(['explain', '--help'])).stdout).toContain('  3  the answer is DENIED')
  })

  it('names only environment variables that rolecall reads', () => {
    const sources = readdirSync(join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.includes('specs') && !file.includes('spec.ts'))
      .map((file) => readFileSync(join(repoRoot, 'src', file), 'utf8'))
      .join('\n')
    const variables = new Set(levels.flatMap(([, level]) => Object.values(level.options ?? {}).flatMap((option) => (option.env === undefined ? [] : [option.env]))))
    expect(variables.size).toBeGreaterThan(5)
    for (const variable of variables) expect(sources).toMatch(new RegExp(`['.]${variable}\\b`))
  })
})

describe('did you mean', () => {
  it.each([
    [['valdate'], 'rolecall: unknown command "valdate"; did you mean "validate"? Run `rolecall --help` for the list.\n'],
    [['token', 'craete'], 'rolecall: token: unknown command "craete"; did you mean "create"? Run `rolecall token --help` for the list.\n'],
    [['plan', '--fromat', 'json'], "rolecall: plan: unknown option '--fromat'; did you mean --format?\nUsage: rolecall plan [options]\n"],
    [['plan', '--format', 'jsno'], 'rolecall: --format must be one of text, markdown, json (got "jsno"); did you mean "json"?\nUsage: rolecall plan [options]\n'],
    [['token', 'list', '--format', 'txt'], 'rolecall: --format must be one of text, json (got "txt"); did you mean "text"?\nUsage: rolecall token list [options]\n'],
    [['admin-token', 'create', '--scope', 'chek'], 'rolecall: unknown scope chek; scopes are plan, apply, check, view, tokens, metrics; did you mean "check"?\nUsage: rolecall admin-token create [options]\n'],
    [['completion', 'bsh'], 'rolecall: completion: no completion for "bsh"; shells are bash, zsh, fish; did you mean "bash"?\nUsage: rolecall completion [options] [shell]\n'],
  ])('rolecall %j', async (argv, stderr) => {
    expect(await runCli(argv)).toEqual({ code: 1, stdout: '', stderr })
  })
})

describe('npx rolecall', () => {
  it('runs the repository’s own CLI after npm install, downloading nothing', async () => {
    const result = await runProcess('npx', ['--no-install', 'rolecall', '--version'], { env: { HOME: process.env.HOME ?? '/root', npm_config_offline: 'true' } })
    expect(result).toMatchObject({ code: 0, stdout: '0.1.0\n' })
  })

  it('ships what the CLI imports at run time as dependencies, and builds dist/ on install', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string>; dependencies: Record<string, string> }
    expect(pkg.bin).toEqual({ rolecall: 'bin/rolecall.js' })
    expect(pkg.scripts.prepare).toBe('npm run build')
    const imported = new Set<string>()
    for (const file of readdirSync(join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
      for (const match of readFileSync(join(repoRoot, 'src', file), 'utf8').matchAll(/^import (?!type )[^'\n]*'([^.'][^']*)'/gm)) {
        const name = match[1] ?? ''
        if (!name.startsWith('node:')) imported.add(name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : (name.split('/')[0] ?? name))
      }
    }
    expect(imported.size).toBeGreaterThan(3)
    for (const name of imported) expect(Object.keys(pkg.dependencies)).toContain(name)
  })
})
