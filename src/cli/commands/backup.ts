// rolecall backup: a consistent copy of the store while the server runs.
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { resolveStoreLocation } from '../../server/config.js'
import { backupStore } from '../../store/open-store.js'
import { parseCommandArgs } from '../args.js'
import type { Io } from '../io.js'

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('backup', argv, { db: { type: 'string' }, out: { type: 'string' } })
  if (values.out === undefined) throw new UsageError('backup: --out FILE is required')
  const source = resolveStoreLocation(values.db, io.env, io.cwd)
  const destination = resolve(io.cwd, values.out)
  const copied = await backupStore(source, destination)
  io.out(`Backed up ${source.display} to ${destination} (${copied}).\n`)
  return 0
}
