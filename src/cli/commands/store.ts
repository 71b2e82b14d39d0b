// rolecall store copy: moves a whole store to a new, empty one (from the embedded SQLite file to PostgreSQL, say).
import { UsageError } from '../../errors.js'
import { resolveStoreLocation } from '../../server/config.js'
import { copyStore } from '../../store/copy.js'
import { describeCounts, tableNoun } from '../../store/dump.js'
import { storeLocation } from '../../store/location.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { storeSpec } from '../specs/operate.js'
import { startProgress } from '../progress.js'

export async function run({ values }: Parsed<typeof storeSpec>, io: Io): Promise<number> {
  if (values.to === undefined || values.to === '') throw new UsageError('store copy: --to (a new file path or an empty postgres:// database) is required')
  const from = resolveStoreLocation(values.from, io.env, io.cwd)
  const to = storeLocation(values.to, io.cwd)
  // A copy is long work from its first rows on: shown after half a second.
  const progress = startProgress(io, values.quiet === true, { afterMs: 500 })
  const startedAt = Date.now()
  let report
  try {
    report = await copyStore(from, to, { onProgress: (step) => progress.step(`copying ${tableNoun(step.table)}`, { done: step.loaded, total: step.total }) })
  } finally {
    progress.done()
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  io.out(`Copied ${from.display} to ${to.display} in ${seconds} s: ${describeCounts(report.counts, undefined)}.\n`)
  io.out(`Source audit head: entry ${report.sourceHead.seq}, hash ${report.sourceHead.hash}\n`)
  io.out(`Target audit head: entry ${report.targetHead.seq}, hash ${report.targetHead.hash} (audit verify passes)\n`)
  return 0
}
