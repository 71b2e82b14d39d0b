// rolecall break-glass create|list|revoke: emergency grants made outside git. They expire, and drift always reports them.
import { UsageError } from '../../errors.js'
import { parseResourcePattern } from '../../model/resource.js'
import { parseTimestamp } from '../../model/time.js'
import { readNow } from '../clock.js'
import { withStore } from '../desired.js'
import { requireActor } from '../actor.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { breakGlassSpec } from '../specs/operate.js'

/** A break-glass grant may last at most this long: it is for emergencies, not for avoiding review. */
export const maxBreakGlassHours = 72

export async function run(args: Parsed<typeof breakGlassSpec>, io: Io): Promise<number> {
  const now = readNow(io.env)
  switch (args.subcommand) {
    case 'create': {
      const { values } = args
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
      const actor = requireActor(values.actor ?? values.by, 'a break-glass grant', io)
      const record = await withStore(values.db, io, async (store) =>
        store.addBreakGlass({ user, actions: values.action ?? [], resource, ...(values.env === undefined ? {} : { env: values.env }), reason, expires: until.toISOString(), createdBy: actor }),
      )
      io.out(`Created ${record.id}: ${user} may ${record.actions.join(', ')} ${resource} until ${record.expires}. It is reported by \`rolecall drift\` until it expires.\n`)
      return 0
    }
    case 'list': {
      const records = await withStore(args.values.db, io, async (store) => store.listBreakGlass(), 'read')
      if (records.length === 0) io.out('No break-glass grants.\n')
      for (const record of records) {
        const state = record.revokedAt !== undefined ? `revoked ${record.revokedAt}` : Date.parse(record.expires) <= now.getTime() ? 'expired' : 'active'
        io.out(`${record.id}  ${record.user}  ${record.actions.join(',')} ${record.resource}  until ${record.expires}  ${state}  (${record.reason})\n`)
      }
      return 0
    }
    case 'revoke': {
      const { values, positionals } = args
      const [id] = positionals
      if (id === undefined || positionals.length !== 1) throw new UsageError('break-glass revoke: give exactly one id')
      const actor = requireActor(values.actor ?? values.by, 'revoking a break-glass grant', io)
      const revoked = await withStore(values.db, io, async (store) => store.revokeBreakGlass(id, actor))
      if (!revoked) {
        io.err(`rolecall: no active break-glass grant ${id}\n`)
        return 1
      }
      io.out(`Revoked ${id}.\n`)
      return 0
    }
    default: {
      const unreachable: never = args
      throw new Error(`unknown break-glass command ${String(unreachable)}`)
    }
  }
}
