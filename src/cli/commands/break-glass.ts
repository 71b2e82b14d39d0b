// rolecall break-glass create|list|revoke: emergency grants made outside git. They expire, and drift always reports them.
import { UsageError } from '../../errors.js'
import { parseResourcePattern } from '../../model/resource.js'
import { parseTimestamp } from '../../model/time.js'
import { parseCommandArgs } from '../args.js'
import { readNow } from '../clock.js'
import { withStore } from '../desired.js'
import type { Io } from '../io.js'

/** A break-glass grant may last at most this long: it is for emergencies, not for avoiding review. */
export const maxBreakGlassHours = 72

export async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv
  const { values, positionals } = parseCommandArgs(
    'break-glass',
    rest,
    {
      db: { type: 'string' },
      user: { type: 'string' },
      action: { type: 'string', multiple: true },
      resource: { type: 'string' },
      env: { type: 'string', multiple: true },
      reason: { type: 'string' },
      expires: { type: 'string' },
      by: { type: 'string' },
    },
    true,
  )
  const now = readNow(io.env)
  switch (action) {
    case 'create': {
      const { user, resource, reason, expires } = values
      if (user === undefined || resource === undefined || reason === undefined || expires === undefined || values.action === undefined) {
        throw new UsageError('break-glass create needs --user, --action, --resource, --reason and --expires')
      }
      const parsed = parseResourcePattern(resource)
      if ('error' in parsed) throw new UsageError(`--resource ${parsed.error}`)
      const until = parseTimestamp(expires)
      if (until === undefined) throw new UsageError(`--expires must be a date or RFC 3339 date-time (got "${expires}")`)
      if (until.getTime() <= now.getTime()) throw new UsageError('--expires must be in the future')
      // Against the real clock too: ROLECALL_NOW pins time for reproducible runs, not to stretch an emergency grant.
      const latest = Math.min(now.getTime(), Date.now()) + maxBreakGlassHours * 3_600_000
      if (until.getTime() > latest) throw new UsageError(`a break-glass grant lasts at most ${maxBreakGlassHours} hours; make a reviewed Grant for longer`)
      if (reason.trim().length < 3) throw new UsageError('--reason must say why (an incident, a ticket)')
      const record = await withStore(values.db, io, async (store) => {
        if (store === undefined) throw new UsageError('no database')
        return store.addBreakGlass({ user, actions: values.action ?? [], resource, ...(values.env === undefined ? {} : { env: values.env }), reason, expires: until.toISOString(), createdBy: values.by ?? 'cli' })
      }, false)
      io.out(`Created ${record.id}: ${user} may ${record.actions.join(', ')} ${resource} until ${record.expires}. It is reported by \`rolecall drift\` until it expires.\n`)
      return 0
    }
    case 'list': {
      const records = await withStore(values.db, io, async (store) => (store === undefined ? [] : store.listBreakGlass()))
      if (records.length === 0) io.out('No break-glass grants.\n')
      for (const record of records) {
        const state = record.revokedAt !== undefined ? `revoked ${record.revokedAt}` : Date.parse(record.expires) <= now.getTime() ? 'expired' : 'active'
        io.out(`${record.id}  ${record.user}  ${record.actions.join(',')} ${record.resource}  until ${record.expires}  ${state}  (${record.reason})\n`)
      }
      return 0
    }
    case 'revoke': {
      const [id] = positionals
      if (id === undefined || positionals.length !== 1) throw new UsageError('break-glass revoke: give exactly one id')
      const revoked = await withStore(values.db, io, async (store) => store !== undefined && store.revokeBreakGlass(id, values.by ?? 'cli'), false)
      if (!revoked) {
        io.err(`rolecall: no active break-glass grant ${id}\n`)
        return 1
      }
      io.out(`Revoked ${id}.\n`)
      return 0
    }
    default:
      throw new UsageError('break-glass: give create, list or revoke')
  }
}
