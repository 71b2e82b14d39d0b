// rolecall review: access review campaigns (open, status, due, check, close, evidence, verify).
import { UsageError } from '../../errors.js'
import { oneOf, parseCommandArgs } from '../args.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import { reviewsDirOption } from '../review-files.js'
import { closeReview } from '../review/close.js'
import { verifyEvidence, writeEvidence } from '../review/evidence.js'
import { openCampaign } from '../review/open.js'
import { reviewCheck, reviewDue, reviewStatus } from '../review/progress.js'

const options = {
  dir: { type: 'string' },
  db: { type: 'string' },
  reviews: { type: 'string' },
  commit: { type: 'string' },
  format: { type: 'string' },
  identities: { type: 'string' },
  repo: { type: 'string' },
  pr: { type: 'string' },
  'api-url': { type: 'string' },
  'comment-out': { type: 'string' },
  out: { type: 'string' },
  event: { type: 'string' },
  'pr-reviews': { type: 'string' },
} as const

export async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv
  const { values, positionals } = parseCommandArgs(`review ${action ?? ''}`.trim(), rest, options, true)
  const now = readNow(io.env)
  const reviews = reviewsDirOption(values.reviews, io)
  const target = (what: string) => {
    const [value, ...extra] = positionals
    if (value === undefined || extra.length > 0) throw new UsageError(`review ${action ?? ''} needs one ${what}`)
    return value
  }
  switch (action) {
    case 'open':
      return openCampaign({ name: target('campaign NAME'), dir: values.dir, db: values.db, reviews, commit: values.commit }, io, now)
    case 'status':
      return reviewStatus({ reviews, format: oneOf('format', values.format, ['text', 'json'] as const, 'text') }, io, now)
    case 'due':
      return reviewDue({ dir: values.dir, reviews, format: oneOf('format', values.format, ['text', 'json'] as const, 'text') }, io, now)
    case 'check':
      return reviewCheck(
        {
          id: target('review ID'),
          reviews,
          identities: values.identities,
          format: oneOf('format', values.format, ['text', 'markdown', 'json'] as const, 'text'),
          repo: values.repo,
          pr: values.pr,
          commentOut: values['comment-out'],
          apiUrl: values['api-url'],
        },
        io,
        now,
      )
    case 'close':
      return closeReview({ id: target('review ID'), dir: values.dir, reviews, identities: values.identities }, io, now)
    case 'evidence':
      return writeEvidence({ id: target('review ID'), reviews, db: values.db, out: values.out, identities: values.identities, event: values.event, prReviews: values['pr-reviews'] }, io, now)
    case 'verify':
      return verifyEvidence({ dir: target('bundle DIR'), db: values.db }, io, now)
    default:
      throw new UsageError(action === undefined ? 'review needs an action: open, status, due, check, close, evidence or verify' : `unknown review action "${action}"`)
  }
}
