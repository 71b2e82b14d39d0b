// Policy risk rules raise every grant whose resource glob shares a concrete resource with the rule's, even when
// neither glob matches the other's text (`*-key` and `prod-*` share `prod-signing-key`).
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import { patternsOverlap } from '../../src/model/grant-rule.js'
import { fixtureNow, materialize } from '../helpers/fixtures.js'

const policy = `kind: Policy
name: default
riskRules:
  - resource: secret:checkout/prod-*
    risk: critical
individualGrants:
  maxRisk: high
  maxDurationDays: 365
criticalPermissions:
  - permission: sso:manage
    minHolders: 1
    maxHolders: 5
`

/** The diagnostics of the base fixture with the policy above and bob's staging secret read on `resource`. */
async function diagnosticsFor(resource: string) {
  const dir = await materialize(undefined)
  await writeFile(join(dir, 'policy.yaml'), policy)
  await writeFile(
    join(dir, 'grants.yaml'),
    `kind: Grant\nname: bob-secret-read\nuser: bob@fixture.example\naction: read\nresource: ${resource}\nenv: [staging]\nreason: INC-1 debugging a payment outage\nexpires: 2027-06-01\n`,
  )
  const loaded = await loadAccessDir(dir, { cwd: dir, now: fixtureNow })
  await rm(dir, { recursive: true })
  return loaded.diagnostics.map((diagnostic) => ({ code: diagnostic.code, file: diagnostic.source?.file, summary: diagnostic.summary }))
}

describe('policy risk rules on partly overlapping globs', () => {
  it.each(['secret:checkout/prod-signing-key', 'secret:checkout/*-key', 'secret:checkout/{prod,dev}-signing-key', 'secret:*/*', 'secret:checkout/p*y'])(
    'a staging read of %s is critical, so the policy denies it',
    async (resource) => {
      const diagnostics = await diagnosticsFor(resource)
      expect(diagnostics).toEqual([expect.objectContaining({ code: 'grant-denied', file: 'grants.yaml' })])
      expect(diagnostics[0]?.summary).toContain('critical')
    },
  )

  it.each(['secret:checkout/dev-*', 'secret:checkout/{staging,dev}-signing-key', 'secret:checkout/[a-o]*-key', 'secret:checkout/?-key'])(
    'a staging read of %s shares no resource with the rule and stays allowed',
    async (resource) => {
      expect(await diagnosticsFor(resource)).toEqual([])
    },
  )
})

describe('patternsOverlap', () => {
  const pattern = (type: string, service: string, name: string) => ({ type, service, name })

  it.each([
    [pattern('secret', 'checkout', '*-key'), pattern('secret', 'checkout', 'prod-*'), true],
    [pattern('*', 'check*', 'prod-key'), pattern('secret', '*out', 'prod-*'), true],
    [pattern('secret', 'checkout', '*-key'), pattern('journey', 'checkout', 'prod-*'), false],
    [pattern('secret', 'checkout', '*-key'), pattern('secret', 'payments', 'prod-*'), false],
    [pattern('secret', 'checkout', 'dev-*'), pattern('secret', 'checkout', 'prod-*'), false],
    // A part matches its own text, so two identical malformed-looking texts still overlap.
    [pattern('secret', 'checkout', '[ab]'), pattern('secret', 'checkout', '[ab]'), true],
  ])('%o and %o: %s', (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected)
    expect(patternsOverlap(b, a)).toBe(expected)
  })
})
