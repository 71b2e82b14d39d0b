// Duplicates inside one document are errors at the second entry, and say where the first one is.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import { fixtureNow, materialize } from '../helpers/fixtures.js'

let dir: string | undefined

afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

async function diagnosticsAfter(file: string, edit: (text: string) => string) {
  dir = await materialize(undefined)
  await writeFile(join(dir, file), edit(await readFile(join(dir, file), 'utf8')))
  return (await loadAccessDir(dir, { cwd: dir, now: fixtureNow })).diagnostics
}

describe('model/check-unique', () => {
  it('reports a second approval rule for one risk, with the first rule position', async () => {
    const approvals = 'approvals:\n  - risk: critical\n    count: 1\n    approvers: [githubTeam: acme/cto]\n  - risk: critical\n    count: 2\n    approvers: [githubTeam: acme/security]\n'
    const found = await diagnosticsAfter('policy.yaml', (text) => `${text}${approvals}`)
    expect(found).toEqual([
      {
        severity: 'error',
        code: 'duplicate-name',
        summary: 'Policy "default" has two approval rules for risk critical; each risk has one rule.',
        detail: 'Merge them: list every approver of critical changes in one rule, with the count they need. First declared at policy.yaml:11:11.',
        source: { file: 'policy.yaml', line: 14, col: 11 },
      },
    ])
  })

  it('reports two connections with one name', async () => {
    const found = await diagnosticsAfter('organization.yaml', (text) => `${text}  - name: okta\n    provider: entra\n`)
    expect(found.map((d) => [d.code, d.summary, d.detail, d.source])).toEqual([
      ['duplicate-name', 'Connection "okta" is declared twice in Organization "Fixture Co"; rename or remove one.', 'First declared at organization.yaml:4:11.', { file: 'organization.yaml', line: 6, col: 11 }],
    ])
  })

  it('reports two roles of a Service with one name', async () => {
    const roles = 'roles:\n  - name: maintainer\n    grants: [{action: run, resource: "journey:*"}]\n  - name: maintainer\n    grants: [{action: edit, resource: "journey:*"}]\n'
    const found = await diagnosticsAfter('services.yaml', (text) => `${text}${roles}`)
    expect(found.map((d) => [d.code, d.summary, d.detail, d.source])).toEqual([
      ['duplicate-name', 'Role "maintainer" is declared twice in Service "checkout"; rename or remove one.', 'First declared at services.yaml:7:11.', { file: 'services.yaml', line: 9, col: 11 }],
    ])
  })

  it('reports a critical permission bounded twice, and two separation-of-duty pairs with one name', async () => {
    const found = await diagnosticsAfter('policy.yaml', (text) =>
      text.replace('    maxHolders: 5\n', '    maxHolders: 5\n  - permission: sso:manage\n    minHolders: 0\n') +
      'separationOfDuty:\n  - name: split\n    pair: [{permission: sso:manage}, {action: run, resource: "journey:*/*"}]\n  - name: split\n    pair: [{permission: sso:manage}, {action: edit, resource: "journey:*/*"}]\n',
    )
    expect(found.map((d) => [d.code, d.summary, d.detail, d.source])).toEqual([
      ['duplicate-name', 'Policy "default" bounds the holders of sso:manage twice; each critical permission has one entry.', 'Merge them into one entry with the minimum and maximum meant. First declared at policy.yaml:7:17.', { file: 'policy.yaml', line: 10, col: 17 }],
      ['duplicate-name', 'Separation-of-duty pair "split" is declared twice in Policy "default"; rename or remove one.', 'First declared at policy.yaml:13:11.', { file: 'policy.yaml', line: 15, col: 11 }],
    ])
  })

  it('accepts one rule per risk and distinct names', async () => {
    const approvals = 'approvals:\n  - risk: high\n    count: 1\n    approvers: [githubTeam: acme/security]\n  - risk: critical\n    count: 2\n    approvers: [githubTeam: acme/security]\n'
    expect(await diagnosticsAfter('policy.yaml', (text) => `${text}${approvals}`)).toEqual([])
  })
})
