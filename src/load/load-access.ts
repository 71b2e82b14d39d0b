// An access directory → DesiredState + every diagnostic at file:line:col. The one entry point commands use.
import { readFile } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import type { Diagnostic, SourceLocation } from '../diag/diagnostic.js'
import { formatLocation, sortDiagnostics } from '../diag/diagnostic.js'
import { buildDesiredState } from '../model/build.js'
import type { DesiredState } from '../model/state.js'
import type { DocLocation, LocatedDiagnostic, SourceDocument } from './document.js'
import { findAccessFiles } from './files.js'
import { salvageNames, type SalvagedName } from './salvage.js'
import { decodeAccessFile } from './text.js'
import { parseYamlFast, PositionIndex } from './yaml.js'
import { pushAll } from '../util/push-all.js'

export type LoadedAccess = {
  state: DesiredState
  /** Sorted; paths relative to the working directory. */
  diagnostics: Diagnostic[]
  fileCount: number
}

/** Replaces invalid bytes, only to salvage names from a file already reported as not UTF-8. */
const lenientDecoder = new TextDecoder('utf-8')

/** The path shown to users: relative to `cwd`, with `/`. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return (rel === '' ? path : rel).split(sep).join('/')
}

/** Load, parse, validate and build an access directory. Never throws for problems in the files. */
export async function loadAccessDir(dir: string, options: { cwd: string; now: Date }): Promise<LoadedAccess> {
  const { files: paths, skipped } = await findAccessFiles(dir)
  const diagnostics: Diagnostic[] = skipped.map(({ path, reason }) => {
    const detail = 'Every *.yaml / *.yml below the access directory is read; symbolic links are followed only within it.'
    return { severity: 'warning', code: 'skipped-file', summary: `Not read: ${reason}.`, detail, source: { file: displayPath(path, options.cwd), line: 1, col: 1 } }
  })
  const texts = new Map<string, string>()
  const documents: SourceDocument[] = []
  const salvaged: SalvagedName[] = []
  const contents = await Promise.all(paths.map((path) => readFile(path)))
  paths.forEach((path, fileIndex) => {
    const file = displayPath(path, options.cwd)
    const bytes = contents[fileIndex] ?? new Uint8Array()
    const decoded = decodeAccessFile(file, bytes)
    if ('diagnostic' in decoded) {
      diagnostics.push(decoded.diagnostic)
      if (decoded.diagnostic.code === 'encoding') pushAll(salvaged, salvageNames(lenientDecoder.decode(bytes)))
      return
    }
    const parsed = parseYamlFast(file, decoded.text)
    if ('diagnostic' in parsed) {
      diagnostics.push(parsed.diagnostic)
      pushAll(salvaged, salvageNames(decoded.text))
      return
    }
    texts.set(file, decoded.text)
    parsed.documents.forEach((value, index) => documents.push({ file, index, value }))
  })
  const built = buildDesiredState(documents, options.now, salvaged)
  pushAll(diagnostics, resolvePositions(built.diagnostics, texts))
  return { state: built.state, diagnostics: sortDiagnostics(diagnostics), fileCount: paths.length }
}

/** Turn document paths into file:line:col, re-parsing with positions only the files that need it. */
export function resolvePositions(located: readonly LocatedDiagnostic[], texts: ReadonlyMap<string, string>): Diagnostic[] {
  const indexes = new Map<string, PositionIndex>()
  const position = (at: DocLocation): SourceLocation => {
    const text = texts.get(at.file)
    if (text === undefined) return { file: at.file, line: 1, col: 1 }
    let index = indexes.get(at.file)
    if (index === undefined) {
      index = new PositionIndex(text)
      indexes.set(at.file, index)
    }
    return { file: at.file, ...index.locate(at.index, at.path, at.onKey) }
  }
  return located.map(({ at, firstAt, ...diagnostic }) => {
    if (firstAt !== undefined) {
      const first = `First declared at ${formatLocation(position(firstAt))}.`
      diagnostic = { ...diagnostic, detail: diagnostic.detail === undefined ? first : `${diagnostic.detail} ${first}` }
    }
    return at === undefined ? diagnostic : { ...diagnostic, source: position(at) }
  })
}
