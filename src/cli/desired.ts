// Shared by plan, apply, drift, explain, test: load and validate the access directory, open the store.
import { hasErrors } from '../diag/diagnostic.js'
import { RolecallError } from '../errors.js'
import { loadAccessDir } from '../load/load-access.js'
import type { DesiredState } from '../model/state.js'
import { renderDiagnosticsText } from '../render/diagnostics.js'
import { resolveStoreLocation } from '../server/config.js'
import { openStore, requireStore, type StoreUse } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { accessDirOption } from './commands/validate.js'
import type { Io } from './io.js'

/** The validated desired state; problems are printed to stderr and end the command with exit 1. */
export async function loadDesired(dir: string | undefined, io: Io, now: Date): Promise<DesiredState> {
  const path = await accessDirOption(dir, io)
  const loaded = await loadAccessDir(path, { cwd: io.cwd, now })
  if (loaded.diagnostics.length > 0) io.err(renderDiagnosticsText(loaded.diagnostics, loaded.fileCount))
  if (hasErrors(loaded.diagnostics)) throw new RolecallError('the access files have errors; fix them first (see above)')
  return loaded.state
}

/**
 * Run `work` with the store at --db / ROLECALL_DB. A store that does not exist is refused, naming the path: a typo
 * in --db must neither create an empty store nor answer as if nothing were in it (only `serve` creates one).
 */
export async function withStore<T>(db: string | undefined, io: Io, work: (store: Store) => Promise<T>, use: StoreUse = 'write'): Promise<T> {
  const location = resolveStoreLocation(db, io.env, io.cwd)
  await requireStore(location)
  const store = await openStore(location, { use })
  try {
    return await work(store)
  } finally {
    await store.close()
  }
}
