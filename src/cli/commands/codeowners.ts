// rolecall codeowners: print (or --write) CODEOWNERS with a generated block routing access files to their approvers.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { RolecallError } from '../../errors.js'
import { renderCodeownersBlock, mergeCodeowners } from '../../review/codeowners.js'
import { parseCommandArgs } from '../args.js'
import { readNow } from '../clock.js'
import { defaultCodeownersFile, readCodeowners } from '../codeowners-check.js'
import { loadDesired } from '../desired.js'
import type { Io } from '../io.js'

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('codeowners', argv, {
    dir: { type: 'string' },
    file: { type: 'string' },
    write: { type: 'boolean' },
  })
  const state = await loadDesired(values.dir, io, readNow(io.env))
  const path = resolve(io.cwd, values.file ?? defaultCodeownersFile)
  const existing = await readCodeowners(path)
  const merged = mergeCodeowners(existing, renderCodeownersBlock(state))
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
