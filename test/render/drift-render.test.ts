// The drift report is written a piece at a time (a drift of millions of changes never becomes one string), and the
// pieces make exactly what rendering it whole makes.
import { describe, expect, it } from 'vitest'
import type { DriftReport } from '../../src/plan/drift.js'
import { driftJsonPieces, driftTextLines, renderDriftJson, renderDriftText, writeInBatches } from '../../src/render/drift.js'

function report(changes: number, scimTotal?: number): DriftReport {
  return {
    appliedRevision: 'r3',
    highestRisk: changes === 0 ? null : 'critical',
    scim: Array.from({ length: changes }, (_, i) => ({
      user: `user${i}@acme.example`,
      change: i % 2 === 0 ? 'gain' : 'loss',
      what: 'sso:manage',
      risk: 'critical',
      chains: [`okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage`, 'via "quotes" and \\ backslashes'],
    })),
    ...(scimTotal === undefined ? {} : { scimTotal }),
    breakGlass: [{ id: 'bg-1', user: 'sky@acme.example', what: 'read secret:payments/*', risk: 'critical', reason: 'INC-7', expires: '2026-11-24T00:00:00.000Z' }],
    idpGroups: [],
    unapplied: ['create Group "Oncall"'],
  }
}

function written(pieces: Iterable<string>, separator?: string): { text: string; writes: number } {
  const out: string[] = []
  writeInBatches(pieces, (text) => out.push(text), separator)
  return { text: out.join(''), writes: out.length }
}

describe('drift rendering', () => {
  it('writes the JSON report exactly as JSON.stringify(report, null, 2) would', () => {
    for (const sample of [report(0), report(3), report(2, 40_000)]) {
      expect(renderDriftJson(sample)).toBe(`${JSON.stringify(sample, null, 2)}\n`)
      expect(written(driftJsonPieces(sample)).text).toBe(`${JSON.stringify(sample, null, 2)}\n`)
    }
  })

  it('writes a large report in batches of about a megabyte, the same text as rendering it whole', () => {
    const large = report(20_000)
    const text = written(driftTextLines(large), '\n')
    expect(text.text).toBe(renderDriftText(large))
    expect(text.text.split('\n').length).toBeGreaterThan(60_000)
    expect(text.writes).toBeGreaterThan(3)
    const json = written(driftJsonPieces(large))
    expect(JSON.parse(json.text)).toEqual(large)
    expect(json.writes).toBeGreaterThan(3)
  })
})
