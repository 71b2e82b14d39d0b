import { describe, expect, it } from 'vitest'
import { runAccessTests } from '../../src/engine/access-tests.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'

describe('the example organization in access/', () => {
  it('passes every AccessTest assertion it declares', async () => {
    const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
    expect(loaded.diagnostics).toEqual([])
    const results = runAccessTests(loaded.state, { users: [], groups: [], memberships: [] }, fixtureNow)
    expect(results.length).toBeGreaterThanOrEqual(30)
    const failing = results.filter((result) => !result.passed).map((result) => `${result.test}#${result.index} ${result.user} ${result.expect} ${JSON.stringify(result.query)}: ${result.why.join(' | ')}`)
    expect(failing).toEqual([])
  })
})
