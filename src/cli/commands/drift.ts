// rolecall drift: access that changed without review since the last apply (or --since REVISION).
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { activeBreakGlass, directoryOf } from '../../apply/store-base.js'
import { RolecallError, UsageError } from '../../errors.js'
import { stateDocuments, stateFromDocuments, type StateDocument } from '../../model/documents.js'
import type { DesiredState } from '../../model/state.js'
import { computeDrift, driftBaselineProblem, driftListLimit, isAlarming, limitDrift, type DriftReport } from '../../plan/drift.js'
import { driftJsonPieces, driftTextLines, writeInBatches } from '../../render/drift.js'
import { envSetting } from '../args.js'
import { readNow } from '../clock.js'
import { loadDesired, withStore } from '../desired.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { driftSpec } from '../specs/inspect.js'
import { callRemote, remoteOption } from '../remote.js'
import { startProgress } from '../progress.js'

export async function run({ values }: Parsed<typeof driftSpec>, io: Io): Promise<number> {
  const { format } = values
  const limit = values.limit === undefined ? driftListLimit : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 0 || values.limit?.trim() === '') throw new UsageError(`--limit must be a whole number of access changes to list, 0 for all (got "${values.limit ?? ''}")`)
  const now = readNow(io.env)
  const dir = values.dir ?? envSetting(io.env, 'ROLECALL_ACCESS_DIR') ?? 'access'
  // A large organization's drift takes a while: its steps on a terminal, cleared before the report is printed.
  const progress = startProgress(io, values.quiet === true)
  let report: DriftReport
  try {
    let desired: DesiredState | undefined
    progress.step('loading access files')
    if (values.dir !== undefined || existsSync(resolve(io.cwd, dir))) desired = await loadDesired(dir, io, now)
    const remote = remoteOption(values.server, values.db, io, values.insecure === true)
    progress.step(remote === undefined ? 'reading the store' : 'computing drift on the server')
    report =
      remote !== undefined
        ? await callRemote<DriftReport>(remote, 'POST', '/api/v1/drift', { limit, ...(values.since === undefined ? {} : { since: values.since }), ...(desired === undefined ? {} : { documents: stateDocuments(desired) }) })
        : await withStore(values.db, io, async (store) => {
            const applied = values.since === undefined ? await store.appliedState({ withDirectory: true }) : await store.appliedRevision(values.since, { withDirectory: true })
            if (applied === undefined) {
              if (values.since !== undefined) throw new RolecallError(`no applied revision "${values.since}" (see the revisions with \`rolecall audit export\`)`)
              throw new RolecallError('nothing has been applied yet: run `rolecall plan` and `rolecall apply` first')
            }
            const problem = driftBaselineProblem(applied.revision.id, applied.directory)
            if (problem !== undefined || applied.directory === undefined) throw new RolecallError(problem ?? '')
            const [snapshot, breakGlass, holds] = await Promise.all([store.snapshot(), store.listBreakGlass(), store.listHolds({ status: ['open', 'rejected'] })])
            const documents = applied.documents as StateDocument[]
            progress.step('computing drift')
            return limitDrift(
              computeDrift({
                applied: { revision: applied.revision.id, state: stateFromDocuments(documents, now), documents, directory: applied.directory },
                directory: directoryOf(snapshot),
                breakGlass: activeBreakGlass(breakGlass),
                holds,
                ...(desired === undefined ? {} : { desired }),
                now,
              }),
              limit,
            )
          })
  } finally {
    progress.done()
  }
  if (format === 'json') writeInBatches(driftJsonPieces(report), io.out)
  else writeInBatches(driftTextLines(report), io.out, '\n')
  return isAlarming(report) ? 2 : 0
}
