// The CODEOWNERS step of `validate`: warn when .github/CODEOWNERS holds a rolecall block that no longer matches the access files.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Diagnostic } from '../diag/diagnostic.js'
import type { DesiredState } from '../model/state.js'
import { codeownersStaleDiagnostic, renderCodeownersBlock } from '../review/codeowners.js'

/** Where GitHub reads CODEOWNERS from in this repository, relative to the working directory. */
export const defaultCodeownersFile = '.github/CODEOWNERS'

/** Read a CODEOWNERS file; undefined when it does not exist or cannot be read. */
export async function readCodeowners(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined)
}

/** A `codeowners-stale` warning, or nothing when the file is absent, has no rolecall block, or matches. */
export async function codeownersDiagnostics(state: DesiredState, cwd: string, file = defaultCodeownersFile): Promise<Diagnostic[]> {
  const existing = await readCodeowners(resolve(cwd, file))
  if (existing === undefined) return []
  const diagnostic = codeownersStaleDiagnostic(file, existing, renderCodeownersBlock(state))
  return diagnostic === undefined ? [] : [diagnostic]
}
