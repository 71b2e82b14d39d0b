// rolecall plan: desired (YAML) vs applied (store) with live memberships, as text, markdown or JSON.
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { readPlanBase } from '../../apply/store-base.js'
import { makePlanConcurrently } from '../../plan/make-plan.js'
import { renderPlanJson } from '../../render/plan-json.js'
import { renderPlanMarkdown } from '../../render/plan-markdown.js'
import { renderPlanText } from '../../render/plan-text.js'
import { readNow } from '../clock.js'
import { loadDesired, withStore } from '../desired.js'
import { colorEnabled, type Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { planSpec } from '../specs/review.js'
import { callRemote, remoteOption } from '../remote.js'
import { stateDocuments } from '../../model/documents.js'
import type { Plan } from '../../schema/generated/plan.js'
import { startProgress } from '../progress.js'

export async function run({ values }: Parsed<typeof planSpec>, io: Io): Promise<number> {
  const { format } = values
  const now = readNow(io.env)
  // A large organization's plan takes a while: its steps on a terminal, cleared before the plan is printed.
  const progress = startProgress(io, values.quiet === true)
  let plan: Plan
  try {
    // The store is read while the access files load: a PostgreSQL store answers from its own process meanwhile.
    // The access files' mistakes are still told first; a failed read is told only once they loaded.
    const reading = isLocal(values, io) ? withStore(values.db, io, readPlanBase) : undefined
    reading?.catch(() => undefined)
    progress.step('loading access files')
    const desired = await loadDesired(values.dir, io, now)
    const remote = remoteOption(values.server, values.db, io, values.insecure === true)
    if (remote === undefined) {
      progress.step('reading the store')
      const base = await (reading ?? withStore(values.db, io, readPlanBase))
      progress.step('planning')
      plan = await makePlanConcurrently(desired, base, now)
    } else {
      progress.step('planning on the server')
      plan = await callRemote<Plan>(remote, 'POST', '/api/v1/plans', { documents: stateDocuments(desired) })
    }
  } finally {
    progress.done()
  }
  if (values.out !== undefined) await writeFile(resolve(io.cwd, values.out), renderPlanJson(plan))
  switch (format) {
    case 'text':
      io.out(renderPlanText(plan, { color: colorEnabled(io) }))
      break
    case 'markdown':
      io.out(renderPlanMarkdown(plan, values.out === undefined ? {} : { fullPlanAt: `\`${values.out}\`` }))
      break
    case 'json':
      io.out(renderPlanJson(plan))
      break
    default: {
      const unreachable: never = format
      throw new Error(`unknown format ${String(unreachable)}`)
    }
  }
  return values['detailed-exitcode'] === true && plan.summary.hasChanges ? 2 : 0
}

/** Whether the plan is made here from a store (not on a server); a usage mistake is told later, as it was. */
function isLocal(values: Parsed<typeof planSpec>['values'], io: Io): boolean {
  try {
    return remoteOption(values.server, values.db, io, values.insecure === true) === undefined
  } catch {
    return false
  }
}
