// One place opens a store: no module outside src/store reaches into a backend, and no driver's codes leak out.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

const outside = sourceFiles(join(root, 'src'))
  .filter((path) => !relative(join(root, 'src'), path).startsWith('store/'))
  .map((path) => ({ file: relative(root, path), text: readFileSync(path, 'utf8') }))

describe('store boundaries', () => {
  it('no module outside src/store imports a backend', () => {
    const offenders = outside.filter(({ text }) => /from '[^']*store\/(sqlite|postgres)\//.test(text)).map(({ file }) => file)
    expect(offenders).toEqual([])
    // The test sees the modules it should: the CLI and the server are among them.
    expect(outside.map(({ file }) => file)).toEqual(expect.arrayContaining(['src/cli/commands/serve.ts', 'src/server/app.ts']))
  })

  it('no module outside src/store knows a driver error code', () => {
    const offenders = outside.filter(({ text }) => /SQLITE_[A-Z]|\b(57P01|23505|40001|08006)\b/.test(text)).map(({ file }) => file)
    expect(offenders).toEqual([])
  })
})
