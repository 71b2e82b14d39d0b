// Finds the access files: every *.yaml / *.yml below a directory, in one sorted order, and every such entry it
// cannot read, with the reason. Symbolic links are followed while they stay inside the directory.
import type { Dirent } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, sep } from 'node:path'
import { compareStrings } from '../util/compare.js'

const yamlFile = /\.ya?ml$/i

/** An entry below the access directory that is not read, and why (`points outside the access directory`). */
export type SkippedEntry = { path: string; reason: string }

export type AccessFiles = {
  /** Absolute paths (through any symbolic links followed), sorted by their path relative to the directory. */
  files: string[]
  /** Sorted the same way. */
  skipped: SkippedEntry[]
}

/** Hidden entries (`.git`, `.h.yaml`) and node_modules are not part of the access files, as the README says. */
function isIgnored(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules'
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path)
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)
}

/**
 * The YAML files below `dir`. A symbolic link to a file or folder inside `dir` is read as if it were one; a link
 * that points outside `dir`, nowhere, or back into a folder it is in, and a YAML-named entry that is not a regular
 * file, is skipped and listed with the reason, so that no file is dropped without a word.
 */
export async function findAccessFiles(dir: string): Promise<AccessFiles> {
  const info = await stat(dir)
  if (!info.isDirectory()) return { files: [dir], skipped: [] }
  const root = await realpath(dir)
  const files: string[] = []
  const skipped: SkippedEntry[] = []

  // `ancestors` are the real paths of the folders being walked, to notice a link back into one of them.
  const walk = async (folder: string, ancestors: readonly string[]): Promise<void> => {
    const entries: Dirent[] = await readdir(folder, { withFileTypes: true })
    for (const entry of entries) {
      if (isIgnored(entry.name)) continue
      const path = join(folder, entry.name)
      if (entry.isDirectory()) {
        await walk(path, [...ancestors, await realpath(path)])
        continue
      }
      if (entry.isFile()) {
        if (yamlFile.test(entry.name)) files.push(path)
        continue
      }
      if (!entry.isSymbolicLink()) {
        if (yamlFile.test(entry.name)) skipped.push({ path, reason: 'it is not a regular file' })
        continue
      }
      const target = await realpath(path).catch((error: NodeJS.ErrnoException) => error)
      if (target instanceof Error) {
        // Whatever its name, a broken link may have been meant as a folder of access files.
        skipped.push({ path, reason: target.code === 'ELOOP' ? 'it is a symbolic link that leads back to itself' : 'it is a symbolic link to something that does not exist' })
        continue
      }
      const linked = await stat(target)
      // A link to a file is an access file only by its own name, as any file is.
      if (!linked.isDirectory() && !yamlFile.test(entry.name)) continue
      if (!isInside(target, root)) {
        skipped.push({ path, reason: `it is a symbolic link to ${target}, outside the access directory` })
        continue
      }
      if (linked.isDirectory()) {
        if (ancestors.includes(target)) skipped.push({ path, reason: 'it is a symbolic link to a folder that contains it (a loop)' })
        else await walk(path, [...ancestors, target])
      } else if (linked.isFile()) files.push(path)
      else skipped.push({ path, reason: 'it is a symbolic link to something that is not a regular file' })
    }
  }
  await walk(dir, [root])

  const key = (path: string) => relative(dir, path).split(sep).join('/')
  return {
    files: files.sort((a, b) => compareStrings(key(a), key(b))),
    skipped: skipped.sort((a, b) => compareStrings(key(a.path), key(b.path))),
  }
}
