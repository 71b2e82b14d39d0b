// rolecall audit verify|export: check the audit hash chain (and that nothing was cut off its end), or write it as JSON lines for a SIEM.
import { createWriteStream } from 'node:fs'
import { UsageError } from '../../errors.js'
import { parseTimestamp } from '../../model/time.js'
import { resolveStoreLocation } from '../../server/config.js'
import { openStore, requireStore } from '../../store/open-store.js'
import type { AuditVerification } from '../../store/store.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { auditSpec } from '../specs/operate.js'

function report(result: AuditVerification, head: string | undefined, io: Io): number {
  if (!result.ok) {
    const where = result.brokenAt === undefined ? 'audit log not intact' : `audit chain broken at entry ${result.brokenAt}`
    io.err(`rolecall: ${where}: ${result.reason} (${result.entries} entries verified)\n`)
    return 1
  }
  io.out(`Audit chain intact: ${result.entries} entries.\n`)
  // Printed so that operators can keep it outside the store: whoever can write the file can rewrite the log.
  io.out(`Head: entry ${result.head.seq}, hash ${result.head.hash}\n`)
  if (head !== undefined) io.out(`The head recorded earlier (${head}) is entry ${result.externalHeadSeq ?? '?'}.\n`)
  if (!result.isHeadRecorded) {
    io.err('rolecall: this store predates the recorded head, so entries cut off its end cannot be told; any command that writes to it adds one\n')
  }
  return 0
}

/** --since SEQ (the entries after that one) or --since TIME (those at or after it). */
function sinceOption(since: string | undefined): { afterSeq: number; at?: Date } {
  if (since === undefined) return { afterSeq: 0 }
  if (/^\d+$/.test(since)) return { afterSeq: Number(since) }
  const at = parseTimestamp(since)
  if (at === undefined) throw new UsageError(`--since takes an entry's seq (as export prints it) or a date or RFC 3339 time (got "${since}")`)
  return { afterSeq: 0, at }
}

/** How often --follow looks for new entries: a read of the entries after the last one, by its key. */
const followEveryMs = 500

/** Run `poll` every followEveryMs until SIGINT or SIGTERM, then once more so that nothing committed before is missed. */
async function follow(poll: () => Promise<void>): Promise<void> {
  let isStopping = false
  let wake: () => void = () => {}
  const stop = () => {
    isStopping = true
    wake()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    while (!isStopping) {
      await new Promise<void>((resolveWait) => {
        wake = resolveWait
        setTimeout(resolveWait, followEveryMs)
      })
      await poll()
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

export async function run(args: Parsed<typeof auditSpec>, io: Io): Promise<number> {
  const head = args.subcommand === 'verify' ? args.values.head?.toLowerCase() : undefined
  if (args.subcommand === 'verify' && head !== undefined && !/^[0-9a-f]{64}$/.test(head)) {
    throw new UsageError(`--head takes the 64 hex digits of an entry's hash, as audit verify prints it (got "${args.values.head ?? ''}")`)
  }
  // Both only read: a store on a read-only mount can be checked, and checking never migrates it.
  const location = resolveStoreLocation(args.values.db, io.env, io.cwd)
  await requireStore(location)
  const store = await openStore(location, { use: 'read' })
  try {
    if (args.subcommand === 'verify') return report(await store.verifyAudit(head === undefined ? {} : { head }), head, io)
    const { values } = args
    const from = sinceOption(values.since)
    const file = values.out === undefined ? undefined : createWriteStream(values.out)
    const write = file === undefined ? io.out : (line: string) => void file.write(line)
    let afterSeq = from.afterSeq
    let count = 0
    // A SIEM shipper resumes with --since LAST_SEQ; with --follow it then keeps reading entries as they commit.
    const exportNew = async () => {
      count += await store.exportAudit(
        (entry) => {
          afterSeq = entry.seq
          if (from.at === undefined || Date.parse(entry.at) >= from.at.getTime()) write(`${JSON.stringify(entry)}\n`)
        },
        { afterSeq },
      )
    }
    await exportNew()
    if (values.follow === true) await follow(exportNew)
    if (file !== undefined) {
      await new Promise<void>((resolveDone, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolveDone())))
      io.err(`Wrote ${count} audit entries to ${values.out ?? ''}.\n`)
    }
    return 0
  } finally {
    await store.close()
  }
}
