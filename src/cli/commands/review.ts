// rolecall review: access review campaigns (open, status, due, check, close, evidence, verify).
import { UsageError } from '../../errors.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { reviewSpec } from '../specs/review.js'
import { reviewsDirOption } from '../review-files.js'
import { closeReview } from '../review/close.js'
import { verifyEvidence, writeEvidence } from '../review/evidence.js'
import { openCampaign } from '../review/open.js'
import { reviewCheck, reviewDue, reviewStatus } from '../review/progress.js'

export async function run(parsed: Parsed<typeof reviewSpec>, io: Io): Promise<number> {
  const { positionals, subcommand: action } = parsed
  const now = readNow(io.env)
  const reviews = reviewsDirOption(parsed.values.reviews, io)
  const target = (what: string) => {
    const [value, ...extra] = positionals
    if (value === undefined || extra.length > 0) throw new UsageError(`review ${action ?? ''} needs one ${what}`)
    return value
  }
  switch (parsed.subcommand) {
    case 'open':
      return openCampaign({ name: target('campaign NAME'), dir: parsed.values.dir, db: parsed.values.db, reviews, commit: parsed.values.commit }, io, now)
    case 'status':
      return reviewStatus({ reviews, format: parsed.values.format }, io, now)
    case 'due':
      return reviewDue({ dir: parsed.values.dir, reviews, format: parsed.values.format }, io, now)
    case 'check':
      return reviewCheck(
        {
          id: target('review ID'),
          reviews,
          identities: parsed.values.identities,
          format: parsed.values.format,
          repo: parsed.values.repo,
          pr: parsed.values.pr,
          commentOut: parsed.values['comment-out'],
          apiUrl: parsed.values['api-url'],
        },
        io,
        now,
      )
    case 'close':
      return closeReview({ id: target('review ID'), dir: parsed.values.dir, reviews, identities: parsed.values.identities }, io, now)
    case 'evidence':
      return writeEvidence({ id: target('review ID'), reviews, db: parsed.values.db, out: parsed.values.out, identities: parsed.values.identities, event: parsed.values.event, prReviews: parsed.values['pr-reviews'] }, io, now)
    case 'verify':
      return verifyEvidence({ dir: target('bundle DIR'), db: parsed.values.db }, io, now)
  }
}
