// Online backup of the SQLite store: a consistent copy while the server keeps serving (SQLite's backup API).
import { existsSync } from 'node:fs'
import { StoreError } from '../../errors.js'
import { openReadOnly } from './open-read-only.js'

/** Copy the store at `source` to `destination` (which must not exist); returns the pages copied. */
export async function backupDatabase(source: string, destination: string): Promise<number> {
  if (!existsSync(source)) throw new StoreError(`no database at ${source}`)
  if (existsSync(destination)) throw new StoreError(`${destination} already exists; choose a new file`)
  // Reads only: a store on a read-only mount can be backed up (see openReadOnly).
  const { db, dispose } = openReadOnly(source)
  try {
    const result = await db.backup(destination)
    return result.totalPages
  } catch (error) {
    throw new StoreError(`backup to ${destination} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  } finally {
    db.close()
    dispose()
  }
}
