// The clock, read once at the edge. ROLECALL_NOW pins it (reproducible CI runs and tests).
import { UsageError } from '../errors.js'
import { parseTimestamp } from '../model/time.js'

export function readNow(env: NodeJS.ProcessEnv): Date {
  const pinned = env.ROLECALL_NOW
  if (pinned === undefined || pinned === '') return new Date()
  const date = parseTimestamp(pinned)
  if (date === undefined) throw new UsageError(`ROLECALL_NOW must be a date or RFC 3339 date-time (got "${pinned}")`)
  return date
}
