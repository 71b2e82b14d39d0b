// rolecall validate: schema and reference checks of an access directory, as text, JSON or GitHub annotations.
import { resolve } from 'node:path'
import { stat } from 'node:fs/promises'
import { hasErrors, sortDiagnostics } from '../../diag/diagnostic.js'
import { RolecallError } from '../../errors.js'
import { loadAccessDir } from '../../load/load-access.js'
import { renderDiagnostics } from '../../render/diagnostics.js'
import { envSetting } from '../args.js'
import { readNow } from '../clock.js'
import { codeownersDiagnostics } from '../codeowners-check.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { validateSpec } from '../specs/review.js'

/** The access directory: --dir, else ROLECALL_ACCESS_DIR (unless empty), else ./access. Must exist. */
export async function accessDirOption(dir: string | undefined, io: Io): Promise<string> {
  const path = resolve(io.cwd, dir ?? envSetting(io.env, 'ROLECALL_ACCESS_DIR') ?? 'access')
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) throw new RolecallError(`access directory not found: ${path}`)
  return path
}

export async function run({ values }: Parsed<typeof validateSpec>, io: Io): Promise<number> {
  const { format } = values
  const dir = await accessDirOption(values.dir, io)
  const loaded = await loadAccessDir(dir, { cwd: io.cwd, now: readNow(io.env) })
  // CODEOWNERS is checked only against a complete state: a partial one would always look stale.
  const diagnostics = hasErrors(loaded.diagnostics) ? loaded.diagnostics : sortDiagnostics([...loaded.diagnostics, ...(await codeownersDiagnostics(loaded.state, dir, io.cwd))])
  io.out(renderDiagnostics(format, diagnostics, loaded.fileCount))
  return hasErrors(diagnostics) ? 1 : 0
}
