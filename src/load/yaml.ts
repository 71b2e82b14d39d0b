// Multi-document YAML: a fast parse without positions for every file, and a position-carrying
// parse (JSON pointer → line:col) only for the files that have something to report.
import jsYaml from 'js-yaml'
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml'
import type { Diagnostic } from '../diag/diagnostic.js'

/** A path into a parsed document: property names and array indexes. */
export type DocPath = readonly (string | number)[]

/** Cap on values reachable from a document, counting every alias expansion: stops "billion laughs" files. */
export function maxExpandedNodes(textLength: number): number {
  return 10 * textLength + 10_000
}

export type ParsedYaml = { documents: unknown[] } | { diagnostic: Diagnostic }

function yamlErrorCode(reason: string): string {
  if (reason.includes('duplicated mapping key')) return 'yaml-duplicate-key'
  // A whole word: 'unacceptable', 'non-printable' and 'non-tabulated' are not about tabs.
  if (/\btab\b/.test(reason)) return 'yaml-tab'
  return 'yaml-syntax'
}

/**
 * Counts the values reachable from `value` as a consumer walking it would see them; stops at `limit`.
 * Children are pushed one at a time: spreading a list of 100,000+ items into `push` overflows the call stack.
 */
function expandedSize(value: unknown, limit: number): number {
  let count = 0
  const stack: unknown[] = [value]
  while (stack.length > 0 && count <= limit) {
    const next = stack.pop()
    count++
    if (next === null || typeof next !== 'object') continue
    for (const child of Array.isArray(next) ? next : Object.values(next)) stack.push(child)
  }
  return count
}

/** Parse every document of a file without positions. Syntax errors, duplicate keys, tabs and alias bombs become one diagnostic. */
export function parseYamlFast(file: string, text: string): ParsedYaml {
  let documents: unknown[]
  try {
    documents = jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA, json: false })
  } catch (error) {
    if (!(error instanceof jsYaml.YAMLException)) throw error
    return { diagnostic: syntaxDiagnostic(file, text, error) }
  }
  const limit = maxExpandedNodes(text.length)
  let total = 0
  for (const document of documents) {
    total += expandedSize(document, limit)
    if (total > limit) {
      const at = firstAliasPosition(text)
      return {
        diagnostic: {
          severity: 'error',
          code: 'yaml-alias-limit',
          summary: `YAML aliases expand to more than ${limit} values; anchors and aliases may not multiply a file's size.`,
          source: { file, ...at },
        },
      }
    }
  }
  return { documents: documents.filter((document) => document !== null && document !== undefined) }
}

/**
 * One diagnostic for what js-yaml refused: at its mark, but at the opening quote of a string that is never closed,
 * and at the character itself when the file holds one YAML does not allow (js-yaml marks where it noticed).
 */
function syntaxDiagnostic(file: string, text: string, error: jsYaml.YAMLException): Diagnostic {
  const reason = error.reason || 'invalid YAML'
  const code = yamlErrorCode(reason)
  const mark = error.mark?.position ?? text.length
  const quote = unclosedQuoteStart(text, reason, mark)
  if (quote !== undefined) {
    return { severity: 'error', code, summary: `YAML: this ${quote.style}-quoted string is never closed.`, detail: `YAML: ${reason}.`, source: { file, ...positionOf(text, quote.offset) } }
  }
  const character = disallowedCharacter(text, reason, mark)
  if (character !== undefined) {
    const hex = (text.codePointAt(character) ?? 0).toString(16).toUpperCase().padStart(4, '0')
    return { severity: 'error', code, summary: `YAML: character U+${hex} is not allowed here; remove it.`, detail: `YAML: ${reason}.`, source: { file, ...positionOf(text, character) } }
  }
  const key = code === 'yaml-duplicate-key' ? keyAt(text, mark) : undefined
  return {
    severity: 'error',
    code,
    summary: key === undefined ? `YAML: ${reason}` : `YAML: duplicated mapping key \`${key}\`; a key may appear once in a mapping.`,
    source: { file, line: (error.mark?.line ?? 0) + 1, col: (error.mark?.column ?? 0) + 1 },
  }
}

/**
 * What js-yaml refuses in a scalar, and in a double-quoted one (JSON characters only: no controls but tab).
 * Lone surrogates, which js-yaml refuses too, never get this far: strict UTF-8 decoding refused them.
 */
const nonPrintable = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]/
const nonJson = /[\x00-\x08\x0A-\x1F]/

/**
 * The offset of the character js-yaml refused. A NUL is refused wherever it is, so it is the file's first; the
 * others are found when js-yaml takes a piece of a scalar, which never spans a line, and it marks the piece's end:
 * the first such character between the start of the marked line and the mark.
 */
function disallowedCharacter(text: string, reason: string, mark: number): number | undefined {
  if (reason.includes('null byte')) {
    const nul = text.indexOf('\0')
    return nul < 0 ? undefined : nul
  }
  const pattern = reason.includes('non-printable') ? nonPrintable : reason.includes('valid JSON character') ? nonJson : undefined
  if (pattern === undefined) return undefined
  const lineStart = text.lastIndexOf('\n', mark - 1) + 1
  const found = pattern.exec(text.slice(lineStart, mark + 1))
  return found === null ? undefined : lineStart + found.index
}

/**
 * js-yaml reports a quoted string left open where the file or the document (`---`) ends. Nothing after its opening
 * quote closes it, so that quote is the last one before that end that is not escaped (`\"`) or doubled (`''`).
 */
function unclosedQuoteStart(text: string, reason: string, mark: number): { style: 'double' | 'single'; offset: number } | undefined {
  if (!reason.includes('end of the stream') && !reason.includes('end of the document')) return undefined
  const end = Math.min(mark, text.length)
  if (reason.includes('double quoted scalar')) {
    let i = text.lastIndexOf('"', end - 1)
    while (i > 0 && isEscaped(text, i)) i = text.lastIndexOf('"', i - 1)
    return i < 0 ? undefined : { style: 'double', offset: i }
  }
  if (reason.includes('single quoted scalar')) {
    let i = text.lastIndexOf("'", end - 1)
    while (i > 0 && text[i - 1] === "'") i = i >= 2 ? text.lastIndexOf("'", i - 2) : -1
    return i < 0 ? undefined : { style: 'single', offset: i }
  }
  return undefined
}

/** Is the character at `offset` escaped by an odd number of backslashes? */
function isEscaped(text: string, offset: number): boolean {
  let slashes = 0
  while (text[offset - 1 - slashes] === '\\') slashes++
  return slashes % 2 === 1
}

/** 1-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset)
  const lineStart = before.lastIndexOf('\n') + 1
  return { line: before.split('\n').length, col: offset - lineStart + 1 }
}

/** The (plain or quoted) key that starts at `offset`, where js-yaml marks a duplicated key. */
function keyAt(text: string, offset: number): string | undefined {
  if (offset < 0) return undefined
  const match = /^(?:"([^"\n]*)"|'([^'\n]*)'|([^\s:#,{}[\]][^:\n#,{}]*?))[ \t]*:/.exec(text.slice(offset, offset + 512))
  return match === null ? undefined : (match[1] ?? match[2] ?? match[3])
}

function firstAliasPosition(text: string): { line: number; col: number } {
  const lines = new LineCounter()
  const documents = parseAllDocuments(text, { lineCounter: lines })
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    let offset: number | undefined
    const visit = (node: unknown): void => {
      if (offset !== undefined || node === null || typeof node !== 'object') return
      if (isAlias(node)) {
        offset = rangeStart(node)
        return
      }
      if (isMap(node) || isSeq(node)) for (const item of node.items) visit(item)
      else if (isPair(node)) {
        visit(node.key)
        visit(node.value)
      }
    }
    visit(document.contents)
    if (offset !== undefined) return lines.linePos(offset)
  }
  return { line: 1, col: 1 }
}

/** Where a value (or its key) sits in a file. Built once per file that has diagnostics. */
export class PositionIndex {
  private readonly lines = new LineCounter()
  private readonly roots: (YamlNode | null)[]

  constructor(text: string) {
    const documents = parseAllDocuments(text, { lineCounter: this.lines })
    const list = Array.isArray(documents) ? documents : [documents]
    // Empty and null documents (`~`) were dropped by the fast parse; keep the same numbering.
    this.roots = list.map((document) => document.contents as YamlNode | null).filter((root) => root !== null && !(isScalar(root) && root.value === null))
  }

  /**
   * 1-based line:col of the node at `path` in document `index`: of its key when `onKey`, else of its value.
   * Paths that do not exist (a missing property) resolve to the deepest node that does.
   */
  locate(index: number, path: DocPath, onKey = false): { line: number; col: number } {
    let node: unknown = this.roots[index] ?? null
    let offset = rangeStart(node) ?? 0
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]
      const last = i === path.length - 1
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
        if (pair === undefined) break
        if (last && onKey) return this.lines.linePos(rangeStart(pair.key) ?? offset)
        node = pair.value
        offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment]
        if (item === undefined) break
        node = item
        offset = rangeStart(item) ?? offset
      } else break
    }
    return this.lines.linePos(offset)
  }
}

function rangeStart(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] }).range
    return range?.[0]
  }
  return undefined
}
