import { describe, expect, it } from 'vitest'
import { driftBaselineProblem } from '../../src/plan/drift.js'
import { revisionsWithDirectory } from '../../src/store/applied.js'
import { testStore } from '../helpers/test-store.js'

describe('drift baselines', () => {
  it('keeps the directory of the last applies only, and says so for an older revision', async () => {
    const store = await testStore()
    const directory = { users: [], groups: [], memberships: [] }
    for (let i = 0; i < revisionsWithDirectory + 2; i++) {
      await store.recordApply(
        { commit: null, author: null, approvedBy: [], planDigest: `p${i}`, desiredDigest: `d${i}`, directoryDigest: 'x', summary: {}, documents: [], directory, actor: 'test' },
        () => undefined,
      )
    }
    const oldest = await store.appliedRevision('r1', { withDirectory: true })
    const latest = await store.appliedState({ withDirectory: true })
    expect(latest?.revision.id).toBe(`r${revisionsWithDirectory + 2}`)
    expect(latest?.directory).toEqual(directory)
    expect(oldest?.directory).toBeUndefined()
    expect(driftBaselineProblem('r1', oldest?.directory)).toBe(
      `applied revision r1 no longer keeps the directory it saw (only the last ${revisionsWithDirectory} applies do); measure drift from a later revision`,
    )
    expect(driftBaselineProblem('r12', latest?.directory)).toBeUndefined()
    await store.close()
  })
})
