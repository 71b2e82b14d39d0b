// A key at the wrong indentation gets one error that names the fix, rather than an error at each level.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { repoRoot, runCli } from '../helpers/cli.js'

const now = { ROLECALL_NOW: '2026-11-23T00:00:00Z' }
let dir: string | undefined

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

/** The example access files with one text replaced in support/groups.yaml; what validate prints. */
async function validateWith(from: string, to: string): Promise<{ code: number | null; stdout: string }> {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-misplaced-'))
  await cp(join(repoRoot, 'access'), dir, { recursive: true })
  const file = join(dir, 'support', 'groups.yaml')
  const text = await readFile(file, 'utf8')
  expect(text).toContain(from)
  await writeFile(file, text.replace(from, to))
  const result = await runCli(['validate', '--dir', '.'], { env: now, cwd: dir })
  return { code: result.code, stdout: result.stdout }
}

describe('a misplaced key', () => {
  it.each([
    [
      'moved out of source.scim',
      '    connection: okta\n    displayName: support-tier-2\n',
      '    connection: okta\n  displayName: support-tier-2\n',
      'support/groups.yaml:14:3: error: `displayName` belongs under `source.scim` (indent it) [misplaced-key]',
    ],
    [
      'moved into source',
      'description: Second-line support engineers.\nsource:\n  scim:\n',
      'source:\n  description: Second-line support engineers.\n  scim:\n',
      'support/groups.yaml:11:3: error: `description` belongs at the top level of the document (outdent it) [misplaced-key]',
    ],
  ])('%s: one error that says where it belongs', async (_case, from, to, line) => {
    const result = await validateWith(from, to)
    expect(result.code).toBe(1)
    expect(result.stdout.split('\n').filter((text) => text.includes('error:'))).toEqual([line])
  })

  it('keeps the did-you-mean for a key misspelt at its own level', async () => {
    const result = await validateWith('    displayName: support-tier-2\n', '    displayNmae: support-tier-2\n')
    expect(result.stdout).toContain('Unknown key `displayNmae` in `source.scim`; did you mean `displayName`?')
  })
})
