// rolecall codeowners: print (or --write) CODEOWNERS with a generated block routing access files to their approvers.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { RolecallError } from '../../errors.js'
import { renderCodeownersBlock, mergeCodeowners } from '../../review/codeowners.js'
import { readNow } from '../clock.js'
import { accessDirLabel, defaultCodeownersFile, readCodeowners } from '../codeowners-check.js'
import { loadDesired } from '../desired.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { codeownersSpec } from '../specs/review.js'
import { accessDirOption } from './validate.js'

export async function run({ values }: Parsed<typeof codeownersSpec>, io: Io): Promise<number> {
  const dir = await accessDirOption(values.dir, io)
  const label = accessDirLabel(dir, io.cwd)
  if (label.startsWith('../') || isAbsolute(label)) throw new RolecallError(`the access directory ${dir} is outside the repository (run codeowners from the repository root)`)
  const state = await loadDesired(dir, io, readNow(io.env))
  const path = resolve(io.cwd, values.file ?? defaultCodeownersFile)
  const existing = await readCodeowners(path)
  const merged = mergeCodeowners(existing, renderCodeownersBlock(state, label))
  if (values.write !== true) {
    io.out(merged)
    return 0
  }
  if (merged === existing) {
    io.out(`${values.file ?? defaultCodeownersFile} is up to date.\n`)
    return 0
  }
  try {
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, merged)
  } catch (error) {
    throw new RolecallError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  io.out(`Wrote ${values.file ?? defaultCodeownersFile}.\n`)
  return 0
}
