// Tests of src/review/codeowners.ts: tiers per file, the generated block, merging with hand-written lines, staleness.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import type { DesiredState } from '../../src/model/state.js'
import { codeownersStaleDiagnostic, fileTiers, findBlock, mergeCodeowners, renderCodeownersBlock } from '../../src/review/codeowners.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

let state: DesiredState
let block: string

beforeAll(async () => {
  const loaded = await loadAccessDir(join(repoRoot, 'access'), { cwd: repoRoot, now: fixtureNow })
  expect(loaded.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([])
  state = loaded.state
  block = renderCodeownersBlock(state)
})

describe('fileTiers', () => {
  it.each([
    ['access/org/policy.yaml', 'high'],
    ['access/org/catalog.yaml', 'high'],
    ['access/org/organization.yaml', 'high'],
    ['access/security/roles.yaml', 'critical'],
    ['access/support/groups.yaml', 'medium'],
    ['access/tests/security.yaml', undefined],
  ])('%s is %s', (file, risk) => {
    expect(fileTiers(state).get(file)).toBe(risk)
  })
})

describe('renderCodeownersBlock', () => {
  it('routes each file to the GitHub teams of its tier, sorted by path, inside the markers', () => {
    const lines = block.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^# BEGIN rolecall/)
    expect(lines.at(-1)).toBe('# END rolecall')
    const rules = lines.filter((line) => line.startsWith('/'))
    expect(rules).toContain('/access/security/roles.yaml @acme/security')
    expect(rules).toContain('/access/support/groups.yaml @acme/access-reviewers @acme/platform-leads')
    expect(rules).toEqual([...rules].sort())
    expect(rules.some((line) => line.startsWith('/access/tests/'))).toBe(false)
  })

  it('says that group approvers cannot be expressed', () => {
    expect(block).toContain('# critical: @acme/security (2 approvals); group approvers "Security Admins" cannot be expressed here')
  })

  it('comments out a file whose tier has group approvers only', () => {
    const [name, policy] = [...state.policies][0] ?? []
    if (name === undefined || policy === undefined) throw new Error('the example has a policy')
    const groupOnly = { ...policy.doc, approvals: [{ risk: 'low' as const, count: 1, approvers: [{ group: 'Security Admins' }] as [{ group: string }] }] }
    const text = renderCodeownersBlock({ ...state, policies: new Map([[name, { ...policy, doc: groupOnly }]]) })
    expect(text).toContain('# /access/org/policy.yaml (high): only group approvers, see above\n')
    expect(text.split('\n').filter((line) => line.startsWith('/'))).toEqual([])
  })

  it('is what the repository commits in .github/CODEOWNERS', async () => {
    const committed = await readFile(join(repoRoot, '.github/CODEOWNERS'), 'utf8')
    expect(codeownersStaleDiagnostic('.github/CODEOWNERS', committed, block)).toBeUndefined()
  })
})

describe('mergeCodeowners', () => {
  const generated = '# BEGIN rolecall: x\n/access/a.yaml @acme/security\n# END rolecall\n'

  it.each([
    ['a missing file becomes the block', undefined, generated],
    ['an empty file becomes the block', '\n', generated],
    ['a file without a block keeps its lines and gets the block last', '* @acme/admins\n', `* @acme/admins\n\n${generated}`],
    [
      'a block is replaced where it stands, hand-written lines around it kept',
      '* @acme/admins\n# BEGIN rolecall: old\n/access/old.yaml @acme/old\n# END rolecall\n/docs/ @acme/writers\n',
      `* @acme/admins\n${generated}/docs/ @acme/writers\n`,
    ],
    ['an unclosed block runs to the end of the file', '* @acme/admins\n# BEGIN rolecall\n/access/old.yaml @x/y\n', `* @acme/admins\n${generated}`],
  ])('%s', (_name, existing, merged) => {
    expect(mergeCodeowners(existing, generated)).toBe(merged)
  })

  it('is idempotent', () => {
    const once = mergeCodeowners('* @acme/admins\n', block)
    expect(mergeCodeowners(once, block)).toBe(once)
  })
})

describe('codeownersStaleDiagnostic', () => {
  it('says nothing for a file without a block, or with the current block', () => {
    expect(codeownersStaleDiagnostic('CODEOWNERS', '* @acme/admins\n', block)).toBeUndefined()
    expect(codeownersStaleDiagnostic('CODEOWNERS', mergeCodeowners('* @acme/admins\n', block), block)).toBeUndefined()
  })

  it('warns at the BEGIN line when the block differs', () => {
    const stale = `* @acme/admins\n${block.replace('@acme/platform-leads', '@acme/old-team')}`
    expect(codeownersStaleDiagnostic('.github/CODEOWNERS', stale, block)).toEqual({
      severity: 'warning',
      code: 'codeowners-stale',
      summary: 'The rolecall block of .github/CODEOWNERS is out of date with the access files. Run `rolecall codeowners --write` and commit the result.',
      source: { file: '.github/CODEOWNERS', line: 2, col: 1 },
    })
  })

  it('warns about a block without its END line', () => {
    const diagnostic = codeownersStaleDiagnostic('CODEOWNERS', '# BEGIN rolecall\n', block)
    expect(diagnostic?.summary).toContain('has no "# END rolecall" line')
    expect(findBlock('# BEGIN rolecall\n')).toEqual({ start: 0, end: 1, isClosed: false })
  })
})
