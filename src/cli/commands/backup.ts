// rolecall backup: a consistent copy of the store while the server runs.
import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'
import { resolveStoreLocation } from '../../server/config.js'
import { backupStore, requireStore } from '../../store/open-store.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { backupSpec } from '../specs/operate.js'

export async function run({ values }: Parsed<typeof backupSpec>, io: Io): Promise<number> {
  if (values.out === undefined) throw new UsageError('backup: --out FILE is required')
  const source = resolveStoreLocation(values.db, io.env, io.cwd)
  const destination = resolve(io.cwd, values.out)
  await requireStore(source)
  const copied = await backupStore(source, destination)
  io.out(`Backed up ${source.display} to ${destination} (${copied}).\n`)
  return 0
}
