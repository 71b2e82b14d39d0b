// `rolecall validate` on unusual inputs (the real CLI): every problem is a diagnostic, never an internal error.
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { materialize } from '../helpers/fixtures.js'

const now = { ROLECALL_NOW: '2026-11-23' }
let dir: string | undefined

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe('rolecall validate on a long list', () => {
  it('reports a file holding a flow list of 140,000 items, in text and JSON', async () => {
    dir = await materialize(undefined)
    await writeFile(join(dir, 'big.yaml'), `x: [${Array(140_000).fill('1').join(',')}]\n`)
    const text = await runCli(['validate', '--dir', '.'], { cwd: dir, env: now })
    expect(text.stderr).toBe('')
    expect(text.stdout).toMatch(/^big\.yaml:1:1: error: Document has no `kind`.*\[missing-kind\]\n1 error, 0 warnings in 9 files\n$/)
    expect(text.code).toBe(1)
    const json = await runCli(['validate', '--dir', '.', '--format', 'json'], { cwd: dir, env: now })
    expect(json.stderr).toBe('')
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ code: 'missing-kind', source: { file: 'big.yaml', line: 1, col: 1 } })])
  }, 60_000)
})

describe('rolecall validate on linked and hidden files', () => {
  it('reads a linked file inside the directory and warns about each link it does not follow', async () => {
    dir = await materialize(undefined)
    await mkdir(join(dir, 'drafts'))
    await writeFile(join(dir, 'drafts', 'role.txt'), 'kind: Role\nname: Viewer\npermisions: [audit:read]\n')
    await symlink(join('drafts', 'role.txt'), join(dir, 'link.yaml'))
    await symlink('nowhere.yaml', join(dir, 'dangling.yaml'))
    await writeFile(join(dir, '.hidden.yaml'), 'kind: Role\nname: Hidden\npermisions: []\n')
    const result = await runCli(['validate', '--dir', '.'], { cwd: dir, env: now })
    expect(result.stdout).toBe(
      [
        'dangling.yaml:1:1: warning: Not read: it is a symbolic link to something that does not exist. [skipped-file]',
        '    Every *.yaml / *.yml below the access directory is read; symbolic links are followed only within it.',
        'link.yaml:3:1: error: Unknown key `permisions`; did you mean `permissions`? [unknown-key]',
        '    Allowed keys: kind, name, description, permissions, grants, authMethods.',
        '1 error, 1 warning in 9 files',
        '',
      ].join('\n'),
    )
    expect(result.code).toBe(1)
  })
})

describe('an empty ROLECALL_ACCESS_DIR', () => {
  it('means ./access to validate, not the working directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rolecall-cwd-'))
    const base = await materialize(undefined)
    await cp(base, join(dir, 'access'), { recursive: true })
    await rm(base, { recursive: true })
    await writeFile(join(dir, 'stray.yaml'), 'kind: Nope\n')
    const result = await runCli(['validate'], { cwd: dir, env: { ...now, ROLECALL_ACCESS_DIR: '' } })
    expect(result).toEqual({ code: 0, stdout: '0 errors, 0 warnings in 8 files\n', stderr: '' })
  })

  it('means ./access to drift, which then does not read the working directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rolecall-cwd-'))
    await writeFile(join(dir, 'stray.yaml'), 'kind: Nope\n')
    const result = await runCli(['drift', '--db', 'none.db'], { cwd: dir, env: { ...now, ROLECALL_ACCESS_DIR: '' } })
    expect(result.stderr).not.toContain('stray.yaml')
    expect(result.stderr).toContain('no database at')
  })
})
