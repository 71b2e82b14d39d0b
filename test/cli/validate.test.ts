import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { runCli, repoRoot } from '../helpers/cli.js'
import { materialize } from '../helpers/fixtures.js'

const now = { ROLECALL_NOW: '2026-11-23' }

describe('rolecall validate (the real CLI)', () => {
  let broken: string

  beforeAll(async () => {
    // Two mistakes in two files, and one warning: all must be reported in one run.
    broken = await materialize(undefined)
    const groups = await readFile(join(broken, 'groups.yaml'), 'utf8')
    await writeFile(join(broken, 'groups.yaml'), groups.replace('roles: [Admin]', 'roles: [Admn]'))
    await writeFile(join(broken, 'extra.yaml'), 'kind: Role\nname: Viewer\npermisions: [audit:read]\n')
    await writeFile(join(broken, 'old-grant.yaml'), 'kind: Grant\nname: old\nuser: dave@fixture.example\naction: run\nresource: journey:checkout/x\nreason: a finished incident\nexpires: 2025-01-01\n')
  })
  afterAll(async () => {
    await rm(broken, { recursive: true, force: true })
  })

  it('passes the example organization in access/ with exit 0', async () => {
    const result = await runCli(['validate'], { env: now })
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^0 errors, 0 warnings in \d+ files\n$/)
    expect(result.code).toBe(0)
  })

  it('reads the directory from ROLECALL_ACCESS_DIR when --dir is absent', async () => {
    const result = await runCli(['validate'], { cwd: tmpdir(), env: { ...now, ROLECALL_ACCESS_DIR: broken } })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('2 errors, 1 warning in 10 files')
  })

  it('prints every problem as file:line:col relative to the working directory, then a summary, and exits 1', async () => {
    const result = await runCli(['validate', '--dir', '.'], { cwd: broken, env: now })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(
      [
        'extra.yaml:3:1: error: Unknown key `permisions`; did you mean `permissions`? [unknown-key]',
        '    Allowed keys: kind, name, description, permissions, grants, authMethods.',
        'groups.yaml:17:9: error: Unknown role "Admn"; did you mean "Admin"? [unknown-ref]',
        'old-grant.yaml:7:10: warning: Grant "old" expired on 2025-01-01; it grants nothing. Remove it. [grant-expired]',
        '2 errors, 1 warning in 10 files',
        '',
      ].join('\n'),
    )
  })

  it('prints GitHub workflow annotations with --format github', async () => {
    const result = await runCli(['validate', '--dir', '.', '--format', 'github'], { cwd: broken, env: now })
    expect(result.code).toBe(1)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[1]).toBe('::error file=groups.yaml,line=17,col=9,title=rolecall unknown-ref::Unknown role "Admn"; did you mean "Admin"?')
    expect(lines[2]).toMatch(/^::warning file=old-grant\.yaml,line=7,col=10,title=rolecall grant-expired::/)
  })

  it('prints JSON that conforms to schemas/diagnostics.schema.json with --format json', async () => {
    const result = await runCli(['validate', '--dir', '.', '--format', 'json'], { cwd: broken, env: now })
    expect(result.code).toBe(1)
    const parsed: unknown = JSON.parse(result.stdout)
    const schema = JSON.parse(await readFile(join(repoRoot, 'schemas', 'diagnostics.schema.json'), 'utf8')) as object
    const validate = new Ajv2020({ strict: true }).compile(schema)
    expect(validate(parsed)).toBe(true)
    expect(parsed).toEqual([
      expect.objectContaining({ code: 'unknown-key', source: { file: 'extra.yaml', line: 3, col: 1 } }),
      expect.objectContaining({ code: 'unknown-ref', severity: 'error', source: { file: 'groups.yaml', line: 17, col: 9 } }),
      expect.objectContaining({ code: 'grant-expired', severity: 'warning', source: { file: 'old-grant.yaml', line: 7, col: 10 } }),
    ])
  })

  it('exits 0 when there are only warnings', async () => {
    const dir = await materialize(undefined)
    await writeFile(join(dir, 'old-grant.yaml'), 'kind: Grant\nname: old\nuser: d@x.example\naction: run\nresource: journey:checkout/x\nreason: finished\nexpires: 2025-01-01\n')
    const result = await runCli(['validate', '--dir', dir], { env: now })
    await rm(dir, { recursive: true })
    expect(result.stdout).toContain('0 errors, 1 warning in 9 files')
    expect(result.code).toBe(0)
  })

  it('rejects an unknown format, an unknown flag and a missing directory with one line and exit 1', async () => {
    const format = await runCli(['validate', '--format', 'xml'])
    expect(format).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^rolecall: --format must be one of text, json, github \(got "xml"\)\nUsage: rolecall validate/) })
    const flag = await runCli(['validate', '--colour'])
    expect(flag.code).toBe(1)
    expect(flag.stderr).toBe("rolecall: validate: unknown option '--colour'\nUsage: rolecall validate [options]\n")
    const missing = await runCli(['validate', '--dir', join(tmpdir(), 'rolecall-no-such-dir')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^rolecall: access directory not found: .*rolecall-no-such-dir\n$/)
  })

  it('never prints a stack trace for hostile files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rolecall-hostile-'))
    await writeFile(join(dir, 'binary.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xc3, 0x28, 0x0a]))
    await writeFile(join(dir, 'bomb.yaml'), ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((l, i) => `${l}: &${l} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n'))
    await writeFile(join(dir, 'scalar.yaml'), '42\n')
    await writeFile(join(dir, 'list.yml'), '- kind: Role\n')
    const result = await runCli(['validate', '--dir', dir], { env: now })
    await rm(dir, { recursive: true })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('')
    expect(result.stdout).not.toMatch(/\bat .*\.js:\d+/)
    expect(result.stdout).toContain('binary.yaml:1:4: error: File is not valid UTF-8')
    expect(result.stdout).toContain('[yaml-alias-limit]')
    expect(result.stdout).toContain('list.yml:1:1: error: A document must be a mapping')
    expect(result.stdout).toContain('scalar.yaml:1:1: error: A document must be a mapping')
  })
})

describe('rolecall --help', () => {
  it('lists the commands and exits 0', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: rolecall <command> [options]')
    expect(result.stdout).toMatch(/^\s+validate\s+check access\/ against the schemas and references$/m)
  })

  it('rejects an unknown command with exit 1', async () => {
    const result = await runCli(['valdate'])
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'rolecall: unknown command "valdate"; did you mean "validate"? Run `rolecall --help` for the list.\n' })
    const far = await runCli(['frobnicate'])
    expect(far).toEqual({ code: 1, stdout: '', stderr: 'rolecall: unknown command "frobnicate". Run `rolecall --help` for the list.\n' })
  })
})
