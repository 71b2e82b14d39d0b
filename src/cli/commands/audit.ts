// rolecall audit verify|export: check the audit hash chain, or write it as JSON lines for a SIEM.
import { createWriteStream, existsSync } from 'node:fs'
import { UsageError } from '../../errors.js'
import { resolveDbPath } from '../../server/config.js'
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js'
import { parseCommandArgs } from '../args.js'
import type { Io } from '../io.js'

export async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv
  const { values } = parseCommandArgs('audit', rest, { db: { type: 'string' }, out: { type: 'string' } })
  if (action !== 'verify' && action !== 'export') {
    throw new UsageError(action === undefined ? 'audit: say verify or export' : `audit: unknown action "${action}"`)
  }
  const dbPath = resolveDbPath(values.db, io.env, io.cwd)
  if (!existsSync(dbPath)) throw new UsageError(`no database at ${dbPath}`)
  const store = openSqliteStore(dbPath)
  try {
    if (action === 'verify') {
      const result = await store.verifyAudit()
      if (result.ok) {
        io.out(`Audit chain intact: ${result.entries} entries.\n`)
        return 0
      }
      io.err(`rolecall: audit chain broken at entry ${result.brokenAt}: ${result.reason} (${result.entries} entries verified before it)\n`)
      return 1
    }
    if (values.out === undefined) {
      await store.exportAudit((entry) => io.out(`${JSON.stringify(entry)}\n`))
      return 0
    }
    const file = createWriteStream(values.out)
    const count = await store.exportAudit((entry) => file.write(`${JSON.stringify(entry)}\n`))
    await new Promise<void>((resolveDone, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolveDone())))
    io.err(`Wrote ${count} audit entries to ${values.out}.\n`)
    return 0
  } finally {
    await store.close()
  }
}
