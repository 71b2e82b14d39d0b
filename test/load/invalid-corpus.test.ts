import { readdirSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAccessDir } from '../../src/load/load-access.js'
import { fixtureNow, fixturesDir, materialize, type InvalidCase } from '../helpers/fixtures.js'

const corpusDir = join(fixturesDir, 'invalid')
const cases = readdirSync(corpusDir)
  .sort()
  .map((name) => ({ name, dir: join(corpusDir, name), spec: JSON.parse(readFileSync(join(corpusDir, name, 'case.json'), 'utf8')) as InvalidCase }))

describe('the invalid-fixture corpus', () => {
  it('holds at least 40 cases, one mistake each', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  it('the base every case starts from is valid', async () => {
    const dir = await materialize(undefined)
    const loaded = await loadAccessDir(dir, { cwd: dir, now: fixtureNow })
    await rm(dir, { recursive: true })
    expect(loaded.diagnostics).toEqual([])
  })

  it.each(cases)('$name', async ({ dir: caseDir, spec }) => {
    const dir = await materialize(caseDir, spec.remove)
    const loaded = await loadAccessDir(dir, { cwd: dir, now: fixtureNow })
    await rm(dir, { recursive: true })
    const found = loaded.diagnostics.map((d) => ({ code: d.code, severity: d.severity, file: d.source?.file, line: d.source?.line, col: d.source?.col }))
    expect(found).toEqual([spec.expect])
  })
})
