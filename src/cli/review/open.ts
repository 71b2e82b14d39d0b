// rolecall review open NAME: freeze the campaign's population at the store's current revision and write it for a pull request.
import { directoryOf } from '../../apply/store-base.js'
import { suggestion } from '../../diag/suggest.js'
import { RolecallError } from '../../errors.js'
import { stateFromDocuments, type StateDocument } from '../../model/documents.js'
import type { DesiredState } from '../../model/state.js'
import { breakGlassAt } from '../../review/campaign/break-glass-at.js'
import { openReview } from '../../review/campaign/open.js'
import { populationOf, rowsWithoutReviewer } from '../../review/campaign/population.js'
import { renderItems } from '../../review/campaign/record.js'
import type { Review } from '../../schema/types.js'
import { loadDesired, withStore } from '../desired.js'
import type { Io } from '../io.js'
import { currentCommit, frozenDirectory, listReviews, writeOpenedReview } from '../review-files.js'

/** The campaign `name` of the access files, or an error with a did-you-mean. */
export function campaignOf(state: DesiredState, name: string): Review {
  const review = state.reviews.get(name)?.doc
  if (review !== undefined) return review
  const names = [...state.reviews.keys()]
  throw new RolecallError(`unknown campaign "${name}"${suggestion(name, names)}${names.length === 0 ? ' (the access files declare no Review)' : `; campaigns: ${names.join(', ')}`}`)
}

export async function openCampaign(options: { name: string; dir: string | undefined; db: string | undefined; reviews: string; commit: string | undefined }, io: Io, now: Date): Promise<number> {
  const desired = await loadDesired(options.dir, io, now)
  const review = campaignOf(desired, options.name)
  const commit = await currentCommit(options.commit, io)
  const closures = (await listReviews(options.reviews, review.name)).flatMap((folder) => (folder.closure === undefined ? [] : [folder.closure]))
  const opened = await withStore(
    options.db,
    io,
    async (store) => {
      const applied = await store.appliedState()
      if (applied === undefined) throw new RolecallError('nothing has been applied yet: there is no access in effect to review')
      const [snapshot, breakGlass, audit] = await Promise.all([store.snapshot(), store.listBreakGlass(), store.verifyAudit()])
      if (!audit.ok) throw new RolecallError(`the store's audit chain does not verify (${audit.reason}): a review cannot be opened on a history that is not intact`)
      const state = stateFromDocuments(applied.documents as StateDocument[], now)
      const directory = directoryOf(snapshot)
      const frozen = frozenDirectory(directory)
      const population = populationOf(review, state, directory, { now, breakGlass: breakGlassAt(breakGlass, now) })
      return { population, directory: frozen, storeRevision: audit.head.seq, auditHash: audit.head.hash, appliedRevision: applied.revision.id }
    },
    'read',
  )
  const { population, directory } = opened
  const alone = rowsWithoutReviewer(population)
  if (alone.length > 0) {
    const shown = alone.slice(0, 5).map((row) => `${row.user}: ${row.access} (reviewers: ${row.reviewers})`)
    throw new RolecallError(
      `campaign "${review.name}": ${alone.length} item${alone.length === 1 ? ' has' : 's have'} no reviewer but the person reviewed (the reviewers are the only holders of what they review): ${shown.join('; ')}${alone.length > 5 ? '; …' : ''}. Add reviewers to the Review.`,
    )
  }
  const { record, items } = openReview({ review, population, closures, now, storeRevision: opened.storeRevision, auditHash: opened.auditHash, appliedRevision: opened.appliedRevision, commit, directoryDigest: directory.digest })
  const path = await writeOpenedReview(options.reviews, record, { population: population.rows, items: renderItems(record, items), directory: directory.gzipped })
  const fresh = items.filter((item) => item.lastCertified === null).length
  io.out(`Opened review ${record.id} of "${review.name}": ${record.count} items (${fresh} new or changed since the last certification, ${record.autoCertified.length} certified by rule), due ${record.deadline}.\n`)
  io.out(`Population digest ${record.digest} at store revision ${record.storeRevision} (applied ${record.appliedRevision}${commit === null ? '' : `, commit ${commit}`}).\n`)
  io.out(`Wrote ${path}: commit it in a pull request; reviewers decide in items.yaml.\n`)
  return 0
}
