// Applies the example organization (access/) to a store, with every approval its policy asks for.
import { applyPlan } from '../../src/apply/apply.js'
import { readPlanBase } from '../../src/apply/store-base.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Store } from '../../src/store/store.js'
import { repoRoot } from './cli.js'
import { fixtureNow } from './fixtures.js'

export const exampleApprovals = ['acme/security:a', 'acme/security:b', 'acme/access-reviewers:c', 'acme/platform-leads:d']

/** Applies `dir` (the example organization unless given) as the example's approvers would. */
export async function applyExampleAccess(store: Store, dir = `${repoRoot}access`): Promise<void> {
  const loaded = await loadAccessDir(dir, { cwd: repoRoot, now: fixtureNow })
  const plan = makePlan(loaded.state, await readPlanBase(store), fixtureNow)
  await applyPlan(plan, store, { approvedBy: exampleApprovals, commit: null, author: null, actor: 'test', now: fixtureNow })
}
