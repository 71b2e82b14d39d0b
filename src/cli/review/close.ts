// rolecall review close ID: revocations (and undecided items past the deadline) into the access-file change that removes them.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { RolecallError } from '../../errors.js'
import { planClosure } from '../../review/campaign/close.js'
import { editAccessFiles } from '../../review/campaign/edit-files.js'
import { loadDesired } from '../desired.js'
import type { Io } from '../io.js'
import { findReview, readPopulation, writeJsonFile } from '../review-files.js'
import { judgeReview, readIdentities } from './progress.js'

export async function closeReview(options: { id: string; dir: string | undefined; reviews: string; identities: string | undefined }, io: Io, now: Date): Promise<number> {
  const folder = await findReview(options.reviews, options.id)
  if (folder.closure !== undefined) throw new RolecallError(`review ${options.id} was closed at ${folder.closure.closedAt}`)
  const state = await loadDesired(options.dir, io, now)
  const { report } = await judgeReview(folder, await readIdentities(options.identities, io), io, now)
  const planned = planClosure(report, await readPopulation(folder), state, now)
  if ('error' in planned) throw new RolecallError(planned.error)
  const files = [...new Set(planned.removals.flatMap((removal) => ('file' in removal ? [removal.file] : [])))]
  const texts = new Map(await Promise.all(files.map(async (file) => [file, await readFile(resolve(io.cwd, file), 'utf8')] as const)))
  const { edits, problems } = editAccessFiles(texts, planned.removals, folder.record.id)
  if (problems.length > 0) throw new RolecallError(`cannot close review ${options.id}: ${problems.join('; ')}`)
  for (const edit of edits) {
    const path = resolve(io.cwd, edit.file)
    if (edit.text === undefined) await rm(path)
    else await writeFile(path, edit.text)
  }
  const closure = { ...planned.closure, changes: edits.flatMap((edit) => edit.summaries.map((summary) => ({ file: edit.file, summary }))) }
  await writeJsonFile(join(folder.path, 'closure.json'), closure)
  const count = (outcome: string) => closure.items.filter((item) => item.outcome === outcome).length
  io.out(`Closed review ${folder.record.id}: ${count('kept')} kept, ${count('revoked')} revoked, ${count('escalated')} escalated.\n`)
  for (const change of closure.changes) io.out(`  ${change.file}: ${change.summary}\n`)
  for (const removal of planned.removals) if (removal.kind === 'break-glass') io.out(`  outside the files: rolecall break-glass revoke ${removal.id}\n`)
  if (closure.changes.length > 0) io.out('Commit these changes in the same pull request; `rolecall plan` shows the removals.\n')
  return 0
}
