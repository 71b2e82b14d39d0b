// rolecall apply: apply a saved plan (or plan and apply the access directory) in one audited transaction.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { applyDesired, applyPlan, type ApplyOutcome } from '../../apply/apply.js'
import { stateDocuments } from '../../model/documents.js'
import { callRemote, remoteOption } from '../remote.js'
import { RolecallError, UsageError } from '../../errors.js'
import { asPlan } from '../../plan/plan-shape.js'
import type { DesiredState } from '../../model/state.js'
import type { Plan } from '../../schema/generated/plan.js'
import { readNow } from '../clock.js'
import { loadDesired } from '../desired.js'
import { requireActor } from '../actor.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { applySpec } from '../specs/review.js'
import { openStore, requireStore } from '../../store/open-store.js'
import { resolveStoreLocation } from '../../server/config.js'
import { startProgress } from '../progress.js'

/** Read and check a saved plan file against schemas/plan.schema.json. */
export async function readPlanFile(path: string): Promise<Plan> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'it is not JSON' : error instanceof Error ? error.message : String(error)
    throw new RolecallError(`cannot read plan ${path}: ${reason.split('\n')[0] ?? ''}`)
  }
  const checked = asPlan(parsed)
  if ('error' in checked) throw new RolecallError(`${path} is not a rolecall plan: ${checked.error}`)
  return checked.plan
}

function report(outcome: ApplyOutcome, plan: Plan, io: Io): number {
  if (outcome.status === 'no-changes') {
    io.out('No changes. Nothing applied.\n')
    return 0
  }
  const { revision } = outcome
  io.out(`Applied ${revision.id}: ${plan.changes.length} document change${plan.changes.length === 1 ? '' : 's'}, ${plan.access.length} access change${plan.access.length === 1 ? '' : 's'} (store revision ${revision.storeRevision}).\n`)
  const { basis } = outcome
  // An older server answers without a basis.
  if (basis?.directoryMoved === true) {
    io.out(`SCIM changed users or memberships since the plan (store revision ${basis.planStoreRevision} → ${basis.storeRevision}); nothing the plan showed or judged moved.\n`)
  }
  return 0
}

export async function run({ values, positionals }: Parsed<typeof applySpec>, io: Io): Promise<number> {
  if (positionals.length > 1) throw new UsageError('apply takes at most one plan file')
  const [planPath] = positionals
  if (planPath !== undefined && values.dir !== undefined) throw new UsageError('give a plan file or --dir, not both')
  const now = readNow(io.env)
  const remote = remoteOption(values.server, values.db, io, values.insecure === true)
  const options = { approvedBy: values['approved-by'] ?? [], commit: values.revision ?? null, author: values.author ?? null }
  if (remote !== undefined) {
    const plan = planPath !== undefined ? await readPlanFile(resolve(io.cwd, planPath)) : await callRemote<Plan>(remote, 'POST', '/api/v1/plans', { documents: stateDocuments(await loadDesired(values.dir, io, now)) })
    const pullRequest = values['pull-request']
    if (pullRequest !== undefined && !/^[1-9]\d{0,9}$/.test(pullRequest)) throw new UsageError(`apply: --pull-request must be a pull request number (got "${pullRequest}")`)
    const outcome = await callRemote<ApplyOutcome>(remote, 'POST', '/api/v1/apply', {
      plan,
      approvedBy: options.approvedBy,
      revision: options.commit,
      author: options.author,
      ...(pullRequest === undefined ? {} : { pullRequest: Number(pullRequest) }),
    })
    return report(outcome, plan, io)
  }
  const actor = requireActor(values.actor, 'apply', io)
  // The first full apply of a large organization takes a while: its steps on a terminal.
  const progress = startProgress(io, values.quiet === true)
  const steps = { ...options, actor, now, onStep: (step: string) => progress.step(step) }
  let store
  let done: { outcome: ApplyOutcome; plan: Plan }
  try {
    // Read (and check) what to apply before the store is opened.
    progress.step(planPath !== undefined ? 'reading the plan' : 'loading access files')
    const source: { plan: Plan } | { desired: DesiredState } = planPath !== undefined ? { plan: await readPlanFile(resolve(io.cwd, planPath)) } : { desired: await loadDesired(values.dir, io, now) }
    progress.step('opening the store')
    const location = resolveStoreLocation(values.db, io.env, io.cwd)
    await requireStore(location)
    store = await openStore(location, { use: 'write' })
    done = 'plan' in source ? { outcome: await applyPlan(source.plan, store, steps), plan: source.plan } : await applyDesired(source.desired, store, steps)
  } finally {
    progress.done()
    await store?.close()
  }
  return report(done.outcome, done.plan, io)
}
