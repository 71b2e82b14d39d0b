// Finds the access files: every *.yaml / *.yml below a directory, in one sorted order.
import { readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { compareStrings } from '../util/compare.js'

const yamlFile = /\.ya?ml$/i

/** Absolute paths of the YAML files below `dir`, sorted by their path relative to `dir` (with `/`). Skips dot-folders and node_modules. */
export async function findAccessFiles(dir: string): Promise<string[]> {
  const info = await stat(dir)
  if (!info.isDirectory()) return [dir]
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files: { path: string; key: string }[] = []
  for (const entry of entries) {
    if (!entry.isFile() || !yamlFile.test(entry.name)) continue
    const path = join(entry.parentPath, entry.name)
    const key = relative(dir, path).split(sep).join('/')
    if (key.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) continue
    files.push({ path, key })
  }
  return files.sort((a, b) => compareStrings(a.key, b.key)).map((file) => file.path)
}
