// The CODEOWNERS step of `validate`: warn when .github/CODEOWNERS holds a rolecall block that no longer matches the access files.
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import type { Diagnostic } from '../diag/diagnostic.js'
import { displayPath } from '../load/load-access.js'
import type { DesiredState } from '../model/state.js'
import { blockDir, codeownersStaleDiagnostic, renderCodeownersBlock } from '../review/codeowners.js'

/** Where GitHub reads CODEOWNERS from in this repository, relative to the working directory. */
export const defaultCodeownersFile = '.github/CODEOWNERS'

/** Read a CODEOWNERS file; undefined when it does not exist or cannot be read. */
export async function readCodeowners(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined)
}

/** The access directory as CODEOWNERS names it: relative to the repository root (the working directory), with `/`. */
export function accessDirLabel(dir: string, cwd: string): string {
  return displayPath(dir, cwd)
}

/**
 * A `codeowners-stale` warning, or nothing when the file is absent, has no rolecall block, matches, or was generated
 * from another access directory than `dir` (validating a fixture elsewhere says nothing about this repository's block).
 */
export async function codeownersDiagnostics(state: DesiredState, dir: string, cwd: string, file = defaultCodeownersFile): Promise<Diagnostic[]> {
  const label = accessDirLabel(dir, cwd)
  if (label.startsWith('../') || isAbsolute(label)) return []
  const existing = await readCodeowners(resolve(cwd, file))
  if (existing === undefined) return []
  const named = blockDir(existing)
  if (named !== undefined && named !== label) return []
  const diagnostic = codeownersStaleDiagnostic(file, existing, renderCodeownersBlock(state, label))
  return diagnostic === undefined ? [] : [diagnostic]
}
