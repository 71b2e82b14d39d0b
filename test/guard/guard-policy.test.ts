// The idpChanges policy section: validated with positions and did-you-mean like every kind, merged to the strictest.
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { guardPolicyOf, isGuarded } from '../../src/guard/guard-policy.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { parseResourcePattern } from '../../src/model/resource.js'
import type { Holding } from '../../src/engine/types.js'
import { fixtureNow, materialize } from '../helpers/fixtures.js'

/** The base fixture with a policy whose idpChanges section is `section` (YAML, indented by two). */
async function load(section: string) {
  const dir = await materialize(undefined)
  await writeFile(join(dir, 'guard-policy.yaml'), `kind: Policy\nname: guard\nidpChanges:\n${section}`)
  const loaded = await loadAccessDir(dir, { cwd: dir, now: fixtureNow })
  await rm(dir, { recursive: true })
  return loaded
}

function diagnosticsOf(loaded: Awaited<ReturnType<typeof load>>) {
  return loaded.diagnostics.map((diagnostic) => ({ code: diagnostic.code, summary: diagnostic.summary, at: `${diagnostic.source?.file}:${diagnostic.source?.line}` }))
}

function grantHolding(resource: string, risk: Holding['risk']): Holding {
  const parsed = parseResourcePattern(resource)
  if (!('pattern' in parsed)) throw new Error(parsed.error)
  return { key: `grant run ${resource}`, risk, chain: [], type: 'grant', grant: { actions: ['run'], resource: parsed.pattern } }
}

describe('idpChanges policy', () => {
  it('holds critical only when no policy says otherwise, so existing organizations keep their behaviour', async () => {
    const loaded = await load('  expiresAfterDays: 3\n')
    expect(diagnosticsOf(loaded)).toEqual([])
    const policy = guardPolicyOf(loaded.state)
    expect(policy).toMatchObject({ holdRisk: 'critical', massChange: undefined, expiresAfterMs: 3 * 86_400_000 })
    expect(isGuarded(policy, { key: 'permission sso:manage', risk: 'critical', chain: [], type: 'permission', permission: 'sso:manage' })).toBe(true)
    expect(isGuarded(policy, grantHolding('journey:checkout/x', 'high'))).toBe(false)
  })

  it('holds by tier, by service glob and by resource pattern', async () => {
    const loaded = await load('  holdRisk: high\n  services: [pay*]\n  resources: ["secret:*/*"]\n  massChange: {maxPeople: 5, windowMinutes: 30}\n')
    expect(diagnosticsOf(loaded)).toEqual([])
    const policy = guardPolicyOf(loaded.state)
    expect(policy.massChange).toEqual({ maxPeople: 5, windowMs: 30 * 60_000, risk: 'high' })
    expect(isGuarded(policy, grantHolding('journey:checkout/x', 'high'))).toBe(true)
    expect(isGuarded(policy, grantHolding('journey:payments/x', 'low'))).toBe(true)
    expect(isGuarded(policy, grantHolding('secret:checkout/x', 'low'))).toBe(true)
    expect(isGuarded(policy, grantHolding('journey:checkout/x', 'medium'))).toBe(false)
  })

  it('rejects an unknown tier, a misspelt key (with a did-you-mean), a bad glob and a limit that limits nothing', async () => {
    expect(diagnosticsOf(await load('  holdRisk: severe\n'))).toEqual([expect.objectContaining({ code: 'schema', at: 'guard-policy.yaml:4' })])
    const misspelt = diagnosticsOf(await load('  holdRisks: high\n'))
    expect(misspelt).toEqual([expect.objectContaining({ at: 'guard-policy.yaml:4' })])
    expect(misspelt[0]?.summary).toContain('holdRisk')
    expect(diagnosticsOf(await load('  services: ["pay[ments"]\n'))).toEqual([expect.objectContaining({ code: 'invalid-glob', at: 'guard-policy.yaml:4' })])
    expect(diagnosticsOf(await load('  services: [paymnts]\n'))).toEqual([expect.objectContaining({ code: 'unknown-ref', at: 'guard-policy.yaml:4' })])
    expect(diagnosticsOf(await load('  resources: ["secret"]\n'))).toEqual([expect.objectContaining({ code: 'invalid-resource', at: 'guard-policy.yaml:4' })])
    expect(diagnosticsOf(await load('  massChange: {windowMinutes: 10, risk: high}\n'))).toEqual([expect.objectContaining({ code: 'invalid-value', at: 'guard-policy.yaml:4' })])
    expect(diagnosticsOf(await load('  massChange: {maxPeople: 0, windowMinutes: 10}\n'))).toEqual([expect.objectContaining({ code: 'schema' })])
    expect(diagnosticsOf(await load('  massChange: {maxGroupShare: 1.5, windowMinutes: 10}\n'))).toEqual([expect.objectContaining({ code: 'schema' })])
  })
})
