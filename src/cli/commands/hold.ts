// rolecall hold list|reject: held IdP changes, and rejecting one (its access stays denied until the IdP undoes it).
import { defaultHoldExpiryDays, guardPolicyOf } from '../../guard/guard-policy.js'
import { heldChange } from '../../guard/held-directory.js'
import { UsageError } from '../../errors.js'
import { stateFromDocuments, type StateDocument } from '../../model/documents.js'
import type { Hold } from '../../store/holds.js'
import type { Store } from '../../store/store.js'
import { requireActor } from '../actor.js'
import { readNow } from '../clock.js'
import { withStore } from '../desired.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { holdSpec } from '../specs/guard.js'

/** A hold as list shows it: with whether it is overdue under the applied policy's expiry. */
export type ListedHold = Hold & { change: string; isOverdue: boolean }

/** Holds of `store`, each with its change in words and whether it is open past the applied policy's expiry. */
export async function listedHolds(store: Store, now: Date, all: boolean): Promise<ListedHold[]> {
  const [holds, applied] = await Promise.all([store.listHolds(all ? {} : { status: ['open', 'rejected'] }), store.appliedState()])
  const state = applied === undefined ? undefined : stateFromDocuments(applied.documents as StateDocument[], now)
  const expiresAfterMs = state?.catalog === undefined ? defaultHoldExpiryDays * 86_400_000 : guardPolicyOf(state).expiresAfterMs
  const rank = (hold: Hold) => (hold.status === 'open' ? 0 : hold.status === 'rejected' ? 1 : 2)
  return holds
    .map((hold) => ({ ...hold, change: heldChange(hold), isOverdue: hold.status === 'open' && now.getTime() - Date.parse(hold.createdAt) > expiresAfterMs }))
    .sort((a, b) => rank(a) - rank(b) || Number(a.id.slice(1)) - Number(b.id.slice(1)))
}

function holdLine(hold: ListedHold): string {
  const state =
    hold.status === 'open' ? (hold.isOverdue ? 'OVERDUE (open past the policy expiry)' : 'open') : hold.status === 'rejected' ? `rejected by ${hold.closedBy ?? '?'}: remove it at the IdP` : `${hold.status} ${hold.closedReason ?? ''}`.trim()
  return `${hold.id}  [${hold.risk}]  ${hold.userName}  ${hold.change}  since ${hold.createdAt} (audit #${hold.auditSeq})  ${state}\n      holds: ${hold.access.map((item) => item.key).join(', ')}\n`
}

export async function run(args: Parsed<typeof holdSpec>, io: Io): Promise<number> {
  const now = readNow(io.env)
  switch (args.subcommand) {
    case 'list': {
      const { values } = args
      const holds = await withStore(values.db, io, (store) => listedHolds(store, now, values.all === true), 'read')
      if (values.format === 'json') {
        io.out(`${JSON.stringify({ holds }, null, 2)}\n`)
        return 0
      }
      if (holds.length === 0) io.out(values.all === true ? 'No holds.\n' : 'No open or rejected holds.\n')
      for (const hold of holds) io.out(holdLine(hold))
      const open = holds.filter((hold) => hold.status === 'open').length
      if (open > 0) io.out(`${open} open: the next plan shows ${open === 1 ? 'it' : 'them'}, and its reviewed apply releases ${open === 1 ? 'it' : 'them'}.\n`)
      return 0
    }
    case 'reject': {
      const { values, positionals } = args
      const [id] = positionals
      if (id === undefined || positionals.length !== 1) throw new UsageError('hold reject: give exactly one hold id (as hold list prints it)')
      const actor = requireActor(values.actor, 'rejecting a hold', io)
      const rejected = await withStore(values.db, io, (store) => store.rejectHold(id, actor, values.reason))
      if (rejected === undefined) {
        io.err(`rolecall: no open hold ${id} (rolecall hold list shows the open ones)\n`)
        return 1
      }
      io.out(`Rejected ${rejected.id}: ${rejected.access.map((item) => item.key).join(', ')} stays denied to ${rejected.userName}. Undo the change at ${rejected.connection}: ${heldChange(rejected)}.\n`)
      return 0
    }
  }
}
