// Builds a scenario's access directory from the shared base fixture plus the case's own files.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** The instant every fixture is validated at, so expiry checks are stable. */
export const fixtureNow = new Date('2026-11-23T00:00:00Z')

/** A case of the invalid corpus: one mistake, and where it must be reported. */
export type InvalidCase = {
  why: string
  /** Base files to delete for this case. */
  remove?: string[]
  /** Where the one diagnostic must be; file, line and col are absent for a problem of the whole directory. */
  expect: { code: string; severity: 'error' | 'warning'; file?: string; line?: number; col?: number }
}

/** A temporary directory with the base files, minus `remove`, overlaid with every file of `caseDir` but case.json. */
export async function materialize(caseDir: string | undefined, remove: readonly string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rolecall-fixture-'))
  await cp(join(fixturesDir, 'base'), dir, { recursive: true })
  for (const file of remove) await rm(join(dir, file), { force: true })
  if (caseDir !== undefined) {
    for (const entry of await readdir(caseDir)) {
      if (entry !== 'case.json') await cp(join(caseDir, entry), join(dir, entry), { recursive: true })
    }
  }
  return dir
}
